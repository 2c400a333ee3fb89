"""``bufferlit tag``: tag a listing or the records, check curated labels, or measure the rules.

The main CLI registers ``tag_command``. Only ``--write`` writes: each record's generated
``labels:`` line (labels.py), and only where it changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from bufferlit.errors import BufferlitError
from bufferlit.model import Evidence, Tagging

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


def evidence_list(evidence: Iterable[Evidence]) -> list[dict[str, Any]]:
    return [
        {
            "buffer_type": e.buffer_type.value,
            "sentence": e.sentence,
            "phrase": e.phrase,
            "start": e.start,
        }
        for e in evidence
    ]


def tagging_dict(tagging: Tagging) -> dict[str, Any]:
    return {
        "buffer_types": [t.value for t in tagging.buffer_types],
        "stance": tagging.stance.value,
        "domains": list(tagging.domains),
        "tagged_by": tagging.tagged_by,
        "evidence": evidence_list(tagging.evidence),
    }


def _short(title: str) -> str:
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1].rstrip() + "…"


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _tag_listing(path: Path, output_format: str) -> int:
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
    rows = [(entry, tag_text(entry.title, entry.abstract)) for entry in result.entries]
    if output_format == "json":
        _dump([{"line": e.line, "title": e.title, **tagging_dict(t)} for e, t in rows])
    else:
        for entry, tagging in rows:
            click.echo(format_line(f"line {entry.line}: {_short(entry.title)}", tagging))
    return 1 if result.problems else 0


def _load_papers(papers_dir: Path) -> list[Any]:
    from bufferlit.records import load_papers

    if not papers_dir.is_dir():
        raise BufferlitError(f"{papers_dir}: no such folder of records")
    return load_papers(papers_dir)


def _tag_records(papers_dir: Path, output_format: str) -> int:
    from bufferlit.tagger.engine import tag_papers

    entries = tag_papers(_load_papers(papers_dir))
    if output_format == "json":
        _dump(
            [{"id": e.paper.id, "title": e.paper.title, **tagging_dict(e.tagging)} for e in entries]
        )
    else:
        for entry in entries:
            click.echo(format_line(entry.paper.id, entry.tagging))
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
                    "evidence": evidence_list(d.evidence),
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


def _evaluate(labels_path: Path, output_format: str) -> int:
    from bufferlit.tagger.evaluate import evaluate, format_report, load_labels

    report = evaluate(load_labels(labels_path), str(labels_path))
    if output_format == "json":
        _dump(report.to_dict())
    else:
        click.echo(format_report(report))
    return 0


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
    help="Measure the rules against a YAML file of hand-labelled papers.",
)
@click.option(
    "--papers",
    "papers_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("papers"),
    show_default=True,
    help="Folder of YAML records (for --check and --write).",
)
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
    papers_dir: Path,
    output_format: str,
) -> None:
    """Tag papers with buffer types, stance and domains, with the sentence that says so.

    SOURCE is a scraped listing (title line, abstract line) or a folder of records; for
    records, curated buffer_types/stance/domains win over the rules. Each text line reads:
    paper | types | stance | domains | evidence phrase. Only --write writes: each record's
    generated labels line (the labels the site shows, one line for grep), where it changed.

    \b
    Examples:
        bufferlit tag data/seed-listing.txt
        bufferlit tag papers --format json
        bufferlit tag --check --papers papers
        bufferlit tag --write --papers papers
        bufferlit tag --eval tests/data/labels-seed.yaml
    """
    modes = sum([source is not None, check, write, labels is not None])
    if modes != 1:
        raise click.UsageError("give exactly one of SOURCE, --check, --write or --eval")
    if labels is not None:
        code = _evaluate(labels, output_format)
    elif write:
        code = _write(papers_dir, output_format)
    elif check:
        code = _check(papers_dir, output_format)
    else:
        assert source is not None
        code = (
            _tag_records(source, output_format)
            if source.is_dir()
            else _tag_listing(source, output_format)
        )
    if code:
        raise SystemExit(code)
