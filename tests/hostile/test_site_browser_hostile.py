"""The site built from hostile records, in headless Debian chromium: the catalogue, the paper
pages, the facets, the URL state and the search run no script from a record (the flag the
payloads would set stays undefined, no dialog opens) and show the markup as text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from playwright.sync_api import sync_playwright
from tests.helpers import CHROMIUM, LAUNCH_ARGS, serve_directory
from tests.hostile.support import HOSTILE, HOSTILE_TOO, build_site_dir, hostile_catalogue

pytestmark = pytest.mark.browser


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser-site")
    papers = hostile_catalogue(root / "papers")
    site = root / "site"
    done = build_site_dir(papers, site)
    assert done.returncode == 0, done.stderr
    with serve_directory(site) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watched:
    page: object
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def pwned(self) -> object:
        return self.page.evaluate("() => window.__pwned")  # type: ignore[attr-defined]

    def assert_nothing_ran(self) -> None:
        self.page.wait_for_timeout(300)  # type: ignore[attr-defined]
        assert self.pwned() is None
        assert self.dialogs == []
        assert self.foreign == []


@pytest.fixture
def watched(browser, base_url) -> Iterator[Watched]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    seen = Watched(page)

    def on_dialog(dialog) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def route(route) -> None:
        if route.request.url.startswith(base_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            seen.foreign.append(route.request.url)
            route.abort()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.route("**/*", route)
    try:
        yield seen
    finally:
        context.close()


def test_the_watch_notices_a_payload_that_runs(watched):
    """Control: the same payloads, put into a page unescaped, set the flag and open dialogs."""
    watched.page.set_content(  # type: ignore[attr-defined]
        f"<p>{HOSTILE['title']}</p><p>{HOSTILE['abstract']}</p>"
    )
    watched.page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert watched.pwned() is not None
    assert watched.dialogs


@pytest.mark.parametrize(
    ("paper_id", "fields"),
    [("evil2024markup", HOSTILE), ("evil2025second", HOSTILE_TOO)],
    ids=["markup", "attribute-breakout"],
)
def test_a_paper_page_runs_nothing_and_shows_the_markup(watched, base_url, paper_id, fields):
    page = watched.page
    page.goto(f"{base_url}/papers/{paper_id}/", wait_until="load")  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
    assert norm(page.locator("h1").first.inner_text()) == norm(fields["title"])  # type: ignore[attr-defined]
    body = norm(page.locator("body").inner_text())  # type: ignore[attr-defined]
    assert norm(fields["abstract"]) in body
    assert norm(fields["venue"]) in body
    assert norm(page.title()).startswith(norm(fields["title"]))  # type: ignore[attr-defined]
    assert page.locator("img[src='x'], iframe, svg[onload]").count() == 0  # type: ignore[attr-defined]
    assert watched.errors == []


def test_the_catalogue_runs_nothing_and_lists_the_titles_as_text(watched, base_url):
    page = watched.page
    page.goto(f"{base_url}/catalogue/", wait_until="load")  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
    body = norm(page.locator("body").inner_text())  # type: ignore[attr-defined]
    assert norm(HOSTILE["title"]) in body
    assert norm(HOSTILE_TOO["title"]) in body

    # Filter through the page's own script: the typed query and the results stay text.
    page.fill("#bl-q", "pwned")  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
    assert norm(HOSTILE["title"]) in norm(page.locator("body").inner_text())  # type: ignore[attr-defined]

    # Tick every facet value (the hostile venue among them), one after another.
    page.fill("#bl-q", "")  # type: ignore[attr-defined]
    boxes = page.locator("input[type=checkbox]")  # type: ignore[attr-defined]
    assert boxes.count() > 0
    venue_boxes = page.locator("input[type=checkbox][name=venue]")  # type: ignore[attr-defined]
    values = [venue_boxes.nth(i).get_attribute("value") for i in range(venue_boxes.count())]
    assert HOSTILE["venue"] in values
    for index in range(boxes.count()):
        box = boxes.nth(index)
        if box.is_visible():
            box.check()
            watched.assert_nothing_ran()
            box.uncheck()
    assert watched.errors == []


def test_hostile_url_state_runs_nothing(watched, base_url):
    """The catalogue reads its filters from the URL: a crafted link must not inject."""
    page = watched.page
    query = "&".join(
        f"{name}={quote(value)}"
        for name, value in [
            ("q", "<img src=x onerror=alert('q')>"),
            ("venue", HOSTILE["venue"]),
            ("venue", "\"><script>window.__pwned='venue'</script>"),
            ("domain", "<svg onload=alert('domain')>"),
            ("year", "javascript:alert(1)"),
        ]
    )
    page.goto(f"{base_url}/catalogue/?{query}#<img src=x onerror=alert('hash')>")  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
    assert page.input_value("#bl-q") == "<img src=x onerror=alert('q')>"  # type: ignore[attr-defined]


def test_the_site_search_shows_results_as_text(watched, base_url):
    page = watched.page
    page.goto(f"{base_url}/", wait_until="load")  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
    # The header's search field shows Pagefind's results in a panel under it.
    page.fill(".bl-header-search__input", "pipe")  # type: ignore[attr-defined]
    page.press(".bl-header-search__input", "Enter")  # type: ignore[attr-defined]
    results = page.locator(".bl-search-panel__results a")  # type: ignore[attr-defined]
    results.first.wait_for(timeout=15_000)
    watched.assert_nothing_ran()
    shown = norm(page.locator(".bl-search-panel__results").inner_text())  # type: ignore[attr-defined]
    assert "<script>window.__pwned=1</script>" in shown
    # And the search page (Pagefind's own UI), reached from the panel.
    page.click(".bl-search-panel__all a")  # type: ignore[attr-defined]
    results = page.locator(".pagefind-ui__result-link")  # type: ignore[attr-defined]
    results.first.wait_for(timeout=15_000)
    watched.assert_nothing_ran()
    shown = norm(page.locator(".pagefind-ui__results").inner_text())  # type: ignore[attr-defined]
    assert "<script>window.__pwned=1</script>" in shown
    assert watched.errors == []


def test_the_home_page_and_feed_link_run_nothing(watched, base_url):
    page = watched.page
    page.goto(f"{base_url}/", wait_until="load")  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
    assert norm(HOSTILE["title"]) in norm(page.locator("body").inner_text())  # type: ignore[attr-defined]
    page.goto(f"{base_url}/feed.xml", wait_until="load")  # type: ignore[attr-defined]
    watched.assert_nothing_ran()
