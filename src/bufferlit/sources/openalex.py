"""OpenAlex: abstracts that Crossref lacks, rebuilt from ``abstract_inverted_index``.

One request for every DOI of a batch (``filter=doi:A|B``), with a ``mailto`` parameter
(OpenAlex's "polite pool"). OpenAlex stores an abstract as {word: [positions]} (it may not
serve plain text); the text is the words put back in position order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bufferlit.identity import normalise_doi
from bufferlit.sources.http import Http, Service, SourceError

OPENALEX = Service("OpenAlex", "https://api.openalex.org", "BUFFERLIT_OPENALEX_URL")
BATCH = 50
"""DOIs per request: OpenAlex's OR filter takes up to 100 values, a page up to 200 results."""


def fetch_abstracts(http: Http, dois: Sequence[str], service: Service = OPENALEX) -> dict[str, str]:
    """Abstracts by normalised DOI (``identity.normalise_doi``); DOIs without one are left out."""
    found: dict[str, str] = {}
    for start in range(0, len(dois), BATCH):
        batch = dois[start : start + BATCH]
        params = {
            "filter": "doi:" + "|".join(batch),
            "per-page": str(len(batch)),
            "select": "doi,abstract_inverted_index",
        }
        if http.contact:
            params["mailto"] = http.contact
        found.update(parse_works(http.get(service, "/works", params)))
    return found


def parse_works(body: bytes) -> dict[str, str]:
    try:
        results = json.loads(body)["results"]
        if not isinstance(results, list):
            raise TypeError("results is not a list")
        abstracts = {}
        for work in results:
            abstract = abstract_text(work.get("abstract_inverted_index"))
            if abstract and work.get("doi"):
                abstracts[normalise_doi(str(work["doi"]))] = abstract
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SourceError(f"OpenAlex: malformed answer ({error})") from None
    return abstracts


def abstract_text(inverted: Any) -> str:
    """The abstract from {word: [positions]}; "" for none. A position claimed by two words
    keeps both, in index order, rather than losing one."""
    if not inverted:
        return ""
    if not isinstance(inverted, dict):
        raise TypeError("abstract_inverted_index is not an object")
    placed: list[tuple[int, int, str]] = []
    for order, (word, positions) in enumerate(inverted.items()):
        placed += [(int(position), order, str(word)) for position in positions]
    return " ".join(" ".join(word for _, _, word in sorted(placed)).split())
