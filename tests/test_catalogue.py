"""The real catalogue, checked only for what holds at any size: every record valid and
identified, every curated override explained, a page per paper, exports that parse.

These tests are marked `catalogue` and read CATALOGUE (papers/, or $BUFFERLIT_TEST_PAPERS), so
the last test here can run them on a copy with one more paper, added the README's way.
Behaviour is tested on small catalogues made in the tests, elsewhere."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import jsonschema
import markupsafe
import pybtex.database
import pytest
import yaml
from click.testing import CliRunner
from tests.helpers import CATALOGUE, REPO

from bufferlit.bibimport import import_bib
from bufferlit.cite import to_bibtex, to_csl_json, to_ris
from bufferlit.ingest import ingest_listing
from bufferlit.records import load_papers, record_paths
from bufferlit.rekey import rekey
from bufferlit.tagger.command import tag_command

SCHEMA_LINE = "# yaml-language-server: $schema=../schema/paper.schema.json"
# Real papers to add, each a title line and an abstract line and its BibTeX entry, in the
# same order. The first is a systems paper with a DOI and no arXiv id; the next stands in once
# the first has joined the catalogue.
EXTRA_LISTING = REPO / "tests/data/extra-papers.txt"
EXTRA_BIB = REPO / "tests/data/extra-papers.bib"


def run_cli(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bufferlit", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.catalogue
def test_validate_passes_and_counts_every_record():
    result = run_cli("validate", "--papers", CATALOGUE)
    assert result.returncode == 0, result.stderr
    count = len(record_paths(CATALOGUE))
    assert count > 0
    assert result.stdout.strip() == f"{count} records in {CATALOGUE} are valid"


@pytest.mark.catalogue
def test_every_record_is_complete_identified_and_matches_the_schema():
    schema = yaml.safe_load((REPO / "schema/paper.schema.json").read_text())
    for paper in load_papers(CATALOGUE):
        # Hardware and systems papers often have no arXiv id: a DOI or URL identifies them.
        assert paper.arxiv or paper.doi or paper.url, f"{paper.id}: no arxiv, doi or url"
        assert paper.authors and paper.year, paper.id
        assert "\\" not in paper.abstract and "\\" not in paper.title, paper.id
        assert not any(url.endswith((".", ",", ".git")) for url in paper.code), paper.id
        text = (CATALOGUE / f"{paper.id}.yaml").read_text(encoding="utf-8")
        assert text.splitlines()[0] == SCHEMA_LINE, paper.id
        data = yaml.safe_load(text)
        data["added"] = str(data["added"])
        jsonschema.validate(data, schema)


@pytest.mark.catalogue
def test_every_curated_override_is_explained():
    result = CliRunner().invoke(tag_command, ["--check", "--papers", str(CATALOGUE)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith("(0 without a note saying why)")


@pytest.mark.catalogue
def test_the_whole_catalogue_exports_one_parseable_citation_per_paper():
    papers = load_papers(CATALOGUE)
    ids = [paper.id for paper in papers]
    bibtex = to_bibtex(papers)
    library = bibtexparser.parse_string(bibtex)
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == ids
    assert list(pybtex.database.parse_string(bibtex, "bibtex").entries) == ids
    assert re.findall(r"^ID  - (\S+)$", to_ris(papers), re.M) == ids
    assert re.findall(r'^    "id": "([^"]+)"', to_csl_json(papers), re.M) == ids


@pytest.mark.catalogue
def test_the_site_builds_strictly_with_a_page_per_paper(tmp_path):
    from bufferlit.site.build import build_site

    site = tmp_path / "site"
    build_site(REPO / "mkdocs.yml", site_dir=site, papers_dir=CATALOGUE, strict=True)
    for paper in load_papers(CATALOGUE):
        page = site / "papers" / paper.id / "index.html"
        assert page.is_file(), paper.id
        assert str(markupsafe.escape(paper.title)) in page.read_text(encoding="utf-8"), paper.id
        for suffix in ("bib", "ris", "json"):
            assert (site / "papers" / paper.id / f"{paper.id}.{suffix}").is_file(), paper.id


@pytest.mark.catalogue
def test_the_seed_papers_are_exactly_the_seed_pipelines_output(tmp_path):
    """Provenance: re-running ingest, import-bib and rekey on data/ gives the committed seed
    records (apart from curated edits). Only the seed ids are compared: papers added later
    have their own provenance."""
    papers_dir = tmp_path / "papers"
    ingest_listing(REPO / "data/seed-listing.txt", papers_dir, today=dt.date(2026, 11, 26))
    import_bib(REPO / "data/seed-metadata.bib", papers_dir)
    rekey(papers_dir, [])
    for paper in load_papers(papers_dir):
        committed = yaml.safe_load((CATALOGUE / f"{paper.id}.yaml").read_text(encoding="utf-8"))
        assert committed["authors"] == list(paper.authors), paper.id
        assert (committed["year"], committed["venue"]) == (paper.year, paper.venue), paper.id
        assert committed.get("arxiv") == paper.arxiv, paper.id


def extra_paper(catalogue: Path) -> tuple[str, str, str]:
    """(listing text, BibTeX entry, citation key) of the first extra paper not in ``catalogue``."""
    lines = EXTRA_LISTING.read_text(encoding="utf-8").splitlines()
    entries = ["@" + entry for entry in EXTRA_BIB.read_text(encoding="utf-8").split("@")[1:]]
    for index, entry in enumerate(entries):
        key = entry.split("{", 1)[1].split(",", 1)[0]
        if not (catalogue / f"{key}.yaml").exists():
            return "\n".join(lines[2 * index : 2 * index + 2]) + "\n", entry, key
    raise AssertionError(f"every paper of {EXTRA_BIB.name} is in the catalogue: add another")


def add_a_paper_the_readme_way(papers_dir: Path, work: Path) -> str:
    """README, "Adding a paper": ingest the title and abstract lines, import-bib, rekey.
    Returns the new paper's id."""
    listing, entry, key = extra_paper(papers_dir)
    (work / "new.txt").write_text(listing, encoding="utf-8")
    (work / "new.bib").write_text(entry, encoding="utf-8")
    for command in (("ingest", "new.txt"), ("import-bib", "new.bib"), ("rekey",)):
        result = run_cli(*command, "--papers", papers_dir, cwd=work)
        assert result.returncode == 0, result.stdout + result.stderr
    return key


