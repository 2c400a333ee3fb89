"""Crossref: metadata of a DOI (``/works/{doi}``, JSON), with the abstract when the
publisher deposited one (JATS XML in a string) and the arXiv preprint when the publisher
asserted one (``relation.has-preprint``).

One request per DOI: ``/works/{doi}`` is the route that answers "not found" for a DOI
Crossref does not know (HTTP 404), where a filtered list would silently leave it out.
Crossref's etiquette is followed: a User-Agent and a ``mailto`` parameter with a contact
(the "polite pool").
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from bufferlit.bibimport import short_venue
from bufferlit.identity import ARXIV_DOI
from bufferlit.ingest import NewPaper
from bufferlit.records import ARXIV_PATTERN
from bufferlit.sources.http import Http, NotFound, Service, SourceError

CROSSREF = Service("Crossref", "https://api.crossref.org", "BUFFERLIT_CROSSREF_URL")
TAG = re.compile(r"<[^>]+>")
BLOCK_END = re.compile(r"</(?:jats:)?(?:p|title|sec|list-item)>", re.IGNORECASE)
ABSTRACT_HEADING = re.compile(r"^(?:abstract|summary)\s*[:.]?\s+", re.IGNORECASE)
EVENT_YEAR = re.compile(r"\s*['’]?\d{2,4}$")


@dataclass(frozen=True)
class Work:
    paper: NewPaper
    """Title, authors, year, venue, DOI; the abstract is empty when Crossref has none."""
    preprint: str = ""
    """The arXiv id of a preprint version the publisher asserted, if any."""


def fetch_work(http: Http, doi: str, service: Service = CROSSREF) -> Work:
    params = {"mailto": http.contact} if http.contact else {}
    try:
        body = http.get(service, "/works/" + urllib.parse.quote(doi, safe="/:;()"), params)
    except NotFound:
        raise SourceError(f"Crossref: no work with DOI {doi} (HTTP 404)") from None
    return parse_work(body, doi)


def parse_work(body: bytes, doi: str) -> Work:
    try:
        message = json.loads(body)["message"]
        title = _plain(message["title"][0]) if message.get("title") else ""
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        raise SourceError(f"Crossref: malformed answer for DOI {doi} ({error})") from None
    if not isinstance(message, dict) or not title:
        raise SourceError(f"Crossref: the answer for DOI {doi} has no title")
    metadata: dict[str, Any] = {"doi": str(message.get("DOI") or doi)}
    authors = [name for person in message.get("author") or [] if (name := _person(person))]
    if authors:
        metadata["authors"] = authors
    year = _year(message)
    if year:
        metadata["year"] = year
    venue = _venue(message)
    if venue:
        metadata["venue"] = venue
    abstract = jats_text(str(message.get("abstract") or ""))
    return Work(NewPaper(title, abstract, metadata=metadata), _preprint(message))


def jats_text(jats: str) -> str:
    """Plain text of a JATS abstract: tags dropped, paragraphs kept apart by a space,
    entities decoded, a leading "Abstract" heading dropped."""
    text = html.unescape(TAG.sub("", BLOCK_END.sub(" ", jats)))
    return ABSTRACT_HEADING.sub("", " ".join(text.split()))


def _plain(text: str) -> str:
    return " ".join(html.unescape(TAG.sub("", text)).split())


def _person(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    family, given = _plain(str(person.get("family") or "")), _plain(str(person.get("given") or ""))
    if family:
        return f"{family}, {given}" if given else family
    return _plain(str(person.get("name") or ""))  # an organisation as author


def _year(message: dict[str, Any]) -> int | None:
    for key in ("issued", "published", "published-print", "published-online", "created"):
        try:
            year = message[key]["date-parts"][0][0]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(year, int):
            return year
    return None


def _venue(message: dict[str, Any]) -> str:
    """The event's acronym for proceedings ("ASPLOS '24" -> ASPLOS), else the short form of
    the journal or proceedings title."""
    event = message.get("event")
    if isinstance(event, dict) and event.get("acronym"):
        return EVENT_YEAR.sub("", _plain(str(event["acronym"])))
    titles = message.get("container-title") or []
    if isinstance(titles, str):
        titles = [titles]
    return short_venue(_plain(str(titles[0]))) if titles else ""


def _preprint(message: dict[str, Any]) -> str:
    relation = message.get("relation")
    if not isinstance(relation, dict):
        return ""
    for related in relation.get("has-preprint") or []:
        if not isinstance(related, dict) or related.get("id-type") != "doi":
            continue
        match = ARXIV_DOI.match(str(related.get("id") or ""))
        if match and ARXIV_PATTERN.match(re.sub(r"v\d+$", "", match[1])):
            return re.sub(r"v\d+$", "", match[1])
    return ""
