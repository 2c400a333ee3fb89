"""``bufferlit serve``: the site as ``bufferlit build`` makes it, served on 127.0.0.1 and made
again when a record, a template, a docs page or mkdocs.yml changes.

``mkdocs serve`` would run its own build on each change, every page rendered again (~50 s at
10,000 papers) and no search index. Here each rebuild is ``build_site`` into a temporary
folder: incremental (an edit renders only the pages it touches), published file by file, and
searchable; MkDocs' live-reload server serves that folder and reloads the browser.
"""

from __future__ import annotations

import logging
import signal
import tempfile
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.livereload import LiveReloadServer

from bufferlit.errors import BuildFailed
from bufferlit.site.build import build_site, load_site_config

log = logging.getLogger("mkdocs.bufferlit")


def serve_site(config_file: Path, papers_dir: Path | None, port: int) -> None:
    """Serve until interrupted. A failed rebuild is logged and the last good site stays."""
    config, plugin = load_site_config(config_file, papers_dir)
    # Stopped by a signal, still remove the temporary site (SystemExit unwinds the with).
    signal.signal(signal.SIGTERM, _exit)
    mount_path = urlsplit(config.site_url or "/").path or "/"
    with tempfile.TemporaryDirectory(prefix="bufferlit-preview-") as folder:
        site = Path(folder) / "site"
        rebuild = partial(_build, config_file, site, papers_dir)
        server = LiveReloadServer(
            builder=rebuild, host="127.0.0.1", port=port, root=str(site), mount_path=mount_path
        )
        server.error_handler = partial(_error_page, site)
        rebuild()
        for path in plugin.watched_paths(config):
            server.watch(str(path))
        try:
            server.serve()  # type: ignore[no-untyped-call]
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _build(config_file: Path, site: Path, papers_dir: Path | None) -> None:
    try:
        report = build_site(config_file, site_dir=site, papers_dir=papers_dir)
    except BuildFailed as error:
        log.error(f"{error.message}\nstill serving the last site that built")
        return
    log.info(
        f"bufferlit: {report.pages} pages, {report.written} files written, in"
        f" {report.seconds:.1f} s (pages after {report.pages_seconds:.1f} s)"
    )


def _error_page(site: Path, code: int) -> bytes | None:
    """The site's own 404 page, as ``mkdocs serve`` gives it."""
    page = site / f"{code}.html"
    return page.read_bytes() if code == 404 and page.is_file() else None
