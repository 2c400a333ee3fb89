"""Ingest, import-bib and rekey: the three commands that write records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers import REPO, record

from bufferlit.bibimport import import_bib, short_venue
from bufferlit.ingest import ingest_listing
from bufferlit.records import load_papers
from bufferlit.rekey import rekey

SEED = REPO / "data/seed-listing.txt"
BIB = REPO / "data/seed-metadata.bib"
TODAY = dt.date(2026, 11, 26)


def snapshot(papers_dir: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(papers_dir.glob("*.yaml"))}


def test_ingest_writes_one_valid_record_per_paper(tmp_path):
    papers_dir = tmp_path / "papers"
    report = ingest_listing(SEED, papers_dir, today=TODAY)
    assert (len(report.new), len(report.present), len(report.problems)) == (40, 0, 0)
    papers = load_papers(papers_dir)
    assert len(papers) == 40
    reflexion = next(p for p in papers if p.title.startswith("Reflexion"))
    assert reflexion.id == "reflexion-language-agents-verbal-reinforcement-learning"
    assert reflexion.added == "2026-11-26"
    # What the tagger derives goes only into the generated labels line, not the curated fields.
    assert (reflexion.buffer_types, reflexion.stance, reflexion.domains) == ((), None, ())
    assert reflexion.labels is not None and reflexion.labels.by == "tagger"


def test_reingest_is_idempotent_even_with_retyped_titles(tmp_path):
    papers_dir = tmp_path / "papers"
    ingest_listing(SEED, papers_dir, today=TODAY)
    before = snapshot(papers_dir)
    retyped = tmp_path / "retyped.txt"
    text = SEED.read_text()
    text = text.replace(
        "Learning to Prompt for Continual Learning", "LEARNING TO PROMPT FOR CONTINUAL LEARNING"
    )
    text = text.replace(
        "Reflexion: Language Agents with Verbal", "Reflexion - Language Agent with Verbal"
    )
    retyped.write_text(text)
    report = ingest_listing(retyped, papers_dir, today=dt.date(2027, 1, 1))
    assert (len(report.new), len(report.present)) == (0, 40)
    assert snapshot(papers_dir) == before


def test_ingest_never_touches_a_curated_record(tmp_path):
    papers_dir = tmp_path / "papers"
    ingest_listing(SEED, papers_dir, today=TODAY)
    import_bib(BIB, papers_dir)
    rekey(papers_dir, [])
    record = papers_dir / "wang2022dualprompt.yaml"
    curated = record.read_text().replace("added:", "buffer_types: [replay]\nstance: avoids\nadded:")
    record.write_text(curated)
    before = snapshot(papers_dir)
    report = ingest_listing(SEED, papers_dir, today=TODAY)
    assert len(report.new) == 0
    assert snapshot(papers_dir) == before


def test_import_bib_completes_the_records_and_rekey_gives_the_citation_keys(tmp_path):
    papers_dir = tmp_path / "papers"
    ingest_listing(SEED, papers_dir, today=TODAY)
    report = import_bib(BIB, papers_dir)
    assert (len(report.updated), len(report.unmatched), len(report.ambiguous)) == (40, 0, 0)
    renames = rekey(papers_dir, [])
    assert len(renames) == 40
    bib_keys = {
        line.split("{", 1)[1].rstrip(",")
        for line in BIB.read_text().splitlines()
        if line.startswith("@")
    }
    assert {path.stem for path in papers_dir.glob("*.yaml")} == bib_keys
    # That the committed seed records are this pipeline's output is a catalogue-level test
    # (tests/test_catalogue.py), so it also runs on a catalogue with papers added.


def test_import_bib_keeps_filled_fields_unless_overwrite(make_catalogue, tmp_path):
    papers_dir = make_catalogue(
        {
            "shinn2023reflexion.yaml": record(
                title="Reflexion: Language Agents with Verbal Reinforcement Learning",
                venue="NeurIPS 2023 (oral)",
            )
        }
    )
    bib = tmp_path / "one.bib"
    bib.write_text(
        "@inproceedings{x, title={Reflexion: Language Agents with Verbal Reinforcement Learning},"
        " author={Shinn, Noah and Yao, Shunyu}, booktitle={Neural Information Processing Systems},"
        " year={2023},"
        " doi={10.48550/arXiv.2303.11366}}\n"
    )
    report = import_bib(bib, papers_dir)
    assert report.updated == [("shinn2023reflexion", ["doi"])]
    paper = next(p for p in load_papers(papers_dir) if p.id == "shinn2023reflexion")
    assert (paper.venue, paper.authors) == ("NeurIPS 2023 (oral)", ("Shinn, Noah",))
    import_bib(bib, papers_dir, overwrite=True)
    paper = next(p for p in load_papers(papers_dir) if p.id == "shinn2023reflexion")
    assert (paper.venue, paper.authors) == ("NeurIPS", ("Shinn, Noah", "Yao, Shunyu"))


def test_import_bib_reports_unmatched_and_ambiguous_entries(make_catalogue, tmp_path):
    def minimal(pid: str, title: str, abstract: str) -> str:
        return f"id: {pid}\ntitle: {title}\nadded: 2026-11-26\nabstract: {abstract}\n"

    papers_dir = make_catalogue(
        {
            "replay-robots-one.yaml": minimal(
                "replay-robots-one", "Replay Buffers for Robots, Part One", "Arms replay grasps."
            ),
            "replay-robots-two.yaml": minimal(
                "replay-robots-two", "Replay Buffers for Robots, Part Two", "Legs walk on."
            ),
        }
    )
    bib = tmp_path / "odd.bib"
    bib.write_text(
        "@article{a, title={A Paper Nobody Has Ingested}, author={Doe, Jane}, year={2020}}\n"
        "@article{b, title={Replay Buffers for Robots, Part}, year={2023}}\n"
        "@article{c, author={No Title}}\n"
    )
    before = snapshot(papers_dir)
    report = import_bib(bib, papers_dir)
    assert [entry.key for entry in report.unmatched] == ["a"]
    assert [(entry.key, ids) for entry, ids in report.ambiguous] == [
        ("b", ["replay-robots-one", "replay-robots-two"])
    ]
    assert [str(p) for p in report.problems] == [f"{bib}:3: title: entry 'c' has no title"]
    assert snapshot(papers_dir) == before


def test_venue_names_are_shortened_for_the_facet():
    assert short_venue("Advances in Neural Information Processing Systems (NeurIPS)") == "NeurIPS"
    assert (
        short_venue("Findings of the Association for Computational Linguistics: NAACL 2025")
        == "Findings of NAACL"
    )
    assert short_venue("arXiv preprint arXiv:2504.08525") == "arXiv"
    assert (
        short_venue("Proceedings of the 29th Symposium on Operating Systems Principles") == "SOSP"
    )
    assert (
        short_venue("Computers \\& Electrical Engineering".replace("\\", ""))
        == "Computers & Electrical Engineering"
    )
    assert (
        short_venue(
            "Proceedings of the 29th ACM International Conference on Architectural Support "
            "for Programming Languages and Operating Systems, Volume 3 (ASPLOS)"
        )
        == "ASPLOS"
    )


def test_rekey_keeps_the_older_key_and_suffixes_the_newer(make_catalogue):
    papers_dir = make_catalogue(
        {
            "shinn2023reflexion.yaml": record(),
            "wang2022dualprompt.yaml": record("wang2022dualprompt", "DualPrompt"),
        }
    )
    (papers_dir / "shinn-reflexion-two.yaml").write_text(
        "id: shinn-reflexion-two\ntitle: Reflexion Two, a Sequel About Agents\n"
        'authors: ["Shinn, Noah"]\n'
        "year: 2023\nadded: 2026-12-01\nabstract: A sequel.\n"
    )
    renames = rekey(papers_dir, ["shinn-reflexion-two"])
    assert [(r.old, r.new) for r in renames] == [("shinn-reflexion-two", "shinn2023reflexionb")]
    assert (papers_dir / "shinn2023reflexion.yaml").exists()
    assert not (papers_dir / "shinn-reflexion-two.yaml").exists()
    assert len(load_papers(papers_dir)) == 3


def test_titles_in_other_scripts_are_not_mistaken_for_each_other(tmp_path):
    abstract = (
        "An abstract long enough to be taken for one. It has two sentences, and it talks about"
        " a replay buffer for a while so that the listing parser sees an abstract."
    )
    listing = tmp_path / "l.txt"
    listing.write_text(f"记忆缓冲区的研究\n{abstract}\nΜνήμη και ρυθμιστές\n{abstract}\n")
    report = ingest_listing(listing, tmp_path / "papers", today=TODAY)
    assert (len(report.new), len(report.present)) == (2, 0)
    again = ingest_listing(listing, tmp_path / "papers", today=TODAY)
    assert (len(again.new), len(again.present)) == (0, 2)
