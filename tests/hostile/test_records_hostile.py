"""Hostile and broken records: every problem in one run as file:line: field: message, exit 1,
never a traceback; object tags run nothing; aliases, deep nesting and huge files are refused
quickly; only http(s) URLs; no control characters."""

from __future__ import annotations

import os
import re
import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.hostile.support import bare_record, record, run_cli, run_module, yaml_value

from bufferlit.recordfile import MAX_RECORD_BYTES
from bufferlit.records import load_papers, read_papers

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# One problem as printed: file:line: message, where message is "field: ..." for field problems.
PROBLEM_LINE = re.compile(r"^(?P<file>\S+?\.(yaml|yml|YAML)):(?P<line>\d+): (?P<rest>.+)$")


def problems_of(papers_dir: Path) -> list[str]:
    _, problems = read_papers(papers_dir)
    return [str(problem) for problem in problems]


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


# ---------------------------------------------------------------------------------------------
# Every kind of broken record in one catalogue: one run reports them all.

NEAR_DUPLICATE_TITLE = "Reflexion - language agents with verbal reinforcement learning."
# The same paper twice: a look-alike title AND the same abstract (a look-alike title alone is
# only a warning, see identity.compare).
REFLEXION_ABSTRACT = "We keep an episodic memory buffer of verbal reflections in the context!"
TYPES = record(id="types", year="2023", authors="Shinn, Noah", stance=["uses"], code="x")
UNKNOWN = record(id="unknown", venu="NeurIPS", abstrct="typo")
BIG = (
    bare_record("big", "A big one", "x").replace('abstract: "x"\n', "")
    + "abstract: >-\n"
    + "  word word word word word word word word word word word word word word\n" * 70_000
)
BROKEN_CATALOGUE: dict[str, str | bytes] = {
    "broken.yaml": "id: broken\ntitle: [unclosed\nadded: 2024-01-01\n",
    "types.yaml": TYPES,
    "missing.yaml": "id: missing\nyear: 2023\n",
    "unknown.yaml": UNKNOWN,
    "dupid.yaml": bare_record("shinn2023reflexion", "Another paper entirely, about caches"),
    "shinn2023reflexion.yaml": record(),
    "reflexion-again.yaml": bare_record(
        "reflexion-again", NEAR_DUPLICATE_TITLE, REFLEXION_ABSTRACT
    ),
    "latin1.yaml": "id: latin1\ntitle: Caf\u00e9 buffers\n".encode("latin-1"),
    "big.yaml": BIG,
    "empty.yaml": b"",
    "comments.yaml": "# only a comment\n\n",
    "list.yaml": "- id: list\n- title: x\n",
    "misnamed.yml": record(id="misnamed"),
}
# (file, line, field or "", a regex the message must match)
EXPECTED: list[tuple[str, int, str, str]] = [
    ("broken.yaml", 3, "", r"invalid YAML: .*flow sequence"),
    ("types.yaml", line_of(TYPES, "year"), "year", r"must be a whole number like 2023, not text"),
    ("types.yaml", line_of(TYPES, "authors"), "authors", r"must be a list, not text"),
    ("types.yaml", line_of(TYPES, "stance"), "stance", r"\['uses'\] is not one of: uses"),
    ("types.yaml", line_of(TYPES, "code"), "code", r"must be a list, not text"),
    ("missing.yaml", 1, "title", "is required"),
    ("missing.yaml", 1, "added", "is required"),
    ("missing.yaml", 1, "abstract", "is required"),
    ("unknown.yaml", line_of(UNKNOWN, "venu"), "venu", r"unknown field; did you mean 'venue'\?"),
    (
        "unknown.yaml",
        line_of(UNKNOWN, "abstrct"),
        "abstrct",
        r"unknown field; did you mean 'abstract'\?",
    ),
    ("dupid.yaml", 1, "id", r"'shinn2023reflexion' does not match the file name 'dupid.yaml'"),
    (
        "shinn2023reflexion.yaml",
        line_of(record(), "title"),
        "title",
        r"same paper as .*reflexion-again\.yaml",
    ),
    ("latin1.yaml", 2, "", r"is not valid UTF-8 \(byte \d+\)"),
    ("big.yaml", 4, "abstract", r"makes the record [\d,]+ bytes; a record may be at most"),
    ("empty.yaml", 1, "", "is empty"),
    ("comments.yaml", 1, "", "is empty"),
    ("list.yaml", 1, "", r"must be a mapping of fields"),
    ("x.yaml", 1, "", "is a directory, not a record file"),
    ("misnamed.yml", 1, "", r"is not read: a record's file name must end in \.yaml"),
]


