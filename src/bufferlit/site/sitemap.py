"""The sitemap: MkDocs' own, with the generated pages an incremental build keeps unrendered,
split into an index and numbered sitemaps past the protocol's 50,000 URLs.

A kept page reached by links only has a File but no MkDocs Page (plugin.add_generated), so
MkDocs' sitemap template, which lists Pages, would leave it out. Its ``<url>`` elements are
made here for every documentation page in the order of the build's files, byte for byte as
that template writes them (tests/site/test_site_build.py compares the two), and the
override template (templates/overrides/sitemap.xml) prints them.

A sitemap holds at most 50,000 URLs (sitemaps.org; search engines refuse a larger one), so a
larger site's ``sitemap.xml`` is a sitemap index naming ``sitemap-1.xml``, ``sitemap-2.xml``,
..., each of 50,000 URLs at most. This also spares every page view of such a site Material's
instant navigation, which fetches and parses ``sitemap.xml`` on each page load to know which
links it may load itself: 1.7 s of the main thread for 100,000 URLs, and twice when the page
has a feed link (the theme reads any ``link rel=alternate`` as a language version and fetches
the sitemap beside it). An index lists no page, so its links load as plain pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_build_date

URLS_PER_SITEMAP = 50_000
"""The sitemap protocol's limit."""
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
NOTHING = Markup("")


@dataclass(frozen=True)
class Sitemap:
    """What ``sitemap.xml`` prints (its template reads ``urls`` or ``index``), and the
    numbered sitemaps an index names (``parts``, written beside it)."""

    urls: Markup = NOTHING
    """The ``<url>`` elements, when they fit in one sitemap (else empty)."""
    index: Markup = NOTHING
    """The ``<sitemap>`` elements of an index, when they do not (else empty)."""
    parts: tuple[tuple[str, str], ...] = ()
    """(file name, whole XML document) of each numbered sitemap."""


def make_sitemap(files: Files, unrendered: Mapping[str, File], config: MkDocsConfig) -> Sitemap:
    """The sitemap of these files: one, or an index and its numbered sitemaps."""
    urls = sitemap_urls(files, unrendered, config)
    if len(urls) <= URLS_PER_SITEMAP:
        return Sitemap(urls=Markup("".join(urls)))
    base = _base(config)
    parts, index = [], []
    for number, first in enumerate(range(0, len(urls), URLS_PER_SITEMAP), start=1):
        name = f"sitemap-{number}.xml"
        body = "".join(urls[first : first + URLS_PER_SITEMAP])
        parts.append(
            (name, f'{XML_DECLARATION}<urlset xmlns="{SITEMAP_NAMESPACE}">{body}\n</urlset>')
        )
        loc = escape(base + name)
        index.append(
            f"\n    <sitemap>\n         <loc>{loc}</loc>\n"
            f"         <lastmod>{get_build_date()}</lastmod>\n    </sitemap>"
        )
    return Sitemap(index=Markup("".join(index)), parts=tuple(parts))


def _base(config: MkDocsConfig) -> str:
    base = config.site_url or ""
    return base if not base or base.endswith("/") else base + "/"


def sitemap_urls(
    files: Files, unrendered: Mapping[str, File], config: MkDocsConfig
) -> Sequence[str]:
    """The ``<url>`` elements of MkDocs' sitemap (its template's output, byte for byte),
    for the documentation pages in the order of ``files``, with the pages kept unrendered in
    their places, their URLs made as Page makes them: an incremental build's sitemap is a
    full build's. Made here, not by the template's loop (~0.15 s at 10,000 pages)."""
    base = _base(config)
    base_path = urlsplit(base).path
    build_date = get_build_date()
    included = {id(file) for file in files.documentation_pages()}  # what MkDocs would list
    urls = []
    for file in files:
        page = file.page
        if file.src_uri in unrendered:
            canonical, absolute = page_urls(base, base_path, file.url)
            date = build_date
        elif id(file) in included and page is not None and not page.is_link:
            canonical, absolute, date = page.canonical_url, page.abs_url, page.update_date
        else:
            continue
        if canonical or absolute:
            lastmod = f"<lastmod>{date}</lastmod>" if date else ""
            loc = escape(canonical or absolute)
            urls.append(f"\n    <url>\n         <loc>{loc}</loc>\n         {lastmod}\n    </url>")
    return urls


PLAIN_PATH = re.compile(r"(?!/)(?!.*//)(?!.*(?:^|/)\.\.?(?:/|$))[A-Za-z0-9_./~-]*")
"""A relative URL that urljoin appends to a base ending in "/" as it is (no scheme, query
or fragment, no leading or double slash, no dot segments)."""


def page_urls(base: str, base_path: str, url: str) -> tuple[str | None, str | None]:
    """(canonical_url, abs_url) as MkDocs' Page sets them for a page at ``url``; the plain
    case without urljoin (~10 us each, 10,000 times a build)."""
    if not base:
        return None, None
    if PLAIN_PATH.fullmatch(url):
        return base + url, base_path + url
    canonical = urljoin(base, url)
    return canonical, urlsplit(canonical).path
