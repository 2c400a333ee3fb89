"""What must not silently grow with the catalogue, checked at N = 1,000 (and 200 to compare).

No wall times (this machine is shared; docs/benchmarks.md has those): work counted in
comparisons, bytes per paper, pages in the navigation. Numbers at N = 1,000 when written
are in the comments; each bound leaves about 25 % headroom.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.generate import generate, write_listing, write_records
from rapidfuzz import process

from bufferlit import identity as identity_module
from bufferlit import ingest as ingest_module
from bufferlit.export import to_json
from bufferlit.records import load_papers
from bufferlit.tagger import tag_papers

REPO = Path(__file__).resolve().parents[2]
N = 1_000
SMALL = 200


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Generated record folders of SMALL and N papers (deterministic, seed 1)."""
    root = tmp_path_factory.mktemp("scale")
    folders = {}
    for count in (SMALL, N):
        folders[count] = root / f"papers-{count}"
        write_records(list(generate(count, seed=1)), folders[count])
    return folders


@pytest.fixture
def cdist_cells(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the title pairs scored by rapidfuzz's cdist (rows x columns of every call)."""
    cells: list[int] = []
    real = process.cdist

    def counting(queries: Any, choices: Any, **kwargs: Any) -> Any:
        cells.append(len(queries) * len(choices))
        return real(queries, choices, **kwargs)

    counting_process = type("P", (), {"cdist": staticmethod(counting)})
    monkeypatch.setattr(identity_module, "process", _Proxy(process, counting_process))
    yield cells


class _Proxy:
    """``rapidfuzz.process`` with ``cdist`` replaced."""

    def __init__(self, real: Any, override: Any) -> None:
        self._real, self._override = real, override

    def __getattr__(self, name: str) -> Any:
        return getattr(self._override if name == "cdist" else self._real, name)


def _mutate(title: str, index: int) -> str:
    """A near-duplicate a scraper would produce: a typo, a case change, a dropped letter."""
    edits: list[Callable[[str], str]] = [
        lambda t: t.upper(),
        lambda t: t[:10] + t[11:],
        lambda t: t.replace(":", " -"),
        lambda t: "A " + t,
        lambda t: t[:-3] + t[-2:],
    ]
    return edits[index % len(edits)](title)


def test_ingest_scores_a_small_share_of_pairs_and_finds_near_duplicates(
    tmp_path: Path, cdist_cells: list[int]
) -> None:
    papers = list(generate(N, seed=2))
    variants = []
    for index, paper in enumerate(papers[:: N // 50]):  # 50 near-duplicates at the end
        variants.append(
            type(paper)(paper.fields, _mutate(paper.listing_title, index), paper.listing_abstract)
        )
    listing = tmp_path / "listing.txt"
    write_listing(papers + variants, listing)

    report = ingest_module.ingest_listing(
        listing, tmp_path / "papers", today=dt.date(2026, 1, 1), dry_run=True
    )

    assert len(report.new) == N
    assert len(report.present) == len(variants)  # every near-duplicate found
    # All pairs would be about N**2 / 2 = 500,000 for 1,000 entries (plus the variants);
    # prefix blocking scored about 41,000 (4 %) when written.
    assert sum(cdist_cells) <= 0.15 * len(papers + variants) ** 2


def test_duplicate_title_check_scores_a_small_share_of_pairs(
    catalogues: dict[int, Path], cdist_cells: list[int]
) -> None:
    papers = load_papers(catalogues[N])  # runs check_catalogue: must find no duplicate
    assert len(papers) == N
    assert sum(cdist_cells) <= 0.1 * N**2  # 17,914 when written; all pairs would be 500,000


def test_export_bytes_per_paper(catalogues: dict[int, Path]) -> None:
    entries = tag_papers(load_papers(catalogues[N]))
    per_paper = len(to_json(entries).encode()) / N
    assert per_paper <= 2_200  # 1,700 when written: record fields, tagging and evidence


# ---------------------------------------------------------------------------------------------
# The built site


def _build(papers: Path, site: Path) -> Path:
    command = [sys.executable, "-m", "bufferlit", "build", "--papers", str(papers)]
    command += ["--site-dir", str(site)]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    return site


@pytest.fixture(scope="module")
def sites(catalogues: dict[int, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("sites")
    return {count: _build(folder, root / f"site-{count}") for count, folder in catalogues.items()}


def _nav_links(page: Path) -> list[str]:
    """Targets of Material's navigation links (tabs, sidebar, table of contents)."""
    html = page.read_text(encoding="utf-8")
    return re.findall(r'<a href="([^"]*)"[^>]*class="md-(?:nav|tabs)__link', html)


def _paper_pages(site: Path) -> list[Path]:
    return sorted(site.glob("papers/*/index.html"))


def test_navigation_does_not_grow_with_the_catalogue(sites: dict[int, Path]) -> None:
    small, large = (_nav_links(sites[n] / "index.html") for n in (SMALL, N))
    assert len(large) == len(small)  # the same pages in the nav at 200 and 1,000 papers
    assert len(large) <= 40
    paper = _paper_pages(sites[N])[0]
    assert len(_nav_links(paper)) <= 40  # a paper page does not list the other papers


def test_page_weight_does_not_grow_with_the_catalogue(sites: dict[int, Path]) -> None:
    home = {n: (sites[n] / "index.html").stat().st_size for n in (SMALL, N)}
    assert home[N] <= 1.25 * home[SMALL] + 5_000

    def mean_paper_page(site: Path) -> float:
        pages = _paper_pages(site)
        return sum(page.stat().st_size for page in pages) / len(pages)

    assert mean_paper_page(sites[N]) <= 1.1 * mean_paper_page(sites[SMALL])


def test_catalogue_and_search_bytes_per_paper(sites: dict[int, Path]) -> None:
    site = sites[N]
    # The catalogue page holds its first rows only: the same size at 200 and 1,000 papers
    # (its facet lists aside); the script fetches a compact JSON of ids and facet values at
    # once, and a page's rows when it draws them (a file the size of one page's rows).
    page = {n: (sites[n] / "catalogue" / "index.html").stat().st_size for n in (SMALL, N)}
    assert page[N] <= 1.1 * page[SMALL] + 5_000
    data = (site / "catalogue" / "data.json").stat().st_size / N
    assert data <= 60  # 40 when written: an id and six small numbers
    rows = [path.stat().st_size for path in site.glob("catalogue/rows/*.json")]
    assert len(rows) == N // 100 and max(rows) <= 100 * 300  # 18,593 bytes when written
    numbered = sorted(site.glob("catalogue/page/*/index.html"))
    assert len(numbered) == N // 100 - 1  # 100 papers a page, page 1 is the catalogue
    assert not (site / "search" / "search_index.json").exists()  # no index on every page view
    files = sum(1 for path in site.rglob("*") if path.is_file())
    assert files <= 6 * N  # 5,149 when written: 4 files and a search fragment per paper


@pytest.fixture(scope="module")
def pagefind_bundle(sites: dict[int, Path]) -> Path:
    """The search index ``bufferlit build`` made (Pagefind runs as a phase of the build)."""
    bundle = sites[N] / "pagefind"
    assert (bundle / "pagefind-entry.json").is_file()
    return bundle


def _fragments(bundle: Path) -> dict[str, int]:
    """Compressed size of each result fragment (one per page), by page URL."""
    sizes = {}
    for path in (bundle / "fragment").iterdir():
        raw = gzip.decompress(path.read_bytes())
        fragment = json.loads(raw[raw.index(b"{") :])
        sizes[fragment["url"]] = path.stat().st_size
    return sizes


def test_pagefind_payload_per_query_stays_small(pagefind_bundle: Path) -> None:
    entry = json.loads((pagefind_bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"], "pagefind indexed no page"
    # A one-word query loads pagefind.js, the wasm, the entry, ONE index chunk and then a
    # fragment per shown result: bounded by the largest chunk and fragment, not by N.
    chunks = [path.stat().st_size for path in (pagefind_bundle / "index").iterdir()]
    assert max(chunks) <= 60_000  # compressed bytes; 20,000 when written
    papers = [size for url, size in _fragments(pagefind_bundle).items() if "/papers/" in url]
    assert len(papers) == N
    assert max(papers) <= 2_000  # 1,609 when written
    total = sum(p.stat().st_size for p in pagefind_bundle.rglob("*") if p.is_file())
    assert total / N <= 4_200  # compressed bytes of the whole bundle per paper; 3,310 written


def test_no_search_result_grows_with_the_catalogue(pagefind_bundle: Path) -> None:
    # Only paper pages are indexed (data-pagefind-body): no list page's fragment grows with N.
    assert all("/papers/" in url for url in _fragments(pagefind_bundle))
    assert max(_fragments(pagefind_bundle).values()) <= 5_000
