"""``bufferlit serve``: serves on 127.0.0.1 and rebuilds when a YAML record changes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .conftest import record_yaml


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch_until(url: str, expected: str, timeout: float = 40.0) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                last = response.read().decode("utf-8")
            if expected in last:
                return last
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never contained {expected!r}; last response: {last[:300]!r}")


def test_serve_rebuilds_when_a_record_changes(make_project: Callable[..., Path]) -> None:
    record = record_yaml("solo2020only", "First Title", "A KV cache for long contexts.")
    config = make_project({"solo2020only.yaml": record})
    port = free_port()
    command = [
        sys.executable, "-c",
        "from bufferlit.site.commands import serve_command; serve_command()",
        "-f", str(config), "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        # Served under the path of site_url (https://example.org/testlit/), as mkdocs does.
        page = f"http://127.0.0.1:{port}/testlit/papers/solo2020only/"
        fetch_until(page, "First Title")
        (config.parent / "papers" / "solo2020only.yaml").write_text(
            record.replace("First Title", "Second Title"), encoding="utf-8"
        )
        fetch_until(page, "Second Title")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
