"""``build_site()``: the whole site build, all or nothing.

MkDocs cleans and writes its ``site_dir`` in place, so a failure half way would leave a broken
site. Here MkDocs builds into a fresh sibling folder and Pagefind indexes it there; only when
both succeeded is the old site moved away and the new one moved in (two renames on one
filesystem), then the old one deleted.
On any failure the new folder is removed and ``site_dir`` is exactly as it was.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

from bufferlit.errors import BufferlitError, BuildFailed
from bufferlit.site.plugin import BufferlitPlugin
from bufferlit.site.search import index_site

PLUGIN_NAME = "bufferlit"


@dataclass(frozen=True)
class BuildReport:
    site_dir: Path
    pages: int
    seconds: float


class _WarningCollector(logging.Handler):
    """Keeps MkDocs' warnings so a failed strict build can say what they were."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _collect_warnings() -> Iterator[_WarningCollector]:
    collector = _WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def build_site(
    config_file: Path = Path("mkdocs.yml"),
    *,
    site_dir: Path | None = None,
    papers_dir: Path | None = None,
    strict: bool | None = None,
) -> BuildReport:
    """Build the site from ``config_file``; raise BuildFailed (site_dir untouched) on failure.

    ``site_dir``, ``papers_dir`` and ``strict`` override mkdocs.yml when given.
    """
    started = time.monotonic()

    # Phase 1: configuration. Load mkdocs.yml with the overrides and find the plugin.
    config = _load_config(config_file, strict)
    target = (site_dir or Path(config.site_dir)).resolve()
    plugin = config.plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, BufferlitPlugin):
        raise BuildFailed(f"{config_file}: the {PLUGIN_NAME!r} plugin is not enabled in plugins:")
    if papers_dir is not None:
        plugin.papers_override = papers_dir.resolve()

    # Phase 2: a fresh sibling folder to build into (same filesystem, so renames are atomic).
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", suffix=".new", dir=target.parent))
    config.site_dir = str(staging)

    try:
        # Phase 3: the MkDocs build (plugin events: load and tag records, generate pages,
        # render the theme, write files), collecting warnings for the error message.
        with _collect_warnings() as warnings:
            try:
                mkdocs_build(config)
            except (Abort, MkDocsException, BufferlitError, OSError, ValueError) as error:
                message = _failure_message(config_file, error, warnings.messages)
                raise BuildFailed(message) from error
            except jinja2.TemplateSyntaxError as error:
                where = f"{error.filename or error.name}:{error.lineno}"
                raise BuildFailed(
                    f"site build failed; the previous site was kept.\n"
                    f"template {where}: {error.message}"
                ) from error
            except Exception as error:  # a template or plugin bug: still never a half site
                raise BuildFailed(
                    f"site build failed; the previous site was kept.\n"
                    f"{type(error).__name__}: {error}"
                ) from error

        # Phase 4: sanity check. An empty or index-less output is a failure, not a site.
        if not (staging / "index.html").is_file():
            raise BuildFailed("site build produced no index.html; the previous site was kept")
        pages = sum(1 for _ in staging.rglob("*.html"))

        # Phase 4b: the search index (Pagefind) over the paper pages of the new site.
        index_site(staging)

        # Phase 5: swap. Old site aside, new site in, old site deleted.
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(target, pages, time.monotonic() - started)


def _load_config(config_file: Path, strict: bool | None) -> MkDocsConfig:
    if not config_file.is_file():
        raise BuildFailed(f"no MkDocs configuration at {config_file}")
    overrides: dict[str, Any] = {} if strict is None else {"strict": strict}
    try:
        config = load_config(config_file=str(config_file), **overrides)
    except (ConfigurationError, Abort) as error:
        raise BuildFailed(f"{config_file}: invalid configuration: {error}") from error
    return config


def _failure_message(config_file: Path, error: BaseException, warnings: list[str]) -> str:
    if isinstance(error, BufferlitError):
        detail = error.format_message()
    elif isinstance(error, Abort) and warnings:
        detail = f"{error}\n" + "\n".join(f"  warning: {message}" for message in warnings)
    else:
        detail = str(error) or type(error).__name__
    return f"site build from {config_file} failed; the previous site was kept.\n{detail}"


def _swap_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f"{target.name}.", suffix=".old", dir=target.parent))
    retired.rmdir()  # only the unique name is wanted; rename needs it free
    target.rename(retired)
    try:
        staging.rename(target)
    except BaseException as error:
        # Ctrl-C or a failed rename between the two renames: put the old site back first.
        if not target.exists():
            retired.rename(target)
        if isinstance(error, OSError):
            raise BuildFailed(f"could not move the new site into {target}: {error}") from error
        raise
    shutil.rmtree(retired, ignore_errors=True)
