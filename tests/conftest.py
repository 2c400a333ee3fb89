"""Shared fixtures: a temp catalogue from a {filename: content} dict (as mkdocs' tempdir)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def make_catalogue(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write {filename: text or bytes} into a fresh papers/ folder, byte for byte; return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        papers = tmp_path / "papers"
        papers.mkdir(exist_ok=True)
        for name, content in files.items():
            path = papers / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return papers

    return make
