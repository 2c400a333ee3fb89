"""``bufferlit build`` and ``bufferlit serve`` (registered by bufferlit.cli)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from bufferlit import cli
from bufferlit.cli import F

CONFIG_OPTION = click.option(
    "-f",
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="MkDocs configuration to build from.",
)


def papers_option(function: F) -> F:
    help = "Folder of YAML records [default: the plugin's papers option, papers/]."
    return cli.papers_option(function, default=None, help=help)


LOG_HANDLER = logging.StreamHandler()
LOG_HANDLER.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))


def show_mkdocs_log(level: int) -> None:
    """Print MkDocs' messages at ``level`` and above on stderr, as the mkdocs command does."""
    logger = logging.getLogger("mkdocs")
    if LOG_HANDLER not in logger.handlers:
        logger.addHandler(LOG_HANDLER)
    LOG_HANDLER.setLevel(level)
    logger.setLevel(min(logger.level or logging.WARNING, level))


@click.command("build")
@CONFIG_OPTION
@papers_option
@click.option(
    "--site-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the site [default: site_dir of mkdocs.yml, site/].",
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Fail on any MkDocs warning [default: strict setting of mkdocs.yml].",
)
def build_command(
    config_file: Path, papers_dir: Path | None, site_dir: Path | None, strict: bool | None
) -> None:
    """Build the static site: catalogue, paper pages, stats and downloads.

    The site is built in a staging folder and published file by file only when the build
    succeeded: a failed build leaves the previous site exactly as it was. Only files an
    earlier build wrote (listed in SITE/.bufferlit-manifest.json) are ever replaced or
    deleted; a folder holding other files (a thesis, the repository) is refused.

    \b
    Example:
        bufferlit build --strict
        bufferlit build --papers papers --site-dir public
    """
    from bufferlit.site.build import build_site

    show_mkdocs_log(logging.WARNING)
    report = build_site(config_file, site_dir=site_dir, papers_dir=papers_dir, strict=strict)
    click.echo(
        f"built {report.pages} pages into {report.site_dir} in {report.seconds:.1f} s"
        f" (pages published after {report.pages_seconds:.1f} s, then search;"
        f" {report.written} files written, {report.removed} removed)"
    )


@click.command("serve")
@CONFIG_OPTION
@papers_option
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
def serve_command(config_file: Path, papers_dir: Path | None, port: int) -> None:
    """Preview the site on 127.0.0.1, rebuilt when a record, template or page changes.

    Each rebuild is a `bufferlit build` into a temporary folder: incremental (an edit renders
    only the pages it touches) and with search.

    The address is printed when the server starts; it includes the path of site_url from
    mkdocs.yml (http://127.0.0.1:8000/bufferlit/ for this repository).

    \b
    Example:
        bufferlit serve --port 8001
    """
    from bufferlit.site.preview import serve_site

    show_mkdocs_log(logging.INFO)
    serve_site(config_file, papers_dir, port)
