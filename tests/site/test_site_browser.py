"""The built site in headless Debian chromium: facets, URL state, search, downloads, keyboard,
accessibility, no foreign requests, no console errors.

Expected sets and counts are computed here from the records through the tagger, never read
back from the page's own data, so a wrong filter in the page script fails these tests.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import bibtexparser
import pytest
from playwright.sync_api import Page
from pybtex.database import parse_string

from bufferlit.model import BufferType, Entry

from .conftest import HOSTILE_ID, HOSTILE_TITLE, open_catalogue, settled, visible_ids

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------------------------------------
# Expected results, from the records


def facet_values(entry: Entry) -> dict[str, set[str]]:
    paper, tagging = entry.paper, entry.tagging
    return {
        "buffer_type": {str(t) for t in tagging.buffer_types},
        # A paper with no buffer has no stance (its "uses" is only a convention).
        "stance": set()
        if set(tagging.buffer_types) == {BufferType.NONE}
        else {str(tagging.stance)},
        "domain": set(tagging.domains),
        "year": {str(paper.year) if paper.year else "n.d."},
        "venue": {paper.venue} if paper.venue else set(),
        "code": {"yes"} if paper.code else set(),
    }


def expected_ids(entries: list[Entry], chosen: dict[str, set[str]], skip: str = "") -> set[str]:
    """OR within a facet, AND across facets."""
    return {
        entry.paper.id
        for entry in entries
        if all(
            not values or facet_values(entry)[key] & values
            for key, values in chosen.items()
            if key != skip
        )
    }


def expected_counts(entries: list[Entry], chosen: dict[str, set[str]], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    matching = expected_ids(entries, chosen, skip=key)
    for entry in entries:
        if entry.paper.id in matching:
            for value in facet_values(entry)[key]:
                counts[value] = counts.get(value, 0) + 1
    return counts


def shown_counts(tab: Page, key: str) -> dict[str, int]:
    pairs = tab.eval_on_selector_all(
        f'fieldset[data-facet="{key}"] .bl-facet__value',
        "items => items.map(i => [i.querySelector('input').value,"
        " Number(i.querySelector('[data-bl-count]').textContent)])",
    )
    return {value: count for value, count in pairs if count}


# ---------------------------------------------------------------------------------------------
# Catalogue facets


@pytest.mark.parametrize(
    "query, chosen",
    [
        ("", {}),
        ("?buffer_type=replay", {"buffer_type": {"replay"}}),
        ("?stance=avoids", {"stance": {"avoids"}}),
        (
            "?buffer_type=replay&buffer_type=hardware",
            {"buffer_type": {"replay", "hardware"}},
        ),
        (
            "?buffer_type=replay&stance=uses&domain=continual-learning",
            {"buffer_type": {"replay"}, "stance": {"uses"}, "domain": {"continual-learning"}},
        ),
        ("?code=yes", {"code": {"yes"}}),
    ],
)
def test_facet_urls_show_exactly_the_matching_papers_and_counts(
    page: Page, site_url: str, entries: list[Entry], query: str, chosen: dict[str, set[str]]
) -> None:
    open_catalogue(page, site_url, query)
    expected = expected_ids(entries, chosen)
    assert expected, "a facet test needs at least one matching paper"
    assert visible_ids(page) == expected
    status = page.text_content(".bl-catalogue [role=status]")
    assert re.sub(r"\s+", " ", status or "").strip() == f"{len(expected)} of {len(entries)} papers"
    for key in ("buffer_type", "stance", "domain", "year", "venue", "code"):
        assert shown_counts(page, key) == expected_counts(entries, chosen, key), key
    button = page.text_content("[data-bl-download=bib]")
    assert f"({len(expected)} papers)" in (button or "")


def test_combining_facets_narrows_and_a_paper_with_two_types_counts_in_both(
    page: Page, site_url: str, entries: list[Entry]
) -> None:
    two_types = [e for e in entries if len(set(e.tagging.buffer_types)) > 1]
    open_catalogue(page, site_url)
    # Each listed once, whatever its number of types.
    rows = page.eval_on_selector_all(".bl-papers > li[data-paper-id]", "r => r.length")
    assert rows == len(entries)
    counts = shown_counts(page, "buffer_type")
    for buffer_type, count in counts.items():
        assert count == sum(
            1 for e in entries if buffer_type in {str(t) for t in e.tagging.buffer_types}
        )
    if two_types:
        assert sum(counts.values()) > len(entries)
    wide = expected_ids(entries, {"buffer_type": {"replay"}})
    open_catalogue(page, site_url, "?buffer_type=replay&stance=avoids")
    narrow = visible_ids(page)
    assert narrow == expected_ids(entries, {"buffer_type": {"replay"}, "stance": {"avoids"}})
    assert narrow < wide


def test_clicks_update_the_url_and_the_url_restores_the_state(
    page: Page, site_url: str, entries: list[Entry]
) -> None:
    open_catalogue(page, site_url)
    page.check('fieldset[data-facet="buffer_type"] input[value="hardware"]')
    page.check('fieldset[data-facet="stance"] input[value="uses"]')
    page.select_option("#bl-sort", "title")
    assert urlsplit(page.url).query == "buffer_type=hardware&stance=uses&sort=title"
    settled(page)  # the title order waits for the titles file
    chosen = {"buffer_type": {"hardware"}, "stance": {"uses"}}
    assert visible_ids(page) == expected_ids(entries, chosen)
    titles = page.eval_on_selector_all(
        ".bl-papers > li:not([hidden]) .bl-paper__title", "a => a.map(x => x.textContent)"
    )
    assert titles == sorted(titles, key=str.casefold)

    page.reload()
    page.wait_for_selector("[data-bl-catalogue][data-bl-ready]")
    assert page.is_checked('fieldset[data-facet="buffer_type"] input[value="hardware"]')
    assert page.input_value("#bl-sort") == "title"
    assert visible_ids(page) == expected_ids(entries, chosen)

    page.click("button.bl-clear")
    # Clearing filters keeps the sort order (it is not a filter).
    page.wait_for_function("() => location.search === '?sort=title'")
    assert len(visible_ids(page)) == len(entries)


def test_text_filter_matches_titles_and_author_surnames(
    page: Page, site_url: str, entries: list[Entry]
) -> None:
    open_catalogue(page, site_url, "?q=shinn")
    assert visible_ids(page) == {
        e.paper.id for e in entries if any("shinn" in s.casefold() for s in e.paper.surnames)
    }
    page.fill("#bl-q", "replay")
    assert visible_ids(page) == {
        e.paper.id for e in entries if "replay" in e.paper.title.casefold()
    }
    assert "q=replay" in page.url


def test_facets_work_from_the_keyboard(page: Page, site_url: str, entries: list[Entry]) -> None:
    open_catalogue(page, site_url)
    page.focus("#bl-q")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.name, document.activeElement.value]")
    assert focused[0] == "buffer_type"
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked") is True
    assert visible_ids(page) == expected_ids(entries, {"buffer_type": {focused[1]}})
    assert f"buffer_type={focused[1]}" in page.url
    page.keyboard.press("Space")
    assert len(visible_ids(page)) == len(entries)


def test_filtered_bibtex_download_has_exactly_the_filtered_papers(
    page: Page, site_url: str, entries: list[Entry], tmp_path: Path
) -> None:
    chosen = {"buffer_type": {"streaming", "kv-context"}}
    open_catalogue(page, site_url, "?buffer_type=streaming&buffer_type=kv-context")
    with page.expect_download() as info:
        page.click("[data-bl-download=bib]")
    target = tmp_path / "selection.bib"
    info.value.save_as(target)
    text = target.read_text(encoding="utf-8")
    expected = expected_ids(entries, chosen)
    assert {entry.key for entry in bibtexparser.parse_string(text).entries} == expected
    assert set(parse_string(text, "bibtex").entries.keys()) == expected

    with page.expect_download() as info:
        page.click("[data-bl-download=ris]")
    info.value.save_as(tmp_path / "selection.ris")
    ris = (tmp_path / "selection.ris").read_text(encoding="utf-8")
    assert set(re.findall(r"^ID  - (\S+)$", ris, re.M)) == expected


def test_script_survives_instant_navigation(
    page: Page, site_url: str, entries: list[Entry]
) -> None:
    page.goto(site_url)
    page.click(".md-tabs__link:text-is('Catalogue')")
    page.wait_for_selector("[data-bl-catalogue][data-bl-ready]")
    page.check('fieldset[data-facet="stance"] input[value="avoids"]')
    assert visible_ids(page) == expected_ids(entries, {"stance": {"avoids"}})


# ---------------------------------------------------------------------------------------------
# Search, paper page, hostile record


def search_results(tab: Page, site_url: str, query: str) -> list[str]:
    """Type ``query`` into the header's search field and press Enter: the result links shown
    in the panel under the field (no page load)."""
    tab.goto(site_url)
    tab.fill(".bl-header-search__input", query)
    tab.press(".bl-header-search__input", "Enter")
    tab.wait_for_selector("[data-bl-header-search][data-bl-results]")
    assert urlsplit(tab.url).path == urlsplit(site_url).path  # still the same page
    assert tab.is_visible("[data-bl-search-panel]")
    return tab.eval_on_selector_all(".bl-search-panel__results a", "a => a.map(x => x.href)")


@pytest.mark.parametrize(
    "query, paper_id",
    [("Reflexion", "shinn2023reflexion"), ("Videnovic", "videnovic2025distractor")],
)
def test_search_finds_papers_by_title_word_and_surname(
    page: Page, site_url: str, query: str, paper_id: str
) -> None:
    links = search_results(page, site_url, query)
    assert any(f"/papers/{paper_id}/" in link for link in links)
    # Only paper pages are indexed: no list page among the results.
    assert all("/papers/" in link for link in links)


def test_search_page_reached_from_the_catalogue_link(page: Page, site_url: str) -> None:
    open_catalogue(page, site_url)
    page.click(".bl-catalogue .bl-lead a[href$='search/']")
    page.wait_for_selector("[data-bl-search][data-bl-ready]")
    page.fill(".pagefind-ui__search-input", "Reflexion")
    link = page.locator(".pagefind-ui__result-link[href*='papers/shinn2023reflexion/']").first
    link.wait_for(timeout=10_000)
    link.click()
    page.wait_for_selector("h1.bl-paper-page__title")
    assert "Reflexion" in (page.text_content("h1.bl-paper-page__title") or "")


def test_paper_page_bibtex_block_parses(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}papers/shinn2023reflexion/")
    text = page.text_content("#bl-bibtex") or ""
    library = bibtexparser.parse_string(text)
    assert [entry.key for entry in library.entries] == ["shinn2023reflexion"]
    assert "Reflexion" in library.entries[0]["title"]
    assert list(parse_string(text, "bibtex").entries.keys()) == ["shinn2023reflexion"]
    mark = page.text_content(".bl-evidence mark")
    assert mark and mark in (page.text_content(".bl-abstract") or "")


def test_hostile_title_is_shown_as_text(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}papers/{HOSTILE_ID}/")
    assert page.text_content("h1") == HOSTILE_TITLE
    assert page.evaluate("() => document.querySelectorAll('.md-content script').length") == 0
    # Search shows it as text too.
    links = search_results(page, site_url, "Ampersand")
    assert any(f"/papers/{HOSTILE_ID}/" in link for link in links)
    result = page.locator(f".bl-search-panel__results a[href*='papers/{HOSTILE_ID}/']").first
    # As text (Pagefind folds the line separator into a space).
    shown = re.sub(r"\s+", " ", result.text_content() or "")
    assert shown == re.sub(r"\s+", " ", HOSTILE_TITLE)
    assert page.evaluate("() => document.querySelectorAll('.bl-search-panel script').length") == 0
    open_catalogue(page, site_url, "?q=ampersand")
    assert visible_ids(page) == {HOSTILE_ID}
    assert page.text_content(f"[data-paper-id={HOSTILE_ID}] .bl-paper__title") == HOSTILE_TITLE
