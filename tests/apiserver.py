"""A stand-in for arXiv, Crossref and OpenAlex on 127.0.0.1: it answers each path with
recorded answers (tests/data/api/, see SOURCES.md) and remembers every request, so tests can
check what the clients asked for (one request per batch, the contact in the User-Agent)."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

API = Path(__file__).resolve().parent / "data" / "api"


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    """Seconds to wait before answering (for timeouts)."""

    @classmethod
    def file(cls, name: str, status: int = 200, **headers: str) -> Reply:
        return cls((API / name).read_bytes(), status, tuple(headers.items()))


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class ApiServer:
    base_url: str = ""
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def route(self, path: str, *replies: Reply) -> None:
        """Answer ``path`` with ``replies`` in turn; the last one repeats."""
        self.routes[path] = list(replies)

    def answer(self, path: str) -> Reply:
        replies = self.routes.get(path)
        if not replies:
            return Reply(b"Resource not found.", 404, (("Content-Type", "text/plain"),))
        return replies.pop(0) if len(replies) > 1 else replies[0]


class _Handler(http.server.BaseHTTPRequestHandler):
    server_state: ApiServer

    def do_GET(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        query = dict(urllib.parse.parse_qsl(split.query))
        self.server_state.requests.append(Request(path, query, dict(self.headers.items())))
        reply = self.server_state.answer(path)
        time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def api_server() -> Iterator[ApiServer]:
    state = ApiServer()
    handler = type("Handler", (_Handler,), {"server_state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


SEED_ABSTRACTS = {
    "shinn2023reflexion": (
        1347,
        "Large language models (LLMs) have been increasingly used to interact with external",
        "provide insights into how they affect performance.",
    ),
    "heo2024neupims": (
        1860,
        "Modern transformer-based Large Language Models (LLMs) are constructed with a series",
        "NeuPIMs achieves 3×, 2.4× and 1.6× throughput improvement, respectively.",
    ),
    "kondratyuk2021movinets": (
        1408,
        "We present Mobile Video Networks (MoViNets), a family of computation and memory",
        "https://github.com/tensorflow/models/tree/master/official/vision.",
    ),
}
"""Length, start and end of the abstracts the built fixtures and exports carry (from the seed
data, read by eye), to check that an abstract came through whole: one paragraph, no markup."""


def assert_seed_abstract(text: str, record: str) -> None:
    length, start, end = SEED_ABSTRACTS[record]
    assert text.startswith(start) and text.endswith(end), text
    assert len(text) == length
    assert "  " not in text and "\n" not in text and "<" not in text
