"""Citation exports, checked with real parsers rather than by eye."""

from __future__ import annotations

import csv
import io
import json

import bibtexparser
import bibtexparser.middlewares as mw
import pybtex.database
import pytest
from pylatexenc import latex2text
from pylatexenc.latex2text import LatexNodes2Text

from bufferlit.cite import bibtex_entry, kind, ris_entry, to_bibtex, to_csl_json, to_ris
from bufferlit.export import spreadsheet_safe
from bufferlit.model import Paper

# A small catalogue with one paper of each kind (conference, journal article, preprint).
PAPERS = [
    Paper(
        "shinn2023reflexion",
        "Reflexion: Language Agents with Verbal Reinforcement Learning",
        "Agents keep reflective text in an episodic memory buffer.",
        "2026-11-26",
        authors=("Shinn, Noah", "Cassano, Federico"),
        year=2023,
        venue="NeurIPS",
        arxiv="2303.11366",
    ),
    Paper(
        "jasemi2020reliable",
        "Reliable and Energy Efficient MLC STT-RAM Buffer for CNN Accelerators",
        "We propose a buffer for CNN accelerators.",
        "2026-11-26",
        authors=("Jasemi, Masoomeh", "Hessabi, Shaahin", "Bagherzadeh, Nader"),
        year=2020,
        venue="Computers & Electrical Engineering",
        doi="10.1016/j.compeleceng.2020.106698",
    ),
    Paper(
        "ye2025task",
        "Task Memory Engine (TME): A Structured Memory Framework",
        "Agents keep a task memory tree.",
        "2026-11-26",
        authors=("Ye, Ye",),
        year=2025,
        venue="arXiv",
        arxiv="2504.08525",
    ),
]


def latex_decoder() -> LatexNodes2Text:
    """pylatexenc, taught the two standard LaTeX brace macros it lacks."""
    context = latex2text.get_default_latex_context_db().filter_context()
    context.add_context_category(
        "braces",
        macros=[
            latex2text.MacroTextSpec("textbraceleft", "{"),
            latex2text.MacroTextSpec("textbraceright", "}"),
            latex2text.MacroTextSpec("textasciicircum", "^"),
        ],
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context)


def parse_bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            mw.LatexDecodingMiddleware(decoder=latex_decoder()),
            mw.SeparateCoAuthors(),
        ],
    )
    assert not library.failed_blocks, [block.error for block in library.failed_blocks]
    return library


def test_a_catalogue_parses_into_one_bibtex_entry_per_paper():
    text = to_bibtex(PAPERS)
    library = parse_bibtex(text)
    assert [entry.key for entry in library.entries] == [paper.id for paper in PAPERS]
    assert len(pybtex.database.parse_string(text, "bibtex").entries) == len(PAPERS)
    for entry, paper in zip(library.entries, PAPERS, strict=True):
        assert entry["title"] == paper.title
        assert entry["author"] == list(paper.authors)
        assert entry["year"] == str(paper.year)


def test_entry_types_follow_the_venue():
    by_id = {paper.id: paper for paper in PAPERS}
    assert kind(by_id["shinn2023reflexion"]) == "conference"
    assert kind(by_id["jasemi2020reliable"]) == "article"
    assert kind(by_id["ye2025task"]) == "preprint"
    assert bibtex_entry(by_id["ye2025task"]).startswith("@misc{ye2025task,")
    assert "booktitle = {NeurIPS}" in bibtex_entry(by_id["shinn2023reflexion"])


HOSTILE = Paper(
    id="odd2024title",
    title="Braces {unbalanced and 100% R&D #1 with a_b, $x^2$ ~ and back\\slash }} {",
    abstract="x",
    added="2026-11-26",
    authors=("Kościukiewicz, Witold", "O'Brien, Zoë", "{Weird}, Na}me"),
    year=2024,
    venue="Journal of A & B",
    doi="10.1000/a_b{c}",
    url="https://example.org/a_b%20c?x={1}",
)


def test_special_characters_round_trip_through_two_real_parsers():
    text = bibtex_entry(HOSTILE)
    [entry] = parse_bibtex(text).entries
    assert entry["title"] == HOSTILE.title
    assert entry["author"] == list(HOSTILE.authors)
    assert entry["journal"] == "Journal of A & B"
    pybtex_entry = pybtex.database.parse_string(text, "bibtex").entries["odd2024title"]
    assert len(pybtex_entry.persons["author"]) == 3


def test_ris_has_one_tag_per_line_and_ends_each_record():
    text = to_ris(PAPERS)
    records = text.strip().split("\n\n")
    assert len(records) == len(PAPERS)
    for record, paper in zip(records, PAPERS, strict=True):
        lines = record.splitlines()
        assert lines[0].startswith("TY  - ") and lines[-1] == "ER  -"
        assert all(line[2:6] == "  - " for line in lines[:-1]), record
        assert f"ID  - {paper.id}" in lines
        assert [line[6:] for line in lines if line.startswith("AU")] == list(paper.authors)
    hostile = ris_entry(Paper("x", "Line one\nER  - injected", "a\r\nb", "2026-01-01"))
    assert hostile.count("ER  -") == 1


def test_csl_json_has_what_zotero_and_citeproc_need():
    items = json.loads(to_csl_json(PAPERS))
    assert len(items) == len(PAPERS)
    for item, paper in zip(items, PAPERS, strict=True):
        assert item["id"] == paper.id
        assert item["type"] in {"article", "article-journal", "paper-conference"}
        assert item["issued"] == {"date-parts": [[paper.year]]}
        assert all({"family", "given"} <= set(author) for author in item["author"])


@pytest.mark.parametrize("cell", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell):
    assert spreadsheet_safe(cell) == "'" + cell
    rows = list(csv.reader(io.StringIO(f"{spreadsheet_safe(cell)}\n")))
    assert not rows[0][0].startswith(("=", "+", "-", "@"))


def test_csl_json_joined_from_per_paper_entries_is_what_json_writes():
    """A site build joins each paper's CSL-JSON entry made once (and cached between builds):
    the result must be byte for byte the list ``json.dumps(..., indent=2)`` writes."""
    from bufferlit.cite import Citations, csl_item, join_csl_json

    hostile = Paper(
        "odd2024name",
        'Quotes " and \\ backslashes, line\u2028separators and “curly” text',
        "An abstract with\ttabs.",
        "2026-11-26",
        authors=("Ömer, Ğül",),
    )
    for papers in ([], PAPERS[:1], [*PAPERS, hostile]):
        cited = [Citations.of(paper) for paper in papers]
        joined = join_csl_json(c.csl_json for c in cited)
        assert (
            joined == json.dumps([csl_item(p) for p in papers], ensure_ascii=False, indent=2) + "\n"
        )
