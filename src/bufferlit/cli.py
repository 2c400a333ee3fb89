"""The ``bufferlit`` command: a thin click layer over the library functions.

Exit codes: 0 ok, 1 bad input (records, listing, BibTeX), 2 usage error. Errors go to stderr.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from bufferlit import __version__
from bufferlit.errors import BufferlitError

if TYPE_CHECKING:  # the library is imported by each command when it runs (a fast --help)
    from bufferlit.ingest import IngestReport

F = TypeVar("F", bound=Callable[..., Any])


def _existing_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    # A missing folder is a usage error (exit 2), most often bufferlit run outside the repository.
    if value is not None and not value.is_dir():
        raise click.BadParameter(
            f"no folder {str(value)!r}: run bufferlit in the catalogue's repository, "
            "or give --papers DIR",
            ctx=ctx,
            param=param,
        )
    return value


def papers_option(
    function: F, must_exist: bool = True, default: Path | None = Path("papers"), help: str = ""
) -> F:
    """--papers, declared once for every command (the site's commands default to the
    plugin's own setting, so theirs has no default here)."""
    return click.option(
        "--papers",
        "papers_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=default,
        show_default=default is not None,
        callback=_existing_folder if must_exist else None,
        help=help or "Folder of YAML records.",
    )(function)


def new_papers_option(function: F) -> F:
    """--papers for ingest, which creates the folder when it is missing."""
    return papers_option(function, must_exist=False)


def output_option(function: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Write to this file instead of standard output.",
    )(function)


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        from bufferlit.writer import write_atomic

        write_atomic(output, text)


class LazyGroup(click.Group):
    """A group whose heavier commands (tagger, MkDocs site) are imported only when run, so
    ``bufferlit validate`` does not pay for importing MkDocs (click's documented pattern)."""

    lazy_commands: ClassVar[dict[str, str]] = {
        "tag": "bufferlit.tagger.command:tag_command",
        "build": "bufferlit.site.commands:build_command",
        "serve": "bufferlit.site.commands:serve_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bufferlit")
def cli() -> None:
    """bufferlit: a curated index of research on memory buffers.

    \b
    Example:
        bufferlit validate && bufferlit build
    """


@cli.command()
@papers_option
def validate(papers_dir: Path) -> None:
    """Check every record and report every problem as file:line: field: message.

    \b
    Example:
        bufferlit validate --papers papers
    """
    from bufferlit.errors import RecordsInvalid
    from bufferlit.records import read_catalogue

    reading = read_catalogue(papers_dir)
    for warning in reading.warnings:
        click.echo(f"warning: {warning}", err=True)
    if reading.problems:
        raise RecordsInvalid(reading.problems)
    click.echo(f"{len(reading.papers)} records in {papers_dir} are valid")


def echo_report_end(report: IngestReport, papers_dir: Path, dry_run: bool) -> None:
    """How ``ingest`` and ``add`` end their report: look-alike titles and problems on stderr,
    then the counts."""
    for lookalike in report.lookalikes:
        click.echo(lookalike.line(papers_dir), err=True)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(("would add: " if dry_run else "") + report.summary())


@cli.command()
@click.argument("listing", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@new_papers_option
@click.option("--dry-run", is_flag=True, help="Report what would be added; write nothing.")
def ingest(listing: Path, papers_dir: Path, dry_run: bool) -> None:
    """Add the new papers of LISTING as records: a scraped listing (title line, abstract
    line), or a BibTeX (.bib) or RIS (.ris) export whose entries carry abstracts.

    A paper already present (an arXiv id or DOI agrees, or title and abstract both match,
    typos and case forgiven) is left untouched. A paper whose title only looks like another's
    is added, and both are named in a "possible duplicate" line. A BibTeX or RIS entry
    without an abstract is reported with its line and not added.

    \b
    Example:
        bufferlit ingest data/seed-listing.txt --papers papers
        bufferlit ingest zotero-export.ris
    """
    from bufferlit.ingest import ingest_listing
    from bufferlit.references import ingest_references, is_reference_file

    if is_reference_file(listing):
        report = ingest_references(listing, papers_dir, dry_run=dry_run)
    else:
        report = ingest_listing(listing, papers_dir, dry_run=dry_run)
    for entry, paper_id in report.new:
        click.echo(f"new: {papers_dir / (paper_id + '.yaml')} (line {entry.line})")
    for present in report.present:
        click.echo(f"already present: line {present.paper.line} is {present.id} ({present.reason})")
    echo_report_end(report, papers_dir, dry_run)
    if not report.new and not report.problems:
        click.echo("nothing to write: every paper in the listing is already in the catalogue")
    if report.problems:
        raise SystemExit(1)


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@new_papers_option
@click.option(
    "--abstract-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="A text file with the abstract, for a paper no service has one for (one ID only).",
)
@click.option(
    "--mailto",
    envvar="BUFFERLIT_MAILTO",
    default="",
    help="Your e-mail, sent to the APIs as their etiquette asks [env: BUFFERLIT_MAILTO].",
)
@click.option("--dry-run", is_flag=True, help="Fetch and report; write nothing.")
def add(
    ids: tuple[str, ...], papers_dir: Path, abstract_file: Path | None, mailto: str, dry_run: bool
) -> None:
    """Add papers by arXiv id or DOI: fetch their metadata and abstract, write the records
    (citation key, today's date) and show how the tagger labels them.

    IDS may be arXiv ids (2303.11366, arXiv:2303.11366v2, an arxiv.org abs or pdf link,
    cs/0601001) or DOIs (10.1145/3620666.3651380, a doi.org link). arXiv ids are read from
    the arXiv API, DOIs from Crossref, with the abstract of the arXiv version or OpenAlex when
    Crossref has none. Papers already in the catalogue are left untouched. On any network or
    API error nothing is written.

    \b
    Example:
        bufferlit add arXiv:2303.11366 10.1145/3620666.3651380
        bufferlit add 10.1109/CVPR46437.2021.01576 --abstract-file abstract.txt
    """
    from bufferlit.addcommand import add_papers_by_id

    add_papers_by_id(ids, papers_dir, abstract_file=abstract_file, mailto=mailto, dry_run=dry_run)


@cli.command("import-bib")
@click.argument("bibfile", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@papers_option
@click.option("--overwrite", is_flag=True, help="Replace fields that already have a value.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_bib_command(bibfile: Path, papers_dir: Path, overwrite: bool, dry_run: bool) -> None:
    """Fill authors, year, venue, arxiv, doi and url from a BibTeX file.

    Entries are matched to records by arXiv id or DOI, else by a close title that the year
    and first author do not contradict (ambiguous entries are reported). Empty fields are filled;
    non-empty ones are kept unless --overwrite is given. Curated fields are never touched.

    \b
    Example:
        bufferlit import-bib data/seed-metadata.bib --papers papers
    """
    from bufferlit.bibimport import import_bib
    from bufferlit.recordfile import excerpt

    report = import_bib(bibfile, papers_dir, overwrite=overwrite, dry_run=dry_run)
    for paper_id, fields in report.updated:
        click.echo(f"updated {paper_id}: {', '.join(fields)}")
    for entry in report.unmatched:
        where = f"{bibfile}:{entry.line}: unmatched: {excerpt(entry.key)}"
        click.echo(f"{where} {excerpt(entry.title)}", err=True)
    for entry, ids in report.ambiguous:
        click.echo(
            f"{bibfile}:{entry.line}: ambiguous: {entry.key} matches {', '.join(ids)}", err=True
        )
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(("would change: " if dry_run else "") + report.summary())
    if report.problems:
        raise SystemExit(1)


@cli.command()
@click.argument("ids", nargs=-1)
@papers_option
@click.option("--dry-run", is_flag=True, help="Show the renames; change nothing.")
def rekey(ids: tuple[str, ...], papers_dir: Path, dry_run: bool) -> None:
    """Rename records to their citation key (surname + year + title word).

    With no IDS, renames every record that still has the provisional title-slug id that
    ingest gave it. This is the only command that renames a record.

    \b
    Example:
        bufferlit rekey reflexion-language-agents-verbal-reinforcement-learning
    """
    from bufferlit.rekey import rekey as rekey_records

    renames = rekey_records(papers_dir, list(ids), dry_run=dry_run)
    for rename in renames:
        click.echo(f"{'would rename' if dry_run else 'renamed'} {rename.old} -> {rename.new}")
    click.echo(
        f"{len(renames)} record{'s' if len(renames) != 1 else ''} renamed"
        + (" (dry run)" if dry_run else "")
    )


def _selected(papers_dir: Path, ids: tuple[str, ...]) -> list[Any]:
    from bufferlit.hints import did_you_mean
    from bufferlit.records import load_papers

    papers = load_papers(papers_dir)
    if not ids:
        return papers
    by_id = {paper.id: paper for paper in papers}
    unknown = [paper_id for paper_id in ids if paper_id not in by_id]
    if unknown:
        hint = did_you_mean(unknown[0], by_id) if len(unknown) == 1 else ""
        raise BufferlitError(f"no record with id {', '.join(unknown)} in {papers_dir}{hint}")
    return [by_id[paper_id] for paper_id in ids]


@cli.command()
@click.argument("ids", nargs=-1)
@papers_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", "ris", "csl-json"]),
    default="bibtex",
    show_default=True,
)
@output_option
def cite(ids: tuple[str, ...], papers_dir: Path, fmt: str, output: Path | None) -> None:
    """Print citations for the papers IDS (all papers when none is given).

    \b
    Example:
        bufferlit cite shinn2023reflexion --format bibtex
        bufferlit cite --format ris -o papers.ris
    """
    from bufferlit.cite import FORMATS

    emit(FORMATS[fmt](_selected(papers_dir, ids)), output)


@cli.command()
@papers_option
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@output_option
def export(papers_dir: Path, fmt: str, output: Path | None) -> None:
    """Export every paper with the tagger's result (buffer types, stance, domains, evidence).

    \b
    Example:
        bufferlit export --format csv -o catalogue.csv
    """
    from bufferlit.export import FORMATS
    from bufferlit.tagger import tag_papers

    emit(FORMATS[fmt](tag_papers(_selected(papers_dir, ()))), output)


@cli.command("search")
@click.argument("query")
@papers_option
@click.option("--limit", default=10, show_default=True, help="How many results at most.")
def search_command(query: str, papers_dir: Path, limit: int) -> None:
    """Typo-tolerant search over titles, authors and abstracts.

    \b
    Example:
        bufferlit search reflxion
    """
    from bufferlit.model import NO_YEAR
    from bufferlit.search import search

    papers = _selected(papers_dir, ())
    hits = search(query, papers, limit=limit)
    if not hits:
        # Finding nothing is an answer, not bad input: exit 0.
        count = f"{len(papers)} paper{'s' if len(papers) != 1 else ''}"
        click.echo(
            f"no paper matches {query!r} (searched titles, authors and abstracts of {count})"
        )
    for hit in hits:
        year = hit.paper.year or NO_YEAR
        click.echo(f"{hit.score:5.1f}  {hit.paper.id}  {hit.paper.title} ({year})  [{hit.field}]")


def main() -> None:
    cli(prog_name="bufferlit")
