"""The loader: valid records become typed Papers; every problem is reported as file:line: field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from tests.helpers import REPO, record

from bufferlit.errors import RecordsInvalid
from bufferlit.identity import Identity, Verdict, catalogue_pairs
from bufferlit.model import FIELD_ORDER, BufferType, Paper, Stance
from bufferlit.records import load_papers, read_papers


def problems_of(papers_dir: Path) -> list[str]:
    _, problems = read_papers(papers_dir)
    return [str(problem) for problem in problems]


def test_a_valid_record_becomes_a_typed_paper(make_catalogue):
    papers_dir = make_catalogue(
        {"shinn2023reflexion.yaml": record(buffer_types="[kv-context, replay]", stance="avoids")}
    )
    [paper] = load_papers(papers_dir)
    assert paper.id == "shinn2023reflexion"
    assert paper.authors == ("Shinn, Noah",)
    assert paper.year == 2023
    assert paper.added == "2026-11-26"
    assert paper.buffer_types == (BufferType.KV_CONTEXT, BufferType.REPLAY)
    assert paper.stance is Stance.AVOIDS
    assert paper.abstract.startswith("We keep an episodic memory buffer")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"year": "'2023'"}, r"\.yaml:5: year: must be a whole number like 2023, not text"),
        ({"year": "1700"}, r": year: 1700 is out of range"),
        ({"year": "2025.5"}, r"\.yaml:5: year: must be a whole number like 2023, not 2025\.5$"),
        (
            {"url": "javascript:alert(1)"},
            r": url: only http\(s\) URLs are allowed, not 'javascript'",
        ),
        ({"code": "[ftp://example.org/x]"}, r": code: item 1: only http\(s\) URLs are allowed"),
        (
            {"arxiv": "'arXiv 2303'"},
            r": arxiv: 'arXiv 2303' is not valid \(expected e.g. 2303.11366\)",
        ),
        ({"stance": "ignores"}, r": stance: 'ignores' is not one of: uses, avoids"),
        (
            {"buffer_types": "[replay, cache]"},
            r": buffer_types: item 2: 'cache' is not one of: replay, kv-context, hardware, "
            r"streaming, none$",  # too far from any type to guess
        ),
        (
            {"buffer_types": "[kv-cache]"},
            r": buffer_types: item 1: 'kv-cache' is not one of: .*; did you mean 'kv-context'\?$",
        ),
        ({"stance": "avoid"}, r": stance: 'avoid' is not one of: uses, avoids; did you mean"),
        ({"venu": "NeurIPS"}, r": venu: unknown field; did you mean 'venue'\?"),
        ({"doi": "doi.org/10.1/x"}, r": doi: 'doi.org/10.1/x' is not valid"),
        (
            {"domains": "[continual-learnin]"},
            r": domains: item 1: 'continual-learnin' is not a known domain; did you mean "
            r"'continual-learning'\?",
        ),
    ],
)
def test_each_bad_field_is_named_with_its_line(make_catalogue, extra, expected):
    papers_dir = make_catalogue({"shinn2023reflexion.yaml": record(**extra)})
    [problem] = problems_of(papers_dir)
    assert (
        problem.startswith("papers/shinn2023reflexion.yaml:")
        or "shinn2023reflexion.yaml:" in problem
    )
    assert re.search(expected, problem), problem
    key = next(iter(extra))
    line = next(
        number
        for number, text in enumerate(record(**extra).splitlines(), 1)
        if text.startswith(key)
    )
    assert f".yaml:{line}: {key}:" in problem


def test_missing_required_fields_are_each_reported(make_catalogue):
    papers_dir = make_catalogue({"x2023y.yaml": "id: x2023y\nyear: 2023\n"})
    problems = problems_of(papers_dir)
    assert [p.split(": ", 2)[1] for p in problems] == ["title", "added", "abstract"]
    assert all(p.endswith("is required") for p in problems)


def test_id_must_match_the_file_name(make_catalogue):
    papers_dir = make_catalogue({"other.yaml": record()})
    [problem] = problems_of(papers_dir)
    assert problem.endswith(
        "other.yaml:1: id: 'shinn2023reflexion' does not match the file name 'other.yaml'"
    )


def test_yaml_syntax_error_names_the_line(make_catalogue):
    papers_dir = make_catalogue({"a.yaml": "id: a\ntitle: [unclosed\nabstract: x\n"})
    [problem] = problems_of(papers_dir)
    assert re.search(r"a\.yaml:\d+: invalid YAML: ", problem), problem


def test_every_problem_of_every_file_in_one_run(make_catalogue):
    papers_dir = make_catalogue(
        {
            "a.yaml": "id: a\n",  # three missing fields
            "b.yaml": "- not a mapping\n",
            "c.yaml": b"id: c\ntitle: caf\xe9\n",
            "e.yaml": record(id="e", venue="[a, b]").replace(
                "year: 2023", "year: 2023\nyear: 2024"
            ),
            "d.yaml": "",
            "shinn2023reflexion.yaml": record(year="'x'"),
        }
    )
    with pytest.raises(RecordsInvalid) as caught:
        load_papers(papers_dir)
    message = caught.value.format_message()
    assert message.startswith("9 problems in the records:")
    assert "e.yaml:6: year: given twice in this record" in message
    assert "e.yaml:10: venue: must be text, not a list" in message
    assert "b.yaml:1: must be a mapping of fields" in message
    assert "c.yaml:2: is not valid UTF-8" in message
    assert "d.yaml:1: is empty" in message
    assert caught.value.exit_code == 1


def test_duplicate_ids_and_duplicate_papers_are_caught(make_catalogue):
    papers_dir = make_catalogue(
        {
            "shinn2023reflexion.yaml": record(),
            "reflexion-language-agents.yaml": record(
                id="reflexion-language-agents", title="Reflexion: language agents."
            ),
        }
    )
    [problem] = problems_of(papers_dir)
    assert "title: same paper as" in problem and "merge the two records" in problem


def test_duplicate_titles_use_blocking_but_still_find_a_typo():
    def paper(pid: str, title: str, abstract: str) -> Paper:
        return Paper(pid, title, abstract, "2026-01-01")

    papers = [
        paper(f"p{i}", f"Study number {i} of replay in robots {i * 7919}", f"Case {i * 7919}.")
        for i in range(300)
    ]
    papers.append(paper("dup", "Study numbr 17 of replay in robots 134623", "Case 134623."))
    pairs = catalogue_pairs([Identity.of(paper) for paper in papers])
    same = [p for p in pairs if p.comparison.verdict is Verdict.SAME]
    assert [(papers[p.first].id, papers[p.second].id) for p in same] == [("p17", "dup")]


def test_schema_lists_exactly_the_record_fields():
    schema = yaml.safe_load((REPO / "schema/paper.schema.json").read_text())
    assert tuple(schema["properties"]) == FIELD_ORDER
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    "nested",
    [
        "code:\n" + "".join(" " * i + "-\n" for i in range(1, 12)),  # one space per level
        "notes:\n a:\n  b:\n   c:\n    d:\n     e:\n      f:\n       g:\n        h: x\n",
        "code: [[[[[[[[[x]]]]]]]]]\n",
    ],
)
def test_deep_nesting_is_refused_without_shortcuts(make_catalogue, nested):
    papers_dir = make_catalogue({"shinn2023reflexion.yaml": record() + nested})
    [problem] = problems_of(papers_dir)
    assert "nested more than 8 deep" in problem
