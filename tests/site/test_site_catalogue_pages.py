"""The catalogue in pages: its first rows are in the HTML, numbered pages reach every paper
without JavaScript, the script draws the rest from the compact data ("Show more"), and an
empty text filter or header search offers the closest title.

Built from the real records (plus the hostile one) with ``catalogue_rows: 10``, so the 41
papers take five pages. Expected sets come from the records through the tagger.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import bibtexparser
import pytest
from tests.helpers import serve_directory

from bufferlit.model import Entry

from .conftest import (
    HOSTILE_ID,
    REPO,
    SMALL_CATALOGUE,
    open_catalogue,
    settled,
    visible_ids,
    write_records,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ROWS = 10
REFLEXION = "shinn2023reflexion"


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bufferlit.site.build import build_site

    root = tmp_path_factory.mktemp("paged-site")
    papers = root / "papers"
    shutil.copytree(REPO / "papers", papers)
    write_records(papers, {f"{HOSTILE_ID}.yaml": SMALL_CATALOGUE[f"{HOSTILE_ID}.yaml"]})
    shutil.copytree(REPO / "docs", root / "docs")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    plugin = "      repo_url: https://github.com/bufferlit/bufferlit\n"
    assert plugin in config
    config = config.replace(plugin, plugin + f"      catalogue_rows: {ROWS}\n")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    build_site(root / "mkdocs.yml", site_dir=root / "site", papers_dir=papers, strict=True)
    return root / "site"


@pytest.fixture(scope="module")
def paged_url(paged_site: Path) -> Iterator[str]:
    with serve_directory(paged_site) as base_url:
        yield base_url + "/"


@pytest.fixture
def no_script(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def year_order(entries: list[Entry]) -> list[str]:
    """Newest first, then by title (what the catalogue promises)."""
    ordered = sorted(entries, key=lambda e: e.paper.title.casefold())
    ordered.sort(key=lambda e: e.paper.year or 0, reverse=True)
    return [entry.paper.id for entry in ordered]


def row_ids(tab: Page) -> list[str]:
    return tab.eval_on_selector_all(
        ".bl-papers > li[data-paper-id]", "rows => rows.map(row => row.dataset.paperId)"
    )


def row_shape(tab: Page, paper_id: str) -> list[list[str]]:
    """Each element of a paper's row: tag, classes, href, own text (whitespace folded)."""
    return tab.eval_on_selector(
        f".bl-papers > li[data-paper-id='{paper_id}']",
        """row => [row, ...row.querySelectorAll('*')].map(node => [
             node.tagName, node.className, node.getAttribute('href') || '',
             Array.from(node.childNodes).filter(n => n.nodeType === 3)
               .map(n => n.textContent).join('').replace(/\\s+/g, ' ').trim()])""",
    )


def test_without_script_the_first_rows_are_in_the_page_and_the_pages_reach_every_paper(
    no_script: Page, paged_url: str, entries: list[Entry]
) -> None:
    no_script.goto(f"{paged_url}catalogue/")
    first = row_ids(no_script)
    assert len(first) == ROWS
    assert no_script.is_visible("[data-bl-pager]")
    seen = list(first)
    pages = 1
    while no_script.locator("[data-bl-pager] a[rel=next]").count():
        no_script.click("[data-bl-pager] a[rel=next]")
        pages += 1
        assert no_script.text_content("h1") == f"Catalogue, page {pages} of 5"
        seen += row_ids(no_script)
    assert pages == 5
    assert seen == year_order(entries)  # every paper once, newest first
    # The numbered links go back too.
    no_script.click("[data-bl-pager] a:text-is('1')")
    assert urlsplit(no_script.url).path.endswith("/catalogue/")


