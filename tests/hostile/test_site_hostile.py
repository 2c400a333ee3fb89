"""The built site from hostile records: markup, Markdown and template syntax in any text field
is literal text on every page, in the catalogue's script data, in the feed, in the search index
and in every download; a build that fails leaves the previous site exactly as it was."""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import bibtexparser
import bibtexparser.middlewares as bib_middlewares
import pytest
from tests.hostile.support import (
    HOSTILE,
    HOSTILE_TOO,
    REPO,
    PageScan,
    bare_record,
    build_site_dir,
    hostile_catalogue,
    record,
    run_module,
    tree_hash,
)

ATOM = "{http://www.w3.org/2005/Atom}"


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile-site")
    papers = hostile_catalogue(root / "papers")
    site = root / "site"
    done = build_site_dir(papers, site)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return papers, site


def scan(path: Path) -> PageScan:
    page = PageScan()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_no_record_text_becomes_markup_on_any_page(hostile_site):
    _, site = hostile_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        page = scan(path)
        assert page.dangers == [], (path, page.dangers)


def test_the_paper_page_shows_every_field_as_text(hostile_site):
    _, site = hostile_site
    page = scan(site / "papers/evil2024markup/index.html")
    text = norm(page.text)
    assert norm(page.first("h1")) == norm(HOSTILE["title"])
    assert norm(page.title).startswith(norm(HOSTILE["title"]))
    for value in (HOSTILE["title"], HOSTILE["venue"], HOSTILE["abstract"]):
        assert norm(value) in text, value
    for author in HOSTILE["authors"]:
        for part in author.split(", "):
            assert norm(part) in text, part
    # Template syntax was never evaluated, Markdown never interpreted.
    assert "{{ 7*7 }}" in text and "{% if true %}TPL{% endif %}" in text
    assert "{% for x in range(3) %}LOOP{% endfor %}" in text and "LOOPLOOP" not in text
    assert "[click](javascript:window.__pwned=2)" in text
    assert "**bold**" in text and "| col | col |" in text


def test_every_page_listing_the_paper_shows_its_title_as_text(hostile_site):
    _, site = hostile_site
    listing_pages = [
        path
        for path in site.rglob("*.html")
        if "evil2024markup" in path.read_text(encoding="utf-8") and "papers" not in path.parts
    ]
    assert {path.parent.name for path in listing_pages} >= {"catalogue", site.name}
    for path in listing_pages:
        assert norm(HOSTILE["title"]) in norm(scan(path).text), path


def test_the_catalogue_script_data_is_inert_json(hostile_site):
    _, site = hostile_site
    page = scan(site / "catalogue/index.html")
    data_scripts = [s for s in page.scripts if s.attrs.get("type") == "application/json"]
    assert data_scripts
    for script in data_scripts:
        # Nothing in it can end the element or open a comment.
        assert "<" not in script.text and ">" not in script.text
        json.loads(script.text)
    # The catalogue's rows are JSON files the script fetches and reads as text.
    catalogue = (site / "catalogue/rows/1.json").read_text(encoding="utf-8")
    found = json.dumps(json.loads(catalogue), ensure_ascii=False)
    assert json.dumps(HOSTILE["title"], ensure_ascii=False) in found
    assert json.dumps(HOSTILE["venue"], ensure_ascii=False) in found


def test_the_feed_keeps_record_text_as_text(hostile_site):
    _, site = hostile_site
    feed = ET.parse(site / "feed.xml").getroot()
    entries = {
        entry.findtext(f"{ATOM}id", "").rsplit(":", 1)[-1]: entry
        for entry in feed.iter(f"{ATOM}entry")
    }
    entry = entries["evil2024markup"]
    title = entry.find(f"{ATOM}title")
    assert title is not None and title.get("type", "text") == "text"
    assert title.text == HOSTILE["title"]
    for element in entry.iter():
        # Record text is never given to feed readers as HTML to render.
        assert element.get("type", "text") in {"text", "text/html"} or element.tag.endswith("link")
        if element.get("type") in {"html", "xhtml"}:
            raise AssertionError(f"{element.tag} is {element.get('type')}")
    summary = entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content") or ""
    assert norm(HOSTILE["abstract"])[:200] in norm(summary)
    names = " ".join(name.text or "" for name in entry.iter(f"{ATOM}name"))
    assert '<b onmouseover="alert(1)">Bold</b>' in names
    assert not any(child.tag.endswith("script") for child in feed.iter())


