"""arXiv: metadata and abstracts of preprints from the arXiv API (an Atom feed).

One request per batch (``id_list`` with every id), no faster than one request per 3 seconds
(the API's Terms of Use). The API answers unknown ids with an empty ``<entry>`` and a
malformed query with an entry titled "Error", both with HTTP 200; both are caught here.
Parsed with ``xml.etree`` (expat refuses external entities and, since 2.4.1, entity
expansion bombs), since the feed is plain Atom with two namespaces.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from bufferlit.bibimport import author_name
from bufferlit.ingest import NewPaper
from bufferlit.latex import clean_latex
from bufferlit.records import ARXIV_PATTERN, DOI_PATTERN
from bufferlit.sources.http import Http, Service, SourceError

ARXIV = Service("arXiv", "https://export.arxiv.org/api", "BUFFERLIT_ARXIV_URL", 3.0)
BATCH = 100
"""Ids per request: far under the API's limits, small enough for a quick answer."""
NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
SUBJECT_CLASS = re.compile(r"\.[A-Z]{2}/")
ENTRY_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v\d+)?$")


def fetch_arxiv(http: Http, ids: Sequence[str], service: Service = ARXIV) -> dict[str, NewPaper]:
    """The papers with these arXiv ids (without versions), by the id as asked; an id arXiv
    does not know is missing from the result."""
    found: dict[str, NewPaper] = {}
    for start in range(0, len(ids), BATCH):
        batch = list(dict.fromkeys(ids[start : start + BATCH]))
        body = http.get(
            service,
            "/query",
            {"id_list": ",".join(batch), "max_results": str(len(batch))},
        )
        answered = parse_feed(body)
        for wanted in batch:
            paper = answered.get(_without_subject_class(wanted))
            if paper is not None:
                found[wanted] = paper
    return found


def _without_subject_class(arxiv_id: str) -> str:
    """arXiv answers ``math.AG/0601001`` as ``math/0601001``: the subject class is not part
    of an old-style identifier."""
    return SUBJECT_CLASS.sub("/", arxiv_id)


def parse_feed(body: bytes) -> dict[str, NewPaper]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise SourceError(f"arXiv: the answer is not a valid Atom feed ({error})") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise SourceError(f"arXiv: the answer is not an Atom feed (root element {root.tag})")
    papers = {}
    for entry in root.findall("atom:entry", NS):
        entry_id = _text(entry, "atom:id")
        if not entry_id:
            continue  # an id arXiv does not know: an empty entry
        if "/api/errors" in entry_id:
            raise SourceError(f"arXiv: the API reported an error: {_text(entry, 'atom:summary')}")
        match = ENTRY_ID.search(entry_id)
        if not match or not ARXIV_PATTERN.match(match["id"]):
            raise SourceError(f"arXiv: unexpected entry id {entry_id!r} in the answer")
        papers[match["id"]] = _paper(entry, match["id"])
    return papers


def _paper(entry: ElementTree.Element, arxiv_id: str) -> NewPaper:
    published = _text(entry, "atom:published")
    metadata: dict[str, object] = {
        "authors": [
            author_name(name)
            for author in entry.findall("atom:author", NS)
            if (name := _text(author, "atom:name"))
        ],
        "venue": "arXiv",
        "arxiv": arxiv_id,
    }
    if published[:4].isdigit():
        metadata["year"] = int(published[:4])  # the first version's date
    doi = _text(entry, "arxiv:doi")
    if DOI_PATTERN.match(doi):
        metadata["doi"] = doi  # the published version's DOI, when the authors gave it
    return NewPaper(
        clean_latex(_text(entry, "atom:title")),
        clean_latex(_text(entry, "atom:summary")),
        metadata=metadata,
    )


def _text(element: ElementTree.Element, path: str) -> str:
    found = element.find(path, NS)
    return " ".join((found.text or "").split()) if found is not None else ""
