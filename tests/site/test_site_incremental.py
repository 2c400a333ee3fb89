"""An incremental build gives the same site as a full build, over a sequence of edits.

One site is rebuilt after each edit (unchanged pages carried over); beside it, a fresh site is
built from nothing. Apart from Pagefind's bundle (whose file names and bytes are not
deterministic) they must hold the same files, byte for byte, and Pagefind's decoded page
records (what a search returns: url, title, text, filters) must be equal too.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.hostile.support import tree_hash
from tests.site.conftest import record_yaml

from bufferlit.model import BufferType, Entry, Paper
from bufferlit.site import search
from bufferlit.site.build import build_site
from bufferlit.site.output import MANIFEST, WORKDIR


def site_files(site: Path) -> dict[str, str]:
    return {
        name: digest
        for name, digest in tree_hash(site).items()
        if not name.startswith((WORKDIR, MANIFEST, "pagefind"))
    }


def search_records(site: Path) -> list[dict[str, object]]:
    """Pagefind's per-page records of every shard: gzip, a ``pagefind_dcd`` signature, then
    JSON."""
    records = []
    for path in (site / "pagefind").glob("**/fragment/*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
        records.append(json.loads(raw))
    return sorted(records, key=lambda record: str(record["url"]))


@pytest.fixture
def pinned_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


def flip_first_to_hardware(tag_papers: Callable[..., list[Entry]]) -> Callable[..., list[Entry]]:
    """A changed tagger rule, as the site sees it: one paper's type flips."""

    def changed(papers: list[Paper], *args: object, **kwargs: object) -> list[Entry]:
        entries = tag_papers(papers, *args, **kwargs)
        first = entries[0]
        tagging = type(first.tagging)(
            (BufferType.HARDWARE,), first.tagging.stance, first.tagging.domains
        )
        return [Entry(first.paper, tagging), *entries[1:]]

    return changed


def edits(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    papers = project / "papers"
    reflexion = papers / "shinn2023reflexion.yaml"
    reflexion.write_text(reflexion.read_text().replace("Reflexion:", "Reflexion (revised):"))
    yield "a title changed"
    rolnick = papers / "rolnick2019replay.yaml"
    rolnick.write_text(rolnick.read_text().replace("Rolnick, David", "Rolnick, D."))
    yield "an author changed (related papers reused: no title, abstract or type changed)"
    (papers / "chen2026kv.yaml").write_text(
        record_yaml(
            "chen2026kv",
            "Paged KV Cache Eviction for Long Contexts",
            "We evict key-value cache blocks of long contexts by attention score.",
            year=2026,
            added="2026-05-01",
        )
    )
    yield "a paper added"
    (papers / "wei2025online.yaml").unlink()
    yield "a paper deleted"
    rolnick = papers / "rolnick2019replay.yaml"
    rolnick.write_text(
        rolnick.read_text()
        + 'buffer_types: ["streaming"]\nnotes: "Curated: the buffer holds a stream."\n'
    )
    yield "a curated label changed"
    templates = project / "page-templates" / "pages"
    templates.mkdir()
    packaged = Path(__import__("bufferlit").__file__).parent / "templates" / "pages" / "paper.html"
    (templates / "paper.html").write_text(packaged.read_text().replace("</h1>", " *</h1>", 1))
    yield "a template changed"
    import bufferlit.tagger

    monkeypatch.setattr(
        bufferlit.tagger, "tag_papers", flip_first_to_hardware(bufferlit.tagger.tag_papers)
    )
    yield "a tagger rule changed"


def test_incremental_builds_equal_full_builds_over_a_sequence_of_edits(
    make_project: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pinned_date: None,
) -> None:
    monkeypatch.setattr(search, "SHARD_PAGES", 1)  # the search index in shards, some kept
    config = make_project(extra="      templates: page-templates\n")
    project = config.parent
    (project / "page-templates").mkdir()
    incremental = tmp_path / "incremental"
    first = build_site(config, site_dir=incremental)
    rewritten = []
    for step, edit in enumerate(edits(project, monkeypatch)):
        report = build_site(config, site_dir=incremental)
        full = tmp_path / f"full-{step}"
        build_site(config, site_dir=full)
        assert site_files(incremental) == site_files(full), edit
        assert search_records(incremental) == search_records(full), edit
        rewritten.append((edit, report.written))
        shutil.rmtree(full)
    # Not every file is written again: an edit of one record rewrites the pages that show it
    # (its own, the listings, related papers' pages, downloads); the first build wrote all.
    assert dict(rewritten)["a title changed"] < first.written / 3, (first.written, rewritten)


def test_a_damaged_input_cache_is_computed_again_never_shown(
    make_project: Callable[..., Path], tmp_path: Path, pinned_date: None
) -> None:
    """The work folder may come from elsewhere (a copied site): saved related papers naming
    an unknown paper, a citation that is not text, or word counts that are not numbers are
    made again from the records."""
    config = make_project()
    incremental = tmp_path / "incremental"
    build_site(config, site_dir=incremental)
    cache_file = incremental / WORKDIR / "inputs.json"
    cache = json.loads(cache_file.read_text(encoding="utf-8"))
    [first, *_] = cache["related"]["related"]
    cache["related"]["related"][first] = ["nobody2020missing"]
    [record, *_] = cache["records"].values()
    record["citations"]["bibtex"] = 5
    assert record["terms"], "each record's word counts are kept for related papers"
    record["terms"] = {word: "many" for word in record["terms"]}
    cache_file.write_text(json.dumps(cache), encoding="utf-8")
    build_site(config, site_dir=incremental)
    full = tmp_path / "full"
    build_site(config, site_dir=full)
    assert site_files(incremental) == site_files(full)


def test_the_input_cache_is_written_in_pieces_as_one_json_text() -> None:
    from bufferlit.site.inputs import _json_pieces

    for records in ({}, {"papers/a.yaml": {"paper": {"title": 'Ünïcode \u2028 "q"'}}, "b": []}):
        saved = {"fingerprint": "f", "records": records, "related": {"a": ["b"]}}
        compact = json.dumps(saved, ensure_ascii=False, separators=(",", ":"))
        pieces = list(_json_pieces(saved, "records"))
        assert "".join(pieces) == compact
        assert len(pieces) == 9 + len(records)  # one piece per record, never the whole