def read_fragments(site):
    """Pagefind's per-page fragments: gzip, a ``pagefind_dcd`` signature, then JSON."""
    for path in site.rglob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        yield json.loads(raw.removeprefix(b"pagefind_dcd"))


def test_the_search_index_holds_the_literal_text(hostile_site):
    """Pagefind stores page text as plain text (markup in a record is text, not tags) and its
    client escapes < and > before building an excerpt; the browser test proves no script runs."""
    _, site = hostile_site
    fragments = [f for f in read_fragments(site) if "evil2024markup" in f["url"]]
    assert len(fragments) == 1
    [fragment] = fragments
    assert norm(fragment["meta"]["title"]) == norm(HOSTILE["title"])
    assert norm(HOSTILE["title"]) in norm(fragment["content"])
    client = (site / "pagefind" / "pagefind.js").read_text(encoding="utf-8")
    assert 'fragment.content.replace(/</g,"&lt;").replace(/>/g,"&gt;")' in client


def test_the_site_downloads_keep_the_text(hostile_site):
    _, site = hostile_site
    [item] = [
        i for i in json.loads((site / "papers.json").read_text()) if i["id"] == "evil2024markup"
    ]
    assert item["title"] == HOSTILE["title"] and item["abstract"] == HOSTILE["abstract"]
    rows = list(csv.DictReader(io.StringIO((site / "catalogue.csv").read_text(encoding="utf-8"))))
    [row] = [r for r in rows if r["id"] == "evil2024markup"]
    assert row["title"] == HOSTILE["title"] and row["venue"] == "'" + HOSTILE["venue"]
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values()), row
    library = bibtexparser.parse_string(
        (site / "papers.bib").read_text(encoding="utf-8"),
        append_middleware=[bib_middlewares.LatexDecodingMiddleware()],
    )
    assert not library.failed_blocks
    [entry] = [e for e in library.entries if e.key == "evil2024markup"]
    assert norm(entry["title"]) == norm(HOSTILE["title"])
    ris = (site / "papers.ris").read_text(encoding="utf-8").splitlines()
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) or line in ("", "ER  -") for line in ris)
    assert f"TI  - {norm(HOSTILE['title'])}" in ris


# ---------------------------------------------------------------------------------------------
# A failed build keeps the previous site


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory) -> tuple[Path, Path]:
    """An ordinary catalogue and its site, built once; each test works on a copy."""
    root = tmp_path_factory.mktemp("reference")
    papers = root / "papers"
    papers.mkdir()
    (papers / "shinn2023reflexion.yaml").write_text(record())
    done = build_site_dir(papers, root / "site")
    assert done.returncode == 0, done.stderr
    return papers, root / "site"


@pytest.fixture
def built_once(reference_build, tmp_path) -> tuple[Path, Path, dict[str, str]]:
    papers, site = tmp_path / "papers", tmp_path / "site"
    shutil.copytree(reference_build[0], papers)
    shutil.copytree(reference_build[1], site)
    before = tree_hash(site)
    assert "index.html" in before and len(before) > 20
    return papers, site, before


