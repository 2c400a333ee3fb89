"""Pages stage: every generated page and download, as (src_uri, content) pairs.

``generate_site()`` is pure: entries and options in, files out. The plugin hands the result to
MkDocs as generated ``File`` objects, so nothing is written to the docs folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from bufferlit.cite import to_bibtex, to_csl_json, to_ris
from bufferlit.export import to_csv
from bufferlit.model import Entry
from bufferlit.site import charts, context
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


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def generate_site(
    entries: Sequence[Entry], domain_names: Mapping[str, str], options: SiteOptions
) -> list[GeneratedFile]:
    """Every page and download of the site for these tagged entries."""
    views = [context.paper_view(entry, domain_names, options.repo_url) for entry in entries]
    views_by_id = {view.id: view for view in views}
    ordered = context.by_year_then_title(views)
    types = context.type_groups(ordered)
    domains = context.domain_groups(ordered, domain_names)
    addresses = Addresses(options.use_directory_urls, options.site_url)
    renderer = PageRenderer(
        make_environment(options.template_overrides),
        addresses.url,
        addresses.relative,
        context.SiteInfo(
            name=options.site_name,
            url=options.site_url,
            repo_url=options.repo_url.rstrip("/"),
            total=len(views),
            docs_pages=options.docs_pages,
        ),
    )
    files: list[GeneratedFile] = []

    def page(
        src_uri: str, template: str, title: str, meta: Mapping[str, object], **data: object
    ) -> None:
        body = renderer.render(template, src_uri, **data)
        files.append(GeneratedFile(src_uri, "", PageData(page_meta(title=title, meta=meta), body)))

    page(
        context.HOME,
        "home.html",
        options.site_name,
        {"hide": ["navigation", "toc"]},
        newest=context.newest(views, options.newest_count),
        types=types,
        citation=context.catalogue_citation(
            options.site_name,
            options.site_url or options.repo_url,
            len(views),
            max((view.added[:4] for view in views), default=""),
        ),
    )
    facets = context.facets(ordered, context.facet_namers(domain_names))
    rows = max(1, options.catalogue_rows)
    page_count = max(1, -(-len(ordered) // rows))
    for number in range(1, page_count + 1):
        first = (number - 1) * rows
        page(
            context.catalogue_page(number),
            "catalogue.html" if number == 1 else "catalogue_page.html",
            "Catalogue" if number == 1 else f"Catalogue, page {number} of {page_count}",
            {"hide": ["navigation", "toc"]},
            papers=ordered[first : first + rows],
            first=first + 1,
            facets=facets,
            rows=rows,
            pager=context.pager(number, page_count),
            number=number,
            page_count=page_count,
        )
    # Fetched by the catalogue script: the rows' data at once, the rest only when needed (a
    # download, the text filter).
    files += [
        GeneratedFile(context.CATALOGUE_DATA, _json(context.catalogue_data(ordered, facets))),
        GeneratedFile(
            context.CATALOGUE_CITATIONS,
            _json({view.id: [view.bibtex, view.ris] for view in ordered}),
        ),
        GeneratedFile(
            context.CATALOGUE_AUTHORS,
            _json({view.id: context.author_text(view) for view in ordered}),
        ),
    ]
    page(context.TYPES_INDEX, "types_index.html", "Buffer types", LISTING_META, groups=types)
    for group in types:
        page(group.page, "group.html", group.label.name, LISTING_META, group=group, kind="type")
    page(context.DOMAINS_INDEX, "domains_index.html", "Domains", LISTING_META, groups=domains)
    for group in domains:
        page(group.page, "group.html", group.label.name, LISTING_META, group=group, kind="domain")
    page(
        context.STATS,
        "stats.html",
        "Stats",
        LISTING_META,
        bars=charts.stacked_bars(ordered),
        heatmap=charts.heatmap(ordered, [group.label for group in domains]),
        types=types,
        domains=domains,
    )
    page(context.DOWNLOADS, "downloads.html", "Downloads", {"hide": ["navigation", "toc"]})
    page(context.SEARCH, "search.html", "Search", {"hide": ["navigation", "toc"]})

    related = related_papers(entries, options.related_limit)
    for entry in entries:
        view = views_by_id[entry.paper.id]
        page(
            view.page,
            "paper.html",
            view.title,
            {"hide": ["navigation", "toc"]},
            paper=view,
            related=[views_by_id[other] for other in related.get(view.id, ())],
        )
        files += [
            GeneratedFile(context.paper_file(view.id, "bib"), to_bibtex([entry.paper])),
            GeneratedFile(context.paper_file(view.id, "ris"), to_ris([entry.paper])),
            GeneratedFile(context.paper_file(view.id, "json"), to_csl_json([entry.paper])),
        ]

    papers_in_order = [entry.paper for entry in entries]
    feed_items = context.newest(views, options.feed_size)
    files += [
        GeneratedFile("papers.bib", to_bibtex(papers_in_order)),
        GeneratedFile("papers.ris", to_ris(papers_in_order)),
        GeneratedFile("papers.json", to_csl_json(papers_in_order)),
        GeneratedFile("catalogue.csv", to_csv(entries)),
        GeneratedFile(
            "feed.xml",
            atom_feed(
                feed_items,
                title=f"{options.site_name}: newest papers",
                site_url=options.site_url,
                page_url={view.id: addresses.absolute(view.page) for view in feed_items},
            ),
        ),
    ]
    return files
