"""Addresses stage: the site's URL scheme, the only place a path of the site is spelled.

Pages and files are named by their ``src_uri`` (the name MkDocs' ``File`` gets); MkDocs turns
it into a URL (``papers/x/index.md`` -> ``papers/x/``), and templates link them with
``link(...)``, relative to the page being rendered. The view objects carry their own addresses
(``paper.page``, ``paper.bibtex_file``, ``domain.page``), as pelican's content objects carry
their URLs; section pages and site files reach templates as the ``pages`` global (SITE_PAGES).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

PAPERS = "papers"
TYPES = "types"
DOMAINS = "domains"
CATALOGUE_FOLDER = "catalogue"

HOME = "index.md"
CATALOGUE = f"{CATALOGUE_FOLDER}/index.md"
TYPES_INDEX = f"{TYPES}/index.md"
DOMAINS_INDEX = f"{DOMAINS}/index.md"
STATS = "stats/index.md"
DOWNLOADS = "downloads/index.md"
SEARCH = "search/index.md"

CATALOGUE_DATA = f"{CATALOGUE_FOLDER}/data.json"
"""What the catalogue script filters and counts with: every paper's id and facet values."""
CATALOGUE_TITLES = f"{CATALOGUE_FOLDER}/titles.json"
CATALOGUE_TITLE_WORDS = f"{CATALOGUE_FOLDER}/title-words.json"
CATALOGUE_AUTHORS = f"{CATALOGUE_FOLDER}/authors.json"
NUMBERED = "page"
"""The folder of a listing's numbered pages (2 and on), beside its first page."""
CATALOGUE_PAGES = f"{CATALOGUE_FOLDER}/{NUMBERED}/"
"""Where the catalogue's numbered pages live."""
CATALOGUE_ROWS = f"{CATALOGUE_FOLDER}/rows/"
"""Where the rows' data of each catalogue page lives, for the script (``rows/N.json``)."""
CATALOGUE_CITATIONS = f"{CATALOGUE_FOLDER}/citations/"
"""Where each catalogue page's BibTeX and RIS live, for the script's downloads."""

ALL_BIBTEX = "papers.bib"
ALL_RIS = "papers.ris"
ALL_CSL_JSON = "papers.json"
ALL_CSV = "catalogue.csv"
FEED = "feed.xml"

SEARCH_BUNDLE = "pagefind"
"""The folder of the Pagefind index, at the site's root."""
ASSETS_FOLDER = "assets/bufferlit"
STYLESHEET = f"{ASSETS_FOLDER}/bufferlit.css"
SCRIPT = f"{ASSETS_FOLDER}/bufferlit.js"
SEARCH_WORKER = f"{ASSETS_FOLDER}/search-worker.js"
"""The header search's worker (started by bufferlit.js, not a page's script)."""
PAPER_ID_PLACEHOLDER = "__id__"
"""Stands for a paper id in a paper page's address handed to the scripts (bufferlit.js
replaces it; the same spelling is there)."""
PAGE_NUMBER_PLACEHOLDER = "__page__"
"""Stands for a catalogue page's number in its files' addresses (bufferlit.js replaces it)."""


def paper_page(paper_id: str) -> str:
    return f"{PAPERS}/{paper_id}/index.md"


def paper_file(paper_id: str, suffix: str) -> str:
    """One paper's own citation file (``bib``, ``ris``, ``json``), beside its page."""
    return f"{PAPERS}/{paper_id}/{paper_id}.{suffix}"


def paper_html(id_glob: str) -> str:
    """The built HTML of the paper pages whose ids match ``id_glob`` (what search indexes).
    Always ``index.html``: the page's source is ``index.md`` whatever ``use_directory_urls``."""
    return f"{PAPERS}/{id_glob}/index.html"


def type_page(buffer_type: str) -> str:
    return f"{TYPES}/{buffer_type}/index.md"


def domain_page(slug: str) -> str:
    return f"{DOMAINS}/{slug}/index.md"


def numbered_page(first: str, number: int) -> str:
    """Page ``number`` of a listing whose first page is ``first`` (``x/index.md``): the
    others are ``x/page/N/index.md``, reached without JavaScript through the pager."""
    if number == 1:
        return first
    return f"{first.removesuffix('index.md')}{NUMBERED}/{number}/index.md"