@pytest.fixture
def broken_catalogue(make_catalogue) -> Path:
    papers = make_catalogue(BROKEN_CATALOGUE)
    (papers / "x.yaml").mkdir()
    return papers


def check_report(output: str) -> None:
    """Every expected problem is in ``output``, each on its own file:line: field: message line,
    and nothing else is reported."""
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if PROBLEM_LINE.match(line)]
    assert f"{len(EXPECTED)} problems in the records" in output, output
    assert len(lines) == len(EXPECTED), "\n".join(lines)
    for name, line, field, message in EXPECTED:
        prefix = f"{name}:{line}: " + (f"{field}: " if field else "")
        found = [text for text in lines if re.search(rf"(^|/){re.escape(prefix)}{message}", text)]
        assert found, f"no problem {prefix}{message!r} in:\n" + "\n".join(lines)


def test_every_problem_is_reported_in_one_run_with_file_line_and_field(broken_catalogue):
    result = run_cli(["validate", "--papers", str(broken_catalogue)])
    assert result.exit_code == 1
    check_report(result.output)


def test_the_real_command_exits_1_with_every_problem_and_no_traceback(broken_catalogue):
    done = run_module(["validate", "--papers", "papers"], cwd=broken_catalogue.parent)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert all(line.startswith("papers/") for line in done.stderr.splitlines()[1:])
    check_report(done.stderr)


def test_the_problems_come_quickly_even_with_a_5_mb_abstract(broken_catalogue):
    assert (broken_catalogue / "big.yaml").stat().st_size > 5_000_000
    started = time.monotonic()
    problems_of(broken_catalogue)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("added: 2023-02-30\n", "added", r"'2023-02-30' is not a valid timestamp \(day is out"),
        (
            "added: 2023-01-01 10:00:00\n",
            "added",
            r"must be a date YYYY-MM-DD, not a date and time \(2023-01-01T10:00:00\)",
        ),
        ("year: " + "9" * 5000 + "\n", "year", r"is not a valid int"),
        ("year: 0x7E7\n", "", ""),
        ("year: 2023.0\n", "year", r"must be a whole number like 2023, not 2023\.0"),
        ("year: true\n", "year", r"must be a whole number like 2023, not true/false"),
        ("stance: yes\n", "stance", r"True is not one of: uses, avoids"),
        ("notes: !!binary aGVsbG8=\n", "notes", r"must be text, not bytes"),
        ("notes: !!set {a, b}\n", "notes", r"must be text, not set"),
        ("venue: {a: 1}\n", "venue", r"must be text, not a mapping"),
        ("<<: {venue: x}\n", "<<", r"YAML merge keys are not allowed"),
        ("? [a, b]\n: 1\n", "", r"a field name must be plain text"),
        ('"\\e[2J": 1\n', "'\\x1b[2J'", r"field name is not printable"),
        ("~: 1\n", "~", r"unknown field"),
        ("title: x\n", "title", r"given twice in this record"),
        ("---\nid: other\n", "", r"expected a single document"),
        ("\tvenue: x\n", "", r"invalid YAML"),
        ("venue: !custom x\n", "", r"YAML tag not allowed"),
        ("notes: !!timestamp id\n", "notes", r"'id' is not a valid timestamp"),
        ("notes: !!bool maybe\n", "notes", r"'maybe' is not a valid bool"),
        ("notes: !!omap x\n", "", r"invalid YAML: while constructing an ordered map"),
        ("? 2023-13-45\n: x\n", "", r"field name '2023-13-45' is not a valid timestamp"),
    ],
)
def test_each_odd_value_is_reported_against_its_line(make_catalogue, text, field, message):
    """Values YAML builds into something surprising, or cannot build at all."""
    base = bare_record("odd", "An odd record").replace("added: 2026-11-26\n", "")
    if not text.startswith("added"):
        base += "added: 2026-11-26\n"
    content = base + text
    papers = make_catalogue({"odd.yaml": content})
    problems = problems_of(papers)
    if not message:
        assert problems == []
        [paper] = load_papers(papers)
        assert paper.year == 2023  # 0x7E7: YAML 1.1 reads hexadecimal numbers
        return
    first_new_line = len(base.splitlines()) + 1
    where = rf"odd\.yaml:{first_new_line}: " + (re.escape(field) + ": " if field else "")
    assert any(re.search(where + ".*" + message, problem) for problem in problems), problems
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1