def no_leftovers(site: Path) -> None:
    assert sorted(path.name for path in site.parent.iterdir() if path.name.startswith("site")) == [
        "site"
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.yaml", "id: bad\ntitle: [unclosed\n", r"papers/bad\.yaml:\d+: invalid YAML"),
        (
            "wang2022learning.yaml",
            bare_record("wang2022learning", "Learning to Prompt").replace(
                "added: 2026-11-26", "added: 2026-02-30"
            ),
            r"wang2022learning\.yaml:3: added: '2026-02-30' is not a valid timestamp",
        ),
        (
            "evil.yaml",
            record(id="evil", url="javascript:alert(1)"),
            r"evil\.yaml:\d+: url: only http\(s\) URLs are allowed",
        ),
        (
            "pwn.yaml",
            'id: pwn\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n',
            r"pwn\.yaml:2: invalid YAML: YAML tag not allowed",
        ),
    ],
    ids=["broken-yaml", "bad-date", "javascript-url", "object-tag"],
)
def test_a_bad_record_leaves_the_previous_site_exactly_as_it_was(
    built_once, tmp_path, name, content, expected
):
    papers, site, before = built_once
    marker = tmp_path / "pwned"
    (papers / name).write_text(content.format(marker=marker))
    done = build_site_dir(papers, site)
    assert done.returncode == 1
    assert re.search(expected, done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert tree_hash(site) == before
    assert not marker.exists()
    no_leftovers(site)


MINIMAL_CONFIG = """\
site_name: hostile
docs_dir: docs
site_dir: site
strict: true
theme:
  name: material
  font: false
plugins:
  - bufferlit:
      papers: {papers}
      templates: templates
"""


@pytest.fixture(scope="module")
def template_config(tmp_path_factory, reference_build) -> Path:
    """A minimal mkdocs.yml with a folder of page templates that shadow the packaged ones;
    checked to build as it is, so that the only fault in each test is its template."""
    config_dir = tmp_path_factory.mktemp("config")
    (config_dir / "docs").mkdir()
    (config_dir / "templates/pages").mkdir(parents=True)
    config = config_dir / "mkdocs.yml"
    config.write_text(MINIMAL_CONFIG.format(papers=json.dumps(str(reference_build[0]))))
    probe = build_site_dir(reference_build[0], config_dir / "probe" / "site", config=config)
    assert probe.returncode == 0, probe.stderr
    return config


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% if %}broken", r"template \S+paper\.html:1: "),
        ("{{ paper.nothing.deeper() }}", r"UndefinedError"),
    ],
    ids=["syntax", "undefined"],
)
def test_a_template_error_leaves_the_previous_site_exactly_as_it_was(
    built_once, template_config, template, expected
):
    papers, site, before = built_once
    page_template = template_config.parent / "templates/pages/paper.html"
    page_template.write_text(template)
    try:
        done = build_site_dir(papers, site, config=template_config)
    finally:
        page_template.unlink()
    assert done.returncode == 1
    assert "the previous site was kept" in done.stderr
    assert re.search(expected, done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert tree_hash(site) == before
    no_leftovers(site)


def test_a_build_that_fails_after_writing_leaves_the_previous_site(built_once, monkeypatch):
    """The MkDocs build writes every page, then something fails: nothing of it is kept."""
    import bufferlit.site.build as site_build
    from bufferlit.errors import BuildFailed

    papers, site, before = built_once
    (papers / "wang2022learning.yaml").write_text(
        bare_record("wang2022learning", "Learning to Prompt for Continual Learning")
    )
    real_build = site_build.mkdocs_build

    def build_then_fail(config):
        real_build(config)
        assert (Path(config.site_dir) / "papers/wang2022learning/index.html").is_file()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site_build, "mkdocs_build", build_then_fail)
    with pytest.raises(BuildFailed, match="the previous site was kept"):
        site_build.build_site(REPO / "mkdocs.yml", site_dir=site, papers_dir=papers)
    assert tree_hash(site) == before
    no_leftovers(site)


def test_the_real_build_command_reports_no_traceback_on_a_missing_papers_folder(tmp_path):
    done = run_module(
        ["build", "--papers", str(tmp_path / "nowhere"), "--site-dir", str(tmp_path / "s")],
        cwd=REPO,
    )
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert not (tmp_path / "s").exists()


LIVE_PAYLOADS = [
    value
    for value in (*HOSTILE.values(), *HOSTILE_TOO.values())
    if re.search(r"<[a-z]|\]\(|\*\*", str(value))  # not the entity-encoded one
]


@pytest.mark.parametrize("value", LIVE_PAYLOADS, ids=lambda value: str(value)[:20])
def test_the_page_scan_would_see_each_payload_unescaped(value):
    """The scan above is only as good as what it notices: each payload, pasted into a page
    unescaped (or as Markdown rendered to HTML would be), is flagged."""
    text = " ".join(value) if isinstance(value, list) else value
    raw = PageScan()
    raw.feed(f"<html><body><p>{rendered_markdown(text)}</p></body></html>")
    raw.close()
    assert raw.dangers, text
    escaped = PageScan()
    escaped.feed(f"<html><body><p>{html.escape(text)}</p></body></html>")
    escaped.close()
    assert escaped.dangers == []
    assert norm(escaped.text) == norm(text)


def rendered_markdown(text: str) -> str:
    """What a careless Markdown step would make of the text: links, bold, a table."""
    text = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r'<a href="\2">\1</a>', text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return text.replace("| col | col |", "<table><tr><td>col</td><td>col</td></tr></table>")
