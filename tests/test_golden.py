"""What the site says, pinned: the generated content of the six-paper catalogue in
tests/golden/catalogue/ against the golden files in tests/golden/ (see regenerate.py there).

A change to a template, a view or a writer shows up here as a diff of the pages and downloads.
When the change is meant, rewrite the goldens with ``python -m tests.golden.regenerate``, read
the diff by eye and commit it with the change.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from tests.golden import regenerate

from bufferlit.model import BufferType, Stance
from bufferlit.records import load_papers
from bufferlit.tagger import tag_papers

STORED = regenerate.stored()
PAPER_IDS = sorted(path.stem for path in regenerate.CATALOGUE.glob("*.yaml"))
MAX_DIFF_LINES = 300


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return regenerate.generated()


def test_every_generated_file_has_a_golden_file_and_no_other(generated: dict[str, str]) -> None:
    missing = sorted(set(generated) - set(STORED))
    stale = sorted(set(STORED) - set(generated))
    if missing or stale:
        pytest.fail(
            f"new files without a golden copy: {missing}; golden files no longer generated: "
            f"{stale}. If that is meant, run `{regenerate.COMMAND}`.",
            pytrace=False,
        )


@pytest.mark.parametrize("name", sorted(STORED))
def test_generated_file_matches_its_golden_copy(name: str, generated: dict[str, str]) -> None:
    expected, actual = STORED[name], generated.get(name)
    if actual is None:
        pytest.fail(f"{name} is no longer generated; if that is meant, run {regenerate.COMMAND}")
    if actual != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"tests/golden/{name} (golden)",
                tofile=f"tests/golden/{name} (generated now)",
            )
        )
        shown = "".join(diff[:MAX_DIFF_LINES])
        hidden = len(diff) - MAX_DIFF_LINES
        more = f"\n... {hidden} more diff lines" if hidden > 0 else ""
        pytest.fail(
            f"{name} differs from its golden copy:\n{shown}{more}\n"
            f"If the change is meant, run `{regenerate.COMMAND}`, read the diff and commit it.",
            pytrace=False,
        )


# ---------------------------------------------------------------------------------------------
# The goldens keep covering what they are for, and say what was checked by eye: these read the
# stored files, so a regeneration cannot quietly bless a page that lost a kind or its escaping.


def test_the_fixture_covers_every_buffer_type_both_stances_and_curation() -> None:
    entries = tag_papers(load_papers(regenerate.CATALOGUE))
    assert len(entries) == 6
    assert {t for entry in entries for t in entry.tagging.buffer_types} == set(BufferType)
    assert {entry.tagging.stance for entry in entries} == set(Stance)
    assert "curated" in {entry.tagging.tagged_by for entry in entries}
    assert any(not entry.paper.authors and entry.paper.year is None for entry in entries)


def test_the_goldens_cover_every_page_kind_and_download() -> None:
    pages = [
        "index",
        "catalogue/index",
        "types/index",
        *(f"types/{buffer_type}/index" for buffer_type in BufferType),
        "domains/index",
        "stats/index",
        "downloads/index",
        "search/index",
        *(f"papers/{paper_id}/index" for paper_id in PAPER_IDS),
    ]
    files = ["papers.bib", "papers.ris", "papers.json", "catalogue.csv", "feed.xml"]
    files += [f"papers/{id}/{id}.{suffix}" for id in PAPER_IDS for suffix in ("bib", "ris", "json")]
    expected = {f"site/{page}.html" for page in pages} | {f"site/{name}" for name in files}
    assert expected <= set(STORED)
    assert any(re.fullmatch(r"site/domains/[a-z-]+/index\.html", name) for name in STORED)
    meta = json.loads(STORED[regenerate.PAGE_META])
    assert {f"site/{uri[: -len('.md')]}.html" for uri in meta} == {
        name for name in STORED if name.endswith(".html")
    }


def test_record_text_is_escaped_in_every_golden_page() -> None:
    for name, text in STORED.items():
        if not name.endswith(".html"):
            continue
        # The only script element is the catalogue's JSON data.
        scripts = re.findall(r"<script[^>]*>", text)
        assert scripts in ([], ['<script type="application/json" id="bl-catalogue-data">']), name
        for raw in (
            "<b>Bold",
            "<img",
            "<i>Tricks",
            "</title><script",
            "<Script>",
            'href="javascript',
        ):
            assert raw not in text, (name, raw)
    hostile = STORED["site/papers/evil2024hostile/index.html"]
    # Literal, not evaluated by Jinja, and not turned into markup.
    assert "{{ 7*7 }} {% raw %} &#34;Quoted&#34; &amp; &#39;single&#39;" in hostile
    assert '<a href="https://example.org/paper?id=1&amp;v=2">Paper</a>' in hostile
    title = json.loads(STORED[regenerate.PAGE_META])["papers/evil2024hostile/index.md"]["title"]
    assert title.startswith("&lt;/title&gt;&lt;script&gt;")


def test_the_golden_downloads_parse_in_their_formats() -> None:
    for name, text in STORED.items():
        if name.endswith(".json"):
            json.loads(text)
    feed = ET.fromstring(STORED["site/feed.xml"].encode("utf-8"))
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 6
    rows = list(csv.DictReader(io.StringIO(STORED["site/catalogue.csv"], newline="")))
    assert [row["id"] for row in rows] == PAPER_IDS
    hostile = next(row for row in rows if row["id"] == "evil2024hostile")
    # A spreadsheet must not run the first author as a formula.
    assert hostile["authors"].startswith("'=HYPERLINK(")
    assert STORED["site/papers.bib"].count("\n@") == 5
    assert STORED["site/papers.ris"].count("ER  -") == 6
