"""Rendering stage: the Jinja environment and the meta of generated MkDocs pages.

Record data is untrusted. It only ever reaches Jinja as *variables* of templates that ship with
the package (never as template source), autoescape is on for every template, and JSON for
``<script type="application/json">`` is escaped so no value can close the script element.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from bufferlit.site.addresses import SITE_PAGES
from bufferlit.site.context import SiteInfo, http_url

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PAGE_TEMPLATES = "pages"

# Characters that could end a <script> element, open a comment or an entity, or end a line in
# a JavaScript string; ensure_ascii=False keeps the page small and readable.
JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> Markup:
    """``data`` as JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return Markup(text)


def make_environment(override_dir: Path | None = None) -> jinja2.Environment:
    """Package templates, optionally shadowed by a site's own folder (the plugin's
    ``templates`` option), like a MkDocs theme's ``custom_dir``."""
    folders = [PACKAGE_TEMPLATES]
    if override_dir is not None:
        folders.insert(0, override_dir)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["script_json"] = script_json
    environment.filters["http_url"] = http_url
    environment.globals["pages"] = SITE_PAGES  # section pages and site files, for link()
    return environment


def page_meta(*, title: str, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A generated page's ``page.meta``, set by the plugin (no front matter is parsed).

    The page's HTML never goes through Markdown: the plugin keeps it aside and hands it to
    MkDocs as the page content (``on_page_content``), which skips Python-Markdown's raw HTML
    parser (a third of the build) and means no record text is ever read as Markdown.

    The title is HTML-escaped: Material prints ``page.meta.title`` into ``<title>`` and the
    header without escaping (MkDocs' theme environment has autoescape off), so an escaped
    value is what makes a ``</title><script>`` title harmless.
    """
    return {"title": html.escape(title, quote=False), **(meta or {})}


class PageRenderer:
    """Renders one page template for one page URL, with links made relative to that page."""

    def __init__(
        self,
        environment: jinja2.Environment,
        url_of: Callable[[str], str],
        relative: Callable[[str, str], str],
        site: SiteInfo,
    ) -> None:
        self.environment = environment
        self.url_of = url_of
        self.relative = relative
        self.site = site

    def render(self, template: str, src_uri: str, **context: Any) -> str:
        here = self.url_of(src_uri)

        def link(target: str, query: str = "") -> str:
            """Relative URL from this page to ``target`` (a src_uri or a site file)."""
            url = self.relative(self.url_of(target), here)
            return f"{url}?{query}" if query else url

        return self.environment.get_template(f"{PAGE_TEMPLATES}/{template}").render(
            link=link, site=self.site, **context
        )
