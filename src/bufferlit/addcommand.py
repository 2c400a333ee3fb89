"""``bufferlit add``: papers by arXiv id or DOI -> fetched metadata -> records -> labels.

The CLI layer of ``bufferlit.sources``: it prints what happened to each paper and the
tagger's labels with the sentence that justifies each.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from bufferlit.cli import echo_report_end
from bufferlit.errors import BufferlitError
from bufferlit.ingest import IngestReport, add_papers
from bufferlit.model import Tagging
from bufferlit.sources import Fetched, Http, Identifier, fetch_papers, parse_identifier

EXAMPLES = (
    "2303.11366, arXiv:2303.11366v2, https://arxiv.org/abs/2303.11366, 10.1145/3620666.3651380"
)


def add_papers_by_id(
    ids: Sequence[str],
    papers_dir: Path,
    *,
    abstract_file: Path | None = None,
    mailto: str = "",
    dry_run: bool = False,
    http: Http | None = None,
) -> IngestReport:
    identifiers = parse_identifiers(ids)
    abstract = read_abstract(abstract_file, len(identifiers)) if abstract_file else ""
    fetched = fetch_papers(identifiers, http or Http(contact=mailto.strip()), abstract)
    report = add_papers(
        [item.paper for item in fetched], papers_dir, source="bufferlit add", dry_run=dry_run
    )
    _print_report(report, fetched, papers_dir, dry_run)
    if report.problems:
        raise SystemExit(1)
    return report


def parse_identifiers(ids: Sequence[str]) -> list[Identifier]:
    identifiers: list[Identifier] = []
    for text in ids:
        identifier = parse_identifier(text)
        if identifier is None:
            raise BufferlitError(f"{text!r} is not an arXiv id or a DOI (for example {EXAMPLES})")
        if all((i.kind, i.value) != (identifier.kind, identifier.value) for i in identifiers):
            identifiers.append(identifier)  # the same paper typed twice is fetched once
    return identifiers


def read_abstract(path: Path, count: int) -> str:
    if count != 1:
        raise BufferlitError("--abstract-file gives the abstract of one paper: add one ID")
    try:
        text = " ".join(path.read_text(encoding="utf-8-sig").split())
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{path}: cannot read the abstract: {error}") from None
    if not text:
        raise BufferlitError(f"{path}: the abstract file is empty")
    return text


def _print_report(
    report: IngestReport, fetched: Sequence[Fetched], papers_dir: Path, dry_run: bool
) -> None:
    from bufferlit.tagger import tag_text

    given = {id(item.paper): item for item in fetched}
    for paper, paper_id in report.new:
        item = given[id(paper)]
        path = papers_dir / f"{paper_id}.yaml"
        verb = "would add" if dry_run else "new"
        click.echo(f"{verb}: {path} ({item.identifier.given}; abstract from {item.abstract_from})")
        for line in label_lines(tag_text(paper.title, paper.abstract)):
            click.echo(f"  {line}")
    for present in report.present:
        item = given[id(present.paper)]
        click.echo(f"already present: {item.identifier.given} is {present.id} ({present.reason})")
    echo_report_end(report, papers_dir, dry_run)


def label_lines(tagging: Tagging) -> list[str]:
    """The labels, then each piece of evidence: the sentence with the phrase in brackets."""
    types = ", ".join(buffer_type.value for buffer_type in tagging.buffer_types)
    lines = [
        f"buffer types: {types}; stance: {tagging.stance.value};"
        f" domains: {', '.join(tagging.domains)}"
    ]
    for evidence in tagging.evidence:
        end = evidence.start + len(evidence.phrase)
        sentence = (
            f"{evidence.sentence[: evidence.start]}[{evidence.phrase}]{evidence.sentence[end:]}"
        )
        lines.append(f"evidence for {evidence.buffer_type.value}: {sentence}")
    return lines