# ---------------------------------------------------------------------------------------------
# YAML that would run code or eat memory


OBJECT_TAGS = [
    'title: !!python/object/apply:os.system ["touch {marker}"]\n',
    'title: !!python/object/apply:subprocess.check_call [["touch", "{marker}"]]\n',
    'title: !!python/object/new:os.system ["touch {marker}"]\n',
    "title: !!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]\n",
    "title: !!python/name:os.system\n",
    "title: !!python/module:os\n",
    'authors: [!!python/object/apply:os.system ["touch {marker}"]]\n',
    '? !!python/object/apply:os.system ["touch {marker}"]\n: x\n',
    'title: !<tag:yaml.org,2002:python/object/apply:os.system> ["touch {marker}"]\n',
]


@pytest.mark.parametrize("payload", OBJECT_TAGS)
def test_object_tags_are_refused_and_run_nothing(tmp_path, make_catalogue, payload):
    marker = tmp_path / "pwned"
    content = "id: tagged\nadded: 2024-01-01\nabstract: x\n" + payload.format(marker=marker)
    papers = make_catalogue({"tagged.yaml": content})
    problems = problems_of(papers)
    expected = r"tagged\.yaml:4: (invalid YAML: YAML tag not allowed|a field name must be plain)"
    assert any(re.search(expected, problem) for problem in problems), problems
    done = run_module(["validate", "--papers", str(papers)])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(expected, done.stderr)
    for command in (["cite"], ["export"], ["search", "x"]):
        assert run_cli([*command, "--papers", str(papers)]).exit_code == 1
    assert not marker.exists(), "the payload ran"


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels):
        name, previous = chr(97 + level), chr(96 + level)
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text


def test_billion_laughs_is_refused_quickly(make_catalogue):
    papers = make_catalogue({"laughs.yaml": billion_laughs(12)})
    started = time.monotonic()
    problems = problems_of(papers)
    assert time.monotonic() - started < 1
    assert any(
        re.search(r"laughs\.yaml:\d+: YAML anchors and aliases are not", p) for p in problems
    )


def test_an_alias_of_one_huge_string_is_refused(make_catalogue):
    text = 'notes: &n "' + "x" * 100_000 + '"\nabstract: [' + ", ".join(["*n"] * 1000) + "]\n"
    papers = make_catalogue({"quadratic.yaml": text})
    [problem] = problems_of(papers)
    assert re.search(r"quadratic\.yaml:[12]: YAML anchors and aliases are not allowed", problem)


@pytest.mark.parametrize(
    "text",
    [
        "title:\n" + "- " * 100_000 + "x\n",
        "title: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "title: " + "{a: " * 30_000 + "1" + "}" * 30_000 + "\n",
        "".join(" " * depth + f"k{depth}:\n" for depth in range(600)) + " " * 600 + "x: 1\n",
    ],
    ids=["block-list", "flow-list", "flow-mapping", "indented"],
)
def test_deep_nesting_is_refused_without_crashing(make_catalogue, text):
    """libyaml's composer recurses in C: this crashed the process with a segmentation fault.
    Run as a real process so that a crash fails the test instead of killing pytest."""
    assert len(text.encode()) <= MAX_RECORD_BYTES
    papers = make_catalogue({"deep.yaml": text})
    started = time.monotonic()
    done = run_module(["validate", "--papers", "papers"], cwd=papers.parent)
    assert time.monotonic() - started < 20
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert re.search(r"papers/deep\.yaml:\d+: lists or mappings nested more than", done.stderr)
    assert "Traceback" not in done.stderr and "Fatal Python error" not in done.stderr


def test_a_record_of_thousands_of_keys_is_checked_quickly(make_catalogue):
    lines, size = [], 0
    while size < MAX_RECORD_BYTES - 100:
        lines.append(f"k{len(lines)}: 1\n")
        size += len(lines[-1])
    lines.append("k0: 2\n")
    papers = make_catalogue({"keys.yaml": "".join(lines)})
    started = time.monotonic()
    problems = problems_of(papers)
    assert time.monotonic() - started < 5
    assert f"keys.yaml:{len(lines)}: k0: given twice in this record" in "\n".join(problems)


