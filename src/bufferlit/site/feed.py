"""The Atom feed of the newest additions (by ``added``).

Built with ElementTree, so every record value is XML-escaped by the serializer. Entry ids are
tag URIs on the paper id, which never changes, so a reader never sees a paper twice even if
the site moves.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from bufferlit.site.addresses import FEED
from bufferlit.site.context import PaperView

ATOM = "http://www.w3.org/2005/Atom"
TAG_AUTHORITY = "bufferlit.github.io,2025"


def entry_id(paper_id: str) -> str:
    return f"tag:{TAG_AUTHORITY}:paper:{paper_id}"


def atom_feed(
    papers: Sequence[PaperView], *, title: str, site_url: str, page_url: dict[str, str]
) -> str:
    """``papers`` newest first; ``page_url`` maps a paper id to its page URL (absolute when
    the site has a ``site_url``, else relative to the site root, which is where the feed is)."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", title)
    sub(feed, "subtitle", "Newest papers added to the catalogue of research on memory buffers")
    sub(feed, "id", f"tag:{TAG_AUTHORITY}:feed")
    base = site_url.rstrip("/") + "/" if site_url else ""
    sub(feed, "link", rel="alternate", type="text/html", href=base or "./")
    sub(feed, "link", rel="self", type="application/atom+xml", href=base + FEED)
    updated = max((paper.added for paper in papers), default="1970-01-01")
    sub(feed, "updated", f"{updated}T00:00:00Z")
    author = sub(feed, "author")
    sub(author, "name", "bufferlit contributors")
    for paper in papers:
        entry = sub(feed, "entry")
        sub(entry, "title", paper.title)
        sub(entry, "id", entry_id(paper.id))
        sub(entry, "link", rel="alternate", type="text/html", href=page_url[paper.id])
        sub(entry, "updated", f"{paper.added}T00:00:00Z")
        for name in paper.authors or ("Unknown",):
            sub(sub(entry, "author"), "name", name)
        for label in paper.buffer_types:
            sub(entry, "category", term=label.value, label=label.name)
        sub(entry, "summary", paper.abstract, type="text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"
