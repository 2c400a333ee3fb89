"""Papers from the services that publish their metadata: arXiv, Crossref, OpenAlex.

``fetch_papers`` turns what a curator typed (arXiv ids, DOIs) into ``NewPaper``s, with as
few requests as the APIs allow: Crossref once per DOI, then arXiv once for every arXiv id
(those typed and the preprints of DOIs whose abstract Crossref lacks), then OpenAlex once for
the DOIs still without an abstract. Any failure stops everything with one line
(``SourceError``) before a record is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bufferlit.errors import BufferlitError
from bufferlit.identity import normalise_doi
from bufferlit.ingest import NewPaper
from bufferlit.sources.arxiv import fetch_arxiv
from bufferlit.sources.crossref import Work, fetch_work
from bufferlit.sources.http import Http, SourceError
from bufferlit.sources.identifiers import Identifier, parse_identifier
from bufferlit.sources.openalex import fetch_abstracts

__all__ = ["Fetched", "Http", "Identifier", "SourceError", "fetch_papers", "parse_identifier"]


@dataclass(frozen=True)
class Fetched:
    identifier: Identifier
    paper: NewPaper
    abstract_from: str
    """Where the abstract came from, for the report: arXiv, Crossref, OpenAlex, a file."""


def fetch_papers(
    identifiers: Sequence[Identifier], http: Http, abstract: str = ""
) -> list[Fetched]:
    """One paper per identifier, in order. ``abstract`` (from ``--abstract-file``, one
    identifier only) replaces whatever the services have."""
    works = {i.value: fetch_work(http, i.value) for i in identifiers if i.kind == "doi"}
    lacking = [doi for doi, work in works.items() if not work.paper.abstract and not abstract]
    wanted = [i.value for i in identifiers if i.kind == "arxiv"]
    wanted += [works[doi].preprint for doi in lacking if works[doi].preprint]
    preprints = fetch_arxiv(http, wanted) if wanted else {}
    unknown = [i.given for i in identifiers if i.kind == "arxiv" and i.value not in preprints]
    if unknown:
        raise SourceError(f"arXiv: no paper with id {', '.join(unknown)}")
    still = [doi for doi in lacking if works[doi].preprint not in preprints]
    openalex = fetch_abstracts(http, still) if still else {}
    fetched = []
    for identifier in identifiers:
        if identifier.kind == "arxiv":
            item = Fetched(identifier, preprints[identifier.value], "arXiv")
        else:
            item = _completed(identifier, works[identifier.value], preprints, openalex)
        if abstract:
            item = Fetched(identifier, replace(item.paper, abstract=abstract), "--abstract-file")
        fetched.append(item)
    _require_abstracts(fetched)
    return fetched


def _completed(
    identifier: Identifier, work: Work, preprints: dict[str, NewPaper], openalex: dict[str, str]
) -> Fetched:
    """A Crossref work, with the abstract of its arXiv version or OpenAlex when it has none."""
    paper = work.paper
    if paper.abstract:
        return Fetched(identifier, paper, "Crossref")
    preprint = preprints.get(work.preprint)
    if preprint is not None:
        metadata = {**paper.metadata, "arxiv": work.preprint}
        paper = replace(paper, abstract=preprint.abstract, metadata=metadata)
        return Fetched(identifier, paper, f"arXiv {work.preprint}")
    found = openalex.get(normalise_doi(identifier.value), "")
    return Fetched(identifier, replace(paper, abstract=found), "OpenAlex" if found else "")


def _require_abstracts(fetched: Sequence[Fetched]) -> None:
    lacking = [item.identifier.given for item in fetched if not item.paper.abstract.strip()]
    if not lacking:
        return
    if len(lacking) == 1 and len(fetched) == 1:
        how = f"bufferlit add {lacking[0]} --abstract-file FILE"
    else:
        how = "bufferlit add ID --abstract-file FILE, one paper at a time"
    raise BufferlitError(
        f"no abstract for {', '.join(lacking)} in Crossref, arXiv or OpenAlex; nothing was"
        f" written. Save the abstract to a text file and run: {how}"
    )