def test_pipes_devices_and_broken_links_are_reported_not_read(make_catalogue, tmp_path):
    """A FIFO named *.yaml made validate wait forever; /dev/zero would never end."""
    papers = make_catalogue({"ok.yaml": bare_record("ok", "A fine record")})
    os.mkfifo(papers / "fifo.yaml")
    (papers / "zero.yaml").symlink_to("/dev/zero")
    (papers / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    done = run_module(["validate", "--papers", "papers"], cwd=papers.parent, timeout=30)
    assert done.returncode == 1
    for name in ("fifo", "gone"):
        assert f"papers/{name}.yaml:1: is not a regular file" in done.stderr
    assert "papers/zero.yaml:1: is a symbolic link to a file outside the records folder" in (
        done.stderr
    )
    assert "ok.yaml" not in done.stderr


def test_an_unreadable_record_is_reported(make_catalogue):
    if os.geteuid() == 0:
        # root reads any file: make it unreadable another way, a directory loop of links.
        papers = make_catalogue({})
        (papers / "loop.yaml").symlink_to(papers / "loop.yaml")
    else:  # pragma: no cover - CI runs as root
        papers = make_catalogue({"loop.yaml": "id: loop\n"})
        (papers / "loop.yaml").chmod(0)
    [problem] = problems_of(papers)
    assert re.search(r"loop\.yaml:1: (is not a regular file|cannot be read)", problem)


# ---------------------------------------------------------------------------------------------
# Field contents


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.domain)",
        " javascript:alert(1)",
        "\u200bjavascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "ftp://example.org/x",
        "//evil.example.com/x",
        "https:evil.example.com",
        "http://",
        'https://example.org/a"><script>alert(1)</script>',
        "https://example.org/a'onmouseover=alert(1)//\"",
        "https://example.org/<img>",
        "https://example.org/a b",
        "https://example.org/a\\b",
        "https://example.org/`x`",
    ],
)
@pytest.mark.parametrize("field", ["url", "code"])
def test_non_http_and_unsafe_urls_are_refused(make_catalogue, url, field):
    value: object = [url] if field == "code" else url
    text = record(**{field: value})
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    [problem] = problems_of(papers)
    prefix = f"shinn2023reflexion.yaml:{line_of(text, field)}: {field}: "
    assert prefix in problem, problem
    assert re.search(
        r"only http\(s\) URLs are allowed|is not a valid URL|which a URL must percent-encode",
        problem,
    )


SCHEMES = st.text(string.ascii_letters + "+-.", min_size=1, max_size=12).filter(
    lambda scheme: scheme.lower() not in {"http", "https"}
)


@SETTINGS
@given(scheme=SCHEMES, rest=st.text(string.printable.strip(), max_size=30))
def test_any_other_scheme_is_refused(make_catalogue, scheme, rest):
    papers = make_catalogue({"shinn2023reflexion.yaml": record(url=f"{scheme}:{rest}")})
    problems = problems_of(papers)
    assert problems and all(": url: " in problem for problem in problems), problems


@SETTINGS
@given(
    path=st.text(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%", max_size=40).map(
        lambda p: "/" + p
    )
)
def test_plain_https_urls_are_kept_exactly(make_catalogue, path):
    url = f"https://example.org{path}"
    papers = make_catalogue({"shinn2023reflexion.yaml": record(url=url, code=[url])})
    [paper] = load_papers(papers)
    assert paper.url == url.strip() and paper.code == (url.strip(),)


CONTROL = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]]


@SETTINGS
@given(
    field=st.sampled_from(["title", "abstract", "notes", "venue", "authors"]),
    before=st.text(string.ascii_letters, min_size=1, max_size=10),
    control=st.sampled_from([*CONTROL, "\ufffe", "\uffff"]),
)
def test_control_characters_in_text_are_refused(make_catalogue, field, before, control):
    """They would reach terminals (escape sequences) and the XML feed (where they are illegal)."""
    value = f"{before}{control}x"
    papers = make_catalogue(
        {"shinn2023reflexion.yaml": record(**{field: [value] if field == "authors" else value})}
    )
    [problem] = problems_of(papers)
    assert f": {field}: " in problem
    assert f"control character U+{ord(control):04X} at character {len(before) + 1}" in problem


