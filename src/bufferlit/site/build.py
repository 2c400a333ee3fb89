"""``build_site()``: the whole site build, all or nothing, and never over what is not ours.

Phases: configuration -> guard (is the folder a fit target? see ``output``) -> workspace (lock,
recovery of an interrupted build, a fresh staging folder inside the site folder) -> MkDocs
build into staging -> Pagefind index -> verify every output -> publish file by file (journal,
manifest last). Any failure before publishing leaves the site folder exactly as it was.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
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
from bufferlit.site.output import (
    MANIFEST,
    Manifest,
    Plan,
    Protected,
    Workspace,
    check_site_dir,
    foreign_files,
    publish,
    read_manifest,
    site_workspace,
    verified_manifest,
)
from bufferlit.site.plugin import BufferlitPlugin
from bufferlit.site.search import BUNDLE as SEARCH_BUNDLE
from bufferlit.site.search import SearchPage, index_site

PLUGIN_NAME = "bufferlit"


@dataclass(frozen=True)
class BuildReport:
    site_dir: Path
    pages: int
    seconds: float
    written: int = 0
    """Files written into site_dir (new or changed)."""
    removed: int = 0
    """Files of the previous build no longer part of the site, deleted."""
    pages_seconds: float = 0.0
    """When the pages, catalogue and downloads were published (the search index follows)."""


class _WarningCollector(logging.Handler):
    """Keeps MkDocs' warnings so a failed strict build can say what they were."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _DirtyNotice(logging.Filter):
    """Drops MkDocs' warning that a dirty build may leave stale navigation: it is meant for
    ``mkdocs build --dirty``, which trusts file times; here the page cache decides (see
    incremental.py) and the warning would fail every strict build."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


@contextlib.contextmanager
def _collect_warnings() -> Iterator[_WarningCollector]:
    collector = _WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    notice = _DirtyNotice()
    build_logger = logging.getLogger("mkdocs.commands.build")
    build_logger.addFilter(notice)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        build_logger.removeFilter(notice)


def build_site(
    config_file: Path = Path("mkdocs.yml"),
    *,
    site_dir: Path | None = None,
    papers_dir: Path | None = None,
    strict: bool | None = None,
) -> BuildReport:
    """Build the site from ``config_file``; raise BuildFailed on failure, saying what was kept.

    ``site_dir``, ``papers_dir`` and ``strict`` override mkdocs.yml when given.
    """
    with _fewer_collections():
        return _build(config_file, site_dir, papers_dir, strict)


def _build(
    config_file: Path, site_dir: Path | None, papers_dir: Path | None, strict: bool | None
) -> BuildReport:
    started = time.monotonic()
    config, plugin = load_site_config(config_file, papers_dir, strict)
    target = Path(os.path.abspath(site_dir or config.site_dir))
    check_site_dir(target, protected_folders(config, plugin))
    kept = _what_failure_keeps(target)
    with site_workspace(target) as workspace:
        config.site_dir = str(workspace.staging)
        try:
            _run_mkdocs(config, config_file)
            carried = {**_search_files(target), **plugin.page_cache.kept}
            manifest = verified_manifest(workspace.staging, carried)
        except BuildFailed as error:
            raise BuildFailed(f"{error.message}\n{kept}") from error
        pages = publish(workspace, manifest, workspace.staging, carried)
        pages_seconds = time.monotonic() - started  # the pages are live from here
        plugin.page_cache.save(workspace)
        plugin.inputs.save()
        search = _publish_search(workspace, manifest, plugin.search_pages())
    html_pages = sum(1 for name in manifest if name.endswith(".html"))
    seconds = time.monotonic() - started
    written = len(pages.changed) + len(search.changed)
    return BuildReport(
        target, html_pages, seconds, written, len(pages.removed), pages_seconds=pages_seconds
    )


COLLECTION_THRESHOLDS = (100_000, 50, 100)
"""A build holds millions of long-lived objects (records, the input cache, pages); CPython's
default thresholds (700, 10, 10) traverse them again and again: ~1.5-1.9 s of an edit at
10,000 papers when measured. These still collect reference cycles, far less often (full build
peak 0.76 GB at 10,000, 0.74 GB with the defaults). See docs/benchmarks.md."""


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _search_files(site: Path) -> Manifest:
    """The last build's search index: kept while the pages are published, then replaced
    shard by shard (a file deleted by hand is left out; its shard is indexed again)."""
    old = read_manifest(site)
    return {
        name: digest
        for name, digest in old.items()
        if _is_search_file(name) and (site / name).is_file()
    }


def _is_search_file(name: str) -> bool:
    return name.startswith(SEARCH_BUNDLE + "/")


def _publish_search(workspace: Workspace, manifest: Manifest, papers: list[SearchPage]) -> Plan:
    """Index the shards of the search index whose papers changed (search.py), then publish
    them beside the shards kept from the published index. A failure here leaves the new
    pages with the previous search index."""
    previous = workspace.site / SEARCH_BUNDLE
    try:
        index = index_site(papers, workspace.search / SEARCH_BUNDLE, previous)
        bundle = verified_manifest(workspace.search, {"index.html": ""})
    except BuildFailed as error:
        message = f"{error.message}\nthe pages were published; search still uses the previous index"
        raise BuildFailed(message) from error
    del bundle["index.html"]
    kept = {name: digest for name, digest in manifest.items() if index.keeps(name)}
    pages = {name: digest for name, digest in manifest.items() if not _is_search_file(name)}
    return publish(workspace, {**pages, **kept, **bundle}, workspace.search, {**pages, **kept})


def load_site_config(
    config_file: Path, papers_dir: Path | None = None, strict: bool | None = None
) -> tuple[MkDocsConfig, BufferlitPlugin]:
    """mkdocs.yml, validated, with its bufferlit plugin (BuildFailed when either is wrong)."""
    config = _load_config(config_file, strict)
    return config, _plugin(config, config_file, papers_dir)


def _plugin(config: MkDocsConfig, config_file: Path, papers_dir: Path | None) -> BufferlitPlugin:
    plugin = config.plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, BufferlitPlugin):
        raise BuildFailed(f"{config_file}: the {PLUGIN_NAME!r} plugin is not enabled in plugins:")
    if papers_dir is not None:
        plugin.papers_override = papers_dir.resolve()
    return plugin


def protected_folders(config: MkDocsConfig, plugin: BufferlitPlugin) -> Protected:
    project = Path(config.config_file_path or "mkdocs.yml").resolve().parent
    return Protected(project, plugin.papers_dir(config), Path(config.docs_dir))


def _what_failure_keeps(target: Path) -> str:
    if (target / MANIFEST).exists() or (foreign_files(target) is None and target.exists()):
        return "the previous site was kept as it was"
    return f"nothing in {target} was changed"


def _run_mkdocs(config: MkDocsConfig, config_file: Path) -> None:
    """The MkDocs build (plugin events: load and tag records, generate pages, render the
    theme, write files), collecting warnings for the error message."""
    with _collect_warnings() as warnings:
        try:
            # Dirty mode: MkDocs asks each file whether it changed; the plugin answers from
            # the page cache (incremental.py), so only changed pages are rendered and written.
            mkdocs_build(config, dirty=True)
        except (Abort, MkDocsException, BufferlitError, OSError, ValueError) as error:
            raise BuildFailed(_failure_message(config_file, error, warnings.messages)) from error
        except jinja2.TemplateSyntaxError as error:
            where = f"{error.filename or error.name}:{error.lineno}"
            raise BuildFailed(f"site build failed: template {where}: {error.message}") from error
        except Exception as error:  # a template or plugin bug: still never a half site
            raise BuildFailed(f"site build failed: {type(error).__name__}: {error}") from error


def _load_config(config_file: Path, strict: bool | None) -> MkDocsConfig:
    if not config_file.is_file():
        raise BuildFailed(
            f"no MkDocs configuration at {config_file}: run this in the catalogue's folder"
            " (the one holding mkdocs.yml and papers/), or name it with --config-file"
        )
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
    return f"site build from {config_file} failed:\n{detail}"
