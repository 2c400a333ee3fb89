"""``bufferlit serve``: serves on 127.0.0.1, rebuilds when a YAML record changes, and its
search (Pagefind, re-indexed after each preview build) finds the change."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import bufferlit

from .conftest import record_yaml

if TYPE_CHECKING:
    from playwright.sync_api import Browser


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


def search_in_header(browser: Browser, page_url: str, query: str, paper_id: str) -> str:
    """Search from the header field of ``page_url``; the first result's title."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(page_url)
        tab.fill(".bl-header-search__input", query)
        tab.press(".bl-header-search__input", "Enter")
        link = tab.locator(f".bl-search-panel__results a[href*='papers/{paper_id}/']").first
        link.wait_for(timeout=20_000)
        return link.text_content() or ""
    finally:
        context.close()


@pytest.mark.browser
def test_serve_rebuilds_when_a_record_changes_and_search_follows(
    make_project: Callable[..., Path], browser: Browser
) -> None:
    record = record_yaml("solo2020only", "First Title", "A KV cache for long contexts.")
    config = make_project({"solo2020only.yaml": record})
    port = free_port()
    command = [
        sys.executable, "-c",
        "from bufferlit.site.commands import serve_command; serve_command()",
        "-f", str(config), "--port", str(port),
    ]  # fmt: skip
    # The same bufferlit as this test's (the server runs in the project's folder).
    source = str(Path(bufferlit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    server = subprocess.Popen(
        command, cwd=config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    try:
        # Served under the path of site_url (https://example.org/testlit/), as mkdocs does.
        page = f"http://127.0.0.1:{port}/testlit/papers/solo2020only/"
        fetch_until(page, "First Title")
        assert search_in_header(browser, page, "First", "solo2020only") == "First Title"
        (config.parent / "papers" / "solo2020only.yaml").write_text(
            record.replace("First Title", "Second Title"), encoding="utf-8"
        )
        fetch_until(page, "Second Title")
        # The index is written after the pages: wait for it to know the new title.
        deadline = time.monotonic() + 40
        while True:
            try:
                assert search_in_header(browser, page, "Second", "solo2020only") == "Second Title"
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