# ---------------------------------------------------------------------------------------------
# Whatever the bytes, the loader answers with problems, never an exception


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    "id: fuzz\n",
                    "title: ",
                    "abstract: ",
                    "added: ",
                    "year: ",
                    "authors:\n",
                    "  - ",
                    "- ",
                    "[",
                    "]",
                    "{",
                    "}",
                    "&a ",
                    "*a ",
                    "!!python/name:os.system ",
                    "!!str ",
                    "!!timestamp ",
                    "!!bool ",
                    "!!float ",
                    "!!omap ",
                    "!!binary ",
                    "!!int ",
                    "? ",
                    ": ",
                    "---\n",
                    "...\n",
                    "|\n",
                    ">-\n",
                    "'",
                    '"',
                    "\\x",
                    "\\u00",
                    "2023-13-45",
                    "1e9",
                    "0o7",
                    ".nan",
                    "~",
                    "\t",
                    "\n",
                    "  ",
                    "# c\n",
                    "%YAML 1.2\n",
                    "%TAG ! tag:x,2000:\n",
                    "\u00e9",
                    "\ufeff",
                    "<<: ",
                ]
            ),
            max_size=40,
        ).map("".join),
    )
)
# A document that is one indented scalar with an escape: the nesting check once walked into
# the scalar's text (AttributeError); found by this test, kept here.
@example(content="    \\x")
def test_any_bytes_give_problems_never_an_exception(tmp_path, content):
    papers = tmp_path / "fuzz-papers"
    papers.mkdir(exist_ok=True)
    path = papers / "fuzz.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "replace"))
    papers_found, problems = read_papers(papers)
    for problem in problems:
        assert PROBLEM_LINE.match(str(problem).splitlines()[0]), str(problem)
        assert problem.line >= 1
    assert len(papers_found) <= 1


# ---------------------------------------------------------------------------------------------
# Whatever the loader accepts, every writer can write: no record passes validate and then
# crashes cite, export or the site.

BLANKS = ["   ", "\t", " \u00a0 ", "\u3000", "\u2003\u2003"]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("field", ["title", "abstract", "authors"])
def test_a_blank_required_text_is_refused_with_its_line(make_catalogue, field, blank):
    """A whitespace-only title passed validate, then crashed cite and build (a traceback)."""
    text = record(**{field: [blank] if field == "authors" else blank})
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1
    where = f"shinn2023reflexion.yaml:{line_of(text, field)}: {field}: "
    assert where in result.output, result.output
    assert re.search(r"is empty|only white ?space", result.output), result.output
    for command in (["cite"], ["export"]):
        done = run_cli([*command, "--papers", str(papers)])
        assert done.exit_code == 1 and where in done.output


# Text a field may plausibly hold, edge cases first: blanks, lone separators and escapes, names
# BibTeX reads as syntax, one character, the longest allowed.
EDGE_TEXT = st.one_of(
    st.sampled_from(
        [
            *BLANKS,
            "",
            ",",
            ", ,",
            ",,,",
            "{",
            "}",
            "}{",
            "\\",
            "%",
            "~",
            "^",
            "&",
            "#",
            "and",
            "others",
            " and ",
            "-",
            "--",
            "``",
            "'",
            '"',
            "x",
            "é",
            "\u200b",
            "\u00ad",
            "\ufeff",
            "\u0301",
            "🙂",
            "=1+1",
            "@x",
            "<b>",
            "{{ x }}",
            "a\u00a0b",
            "x" * 500,
        ]
    ),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
        max_size=30,
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=EDGE_TEXT,
    abstract=EDGE_TEXT,
    authors=st.lists(EDGE_TEXT, max_size=3),
    venue=EDGE_TEXT,
    notes=EDGE_TEXT,
)
def test_every_record_the_loader_accepts_can_be_cited_exported_and_built(
    title, abstract, authors, venue, notes
):
    from bufferlit.cite import FORMATS as CITE_FORMATS
    from bufferlit.export import FORMATS as EXPORT_FORMATS
    from bufferlit.recordfile import parse_text
    from bufferlit.records import validate_record
    from bufferlit.site.pages import SiteOptions, generate_site
    from bufferlit.tagger import DOMAINS, tag_papers

    text = record(title=title, abstract=abstract, authors=authors or None, venue=venue, notes=notes)
    path = Path("papers/shinn2023reflexion.yaml")
    raw, _ = parse_text(text, path, str(path))
    if raw is None:
        return
    paper, _ = validate_record(raw, str(path))
    if paper is None:
        return
    for write in CITE_FORMATS.values():
        assert write([paper])
    entries = tag_papers([paper])
    for export in EXPORT_FORMATS.values():
        assert export(entries)
    # Every page, the feed and the downloads (generate_site writes the Atom feed too).
    assert generate_site(entries, DOMAINS, SiteOptions())


