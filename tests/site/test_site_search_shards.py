"""A catalogue too large for one Pagefind run is indexed in shards, merged in the browser.

The real records (plus the hostile one) are built with SHARD_PAGES lowered to 10, so the 41
paper pages take several Pagefind runs; the header panel and the search page still find papers
from every shard.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.helpers import serve_directory

from bufferlit.site import search

from .conftest import HOSTILE_ID, REPO, SMALL_CATALOGUE, write_records

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

# One paper from the first letters, one from the middle, one from the last.
SPREAD = {"Understanding": "adam2019understanding", "Reflexion": "shinn2023reflexion"}
SPREAD["Videnovic"] = "videnovic2025distractor"


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from bufferlit.site.build import build_site

    root = tmp_path_factory.mktemp("sharded-site")
    papers = root / "papers"
    shutil.copytree(REPO / "papers", papers)
    write_records(papers, {f"{HOSTILE_ID}.yaml": SMALL_CATALOGUE[f"{HOSTILE_ID}.yaml"]})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", 10)
        build_site(REPO / "mkdocs.yml", site_dir=root / "site", papers_dir=papers, strict=True)
    yield root / "site"


def test_every_paper_page_is_in_exactly_one_shard(sharded_site: Path) -> None:
    pages = [p.relative_to(sharded_site).as_posix() for p in sharded_site.glob("papers/*/*.html")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", 10)
        globs = search.shard_globs(sharded_site)
    assert len(globs) >= 3
    for page in pages:
        assert sum(fnmatch.fnmatchcase(page, pattern) for pattern in globs) == 1, page
    shards = json.loads((sharded_site / "pagefind" / search.SHARDS_FILE).read_text())
    assert shards == [f"shard-{n}/" for n in range(2, len(globs) + 1)]
    counted = 0
    for bundle in ["", *shards]:
        entry = json.loads((sharded_site / "pagefind" / bundle / "pagefind-entry.json").read_text())
        counted += entry["languages"]["en"]["page_count"]
    assert counted == len(pages)


def test_one_catalogue_that_fits_is_one_bundle(tmp_path: Path) -> None:
    page = tmp_path / "papers" / "x2020one" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    assert search.shard_globs(tmp_path) == [search.PAPER_PAGES]
    assert search.shard_globs(tmp_path / "empty") == []


def test_header_panel_and_search_page_find_papers_of_every_shard(
    sharded_site: Path, browser: Browser
) -> None:
    context = browser.new_context()
    errors: list[str] = []
    try:
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        with serve_directory(sharded_site) as base_url:
            for query, paper_id in SPREAD.items():
                tab.goto(base_url + "/")
                tab.fill(".bl-header-search__input", query)
                tab.press(".bl-header-search__input", "Enter")
                tab.locator(f".bl-search-panel__results a[href$='/papers/{paper_id}/']").wait_for()
            tab.goto(base_url + "/search/?q=Videnovic")
            link = ".pagefind-ui__result-link[href$='/papers/videnovic2025distractor/']"
            tab.locator(link).first.wait_for(timeout=10_000)
    finally:
        context.close()
    assert errors == []
