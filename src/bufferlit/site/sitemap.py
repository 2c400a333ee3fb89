"""The sitemap: MkDocs' own, with the generated pages an incremental build keeps unrendered.

A kept page reached by links only has a File but no MkDocs Page (plugin.add_generated), so
MkDocs' sitemap template, which lists Pages, would leave it out. Its ``<url>`` elements are
made here for every documentation page in the order of the build's files, byte for byte as
that template writes them (tests/site/test_site_build.py compares the two), and the
override template (templates/overrides/sitemap.xml) prints them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_build_date


def sitemap_urls(files: Files, unrendered: Mapping[str, File], config: MkDocsConfig) -> Markup:
    """The ``<url>`` elements of MkDocs' sitemap (its template's output, byte for byte),
    for the documentation pages in the order of ``files``, with the pages kept unrendered in
    their places, their URLs made as Page makes them: an incremental build's sitemap is a
    full build's. Made here, not by the template's loop (~0.15 s at 10,000 pages)."""
    base = config.site_url or ""
    if base and not base.endswith("/"):
        base += "/"
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
    return Markup("".join(urls))


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