def test_a_types_papers_are_in_numbered_pages_that_reach_every_one(
    no_script: Page, paged_url: str, entries: list[Entry]
) -> None:
    wanted = [
        paper_id
        for paper_id in year_order(entries)
        if any(str(t) == "replay" for t in _entry(entries, paper_id).tagging.buffer_types)
    ]
    assert len(wanted) > ROWS  # more than one page
    no_script.goto(f"{paged_url}types/replay/")
    assert f"{len(wanted)} papers, newest first." in no_script.text_content("main")
    seen, pages = row_ids(no_script), 1
    while no_script.locator("[data-bl-pager] a[rel=next]").count():
        no_script.click("[data-bl-pager] a[rel=next]")
        pages += 1
        assert urlsplit(no_script.url).path.endswith(f"/types/replay/page/{pages}/")
        assert no_script.title().startswith(f"Replay buffer, page {pages} of ")
        seen += row_ids(no_script)
    assert seen == wanted  # every paper of the type once, newest first
    assert pages == -(-len(wanted) // ROWS)


def test_script_draws_the_rest_from_the_data_and_show_more_adds_a_page(
    page: Page, paged_url: str, entries: list[Entry]
) -> None:
    open_catalogue(page, paged_url)
    order = year_order(entries)
    assert row_ids(page) == order[:ROWS]
    assert not page.is_visible("[data-bl-pager]")  # "Show more" replaces the pages
    more = page.locator("[data-bl-more]")
    assert more.text_content() == f"Show {ROWS} more ({ROWS} of {len(order)} shown)"
    for shown in range(2 * ROWS, len(order) + ROWS, ROWS):
        page_number = shown // ROWS
        with page.expect_response(f"**/catalogue/rows/{page_number}.json"):
            more.click()  # the rows of the next page come from its rows file
        settled(page)
        assert row_ids(page) == order[: min(shown, len(order))]
    assert not page.is_visible("[data-bl-more]")


def test_a_filtered_view_beyond_the_first_rows_matches_the_records_and_the_server_markup(
    page: Page, no_script: Page, paged_url: str, entries: list[Entry]
) -> None:
    wanted = [
        paper_id
        for paper_id in year_order(entries)
        if any(str(t) == "streaming" for t in _entry(entries, paper_id).tagging.buffer_types)
    ]
    assert wanted
    open_catalogue(page, paged_url, "?buffer_type=streaming")
    assert row_ids(page) == wanted[:ROWS]
    assert visible_ids(page) == set(wanted[:ROWS])
    # A row the script drew looks exactly like the server's row of the same paper.
    late = next(pid for pid in wanted if pid not in year_order(entries)[:ROWS])
    if late not in row_ids(page):
        page.click("[data-bl-more]")
        settled(page)
    drawn = row_shape(page, late)
    position = year_order(entries).index(late)
    number = position // ROWS + 1
    no_script.goto(f"{paged_url}catalogue/" + (f"page/{number}/" if number > 1 else ""))
    served = row_shape(no_script, late)
    # The paper link is relative to each page: compare where it points.
    assert [row[:2] + row[3:] for row in drawn] == [row[:2] + row[3:] for row in served]
    assert drawn[1][2].endswith(f"papers/{late}/") and served[1][2].endswith(f"papers/{late}/")


def test_a_rows_file_from_another_build_never_gives_a_row_another_papers_text(
    page: Page, paged_site: Path, entries: list[Entry], tmp_path: Path
) -> None:
    """The rows files are fetched later than the data: after a new build is published in
    between, a row whose paper is not where the data has it shows its id, not another's
    title (two rows swapped here, as if the order had changed)."""
    site = tmp_path / "site"
    shutil.copytree(paged_site, site)
    rows_file = site / "catalogue" / "rows" / "2.json"
    rows = json.loads(rows_file.read_text(encoding="utf-8"))
    rows[0], rows[1] = rows[1], rows[0]
    rows_file.write_text(json.dumps(rows), encoding="utf-8")
    order = year_order(entries)
    with serve_directory(site) as base_url:
        open_catalogue(page, base_url + "/")
        page.click("[data-bl-more]")
        settled(page)
        assert row_ids(page) == order[: 2 * ROWS]
        for paper_id in order[ROWS : ROWS + 2]:
            title = row_shape(page, paper_id)[1]
            assert title[3] == paper_id and title[2].endswith(f"papers/{paper_id}/")
        untouched = order[ROWS + 2]
        assert row_shape(page, untouched)[1][3] == _entry(entries, untouched).paper.title


def _entry(entries: list[Entry], paper_id: str) -> Entry:
    return next(entry for entry in entries if entry.paper.id == paper_id)


def test_an_empty_text_filter_offers_the_closest_title(
    page: Page, paged_url: str, entries: list[Entry]
) -> None:
    open_catalogue(page, paged_url, "?q=reflxion")
    assert visible_ids(page) == set()
    assert page.is_visible("[data-bl-empty]")
    link = page.locator("[data-bl-suggest] a")
    assert link.text_content() == _entry(entries, REFLEXION).paper.title
    link.click()
    page.wait_for_selector("h1.bl-paper-page__title")
    assert f"/papers/{REFLEXION}/" in page.url
    # A query that matches is not "corrected".
    open_catalogue(page, paged_url, "?q=reflexion")
    assert visible_ids(page) == {REFLEXION}
    assert not page.is_visible("[data-bl-suggest]")


def test_header_search_shows_results_under_the_field_without_a_page_load(
    page: Page, paged_url: str
) -> None:
    page.goto(f"{paged_url}stats/")
    page.evaluate("() => { window.__samePage = true; }")
    # Pagefind starts loading on focus (in the search worker), before anything is typed.
    with page.expect_request(lambda request: request.url.endswith("/pagefind/pagefind.js")):
        page.focus(".bl-header-search__input")
    page.keyboard.type("Reflexion")  # typing alone shows results
    page.wait_for_selector(".bl-search-panel__results a")
    links = page.eval_on_selector_all(".bl-search-panel__results a", "a => a.map(x => x.href)")
    assert links[0].endswith(f"/papers/{REFLEXION}/")
    assert all("/papers/" in link for link in links)
    assert page.evaluate("() => window.__samePage") is True  # no page load
    page.keyboard.press("Escape")
    assert not page.is_visible("[data-bl-search-panel]")
    page.fill(".bl-header-search__input", "Reflexion")  # Escape also empties a search field
    page.press(".bl-header-search__input", "Enter")
    page.wait_for_selector("[data-bl-search-panel]")
    assert page.is_visible("[data-bl-search-panel]")
    page.click(".bl-search-panel__results a >> nth=0")
    page.wait_for_selector("h1.bl-paper-page__title")
    assert f"/papers/{REFLEXION}/" in page.url


def test_header_search_waits_for_a_words_second_letter_unless_asked(
    page: Page, paged_url: str
) -> None:
    """A word's first letter is most of a large index to Pagefind (it matches words by their
    beginning): typing it alone searches nothing; Enter still does."""
    page.goto(f"{paged_url}stats/")
    page.focus(".bl-header-search__input")
    page.keyboard.type("R")
    # A search would start after a 300 ms typing pause and take ~50 ms here.
    page.wait_for_timeout(1000)
    assert not page.is_visible("[data-bl-search-panel]")
    page.keyboard.type("e")
    page.wait_for_selector(".bl-search-panel__results a")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => /for \u201cR\u201d/.test(document.querySelector('.bl-search-panel__status')"
        ".textContent)"
    )


def test_a_mistyped_header_search_offers_the_closest_title(
    page: Page, paged_url: str, entries: list[Entry]
) -> None:
    page.goto(paged_url)
    page.fill(".bl-header-search__input", "reflxion")
    page.press(".bl-header-search__input", "Enter")
    page.wait_for_selector("[data-bl-header-search][data-bl-results]")
    # Pagefind finds nothing, or something loose: either way the title is offered.
    links = page.eval_on_selector_all(".bl-search-panel__results a", "a => a.map(x => x.href)")
    assert not any(f"/papers/{REFLEXION}/" in link for link in links)
    link = page.locator(".bl-search-panel__suggest a")
    link.wait_for()
    assert link.text_content() == _entry(entries, REFLEXION).paper.title
    assert (link.get_attribute("href") or "").endswith(f"/papers/{REFLEXION}/")
    # A word that is in the titles is not "corrected".
    page.fill(".bl-header-search__input", "reflexion")
    page.press(".bl-header-search__input", "Enter")
    page.wait_for_selector(f".bl-search-panel__results a[href$='/papers/{REFLEXION}/']")
    assert not page.is_visible(".bl-search-panel__suggest")


def test_the_header_search_fetches_every_title_only_for_a_possible_typo(
    page: Page, paged_url: str
) -> None:
    """Every title is 10 MB at 100,000 papers: a search whose words are all title words
    fetches only the list of title words (there is nothing to correct)."""
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    page.goto(paged_url)
    page.fill(".bl-header-search__input", "Reflexion language agents")
    page.press(".bl-header-search__input", "Enter")
    page.wait_for_selector(f".bl-search-panel__results a[href$='/papers/{REFLEXION}/']")
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some("
        "e => e.name.endsWith('/catalogue/title-words.json'))"
    )
    page.wait_for_load_state("networkidle")
    assert not any(path.endswith("/catalogue/titles.json") for path in fetched)
    page.fill(".bl-header-search__input", "reflxion")
    with page.expect_response("**/catalogue/titles.json"):
        page.press(".bl-header-search__input", "Enter")
    page.locator(".bl-search-panel__suggest a").wait_for()


def test_a_filtered_download_fetches_only_the_citations_of_its_pages(
    page: Page, paged_url: str, entries: list[Entry], tmp_path: Path
) -> None:
    """A download is made from the citations of the catalogue pages its papers are on
    (one file per page; all of them were 140 MB at 100,000 papers), in the list's order."""
    order = year_order(entries)
    wanted = [
        paper_id
        for paper_id in order
        if any(str(t) == "streaming" for t in _entry(entries, paper_id).tagging.buffer_types)
    ]
    pages = sorted({order.index(paper_id) // ROWS + 1 for paper_id in wanted})
    assert len(pages) > 1  # the download spans pages (today some of them, not all)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    open_catalogue(page, paged_url, "?buffer_type=streaming")
    with page.expect_download() as info:
        page.click("[data-bl-download=bib]")
    target = tmp_path / "streaming.bib"
    info.value.save_as(target)
    keys = [entry.key for entry in bibtexparser.parse_string(target.read_text("utf-8")).entries]
    assert keys == wanted
    citations = sorted(int(Path(path).stem) for path in fetched if "/catalogue/citations/" in path)
    assert citations == pages
