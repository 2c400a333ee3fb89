"""The built site's look and accessibility in headless chromium: axe-core in both palettes,
the list without JavaScript, the palette toggle, the copy button, and screenshots."""

from __future__ import annotations

import bibtexparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from bufferlit.model import Entry

from .conftest import HOSTILE_ID, SHOTS, SIZES, open_catalogue

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------------------------------------
# Accessibility and screenshots


@pytest.mark.parametrize("path", ["", "catalogue/", "papers/shinn2023reflexion/", "stats/"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations(
    browser: Browser, site_url: str, path: str, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    tab.goto(site_url + path)
    tab.wait_for_load_state("load")
    results = Axe().run(tab)
    context.close()
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious


def test_screenshots(browser: Browser, site_url: str) -> None:
    """Home, catalogue and a paper page at desktop and phone sizes, for a human to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        tab = context.new_page()
        for name, path in (
            ("home", ""),
            ("catalogue", "catalogue/?buffer_type=replay"),
            ("paper", "papers/shinn2023reflexion/"),
        ):
            tab.goto(site_url + path)
            tab.wait_for_load_state("load")
            shot = SHOTS / f"{name}-{size}.png"
            tab.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        context.close()


# ---------------------------------------------------------------------------------------------
# Without JavaScript, palette toggle, copy button


def test_without_javascript_the_whole_list_is_there(
    browser: Browser, site_url: str, entries: list[Entry]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{site_url}catalogue/?buffer_type=replay")
    rows = tab.locator(".bl-papers > li[data-paper-id]")
    assert rows.count() == len(entries)
    assert tab.locator(".bl-papers > li[hidden]").count() == 0
    assert tab.locator(f"[data-paper-id={HOSTILE_ID}] .bl-paper__title").is_visible()
    assert not tab.locator("[data-bl-enhanced]").is_visible()  # buttons that need the script
    context.close()


def test_palette_toggle_still_switches_schemes(page: Page, site_url: str) -> None:
    open_catalogue(page, site_url)
    before = page.get_attribute("body", "data-md-color-scheme")
    page.click("form[data-md-component=palette] label:visible")
    page.wait_for_function(
        f"() => document.body.getAttribute('data-md-color-scheme') !== {before!r}"
    )
    # The catalogue still filters after the switch.
    page.check('fieldset[data-facet="stance"] input[value="avoids"]')
    assert "stance=avoids" in page.url


def test_copy_button_copies_the_bibtex(browser: Browser, site_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    tab = context.new_page()
    tab.goto(f"{site_url}papers/shinn2023reflexion/")
    tab.click("button[data-copy-target=bl-bibtex]")
    tab.wait_for_function("() => document.querySelector('.bl-copy').textContent === 'Copied'")
    copied = tab.evaluate("() => navigator.clipboard.readText()")
    assert copied == tab.text_content("#bl-bibtex")
    assert [e.key for e in bibtexparser.parse_string(copied).entries] == ["shinn2023reflexion"]
    context.close()
