"""Pages stage: every generated page and download, as (src_uri, content) pairs.

``generate_site()`` is pure: entries and options in, files out. The plugin hands the result to
MkDocs as generated ``File`` objects, so nothing is written to the docs folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bufferlit.cite import Citations, join_bibtex, join_csl_json, join_ris
from bufferlit.export import to_csv
from bufferlit.model import Entry
from bufferlit.site import addresses, charts, context
from bufferlit.site.addresses import Addresses
from bufferlit.site.feed import atom_feed
from bufferlit.site.related import related_papers
from bufferlit.site.render import PageRenderer, make_environment, page_meta

# Only paper pages are in the search index (their content has data-pagefind-body).
LISTING_META = {"hide": ["navigation", "toc"]}


@dataclass(frozen=True)
class SiteOptions:
    site_name: str = "bufferlit"
    site_url: str = ""
    repo_url: str = "https://github.com/bufferlit/bufferlit"
    use_directory_urls: bool = True
    newest_count: int = 8
    feed_size: int = 30
    related_limit: int = 5
    catalogue_rows: int = 100
    """Rows per catalogue page: the first ones are in the catalogue's HTML, the rest come from
    its data (script) or from the numbered pages (no script)."""
    template_overrides: Path | None = None
    docs_pages: frozenset[str] = field(default_factory=frozenset)
    """src_uris of the hand-written docs pages (to link them only when they exist)."""


@dataclass(frozen=True)
class PageData:
    """A generated page: MkDocs gets ``meta`` as ``page.meta`` and ``html`` as the page
    content, without a Markdown pass (the page's Markdown source is empty)."""

    meta: Mapping[str, Any]
    html: str


@dataclass(frozen=True)
class GeneratedFile:
    src_uri: str
    content: str
    page: PageData | None = None
    inputs: str = ""
    """For a file made on demand (``make``): a digest of everything it is made from, so an
    incremental build can keep it without rendering it (see incremental.py)."""
    make: Callable[[], GeneratedFile] | None = field(default=None, compare=False, repr=False)

    def made(self) -> GeneratedFile:
        """The file with its content (rendered now if it was made on demand)."""
        return self.make() if self.make is not None else self


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class SiteParts:
    """What every page kind is made from, computed once per build."""

    entries: Sequence[Entry]
    citations: Mapping[str, Citations]
    related: Mapping[str, tuple[str, ...]]
    """Paper id -> the ids of its related papers."""
    views: list[context.PaperView]
    ordered: list[context.PaperView]
    """Newest year first, then by title: the catalogue's order."""
    types: tuple[context.Group, ...]
    domains: tuple[context.Group, ...]
    domain_names: Mapping[str, str]
    options: SiteOptions
    addresses: Addresses
    renderer: PageRenderer

    view_digests: Mapping[str, str]
    """Paper id -> a digest of everything its view holds (what a page shows of it)."""

    @property
    def page_inputs(self) -> tuple[object, ...]:
        """What every page's rendering reads besides its own data (the catalogue's size
        aside, which paper pages do not show)."""
        site = self.renderer.site
        return (
            site.name,
            site.url,
            site.repo_url,
            sorted(site.docs_pages),
            self.options.use_directory_urls,
            self.options.site_url,
        )

    def page(
        self, src_uri: str, template: str, title: str, meta: Mapping[str, object], **data: object
    ) -> GeneratedFile:
        """A page made on demand, keyed by all it is rendered from: an incremental build
        renders only the listings that show an edited paper."""
        described = [self.page_inputs, self.renderer.site.total, template, title, meta]
        described += [(name, self.describe(value)) for name, value in sorted(data.items())]
        make = partial(self.render_page, src_uri, template, title, meta, **data)
        return GeneratedFile(src_uri, "", inputs=_digest(repr(described)), make=make)

    def render_page(
        self, src_uri: str, template: str, title: str, meta: Mapping[str, object], **data: object
    ) -> GeneratedFile:
        body = self.renderer.render(template, src_uri, **data)
        return GeneratedFile(src_uri, "", PageData(page_meta(title=title, meta=meta), body))

    def describe(self, value: object) -> object:
        """``value`` for a page's key, each paper by its view's digest (cheaper than its
        repr, and what a listing shows of it)."""
        if isinstance(value, context.PaperView):
            return self.view_digests[value.id]
        if isinstance(value, context.Group):
            return (value.label, value.description, value.page, self.describe(value.papers))
        if isinstance(value, list | tuple):
            return [self.describe(item) for item in value]
        return value


def generate_site(
    entries: Sequence[Entry],
    domain_names: Mapping[str, str],
    options: SiteOptions,
    *,
    on_demand: bool = False,
    citations: Mapping[str, Citations] | None = None,
    related: Mapping[str, tuple[str, ...]] | None = None,
    view_keys: Mapping[str, str] | None = None,
) -> list[GeneratedFile]:
    """Every page and download of the site for these tagged entries. ``on_demand``: pages
    and the papers' citation files come unrendered, each with the digest of its inputs and a
    ``make`` to render it (the plugin renders only those an incremental build needs).
    ``citations`` and ``related``: each paper's, when the caller has them already (made
    here otherwise); ``view_keys``: a key per paper of what its view is made from, where the
    caller has one (site/inputs.py), used as the view's digest."""
    if citations is None:
        citations = {entry.paper.id: Citations.of(entry.paper) for entry in entries}
    if related is None:
        related = related_papers(entries, options.related_limit)
    parts = site_parts(entries, domain_names, options, citations, related, view_keys or {})
    files = [
        home_page(parts),
        *catalogue_pages(parts),
        *group_pages(parts),
        stats_page(parts),
        parts.page(addresses.DOWNLOADS, "downloads.html", "Downloads", FULL_WIDTH),
        parts.page(addresses.SEARCH, "search.html", "Search", FULL_WIDTH),
        *paper_pages(parts),
        *downloads(parts),
    ]
    return files if on_demand else [file.made() for file in files]


FULL_WIDTH = {"hide": ["navigation", "toc"]}


def site_parts(
    entries: Sequence[Entry],
    domain_names: Mapping[str, str],
    options: SiteOptions,
    citations: Mapping[str, Citations],
    related: Mapping[str, tuple[str, ...]],
    view_keys: Mapping[str, str] = MappingProxyType({}),
) -> SiteParts:
    views = [
        context.paper_view(entry, domain_names, options.repo_url, citations[entry.paper.id])
        for entry in entries
    ]
    ordered = context.by_year_then_title(views)
    addresses = Addresses(options.use_directory_urls, options.site_url)
    site = context.SiteInfo(
        name=options.site_name,
        url=options.site_url,
        repo_url=options.repo_url.rstrip("/"),
        total=len(views),
        docs_pages=options.docs_pages,
    )
    renderer = PageRenderer(
        make_environment(options.template_overrides), addresses.url, addresses.relative, site
    )
    return SiteParts(
        entries=entries,
        citations=citations,
        related=related,
        views=views,
        ordered=ordered,
        types=context.type_groups(ordered),
        domains=context.domain_groups(ordered, domain_names),
        domain_names=domain_names,
        options=options,
        addresses=addresses,
        renderer=renderer,
        view_digests={view.id: view_keys.get(view.id) or _digest(repr(view)) for view in views},
    )


def home_page(parts: SiteParts) -> GeneratedFile:
    options, views = parts.options, parts.views
    citation = context.catalogue_citation(
        options.site_name,
        options.site_url or options.repo_url,
        len(views),
        max((view.added[:4] for view in views), default=""),
    )
    newest = context.newest(views, options.newest_count)
    return parts.page(
        addresses.HOME,
        "home.html",
        options.site_name,
        FULL_WIDTH,
        newest=newest,
        types=parts.types,
        citation=citation,
    )


def catalogue_pages(parts: SiteParts) -> list[GeneratedFile]:
    """The catalogue's first page (with the facets), numbered pages reaching every paper
    without JavaScript, and what the catalogue script fetches: the facet data at once, each
    page's rows when it draws them and its citations when a download holds one of its papers
    (all of them were 140 MB at 100,000 papers), titles and authors for the text filter and
    the title order."""
    ordered = parts.ordered
    facets = context.facets(ordered, context.facet_namers(parts.domain_names))
    rows = max(1, parts.options.catalogue_rows)
    files = []
    for listing in numbered(ordered, rows, addresses.CATALOGUE):
        number, count = listing["number"], listing["page_count"]
        files.append(
            parts.page(
                addresses.catalogue_page(number),
                "catalogue.html" if number == 1 else "catalogue_page.html",
                "Catalogue" if number == 1 else f"Catalogue, page {number} of {count}",
                FULL_WIDTH,
                facets=facets,
                rows=rows,
                **listing,
            )
        )
        papers = listing["papers"]
        rows_data = context.catalogue_rows(papers)
        files.append(GeneratedFile(addresses.catalogue_rows(number), _json(rows_data)))
        citations = [[view.id, view.bibtex, view.ris] for view in papers]
        files.append(GeneratedFile(addresses.catalogue_citations(number), _json(citations)))
    titles = [[view.id, view.title] for view in ordered]
    authors = {view.id: context.author_text(view) for view in ordered}
    return [
        *files,
        GeneratedFile(addresses.CATALOGUE_DATA, _json(context.catalogue_data(ordered, facets))),
        GeneratedFile(addresses.CATALOGUE_TITLES, _json(titles)),
        GeneratedFile(addresses.CATALOGUE_TITLE_WORDS, _json(context.title_words(ordered))),
        GeneratedFile(addresses.CATALOGUE_AUTHORS, _json(authors)),
    ]


def numbered(
    papers: Sequence[context.PaperView], rows: int, first_page: str
) -> list[dict[str, Any]]:
    """What each page of a listing shows when it holds ``rows`` papers a page (at least one
    page, empty when there are no papers): its papers, its number, the page count, the
    position of its first paper and the pager's links."""
    count = max(1, -(-len(papers) // rows))
    return [
        {
            "papers": papers[(number - 1) * rows : number * rows],
            "first": (number - 1) * rows + 1,
            "number": number,
            "page_count": count,
            "pager": context.pager(number, count, first_page),
        }
        for number in range(1, count + 1)
    ]


def group_pages(parts: SiteParts) -> list[GeneratedFile]:
    """The index of buffer types and its pages, then the index of domains and its pages.
    A type's or domain's papers are in numbered pages of catalogue_rows papers (one type had
    26 MB of HTML at 100,000 papers, and an edit re-rendered the whole list)."""
    listings = (
        (addresses.TYPES_INDEX, "types_index.html", "Buffer types", parts.types, "type"),
        (addresses.DOMAINS_INDEX, "domains_index.html", "Domains", parts.domains, "domain"),
    )
    rows = max(1, parts.options.catalogue_rows)
    files = []
    for index, template, title, groups, kind in listings:
        files.append(parts.page(index, template, title, LISTING_META, groups=groups))
        for group in groups:
            for listing in numbered(group.papers, rows, group.page):
                number, count = listing["number"], listing["page_count"]
                files.append(
                    parts.page(
                        addresses.numbered_page(group.page, number),
                        "group.html",
                        group.label.name
                        if number == 1
                        else f"{group.label.name}, page {number} of {count}",
                        LISTING_META,
                        label=group.label,
                        description=group.description,
                        total=len(group.papers),
                        kind=kind,
                        **listing,
                    )
                )
    return files


def stats_page(parts: SiteParts) -> GeneratedFile:
    return parts.page(
        addresses.STATS,
        "stats.html",
        "Stats",
        LISTING_META,
        bars=charts.stacked_bars(parts.ordered),
        heatmap=charts.heatmap(parts.ordered, [group.label for group in parts.domains]),
        types=parts.types,
        domains=parts.domains,
    )


def paper_pages(parts: SiteParts) -> list[GeneratedFile]:
    """Each paper's page with its related papers, and its own citation files, made on
    demand: at 10,000 papers rendering them all is most of a build, and an incremental build
    needs only those whose inputs changed."""
    digests = parts.view_digests
    views_by_id = {view.id: view for view in parts.views}
    related = parts.related
    shared = _digest(repr(parts.page_inputs))
    files = []
    for entry in parts.entries:
        view = views_by_id[entry.paper.id]
        others = [views_by_id[other] for other in related.get(view.id, ())]
        inputs = _digest(" ".join([shared, digests[view.id], *(digests[o.id] for o in others)]))
        page = partial(parts.render_page, view.page, "paper.html", view.title, FULL_WIDTH)
        files.append(
            GeneratedFile(
                view.page, "", inputs=inputs, make=partial(page, paper=view, related=others)
            )
        )
        cited = parts.citations[view.id]
        record = _digest(json.dumps([cited.bibtex, cited.ris, cited.csl_json]))  # C, not repr
        for name, join, text in (
            (view.bibtex_file, join_bibtex, cited.bibtex),
            (view.ris_file, join_ris, cited.ris),
            (view.csl_json_file, join_csl_json, cited.csl_json),
        ):
            made = partial(_citation_file, name, join, text)
            files.append(GeneratedFile(name, "", inputs=record, make=made))
    return files


def _citation_file(name: str, join: Callable[[list[str]], str], entry: str) -> GeneratedFile:
    """A paper's own citation file, made only when it is written (a kept one never is)."""
    return GeneratedFile(name, join([entry]))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def downloads(parts: SiteParts) -> list[GeneratedFile]:
    """The whole catalogue as BibTeX, RIS, CSL-JSON and CSV, and the feed of new papers."""
    cited = [parts.citations[entry.paper.id] for entry in parts.entries]
    feed_items = context.newest(parts.views, parts.options.feed_size)
    feed = atom_feed(
        feed_items,
        title=f"{parts.options.site_name}: newest papers",
        site_url=parts.options.site_url,
        page_url={view.id: parts.addresses.absolute(view.page) for view in feed_items},
    )
    return [
        GeneratedFile(addresses.ALL_BIBTEX, join_bibtex(c.bibtex for c in cited)),
        GeneratedFile(addresses.ALL_RIS, join_ris(c.ris for c in cited)),
        GeneratedFile(addresses.ALL_CSL_JSON, join_csl_json(c.csl_json for c in cited)),
        GeneratedFile(addresses.ALL_CSV, to_csv(parts.entries)),
        GeneratedFile(addresses.FEED, feed),
    ]
