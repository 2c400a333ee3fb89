"""What a curator types to name a paper: an arXiv id or a DOI, in any common spelling.

``identity.normalise_arxiv``/``normalise_doi`` make identifiers comparable (lowercased); this
module reads them from user input and keeps their case, because the record stores them as
published (``math.AG/0601001``, ``10.1109/CVPR46437.2021.01576``).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Literal

from bufferlit.identity import ARXIV_DOI, DOI_PREFIX
from bufferlit.records import ARXIV_PATTERN, DOI_PATTERN

ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>.+?)(?:\.pdf)?/?$",
    re.IGNORECASE,
)
ARXIV_LABEL = re.compile(r"^arxiv:\s*", re.IGNORECASE)
VERSION = re.compile(r"v\d+$")


@dataclass(frozen=True)
class Identifier:
    kind: Literal["arxiv", "doi"]
    value: str
    """As the record stores it: an arXiv id without its version, a bare DOI."""
    given: str
    """As the user typed it, for messages."""


def parse_identifier(text: str) -> Identifier | None:
    """``2303.11366``, ``arXiv:2303.11366v2``, an arxiv.org abs/pdf URL, ``cs/0601001``, a
    DOI, ``doi:...`` or a doi.org URL; None when it is none of these. An arXiv DOI
    (10.48550/arXiv.*) is read as the arXiv id: the arXiv API is its home."""
    given = text
    text = text.strip()
    url = ARXIV_URL.match(text)
    candidate = url["id"] if url else ARXIV_LABEL.sub("", text)
    candidate = VERSION.sub("", candidate)
    if ARXIV_PATTERN.match(candidate):
        return Identifier("arxiv", candidate, given)
    doi = urllib.parse.unquote(DOI_PREFIX.sub("", text)).strip()
    arxiv_doi = ARXIV_DOI.match(doi)
    if arxiv_doi and ARXIV_PATTERN.match(VERSION.sub("", arxiv_doi[1])):
        return Identifier("arxiv", VERSION.sub("", arxiv_doi[1]), given)
    if DOI_PATTERN.match(doi):
        return Identifier("doi", doi, given)
    return None
