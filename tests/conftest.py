"""Shared fixtures: a temp catalogue from a {filename: content} dict (as mkdocs' tempdir), and
a temp project (mkdocs.yml, docs/, papers/) to build sites from."""

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


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A temp project (mkdocs.yml, docs/, papers/); returns the mkdocs.yml path."""

    def make(records: dict[str, str] | None = None, extra: str = "") -> Path:
        from tests.site.conftest import MKDOCS_YML, SMALL_CATALOGUE, write_records

        write_records(tmp_path / "papers", SMALL_CATALOGUE if records is None else records)
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / "about.md").write_text("# About\n\nA test catalogue.\n")
        config = tmp_path / "mkdocs.yml"
        config.write_text(MKDOCS_YML.format(extra=extra), encoding="utf-8")
        return config

    return make
