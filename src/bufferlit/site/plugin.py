"""The MkDocs plugin: records in, catalogue pages and downloads out, as generated files.

``mkdocs.yml``::

    plugins:
      - bufferlit:
          papers: papers            # relative to mkdocs.yml
          repo_url: https://github.com/bufferlit/bufferlit

The ``BUFFERLIT_PAPERS`` environment variable overrides ``papers`` (``bufferlit serve --papers``
uses it, since ``mkdocs serve`` reloads the config itself on every rebuild).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from bufferlit.model import Entry
from bufferlit.site import addresses
from bufferlit.site.incremental import PageCache, anchor_ids, fingerprint, write_all_others
from bufferlit.site.inputs import InputCache
from bufferlit.site.output import Protected, Workspace, check_site_dir, write_manifest
from bufferlit.site.pages import GeneratedFile, PageData, SiteOptions, generate_site
from bufferlit.site.render import PACKAGE_TEMPLATES
from bufferlit.site.search import SearchPage, page_url, search_page
from bufferlit.site.sitemap import Sitemap, make_sitemap

log = logging.getLogger("mkdocs.plugins.bufferlit")

PAPERS_ENVIRONMENT_VARIABLE = "BUFFERLIT_PAPERS"
"""Set to 1 by ``bufferlit serve``: index each preview build for search. (Not on_startup: a
plugin with that event is kept across builds in one process, and so would its state.)"""
THEME_OVERRIDES = PACKAGE_TEMPLATES / "overrides"
ASSETS = PACKAGE_TEMPLATES / "assets"
ASSET_URIS = {"css": addresses.STYLESHEET, "js": addresses.SCRIPT}
"""The assets every page links (extra_css, extra_javascript)."""
SHIPPED_ASSETS = (*ASSET_URIS.values(), addresses.SEARCH_WORKER)
# id attributes of the generated HTML (autoescaped, always double-quoted by the templates).


class BufferlitConfig(Config):  # type: ignore[no-untyped-call]
    papers = config_options.Type(str, default="papers")
    repo_url = config_options.Type(str, default="https://github.com/bufferlit/bufferlit")
    templates = config_options.Optional(config_options.Type(str))
    """A folder of page templates that shadow the packaged ones (like a theme's custom_dir)."""
    newest = config_options.Type(int, default=8)
    feed_size = config_options.Type(int, default=30)
    related = config_options.Type(int, default=5)
    catalogue_rows = config_options.Type(int, default=100)
    """Papers per catalogue page (the first page's rows are in its HTML)."""


def default_nav(docs_pages: set[str]) -> list[Any]:
    """Only section pages: with thousands of papers in the nav every page's sidebar would list
    them all, which makes the build quadratic. Hand-written docs pages go under About (about.md
    first, then the taxonomy, then the rest by name), titled by their own headings."""
    order = {"about.md": 0, "taxonomy.md": 1}
    written = sorted(
        (uri for uri in docs_pages if uri != addresses.HOME),
        key=lambda uri: (order.get(uri, 2), uri),
    )
    about: list[Any] = []
    if len(written) == 1:
        about = [{"About": written[0]}]
    elif written:
        about = [{"About": written}]
    return [
        {"Home": addresses.HOME},
        {"Catalogue": addresses.CATALOGUE},
        {"Buffer types": addresses.TYPES_INDEX},
        {"Domains": addresses.DOMAINS_INDEX},
        {"Stats": addresses.STATS},
        {"Downloads": addresses.DOWNLOADS},
        *about,
    ]


def paper_search_pages(
    entries: Sequence[Entry], files: Files, domain_names: Mapping[str, str], language: str
) -> list[SearchPage]:
    """Each paper for the search index, at the URL of its page among this build's files."""
    pages = []
    for entry in entries:
        file = files.get_file_from_path(addresses.paper_page(entry.paper.id))
        if file is not None:
            pages.append(search_page(entry, page_url(file.dest_uri), domain_names, language))
    return pages


class BufferlitPlugin(BasePlugin[BufferlitConfig]):  # type: ignore[no-untyped-call]
    supports_multiple_instances = False

    papers_override: Path | None = None
    """Set by ``bufferlit build --papers``; wins over the option and the variable."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, tuple[File, PageData]] = {}
        """src_uri -> (a generated page's File, its meta and HTML), refilled every build."""
        self.page_cache = PageCache("", {}, {})
        """Which generated files this build renders again (see incremental.py)."""
        self.inputs = InputCache(None, "")
        """The records and taggings this build read (see inputs.py)."""
        self.unrendered: dict[str, File] = {}
        """src_uri -> a generated page kept unrendered, with no MkDocs Page (add_generated)."""
        self.sitemap = Sitemap()
        """What sitemap.xml prints and the numbered sitemaps beside it; set every build."""
        self.search_pages: Callable[[], list[SearchPage]] = list
        """Each paper as the search index is made from it (see search.py), made only after the
        pages are published (~0.6 s at 10,000 papers); set again every build."""

    def papers_dir(self, config: MkDocsConfig) -> Path:
        if self.papers_override is not None:
            return self.papers_override
        chosen = os.environ.get(PAPERS_ENVIRONMENT_VARIABLE) or self.config.papers
        return Path(config.config_file_path or ".").parent / chosen

    def template_overrides(self, config: MkDocsConfig) -> Path | None:
        if not self.config.templates:
            return None
        return Path(config.config_file_path or ".").parent / self.config.templates

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # The same guard as ``bufferlit build``, for a plain ``mkdocs build``, which deletes
        # every non-dot file of site_dir before writing (bufferlit build builds into a fresh
        # staging folder, which passes).
        project = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        protected = Protected(project, self.papers_dir(config), Path(config.docs_dir))
        check_site_dir(Path(config.site_dir), protected, cleaned_by_mkdocs=True)
        # The theme override (feed <link>, asset tags) ships in the package, so a site needs
        # no custom_dir of its own; a site's custom_dir still wins (it is dirs[0]).
        dirs = config.theme.dirs
        position = 1 if config.theme.custom_dir else 0
        if str(THEME_OVERRIDES) not in dirs:
            dirs.insert(position, str(THEME_OVERRIDES))
        for kind, uri in ASSET_URIS.items():
            target = config.extra_css if kind == "css" else config.extra_javascript
            if uri not in [str(item) for item in target]:
                target.append(uri)
        if config.nav is None:
            docs = Path(config.docs_dir)
            present = {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")}
            config.nav = default_nav(present)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        from bufferlit.tagger import DOMAINS

        options = SiteOptions(
            site_name=config.site_name,
            site_url=config.site_url or "",
            repo_url=self.config.repo_url,
            use_directory_urls=config.use_directory_urls,
            newest_count=self.config.newest,
            feed_size=self.config.feed_size,
            related_limit=self.config.related,
            catalogue_rows=self.config.catalogue_rows,
            template_overrides=self.template_overrides(config),
            docs_pages=frozenset(file.src_uri for file in files.documentation_pages()),
        )
        self.page_cache = self.start_cache(config, options)
        workspace = Workspace.of_staging(Path(config.site_dir))
        self.inputs = InputCache(workspace, self.page_cache.fingerprint)
        papers_dir = self.papers_dir(config)
        entries = self.inputs.entries(papers_dir)
        log.info(f"bufferlit: {len(entries)} records from {papers_dir}")
        generated = generate_site(
            entries,
            DOMAINS,
            options,
            on_demand=True,
            citations=self.inputs.citations,
            related=self.inputs.related(entries, options.related_limit),
            view_keys=self.inputs.view_keys(),
        )
        generated += [
            GeneratedFile(uri, (ASSETS / Path(uri).name).read_text(encoding="utf-8"))
            for uri in SHIPPED_ASSETS
        ]
        self.add_generated(files, config, generated)
        write_all_others(files, self.page_cache, frozenset(config.theme.dirs))
        language = str(config.theme["language"] or "en")  # what the pages' <html lang> says
        self.search_pages = partial(paper_search_pages, entries, files, DOMAINS, language)
        return files

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """The theme override's links (header search, feed) from the site's address scheme."""
        url_of = addresses.Addresses(config.use_directory_urls, "").url
        env.globals["bufferlit_urls"] = addresses.theme_urls(url_of)
        self.sitemap = make_sitemap(files, self.unrendered, config)
        env.globals["bufferlit_sitemap"] = self.sitemap
        return env

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """Links from a docs page to an anchor of a page kept unrendered: checked against
        the anchors the cache remembers, as MkDocs checks those of the pages it has."""
        for target, links in (page.links_to_anchors or {}).items():
            if target.src_uri not in self.unrendered:
                continue
            present = set(self.page_cache.anchors.get(target.src_uri, ()))
            for anchor, link in links.items():
                if anchor not in present:
                    problem = f"the doc '{target.src_uri}' does not contain an anchor '#{anchor}'"
                    log.log(
                        config.validation.links.anchors,
                        f"Doc file '{page.file.src_uri}' contains a link '{link}', but {problem}.",
                    )
        return output

    def add_generated(
        self, files: Files, config: MkDocsConfig, generated: list[GeneratedFile]
    ) -> None:
        """Hand MkDocs the generated files, each kept unrendered or made now. A kept file
        that is not a page (a paper's citation files, most of a site's files) is not handed
        over at all: the publish step carries it over from the site, and MkDocs' work per
        file (~0.1 ms) was seconds at 10,000 papers."""
        docs = {file.src_uri: file for file in files}
        self.pages = {}
        self.unrendered = {}
        for item in generated:
            existing = docs.get(item.src_uri)
            if existing is not None:
                log.warning(f"bufferlit: generated {item.src_uri} replaces the docs file")
                files.remove(existing)
            elif not item.src_uri.endswith(".md") and self.page_cache.keep(item, item.src_uri):
                continue
            file = File.generated(
                config, item.src_uri, content=item.content, inclusion=self.inclusion(item)
            )
            made = self.page_cache.decide(file, item)  # kept unrendered, or made now
            if made.page is not None:
                self.pages[item.src_uri] = (file, made.page)
            elif file.inclusion is InclusionLevel.NOT_IN_NAV and not file.is_modified():
                self.unrendered[file.src_uri] = file
            files.append(file)
        for file in self.unrendered.values():
            # Kept, and reached by links only (a paper's page, a numbered catalogue page):
            # MkDocs keeps the File (links to it resolve) but makes no Page of it (~30 us
            # each, in the nav, reading and writing passes); the sitemap still lists it.
            file.inclusion = InclusionLevel.EXCLUDED

    def start_cache(self, config: MkDocsConfig, options: SiteOptions) -> PageCache:
        templates = [PACKAGE_TEMPLATES, *filter(None, [self.template_overrides(config)])]
        if config.theme.custom_dir:
            templates.append(Path(config.theme.custom_dir))
        shared = fingerprint(config, templates, options.docs_pages)
        return PageCache.for_build(config, shared)

    def generated_page(self, page: Page) -> PageData | None:
        """The meta and HTML of a page this plugin generated (this very File), else None."""
        kept = self.pages.get(page.file.src_uri)
        return kept[1] if kept is not None and kept[0] is page.file else None

    @event_priority(100)  # first, so other plugins see the page's meta
    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        data = self.generated_page(page)
        if data is None:
            return markdown
        page.meta = dict(data.meta)
        return ""  # the source was empty already: Markdown gets nothing to read

    @event_priority(100)  # first: other plugins' on_page_content see the page's real HTML
    def on_page_content(
        self, content: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        data = self.generated_page(page)
        if data is None:
            return content
        page.present_anchor_ids = anchor_ids(data.html)  # page.render() just emptied them
        return data.html

    def on_nav(self, nav: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        # What MkDocs' raw-HTML pass would have recorded, so links from the docs pages to an
        # anchor of a generated page are still validated; set here, for every generated page,
        # because an incremental build does not render the unchanged ones. (The toc stays
        # empty as before: the headings were raw HTML, which the toc extension never read.)
        for file in files:
            if file.src_uri in self.page_cache.keys and file.page is not None:
                file.page.present_anchor_ids = set(self.page_cache.anchors.get(file.src_uri, ()))
        return nav

    @staticmethod
    def inclusion(item: GeneratedFile) -> InclusionLevel:
        # Paper pages are reachable by links, not the nav; NOT_IN_NAV also silences MkDocs'
        # "not included in the nav" notice for each of them.
        if addresses.reached_by_links_only(item.src_uri):
            return InclusionLevel.NOT_IN_NAV
        return InclusionLevel.UNDEFINED

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """After a plain mkdocs build, record its files as bufferlit's, so that a later
        build knows them (bufferlit build writes the manifest itself when it publishes).
        First the numbered sitemaps that sitemap.xml names, past 50,000 pages."""
        for name, text in self.sitemap.parts:
            write_file(text.encode("utf-8"), str(Path(config.site_dir) / name))
        if Workspace.of_staging(Path(config.site_dir)) is None:
            write_manifest(Path(config.site_dir))

    def watched_paths(self, config: MkDocsConfig) -> list[Path]:
        """What a preview rebuilds on: mkdocs.yml, the docs, the records, the templates."""
        paths = [Path(config.docs_dir), self.papers_dir(config), PACKAGE_TEMPLATES]
        if config.config_file_path:
            paths.append(Path(config.config_file_path))
        paths += filter(None, [self.template_overrides(config)])
        if config.theme.custom_dir:
            paths.append(Path(config.theme.custom_dir))
        return paths

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """For a plain ``mkdocs serve``: rebuild when a record or a template changes too."""
        for path in self.watched_paths(config):
            server.watch(str(path))
        return server