# ---------------------------------------------------------------------------------------------
# Dates the feed would misorder, line breaks in one-line fields, credentials in URLs


@pytest.mark.parametrize(
    "added", ["9999-12-31", "0001-01-01", "1989-12-31", "2100-01-01", "+days 2"]
)
def test_an_added_date_outside_1990_to_tomorrow_is_refused(make_catalogue, added):
    """'9999-12-31' would head the feed forever."""
    import datetime as dt

    if added == "+days 2":
        added = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    text = record(raw=f"added: {added}\n").replace('added: "2026-11-26"\n', "")
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    [problem] = problems_of(papers)
    where = f"shinn2023reflexion.yaml:{line_of(text, 'added')}: added: "
    assert f"{where}{added} is out of range (1990-01-01 to tomorrow" in problem


@pytest.mark.parametrize("days", [-20_000, -1, 0, 1])
def test_an_added_date_from_1990_to_tomorrow_is_kept(make_catalogue, days):
    import datetime as dt

    day = max(dt.date.today() + dt.timedelta(days=days), dt.date(1990, 1, 1))
    text = record(raw=f"added: {day.isoformat()}\n").replace('added: "2026-11-26"\n', "")
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    [paper] = load_papers(papers)
    assert paper.added == day.isoformat()


LINE_BREAKS = {
    "\n": "a line feed",
    "\r": "a carriage return",
    "\u2028": "U+2028",
    "\u2029": "U+2029",
}


@pytest.mark.parametrize("brk", list(LINE_BREAKS))
@pytest.mark.parametrize("field", ["title", "venue", "authors"])
def test_a_line_break_in_a_one_line_field_is_refused(make_catalogue, field, brk):
    """A CR or LF in a title broke the CLI output and the feed."""
    value = f"Line one{brk}Line two"
    text = record(**{field: [value] if field == "authors" else value})
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1
    where = f"shinn2023reflexion.yaml:{line_of(text, field)}: {field}: "
    assert where in result.output
    assert f"{LINE_BREAKS[brk]} at character 9; it must be one line" in result.output


@pytest.mark.parametrize("field", ["abstract", "notes"])
def test_paragraphs_stay_allowed_in_the_abstract_and_notes(make_catalogue, field):
    value = "First paragraph about a replay buffer.\n\nSecond paragraph."
    papers = make_catalogue({"shinn2023reflexion.yaml": record(**{field: value})})
    [paper] = load_papers(papers)
    assert getattr(paper, field) == value


@pytest.mark.parametrize(
    "url",
    [
        "https://user:hunter2@example.org/paper",
        "https://user@example.org/paper",
        "http://:hunter2@example.org/",
        "https://user:hunter2@example.org:8443/x?a=b",
        "HTTPS://USER:HUNTER2@EXAMPLE.ORG/",
    ],
)
@pytest.mark.parametrize("field", ["url", "code"])
def test_credentials_in_a_url_are_refused_and_not_echoed(make_catalogue, field, url):
    text = record(**{field: [url] if field == "code" else url})
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1
    assert f"shinn2023reflexion.yaml:{line_of(text, field)}: {field}: " in result.output
    assert "user name or password" in result.output
    assert "hunter2" not in result.output.lower()


@pytest.mark.parametrize(
    "url", ["https://example.org/a@b", "https://example.org/?mail=a@b.org", "https://x.org/#@"]
)
def test_an_at_sign_after_the_host_is_kept(make_catalogue, url):
    papers = make_catalogue({"shinn2023reflexion.yaml": record(url=url, code=[url])})
    [paper] = load_papers(papers)
    assert paper.url == url and paper.code == (url,)


# ---------------------------------------------------------------------------------------------
# A record never prints what it points at, nor more than a short escaped excerpt of a value