def test_the_catalogue_tests_pass_with_one_more_paper(tmp_path):
    papers_dir = tmp_path / "papers"
    shutil.copytree(CATALOGUE, papers_dir)
    key = add_a_paper_the_readme_way(papers_dir, tmp_path)
    assert sorted(path.name for path in record_paths(papers_dir)) == sorted(
        [f"{key}.yaml", *(path.name for path in record_paths(CATALOGUE))]
    )
    marked = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "catalogue",
            str(Path(__file__).relative_to(REPO)),
        ],
        cwd=REPO,
        env={**os.environ, "BUFFERLIT_TEST_PAPERS": str(papers_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = marked.stdout.strip().splitlines()[-1]
    assert marked.returncode == 0, marked.stdout[-3000:] + marked.stderr[-3000:]
    catalogue_tests = sum(
        1
        for name, value in globals().items()
        if name.startswith("test_") and hasattr(value, "pytestmark")
    )
    assert re.match(rf"{catalogue_tests} passed, \d+ deselected in ", summary), summary


def test_the_extra_papers_are_added_whole_and_the_second_stands_in_for_the_first(
    make_catalogue, tmp_path
):
    papers_dir = make_catalogue({})
    assert add_a_paper_the_readme_way(papers_dir, tmp_path) == "kwon2023efficient"
    kwon = yaml.safe_load((papers_dir / "kwon2023efficient.yaml").read_text(encoding="utf-8"))
    # A DOI and no arXiv id, like many hardware and systems papers.
    assert (kwon["venue"], kwon["doi"], kwon["authors"][0]) == (
        "SOSP",
        "10.1145/3600006.3613165",
        "Kwon, Woosuk",
    )
    assert "arxiv" not in kwon
    assert add_a_paper_the_readme_way(papers_dir, tmp_path) == "dao2022flashattention"
    dao = yaml.safe_load((papers_dir / "dao2022flashattention.yaml").read_text(encoding="utf-8"))
    assert (dao["venue"], dao["arxiv"], dao["year"]) == ("NeurIPS", "2205.14135", 2022)
    assert dao["authors"][-1] == "Ré, Christopher"
