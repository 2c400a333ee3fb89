"""The site's URL scheme has one home, site/addresses.py: no other site module or template
spells a path of the site, and the addresses agree with where MkDocs puts the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mkdocs.structure.files import File
from tests.helpers import REPO

from bufferlit.site import addresses
from bufferlit.site.addresses import Addresses

SITE_MODULES = REPO / "src" / "bufferlit" / "site"
TEMPLATES = REPO / "src" / "bufferlit" / "templates"
# A quoted string starting with one of the site's folders, or naming one of its root files.
SPELLED_PATH = re.compile(
    r"""['"](?:(?:papers|types|domains|catalogue|search|stats|downloads|pagefind)/"""
    r"""|(?:index\.md|feed\.xml|papers\.(?:bib|ris|json)|catalogue\.csv)['"])"""
)


def spelled_paths(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for number, line in enumerate(lines, start=1)
        if SPELLED_PATH.search(line)
    ]


def test_the_path_pattern_finds_what_it_is_for() -> None:
    assert SPELLED_PATH.search("""href="{{ link('domains/' ~ domain.value) }}" """)
    assert SPELLED_PATH.search('GeneratedFile("feed.xml", feed)')
    assert SPELLED_PATH.search("""{{ 'pagefind/' | url }}""")
    assert not SPELLED_PATH.search('"folder of records, papers/ by default"')


def test_no_site_module_or_template_spells_a_site_path() -> None:
    files = [p for p in sorted(SITE_MODULES.glob("*.py")) if p.name != "addresses.py"]
    files += sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 20
    found = [hit for path in files for hit in spelled_paths(path)]
    assert found == [], "spell these with bufferlit.site.addresses:\n" + "\n".join(found)


@pytest.mark.parametrize("use_directory_urls", [True, False])
def test_paper_addresses_match_where_mkdocs_puts_the_page(use_directory_urls: bool) -> None:
    page = File(
        addresses.paper_page("lee2023double"),
        src_dir=None,
        dest_dir="",
        use_directory_urls=use_directory_urls,
    )
    # Search indexes the built HTML by this glob, whatever use_directory_urls is.
    assert Path(page.dest_uri).match(addresses.paper_html("*"))
    assert Path(page.dest_uri).match(addresses.paper_html("[kl]*"))
    assert not Path(page.dest_uri).match(addresses.paper_html("[ab]*"))
    urls = addresses.theme_urls(Addresses(use_directory_urls, "").url)
    expected = "papers/__id__/" if use_directory_urls else "papers/__id__/index.html"
    assert urls["paper_pattern"] == expected
    assert urls["search"] == ("search/" if use_directory_urls else "search/index.html")


def test_the_pages_reached_by_links_only() -> None:
    hidden = [
        addresses.SEARCH,
        addresses.catalogue_page(2),
        addresses.paper_page("x"),
        addresses.type_page("replay"),
        addresses.domain_page("robotics"),
        addresses.numbered_page(addresses.type_page("replay"), 2),
        addresses.numbered_page(addresses.domain_page("robotics"), 12),
    ]
    assert hidden[-2:] == ["types/replay/page/2/index.md", "domains/robotics/page/12/index.md"]
    listed = [
        addresses.HOME,
        addresses.catalogue_page(1),
        addresses.TYPES_INDEX,
        addresses.DOMAINS_INDEX,
        addresses.STATS,
        addresses.DOWNLOADS,
        addresses.paper_file("x", "bib"),
        "about.md",
        "papers/x/page/2/index.md",  # a paper has one page
    ]
    assert [uri for uri in hidden if not addresses.reached_by_links_only(uri)] == []
    assert [uri for uri in listed if addresses.reached_by_links_only(uri)] == []
