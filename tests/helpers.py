"""Small helpers that show a test's intent: a valid record with some fields changed."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

VALID_RECORD = """\
id: {id}
title: {title}
authors:
  - Shinn, Noah
year: 2023
added: 2026-11-26
abstract: >-
  We keep an episodic memory buffer of verbal reflections in the agent's context.
"""


def record(
    id: str = "shinn2023reflexion", title: str = "Reflexion: Language Agents", **extra: str
) -> str:
    """A valid record; each keyword replaces that field (its line and any indented lines under
    it, such as the author list) or is added at the end."""
    lines = VALID_RECORD.format(id=id, title=json.dumps(title)).splitlines()
    for key, value in extra.items():
        line = f"{key}: {value}"
        index = next((i for i, text in enumerate(lines) if text.startswith(f"{key}:")), None)
        if index is None:
            lines.append(line)
            continue
        end = index + 1
        while end < len(lines) and lines[end].startswith(" "):
            end += 1
        lines[index:end] = [line]
    return "\n".join(lines) + "\n"


# Debian's chromium; BUFFERLIT_CHROMIUM points elsewhere on machines that keep it elsewhere.
CHROMIUM = Path(os.environ.get("BUFFERLIT_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _GzipEncodingHandler(_QuietHandler):
    """Sends files that are gzip already (Pagefind's index) with `Content-Encoding: gzip`,
    as some hosts do, so the browser inflates them itself."""

    suffixes: tuple[str, ...] = ()

    def end_headers(self) -> None:
        if self.path.split("?")[0].endswith(self.suffixes):
            self.send_header("Content-Encoding", "gzip")
        super().end_headers()


@contextlib.contextmanager
def serve_directory(directory: Path, gzip_encoded: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield its base URL.
    Files ending in one of ``gzip_encoded`` go out with `Content-Encoding: gzip`."""
    handler_class = type("Handler", (_GzipEncodingHandler,), {"suffixes": gzip_encoded})
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# The catalogue the catalogue-level tests (marked `catalogue`) check: the repository's papers/,
# or another folder, so a test can run them on a copy with one more paper.
CATALOGUE = Path(os.environ.get("BUFFERLIT_TEST_PAPERS", REPO / "papers")).resolve()


def catalogue_facets(data: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The catalogue's data file (addresses.CATALOGUE_DATA) read back: paper id -> facet key
    -> the values it has, the way the catalogue script decodes it (column -> set -> values)."""
    papers: dict[str, dict[str, list[str]]] = {paper_id: {} for paper_id in data["ids"]}
    for key, values, sets, column in zip(
        data["keys"], data["values"], data["sets"], data["columns"], strict=True
    ):
        assert len(column) == len(data["ids"])
        for paper_id, chosen in zip(data["ids"], column, strict=True):
            papers[paper_id][key] = [values[v] for v in sets[chosen]]
    return papers