SECRET = "s3cret-7f2c9a"
# What a symbolic link might lead to: shadow-style lines, YAML keys, a whole valid record
# (which would otherwise be cited, exported and searched like any other).
OUTSIDE_FILES = {
    "shadow": f"root:$6${SECRET}$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
    "keys": f"{SECRET}: 1\npassword: {SECRET}\n",
    "record": record(id="x", title=f"Title {SECRET}", abstract=f"Buffer {SECRET}."),
}
READERS = [
    ["validate"],
    ["cite"],
    ["export"],
    ["search", "buffer"],
    ["tag", "{papers}"],
    ["rekey", "--dry-run"],
]


@pytest.mark.parametrize("content", list(OUTSIDE_FILES))
def test_a_record_linking_outside_the_folder_is_refused_unread(make_catalogue, tmp_path, content):
    """``ln -s /etc/shadow papers/x.yaml`` made validate print every line of it."""
    papers = make_catalogue({"shinn2023reflexion.yaml": record()})
    outside = tmp_path / "private" / "notes.yaml"
    outside.parent.mkdir()
    outside.write_text(OUTSIDE_FILES[content])
    (papers / "x.yaml").symlink_to(outside)
    for command in READERS:
        args = [arg.format(papers=papers) for arg in command]
        result = run_cli([*args, "--papers", str(papers)] if "{papers}" not in command else args)
        assert SECRET not in result.output, (command, result.output)
        assert result.exit_code == 1, (command, result.output)
        assert "x.yaml:1: is a symbolic link to a file outside the records folder" in result.output
    assert outside.read_text() == OUTSIDE_FILES[content]


def test_a_record_linking_inside_the_folder_is_read(make_catalogue):
    """Decision: a link that stays inside papers/ (say to a file kept in a subfolder) is read
    like the file it leads to; only links leading out are refused."""
    papers = make_catalogue({})
    (papers / "kept").mkdir()
    (papers / "kept" / "shinn2023reflexion.yaml").write_text(record())
    (papers / "shinn2023reflexion.yaml").symlink_to(Path("kept/shinn2023reflexion.yaml"))
    [paper] = load_papers(papers)
    assert paper.id == "shinn2023reflexion"


# Long enough to flood a terminal, short enough for every limit before the message (YAML keys
# stop at 1,024 characters, URLs at 2,000).
LONG = "A" * 900 + SECRET
yaml_key = yaml_value  # a double-quoted key loads back as exactly the text
ESCAPE = "\x1b[2J\x1b]0;pwned\x07"
QUOTED_VALUES = {
    "unknown field": f"{yaml_key(LONG)}: 1\n",
    "unknown field with escapes": f"{yaml_key(ESCAPE + LONG)}: 1\n",
    "twice": f"{yaml_key(LONG)}: 1\n{yaml_key(LONG)}: 2\n",
    "url": f"url: {yaml_value('https://example.org/' + LONG + '<')}\n",
    "bad url": f"url: {yaml_value('https://' + LONG)}\n",
    "scheme": f"url: {yaml_value(LONG + ':x')}\n",
    "doi": f"doi: {yaml_value('10.1/ ' + LONG[-250:])}\n",
    "stance": f"stance: {yaml_value([LONG])}\n",
    "stance mapping": f"stance: {{{yaml_key(LONG)}: 1}}\n",
    "date": f"notes: !!timestamp {yaml_value(LONG)}\n",
    "tag": f"notes: !{'t' * 5000}{SECRET} x\n",
    "alias name": f"notes: *{'a' * 5000}{SECRET}\n",
}


@pytest.mark.parametrize("case", list(QUOTED_VALUES))
def test_a_message_quotes_at_most_a_short_escaped_excerpt(make_catalogue, case):
    text = record(venue="x").replace('venue: "x"\n', "") + QUOTED_VALUES[case]
    papers = make_catalogue({"shinn2023reflexion.yaml": text})
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if ".yaml:" in line]
    assert problems, result.output
    assert SECRET not in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    for line in problems:
        assert len(line) < 400, line


def test_a_file_name_with_terminal_escapes_is_printed_escaped(make_catalogue):
    name = "x\x1b[2J\x1b]0;pwned\x07\nfake.yaml:1: all good.yaml"
    papers = make_catalogue({name: "id: x\n"})
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J" in result.output
    assert not any(line.startswith("fake.yaml") for line in result.output.splitlines())
