"""What the generated pages say about a small fixture catalogue, where the details are easy to
get wrong: a paper with no buffer claims no stance, a paper without authors shows no empty
author slot, the unknown year is the year facet's last value, counts agree with their nouns,
and a name written in Chinese, Japanese or Korean script keeps its family name first."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.helpers import catalogue_facets, serve_directory

from bufferlit.records import load_papers
from bufferlit.site import addresses, search
from bufferlit.site.pages import SiteOptions, generate_site
from bufferlit.tagger import DOMAINS, tag_papers

from .conftest import SMALL_CATALOGUE, open_catalogue, record_yaml, visible_ids

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# A paper with no buffer, no authors and no year (curated, so no tagger rule decides it).
NO_BUFFER = """\
id: zones2020riparian
title: "Riparian Buffer Zones and Nitrate Retention"
added: 2026-01-01
buffer_types: [none]
domains: [other-sciences]
abstract: >-
  We measure nitrate retention in riparian buffer zones along three rivers.
"""
RECORDS = {
    "zones2020riparian.yaml": NO_BUFFER,
    "wang2024paged.yaml": record_yaml(
        "wang2024paged",
        "Paged KV Cache Eviction",
        "We page the KV cache of a language model into fixed blocks and evict cold ones.",
        authors=("王, 小明", "Tanaka, Yūki", "김, 민수", "The Serving Collective"),
        year=2024,
        buffer_types=["kv-context"],
        domains=["llm-inference"],
    ),
    "shinn2024notes.yaml": record_yaml(
        "shinn2024notes",
        "Agents with Episodic Notes",
        "Our agent keeps reflections in an episodic memory buffer in its context.",
        authors=("Shinn, Noah",),
        year=2024,
        buffer_types=["kv-context"],
        domains=["llm-agents"],
    ),
    "rolnick2019replay.yaml": record_yaml(
        "rolnick2019replay",
        "Experience Replay for Continual Learning",
        "We store past experiences in a replay buffer and rehearse them.",
        authors=("Rolnick, David",),
        year=2019,
        buffer_types=["replay"],
        domains=["llm-agents"],
    ),
}


@pytest.fixture
def site(make_catalogue: Callable[[dict[str, str | bytes]], Path]) -> dict[str, str]:
    """src_uri -> the page's HTML (or the file's text) for the fixture catalogue."""
    entries = tag_papers(load_papers(make_catalogue(dict(RECORDS))))
    files = generate_site(entries, DOMAINS, SiteOptions())
    return {file.src_uri: file.page.html if file.page else file.content for file in files}


def row_of(html: str, paper_id: str) -> str:
    """One paper's row in a page's list."""
    match = re.search(rf'<li class="bl-paper" data-paper-id="{paper_id}">.*?</li>', html, re.S)
    assert match, f"no row for {paper_id}"
    return match.group(0)


def test_a_paper_with_no_buffer_shows_no_stance(site: dict[str, str]) -> None:
    page = site[addresses.paper_page("zones2020riparian")].split('<h2 id="related"')[0]
    assert "No buffer" in page
    assert "bl-stance" not in page and "Uses a buffer" not in page
    assert 'data-pagefind-filter="Stance:' not in page
    assert "bl-stance" not in row_of(site[addresses.CATALOGUE], "zones2020riparian")
    # A paper about a buffer still shows its stance, on its page and in its row.
    replay = site[addresses.paper_page("rolnick2019replay")]
    assert '<span class="bl-stance bl-stance--uses">Uses a buffer</span>' in replay
    assert "Uses a buffer" in row_of(site[addresses.CATALOGUE], "rolnick2019replay")


def test_the_search_index_gives_no_stance_to_a_paper_with_no_buffer(
    make_catalogue: Callable[[dict[str, str | bytes]], Path],
) -> None:
    """Pagefind reads a document made from the record (site/search.py), not the page: its
    Stance filter must follow the page."""
    entries = tag_papers(load_papers(make_catalogue(dict(RECORDS))))
    by_id = {entry.paper.id: entry for entry in entries}
    none = search.search_page(by_id["zones2020riparian"], "/p/", DOMAINS, "en").html
    assert "Stance:" not in none and 'data-pagefind-filter="Buffer type:No buffer' in none
    replay = search.search_page(by_id["rolnick2019replay"], "/p/", DOMAINS, "en").html
    assert 'data-pagefind-filter="Stance:Uses a buffer"' in replay


def test_the_stance_facet_counts_only_papers_about_a_buffer(site: dict[str, str]) -> None:
    data = json.loads(site[addresses.CATALOGUE_DATA])
    assert catalogue_facets(data)["zones2020riparian"]["stance"] == []
    assert data["values"][data["keys"].index("stance")] == ["uses"]
    count = re.search(
        r'value="uses">\s*<label[^>]*>.*?data-bl-count>(\d+)<', site[addresses.CATALOGUE]
    )
    assert count and count.group(1) == "3"


def test_a_paper_without_authors_has_no_empty_author_slot(site: dict[str, str]) -> None:
    row = row_of(site[addresses.CATALOGUE], "zones2020riparian")
    assert "bl-paper__authors" not in row
    assert '<span class="bl-paper__year">n.d.</span>' in row
    assert "Authors unknown" in site[addresses.paper_page("zones2020riparian")]
    assert '<span class="bl-paper__authors">Noah Shinn</span>' in row_of(
        site[addresses.CATALOGUE], "shinn2024notes"
    )


def test_the_unknown_year_is_the_last_year_value(site: dict[str, str]) -> None:
    data = json.loads(site[addresses.CATALOGUE_DATA])
    assert data["values"][data["keys"].index("year")] == ["2024", "2019", "n.d."]
    catalogue = site[addresses.CATALOGUE]
    shown = re.findall(r'name="year" value="([^"]*)"', catalogue)
    assert shown == ["2024", "2019", "n.d."]
    # Marked, so that the catalogue script keeps it last when it re-sorts by count.
    assert re.findall(
        r'<li class="bl-facet__value" data-bl-last>\s*<input[^>]*value="([^"]*)"', catalogue
    ) == ["n.d."]


def test_counts_agree_with_their_nouns(site: dict[str, str]) -> None:
    one = site[addresses.domain_page("other-sciences")]
    assert "<p>1 paper. " in one and ">Find it in the catalogue</a>" in one
    assert "them" not in one and "newest first" not in one
    two = site[addresses.type_page("kv-context")]
    assert "<p>2 papers, newest first. " in two and ">Filter them further in the catalogue<" in two
    empty = site[addresses.type_page("streaming")]
    assert "<p>No papers yet.</p>" in empty and "catalogue/?" not in empty


def test_east_asian_names_keep_the_family_name_first(site: dict[str, str]) -> None:
    page = site[addresses.paper_page("wang2024paged")]
    byline = re.search(r'<span class="bl-byline__authors">(.*?)</span>', page)
    assert byline
    assert byline.group(1) == "王小明, Yūki Tanaka, 김민수, The Serving Collective"
    assert (
        "王小明 Yūki Tanaka 김민수"
        in json.loads(site[addresses.CATALOGUE_AUTHORS])["wang2024paged"]
    )


@pytest.mark.browser
def test_the_catalogue_script_keeps_the_unknown_year_last(
    make_project: Callable[..., Path], browser: Browser
) -> None:
    """The script re-sorts facet values by count as filters change; filtered to the paper with
    no year, "n.d." has the only count above zero and still stays last."""
    from bufferlit.site.build import build_site

    config = make_project({**SMALL_CATALOGUE, "zones2020riparian.yaml": NO_BUFFER})
    site = build_site(config, strict=True).site_dir
    with serve_directory(site) as base_url:
        tab = browser.new_page()
        open_catalogue(tab, base_url + "/", "?buffer_type=none")
        assert visible_ids(tab) == {"zones2020riparian"}
        years = tab.eval_on_selector_all(
            'fieldset[data-facet="year"] .bl-facet__value',
            "items => items.map(item => [item.querySelector('input').value,"
            " item.querySelector('[data-bl-count]').textContent])",
        )
        tab.close()
    assert years[-1] == ["n.d.", "1"]
    assert {count for _, count in years[:-1]} == {"0"}