def catalogue_page(number: int) -> str:
    """The catalogue's page ``number`` (1 is the catalogue itself)."""
    return numbered_page(CATALOGUE, number)


def catalogue_rows(number: int | str) -> str:
    """The data of catalogue page ``number``'s rows (what the script draws a row from)."""
    return f"{CATALOGUE_ROWS}{number}.json"


def catalogue_citations(number: int | str) -> str:
    """Catalogue page ``number``'s papers as BibTeX and RIS (what a download is made of)."""
    return f"{CATALOGUE_CITATIONS}{number}.json"


def reached_by_links_only(src_uri: str) -> bool:
    """Pages left out of the navigation: the search page, the catalogue's numbered pages and
    each paper's, buffer type's and domain's own pages (thousands of them, under their index)."""
    if src_uri == SEARCH or src_uri.startswith(CATALOGUE_PAGES):
        return True
    parts = src_uri.split("/")
    if parts[0] not in (PAPERS, TYPES, DOMAINS) or parts[-1] != "index.md":
        return False
    numbered = parts[0] != PAPERS and len(parts) == 5 and parts[2] == NUMBERED
    return len(parts) == 3 or numbered


def record_edit_url(repo_url: str, paper_id: str) -> str:
    """Where a paper's record is edited in the repository (not a page of the site)."""
    return f"{repo_url.rstrip('/')}/edit/main/{PAPERS}/{paper_id}.yaml"


@dataclass(frozen=True)
class SitePages:
    """The section pages and site files templates link (``link(pages.catalogue)``)."""

    home: str = HOME
    catalogue: str = CATALOGUE
    types_index: str = TYPES_INDEX
    domains_index: str = DOMAINS_INDEX
    stats: str = STATS
    downloads: str = DOWNLOADS
    search: str = SEARCH
    catalogue_data: str = CATALOGUE_DATA
    catalogue_titles: str = CATALOGUE_TITLES
    catalogue_rows_pattern: str = catalogue_rows(PAGE_NUMBER_PLACEHOLDER)
    catalogue_citations_pattern: str = catalogue_citations(PAGE_NUMBER_PLACEHOLDER)
    catalogue_authors: str = CATALOGUE_AUTHORS
    paper_pattern: str = paper_page(PAPER_ID_PLACEHOLDER)
    search_bundle: str = f"{SEARCH_BUNDLE}/"
    """A folder, relative to the site's root (link the home page and append it)."""
    all_bibtex: str = ALL_BIBTEX
    all_ris: str = ALL_RIS
    all_csl_json: str = ALL_CSL_JSON
    all_csv: str = ALL_CSV
    feed: str = FEED


SITE_PAGES = SitePages()


def theme_urls(url_of: Callable[[str], str]) -> dict[str, str]:
    """URLs (from the site's root) for the theme's own templates, which link with Material's
    ``url`` filter rather than ``link``: the header search form's targets."""
    return {
        "search": url_of(SEARCH),
        "search_bundle": SITE_PAGES.search_bundle,
        "search_worker": SEARCH_WORKER,
        "catalogue_titles": CATALOGUE_TITLES,
        "catalogue_title_words": CATALOGUE_TITLE_WORDS,
        "paper_pattern": url_of(SITE_PAGES.paper_pattern),
        "feed": FEED,
    }


class Addresses:
    """src_uri -> URL the way MkDocs computes it, and relative links between pages."""

    def __init__(self, use_directory_urls: bool, site_url: str) -> None:
        self.use_directory_urls = use_directory_urls
        self.site_url = site_url.rstrip("/") + "/" if site_url else ""
        self._cache: dict[str, str] = {}

    def url(self, src_uri: str) -> str:
        if src_uri not in self._cache:
            self._cache[src_uri] = File(
                src_uri, src_dir=None, dest_dir="", use_directory_urls=self.use_directory_urls
            ).url
        return self._cache[src_uri]

    def absolute(self, src_uri: str) -> str:
        url = self.url(src_uri)
        return self.site_url + ("" if url == "./" else url) if self.site_url else url

    @staticmethod
    def relative(url: str, from_url: str) -> str:
        return get_relative_url(url, from_url)
