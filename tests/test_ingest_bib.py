"""``bufferlit ingest`` of BibTeX and RIS exports with abstracts: one record per entry,
entries without an abstract reported with their line. The exports are in tests/data/refs/
(a ContinualAI paper list verbatim; Zotero BibTeX and RIS exports of seed papers)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from tests.apiserver import assert_seed_abstract
from tests.helpers import REPO

from bufferlit.cli import cli
from bufferlit.records import load_papers

REFS = REPO / "tests/data/refs"


def ingest(path: Path, papers: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["ingest", str(path), "--papers", str(papers), *args])


def snapshot(papers: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(papers.glob("*.yaml"))}


def test_a_zotero_bibtex_export_gives_one_record_per_entry_with_an_abstract(tmp_path):
    result = ingest(REFS / "zotero.bib", tmp_path)
    assert result.exit_code == 1  # one entry had no abstract: reported, the others written
    assert result.stderr.splitlines() == [
        f"{REFS / 'zotero.bib'}:39: abstract: 'kondratyuk2021movinetsmobilevideonetworks' has"
        " no abstract, so it was not added: add one to the file (an 'abstract' field, or AB in"
        " RIS) or run 'bufferlit add 2103.11511'"
    ]
    assert "2 new, 0 already present, 0 possible duplicates, 1 problem" in result.stdout
    neupims, reflexion = load_papers(tmp_path)  # sorted by id
    assert reflexion.id == "shinn2023reflexion"
    assert reflexion.title == "Reflexion: Language Agents with Verbal Reinforcement Learning"
    assert (reflexion.venue, reflexion.year, reflexion.arxiv) == ("arXiv", 2023, "2303.11366")
    assert reflexion.doi == "10.48550/arXiv.2303.11366"
    assert_seed_abstract(reflexion.abstract, "shinn2023reflexion")
    assert "a 91% pass@1 accuracy" in reflexion.abstract  # the export wrote 91\%
    assert neupims.id == "heo2024neupims"
    assert (neupims.venue, neupims.year, neupims.doi) == ("ASPLOS", 2024, "10.1145/3620666.3651380")
    assert_seed_abstract(neupims.abstract, "heo2024neupims")
    assert len(neupims.authors) == 9 and neupims.authors[-1] == "Park, Jongse"


def test_a_continualai_paper_list(tmp_path):
    result = ingest(REFS / "continualai-rehearsal.bib", tmp_path)
    assert result.exit_code == 1
    [problem] = result.stderr.splitlines()
    assert problem.startswith(f"{REFS / 'continualai-rehearsal.bib'}:5: abstract: 'aljundi2019a'")
    papers = {paper.id: paper for paper in load_papers(tmp_path)}
    assert sorted(papers) == [
        "aljundi2019online",
        "arumae2020calm",
        "chaudhry2019tiny",
        "delange2021continual",
    ]
    tiny = papers["chaudhry2019tiny"]
    assert tiny.title == "On Tiny Episodic Memories in Continual Learning"
    # Two addresses in its url field: the paper's is kept, not the code host's.
    assert (tiny.url, tiny.arxiv, tiny.venue) == (
        "http://arxiv.org/abs/1902.10486",
        "1902.10486",
        "arXiv",
    )
    assert tiny.authors[-1] == "Ranzato, Marc'Aurelio"
    assert papers["arumae2020calm"].arxiv == "2004.03794"  # from "_eprint: 2004.03794"
    assert papers["aljundi2019online"].authors[-1] == "Page-Caccia, Lucas"
    assert papers["aljundi2019online"].venue == "NeurIPS"
    assert papers["delange2021continual"].venue == "ICCV"
    assert papers["delange2021continual"].authors[0] == "De Lange, Matthias"
    for line in result.stdout.splitlines()[:4]:
        assert line.startswith(f"new: {tmp_path}/")


def test_a_zotero_ris_export_gives_the_same_records_as_its_bibtex(tmp_path):
    ris_papers, bib_papers = tmp_path / "ris", tmp_path / "bib"
    result = ingest(REFS / "zotero.ris", ris_papers)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{REFS / 'zotero.ris'}:71: abstract: 'line 71' has no abstract, so it was not added:"
        " add one to the file (an 'abstract' field, or AB in RIS) or run"
        " 'bufferlit add 10.1109/CVPR46437.2021.01576'"
    ]
    ingest(REFS / "zotero.bib", bib_papers)
    from_ris = {paper.id: paper for paper in load_papers(ris_papers)}
    from_bib = {paper.id: paper for paper in load_papers(bib_papers)}
    assert sorted(from_ris) == sorted(from_bib) == ["heo2024neupims", "shinn2023reflexion"]
    for paper_id, paper in from_ris.items():
        other = from_bib[paper_id]
        fields = ("title", "authors", "year", "venue", "arxiv", "doi", "abstract")
        assert [getattr(paper, name) for name in fields] == [
            getattr(other, name) for name in fields
        ]
    # The multi-line AB of the ACM entry is one abstract again.
    assert_seed_abstract(from_ris["heo2024neupims"].abstract, "heo2024neupims")


def test_ingesting_the_same_papers_from_another_format_adds_nothing(tmp_path):
    ingest(REFS / "zotero.bib", tmp_path)
    before = snapshot(tmp_path)
    result = ingest(REFS / "zotero.ris", tmp_path)
    assert "0 new, 2 already present" in result.stdout
    assert (
        "already present: line 1 is shinn2023reflexion (arXiv ids agree (2303.11366))"
        in result.stdout
    )
    assert snapshot(tmp_path) == before


def test_a_dry_run_writes_nothing(tmp_path):
    result = ingest(REFS / "continualai-rehearsal.bib", tmp_path, "--dry-run")
    assert "would add: 4 new" in result.stdout
    assert not tmp_path.exists() or snapshot(tmp_path) == {}


def test_a_broken_ris_file_reports_each_problem_with_its_line(tmp_path):
    broken = tmp_path / "broken.ris"
    broken.write_text(
        "AU  - Stray, Author\n"
        "TY  - JOUR\n"
        "TI  - Replay Buffers Revisited\n"
        "AB  - We revisit the experience replay buffer\n"
        "  of off-policy agents.\n"
        "ER  - \n"
        "TY  - JOUR\n"
        "AB  - An abstract without a title.\n"
        "ER  - \n"
        "TY  - JOUR\n"
        "TI  - Never closed\n"
    )
    papers = tmp_path / "papers"
    result = ingest(broken, papers)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{broken}:1: AU line before any TY line",
        f"{broken}:7: title: reference 'line 7' has no title",
        f"{broken}:10: reference has no ER line; it was not read",
    ]
    [paper] = load_papers(papers)
    assert paper.title == "Replay Buffers Revisited"
    assert paper.abstract == "We revisit the experience replay buffer of off-policy agents."


def test_an_unreadable_reference_file_is_one_error(tmp_path):
    latin1 = tmp_path / "latin1.ris"
    latin1.write_bytes("TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"))
    result = ingest(latin1, tmp_path / "papers")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {latin1}: cannot read RIS file:")
    assert not (tmp_path / "papers").exists()
