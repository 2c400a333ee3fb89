"""``bufferlit tag``: tag a listing or the records, check curated labels, or measure the rules.

The main CLI registers ``tag_command``. Only ``--write`` writes: each record's generated
``labels:`` line (labels.py), and only where it changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bufferlit.cli import F
from bufferlit.cli import papers_option as cli_papers_option
from bufferlit.errors import BufferlitError
from bufferlit.model import Tagging

TITLE_WIDTH = 60


def format_line(name: str, tagging: Tagging) -> str:
    """One line per paper: name | types | stance | domains | evidence phrase."""
    types = tagging.buffer_types[0].value + "".join(
        f" +{other.value}" for other in tagging.buffer_types[1:]
    )
    evidence = f'"{tagging.evidence[0].phrase}"' if tagging.evidence else "-"
    curated = " (curated)" if tagging.tagged_by == "curated" else ""
    return (
        f"{name} | {types}{curated} | {tagging.stance.value} | "
        f"{', '.join(tagging.domains)} | {evidence}"
    )


def tagging_dict(tagging: Tagging) -> dict[str, Any]:
    return {
        "buffer_types": [t.value for t in tagging.buffer_types],
        "stance": tagging.stance.value,
        "domains": list(tagging.domains),
        "tagged_by": tagging.tagged_by,
        "type_confidence": tagging.type_confidence,
        "stance_confidence": tagging.stance_confidence,
        "reason": tagging.reason,
        "evidence": [evidence.as_dict() for evidence in tagging.evidence],
    }


def review_lines(name: str, tagging: Tagging) -> list[str]:
    """One paper for ``--review``: its line, its confidence, then each evidence sentence."""
    lines = [
        f"{tagging.confidence:.2f} {format_line(name, tagging)}",
        f"     confidence: type {tagging.type_confidence:.2f},"
        f" stance {tagging.stance_confidence:.2f}",
    ]
    for evidence in tagging.evidence:
        lines.append(
            f'     {evidence.buffer_type.value}: "{evidence.phrase}" in: {evidence.sentence}'
        )
    if tagging.reason:
        lines.append(f"     why none: {tagging.reason}")
    return lines


def _print(
    rows: list[tuple[str, dict[str, Any], Tagging]], output_format: str, review: bool
) -> None:
    """Rows of (name, identifying fields, tagging); for review, weakest first (stable)."""
    if review:
        rows = sorted(rows, key=lambda row: row[2].confidence)
    if output_format == "json":
        _dump([{**fields, **tagging_dict(tagging)} for _, fields, tagging in rows])
    elif review:
        for name, _, tagging in rows:
            click.echo("\n".join(review_lines(name, tagging)))
    else:
        for name, _, tagging in rows:
            click.echo(format_line(name, tagging))


def _short(title: str) -> str:
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1].rstrip() + "…"


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _tag_listing(path: Path, output_format: str, review: bool) -> int:
    from bufferlit.listing import parse_listing
    from bufferlit.tagger.engine import tag_text

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BufferlitError(f"{path}: not a UTF-8 text listing") from None
    result = parse_listing(text, str(path))
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if not result.entries:
        raise BufferlitError(f"{path}: no papers found (expected title and abstract lines)")
    rows = [
        (
            f"line {entry.line}: {_short(entry.title)}",
            {"line": entry.line, "title": entry.title},
            tag_text(entry.title, entry.abstract),
        )
        for entry in result.entries
    ]
    _print(rows, output_format, review)
    return 1 if result.problems else 0


def _load_papers(papers_dir: Path) -> list[Any]:
    from bufferlit.records import load_papers

    if not papers_dir.is_dir():
        raise BufferlitError(f"{papers_dir}: no such folder of records")
    return load_papers(papers_dir)


def _tag_records(papers_dir: Path, output_format: str, review: bool) -> int:
    from bufferlit.tagger.engine import tag_papers

    entries = tag_papers(_load_papers(papers_dir))
    rows = [(e.paper.id, {"id": e.paper.id, "title": e.paper.title}, e.tagging) for e in entries]
    _print(rows, output_format, review)
    return 0


def _check(papers_dir: Path, output_format: str) -> int:
    from bufferlit.tagger.check import disagreements, stale_labels

    papers = _load_papers(papers_dir)
    found = disagreements(papers)
    stale = stale_labels(papers)
    if output_format == "json":
        _dump(
            [
                {
                    "id": d.paper.id,
                    "file": d.paper.source,
                    "field": d.field,
                    "curated": d.curated,
                    "tagger": d.auto,
                    "evidence": [evidence.as_dict() for evidence in d.evidence],
                    "explained": d.explained,
                }
                for d in found
            ]
            + [_stale_dict(item, papers_dir) for item in stale]
        )
    else:
        for disagreement in found:
            click.echo(str(disagreement))
        curated = sum(1 for paper in papers if paper.buffer_types or paper.stance)
        unexplained = sum(1 for d in found if not d.explained)
        click.echo(
            f"{len(found)} disagreement{'s' if len(found) != 1 else ''} "
            f"in {curated} curated record{'s' if curated != 1 else ''} of {len(papers)}"
            f" ({unexplained} without a note saying why)"
        )
        _echo_stale(stale, papers_dir)
    # Only an override nobody explained fails the check: explained ones are reviewed. A stale
    # labels line always does: grep would find what the site no longer shows.
    return 1 if stale or any(not d.explained for d in found) else 0


def _fix_command(papers_dir: Path) -> str:
    from bufferlit.tagger.check import WRITE_COMMAND

    return f"{WRITE_COMMAND} --papers {papers_dir}"


def _stale_dict(item: Any, papers_dir: Path) -> dict[str, Any]:
    from bufferlit.writer import labels_line

    stored = item.paper.labels
    return {
        "id": item.paper.id,
        "file": item.paper.source,
        "field": "labels",
        "stored": labels_line(stored) if stored else None,
        "fresh": labels_line(item.fresh),
        "fix": _fix_command(papers_dir),
    }


def _echo_stale(stale: list[Any], papers_dir: Path) -> None:
    for item in stale:
        click.echo(str(item))
    if stale:
        plural = "s" if len(stale) != 1 else ""
        click.echo(
            f"{len(stale)} record{plural} with a missing or stale labels line;"
            f" run `{_fix_command(papers_dir)}` to rewrite them"
        )


def _write(papers_dir: Path, output_format: str) -> int:
    from bufferlit.labels import write_labels

    if not papers_dir.is_dir():
        raise BufferlitError(f"{papers_dir}: no such folder of records")
    written = write_labels(papers_dir)
    if output_format == "json":
        _dump([_stale_dict(item, papers_dir) for item in written.rewritten])
        return 0
    for item in written.rewritten:
        click.echo(str(item))
    count = len(written.rewritten)
    click.echo(
        f"rewrote the labels line of {count} record{'s' if count != 1 else ''} of {written.total}"
    )
    return 0


def _evaluate(labels_path: Path, listing: Path | None, output_format: str) -> int:
    from bufferlit.tagger.evaluate import evaluate, load_labels_file
    from bufferlit.tagger.report import format_report

    labels = load_labels_file(labels_path, listing)
    report = evaluate(labels, str(labels_path), leave_lists_out=True)
    if output_format == "json":
        _dump(report.to_dict())
    else:
        click.echo(format_report(report))
    return 0


def papers_option(function: F) -> F:
    # Not required to exist: a listing given as SOURCE needs no records folder.
    help = "Folder of YAML records (for --check, --write and --review)."
    return cli_papers_option(function, must_exist=False, help=help)


@click.command("tag", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", required=False, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--check",
    is_flag=True,
    help="List records whose curated labels the rules disagree with (exit 1 if any has no"
    " note saying why), and records whose labels line is stale (exit 1).",
)
@click.option(
    "--write",
    is_flag=True,
    help="Rewrite the generated labels line of exactly the records whose labels changed.",
)
@click.option(
    "--eval",
    "labels",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Measure the rules against labelled papers: a YAML labels file, or a TSV of labels "
    "for a listing (real-dev's labels.tsv).",
)
@click.option(
    "--listing",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The listing a TSV of labels (--eval) describes; default: listing.txt beside it.",
)
@click.option(
    "--review",
    is_flag=True,
    help="List papers weakest first (lowest confidence), each with its evidence sentences.",
)
@papers_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def tag_command(
    source: Path | None,
    check: bool,
    write: bool,
    labels: Path | None,
    listing: Path | None,
    review: bool,
    papers_dir: Path,
    output_format: str,
) -> None:
    """Tag papers with buffer types, stance and domains, with the sentence that says so.

    SOURCE is a scraped listing (title line, abstract line) or a folder of records; for
    records, curated buffer_types/stance/domains win over the rules. Each text line reads:
    paper | types | stance | domains | evidence phrase. With --review, papers come weakest
    first (confidence, in [0, 1], first on the line) with every evidence sentence, so a
    curator looks where it matters; without SOURCE it reviews the records of --papers.
    Only --write writes: each record's generated labels line (the labels the site shows,
    one line for grep), where it changed.

    \b
    Examples:
        bufferlit tag data/seed-listing.txt
        bufferlit tag papers --format json
        bufferlit tag --review
        bufferlit tag --check --papers papers
        bufferlit tag --write --papers papers
        bufferlit tag --eval tests/data/labels-seed.yaml
        bufferlit tag --eval tests/data/real-dev/labels.tsv
    """
    if review and source is None and not (check or write or labels):
        source = papers_dir
    modes = sum([source is not None, check, write, labels is not None])
    if modes != 1:
        raise click.UsageError("give exactly one of SOURCE, --check, --write or --eval")
    if review and source is None:
        raise click.UsageError("--review lists a listing or records: not with --check or --eval")
    if labels is not None:
        code = _evaluate(labels, listing, output_format)
    elif write:
        code = _write(papers_dir, output_format)
    elif check:
        code = _check(papers_dir, output_format)
    else:
        assert source is not None
        if not source.exists():
            raise BufferlitError(f"{source}: no such listing or folder of records")
        code = (
            _tag_records(source, output_format, review)
            if source.is_dir()
            else _tag_listing(source, output_format, review)
        )
    if code:
        raise SystemExit(code)
