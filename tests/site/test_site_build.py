"""The site build without a browser: strict build, nav, downloads, escaping, all-or-nothing."""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner
from pybtex.database import parse_string
from tests.helpers import catalogue_facets

from bufferlit.errors import BuildFailed
from bufferlit.export import CSV_COLUMNS
from bufferlit.site.build import build_site
from bufferlit.site.commands import build_command
from bufferlit.site.feed import entry_id
from bufferlit.site.render import script_json

from .conftest import HOSTILE_ID, HOSTILE_TITLE, SMALL_CATALOGUE, record_yaml

IDS = sorted(name.removesuffix(".yaml") for name in SMALL_CATALOGUE)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def site(make_project: Callable[..., Path]) -> Path:
    config = make_project()
    report = build_site(config, strict=True)
    assert report.site_dir == (config.parent / "site").resolve()
    return report.site_dir


def test_strict_build_writes_every_page_and_download(site: Path) -> None:
    for page in (
        "index.html",
        "catalogue/index.html",
        "stats/index.html",
        "types/replay/index.html",
        "domains/index.html",
        "downloads/index.html",
        "sitemap.xml",
        "search/index.html",
        "pagefind/pagefind-ui.js",
        "catalogue/citations/1.json",
        "about/index.html",
    ):
        assert (site / page).is_file(), page
    for paper_id in IDS:
        assert (site / "papers" / paper_id / "index.html").is_file()
        for suffix in ("bib", "ris", "json"):
            assert (site / "papers" / paper_id / f"{paper_id}.{suffix}").is_file()


def test_paper_pages_are_not_in_the_navigation(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    nav = home[home.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>")]
    spans = re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', nav, re.S)
    labels = [html.unescape(label).strip() for label in spans]
    assert labels[:6] == ["Home", "Catalogue", "Buffer types", "Domains", "Stats", "Downloads"]
    assert "papers/" not in nav
    # ... while every paper page is still linked from the catalogue and listed in the sitemap.
    catalogue = (site / "catalogue" / "index.html").read_text(encoding="utf-8")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    for paper_id in IDS:
        assert f'href="../papers/{paper_id}/"' in catalogue
        assert f"/papers/{paper_id}/</loc>" in sitemap


def test_bibtex_download_parses_with_two_parsers(site: Path) -> None:
    text = (site / "papers.bib").read_text(encoding="utf-8")
    assert sorted(parse_string(text, "bibtex").entries.keys()) == IDS
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert sorted(entry.key for entry in library.entries) == IDS
    hostile = next(entry for entry in library.entries if entry.key == HOSTILE_ID)
    assert "7*7" in hostile["title"]


def test_feed_csv_and_csl_downloads_parse(site: Path) -> None:
    feed = ET.parse(site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == len(IDS)
    ids = [entry.findtext(f"{atom}id") for entry in entries]
    assert sorted(ids) == sorted(entry_id(paper_id) for paper_id in IDS)
    # Newest first by `added`: the hostile record was added last (2026-04-01).
    assert ids[0] == entry_id(HOSTILE_ID)
    assert entries[0].findtext(f"{atom}title") == HOSTILE_TITLE
    link = entries[0].find(f"{atom}link")
    assert link is not None
    assert link.get("href") == f"https://example.org/testlit/papers/{HOSTILE_ID}/"

    rows = list(csv.reader(io.StringIO((site / "catalogue.csv").read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert sorted(row[0] for row in rows[1:]) == IDS

    items = json.loads((site / "papers.json").read_text(encoding="utf-8"))
    assert sorted(item["id"] for item in items) == IDS


def test_feed_is_linked_from_the_home_page_head_only(site: Path) -> None:
    feed_link = re.compile(r'<link rel="alternate" type="application/atom\+xml"[^>]*feed\.xml')
    head = (site / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    assert feed_link.search(head)
    # Elsewhere it would make Material fetch and parse the whole sitemap a second time.
    for page in ("catalogue/index.html", f"papers/{HOSTILE_ID}/index.html"):
        head = (site / page).read_text(encoding="utf-8").split("</head>")[0]
        assert not feed_link.search(head) and 'rel="alternate"' not in head


def test_hostile_title_is_literal_text_in_html(site: Path) -> None:
    page = (site / "papers" / HOSTILE_ID / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "<b>bold</b>" not in page
    assert "javascript:" not in page.replace("[x](javascript:alert(1))", "")
    assert 'href="javascript' not in page
    assert "<em>star</em>" not in page
    assert "49" not in page.split("<h1")[1].split("</h1>")[0]
    heading = re.search(r'<h1 class="bl-paper-page__title">(.*?)</h1>', page, re.S)
    assert heading is not None
    assert html.unescape(heading.group(1)) == HOSTILE_TITLE
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert "<" not in title.group(1)
    assert html.unescape(title.group(1)).startswith("</script><script>alert(1)</script>")
    # The abstract's <img onerror> and the author "<Script>" are text too.
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<Script>" not in page


def test_catalogue_data_file_holds_every_paper_and_the_page_no_script_data(site: Path) -> None:
    page = (site / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert 'id="bl-catalogue-data"' not in page and "<script>alert(1)" not in page
    data = json.loads((site / "catalogue" / "data.json").read_text(encoding="utf-8"))
    assert sorted(data["ids"]) == IDS
    # Each paper's facet values: a column per facet of indexes into that facet's distinct
    # sets, each set indexes into the facet's values (and names).
    for position in range(len(data["keys"])):
        values, sets = data["values"][position], data["sets"][position]
        assert len(data["names"][position]) == len(values)
        assert all(0 <= v < len(values) for chosen in sets for v in chosen)
        assert len(set(map(tuple, sets))) == len(sets)  # each distinct set once
        assert sorted(set(data["columns"][position])) == list(range(len(sets)))
    facets = catalogue_facets(data)
    assert facets["shinn2023reflexion"]["year"] == ["2023"]
    assert facets["shinn2023reflexion"]["code"] == ["yes"]
    assert facets["rolnick2019replay"]["buffer_type"] == ["replay"]
    assert HOSTILE_TITLE not in json.dumps(data, ensure_ascii=False)  # rows are elsewhere


def test_catalogue_rows_files_hold_each_page_in_list_order(site: Path) -> None:
    data = json.loads((site / "catalogue" / "data.json").read_text(encoding="utf-8"))
    rows = json.loads((site / "catalogue" / "rows" / "1.json").read_text(encoding="utf-8"))
    assert [row[0] for row in rows] == data["ids"]  # 40 papers: one page of 100 rows
    assert not (site / "catalogue" / "rows" / "2.json").exists()
    hostile = next(row for row in rows if row[0] == HOSTILE_ID)
    assert hostile[1] == HOSTILE_TITLE  # JSON, read by the script as text
    reflexion = next(row for row in rows if row[0] == "shinn2023reflexion")
    assert reflexion[4] == "https://github.com/noahshinn/reflexion"
    assert all(row[4] == "" or row[4].startswith("https://") for row in rows)
    titles = json.loads((site / "catalogue" / "titles.json").read_text(encoding="utf-8"))
    assert titles == [[row[0], row[1]] for row in rows]
    # The title words, as the scripts split a folded title: once each, sorted.
    words = json.loads((site / "catalogue" / "title-words.json").read_text(encoding="utf-8"))
    assert words == sorted(set(words)) and all(re.fullmatch("[a-z0-9]+", w) for w in words)
    assert {"script", "alert", "1", "bold", "7", "javascript", "quoted", "reflexion"} <= set(words)


def test_catalogue_citations_and_authors_are_files_not_page_text(site: Path) -> None:
    page = (site / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert "@inproceedings{" not in page and "@article{" not in page and "TY  - " not in page
    citations = json.loads((site / "catalogue" / "citations" / "1.json").read_text("utf-8"))
    data = json.loads((site / "catalogue" / "data.json").read_text(encoding="utf-8"))
    assert [entry[0] for entry in citations] == data["ids"]  # one page: every paper, in order
    _, bib, ris = next(entry for entry in citations if entry[0] == HOSTILE_ID)
    assert [entry.key for entry in bibtexparser.parse_string(bib).entries] == [HOSTILE_ID]
    assert f"ID  - {HOSTILE_ID}" in ris
    authors = json.loads((site / "catalogue" / "authors.json").read_text(encoding="utf-8"))
    assert sorted(authors) == IDS
    assert "<Script>" in authors[HOSTILE_ID] and "O'Brien" in authors[HOSTILE_ID]


def test_search_indexes_only_paper_pages(site: Path) -> None:
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    [language] = entry["languages"].values()
    assert language["page_count"] == len(IDS)
    urls = set()
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        urls.add(data["url"])
    assert urls == {f"/papers/{paper_id}/" for paper_id in IDS}  # each at its page's URL
    assert all((site / url.strip("/") / "index.html").is_file() for url in urls)


def test_search_excerpts_come_from_record_text_not_page_chrome(site: Path) -> None:
    """Badges, stance, domains and headings are data-pagefind-ignore (they are filters), so a
    result's excerpt is the title, authors, evidence and abstract, never "Uses a buffer ..."."""
    fragments = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        fragments[data["url"].strip("/").split("/")[-1]] = data
    paper = fragments["shinn2023reflexion"]
    assert paper["meta"]["title"].startswith("Reflexion: Language Agents")
    content = paper["content"]
    assert content.startswith("Reflexion: Language Agents") and "Shinn" in content
    assert "episodic memory buffer to induce better decision-making" in content
    for chrome in ("Why it is here", "Evidence for", "Abstract", "Uses a buffer", "Cite"):
        assert chrome not in content, chrome
    assert paper["filters"]["Stance"] and paper["filters"]["Buffer type"]


def test_a_failing_search_index_leaves_the_previous_site(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bufferlit.site import search

    config = make_project()
    before = snapshot(build_site(config, strict=True).site_dir)
    monkeypatch.setattr(search, "TIMEOUT_SECONDS", 0.001)  # Pagefind cannot finish
    monkeypatch.setattr(search, "_pagefind_version", lambda: "upgraded")  # so every shard runs
    with pytest.raises(BuildFailed, match="search index"):
        build_site(config, strict=True)
    assert snapshot(config.parent / "site") == before
    assert sorted(p.name for p in config.parent.iterdir()) == sorted(
        ["docs", "mkdocs.yml", "papers", "site"]
    )


def test_script_json_escapes_what_could_end_a_script() -> None:
    text = str(script_json({"t": "</script><!-- & \u2028\u2029"}))
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"t": "</script><!-- & \u2028\u2029"}


def test_stats_charts_are_accessible_svg_with_tables(site: Path) -> None:
    page = (site / "stats" / "index.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    charts = [svg for svg in svgs if 'class="bl-svg"' in svg]
    assert len(charts) == 2
    for svg in charts:
        labelled = re.search(r'role="img" aria-labelledby="([^"]+)"', svg)
        assert labelled is not None
        for element_id in labelled.group(1).split():
            assert f'id="{element_id}"' in svg
        assert "<title" in svg
    assert page.count("<table>") >= 2
    assert "https://" not in "".join(charts)


def test_a_bad_record_leaves_the_previous_site_byte_for_byte(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    site = build_site(config).site_dir
    before = snapshot(site)
    (config.parent / "papers" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    with pytest.raises(BuildFailed, match=r"broken\.yaml:\d+"):
        build_site(config)
    assert snapshot(site) == before
    assert sorted(p.name for p in config.parent.iterdir()) == [
        "docs",
        "mkdocs.yml",
        "papers",
        "site",
    ]


def test_a_broken_template_leaves_the_previous_site_byte_for_byte(
    make_project: Callable[..., Path],
) -> None:
    config = make_project(extra="      templates: overrides")
    site = build_site(config).site_dir
    before = snapshot(site)
    broken = config.parent / "overrides" / "pages" / "paper.html"
    broken.parent.mkdir(parents=True)
    broken.write_text("{% for paper in %}{{ paper.title }}")
    with pytest.raises(BuildFailed, match=r"pages/paper\.html:1"):
        build_site(config)
    assert snapshot(site) == before
    assert not [p for p in config.parent.iterdir() if p.name.startswith("site.")]


def test_strict_warnings_fail_the_build_and_are_reported(
    make_project: Callable[..., Path],
) -> None:
    config = make_project()
    (config.parent / "docs" / "about.md").write_text("# About\n\n[gone](missing.md)\n")
    with pytest.raises(BuildFailed, match=r"(?s)strict.*missing\.md"):
        build_site(config, strict=True)
    assert not (config.parent / "site").exists()


def test_build_command_with_papers_and_site_dir(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    config = make_project()
    other_papers = tmp_path / "other"
    other_papers.mkdir()
    (other_papers / "solo2020only.yaml").write_text(
        record_yaml("solo2020only", "The Only Paper", "A KV cache for long contexts.")
    )
    result = CliRunner().invoke(
        build_command,
        [
            "-f",
            str(config),
            "--papers",
            str(other_papers),
            "--site-dir",
            str(tmp_path / "out"),
            "--strict",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "built" in result.output
    assert (tmp_path / "out" / "papers" / "solo2020only" / "index.html").is_file()
    assert not (tmp_path / "out" / "papers" / HOSTILE_ID).exists()

    failed = CliRunner().invoke(build_command, ["-f", str(tmp_path / "nope.yml")])
    assert failed.exit_code == 1
    assert "no MkDocs configuration" in failed.output


def test_generated_pages_skip_markdown_and_keep_title_meta_and_anchors(
    make_project: Callable[..., Path],
) -> None:
    """Generated pages reach MkDocs as meta + HTML (no Markdown source, no Markdown pass):
    the HTML is written as rendered, the title is the page's, and links from a docs page to a
    generated page's anchors are still validated."""
    from bufferlit.records import load_papers
    from bufferlit.site.pages import SiteOptions, generate_site
    from bufferlit.tagger import DOMAINS, tag_papers

    config = make_project(extra="validation:\n  anchors: warn\n")
    about = config.parent / "docs" / "about.md"
    about.write_text("# About\n\n[why](papers/shinn2023reflexion/index.md#why)\n")
    site = build_site(config, strict=True).site_dir
    page = (site / "papers/shinn2023reflexion/index.html").read_text(encoding="utf-8")
    assert "<title>Reflexion: Language Agents" in page
    assert "data-pagefind-body" in page
    assert '<h2 id="why" data-pagefind-ignore>Why it is here</h2>' in page

    # The page's HTML is exactly what the template rendered (Markdown would have re-wrapped it).
    entries = tag_papers(load_papers(config.parent / "papers"))
    options = SiteOptions(site_name="testlit", repo_url="https://github.com/example/testlit")
    generated = {item.src_uri: item for item in generate_site(entries, DOMAINS, options)}
    paper = generated["papers/shinn2023reflexion/index.md"]
    assert paper.content == "" and paper.page is not None
    assert paper.page.meta["hide"] == ["navigation", "toc"]
    assert paper.page.html.strip() in page

    about.write_text("# About\n\n[gone](papers/shinn2023reflexion/index.md#no-such-anchor)\n")
    with pytest.raises(BuildFailed, match="no-such-anchor"):
        build_site(config, strict=True)


def test_the_sitemap_is_mkdocs_own_byte_for_byte(
    make_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bufferlit makes the sitemap's elements itself (an incremental build keeps most pages
    without a MkDocs Page; test_site_incremental checks it against a full build): on a full
    build it must be what MkDocs' own sitemap template writes, given here as custom_dir."""
    import mkdocs

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    config = make_project()
    ours = build_site(config, site_dir=tmp_path / "ours").site_dir
    theirs_dir = tmp_path / "mkdocs-templates"
    theirs_dir.mkdir()
    template = Path(mkdocs.__file__).parent / "templates" / "sitemap.xml"
    (theirs_dir / "sitemap.xml").write_bytes(template.read_bytes())
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("  font: false\n", f"  font: false\n  custom_dir: {theirs_dir}\n")
    )
    theirs = build_site(config, site_dir=tmp_path / "theirs").site_dir
    sitemap = (ours / "sitemap.xml").read_bytes()
    assert sitemap == (theirs / "sitemap.xml").read_bytes()
    papers = len(list((config.parent / "papers").glob("*.yaml")))
    assert sitemap.count(b"/papers/") == papers > 0  # every paper page is listed
    assert gzip.decompress((ours / "sitemap.xml.gz").read_bytes()) == sitemap


def test_past_the_protocol_limit_the_sitemap_is_an_index_of_numbered_sitemaps(
    make_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sitemap holds at most 50,000 URLs: past that, sitemap.xml names numbered sitemaps
    that list every page once, in order (the limit is lowered here to reach it)."""
    from bufferlit.site import sitemap as sitemap_module

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    config = make_project()
    whole = build_site(config, site_dir=tmp_path / "whole").site_dir
    one = ET.parse(whole / "sitemap.xml").getroot()
    locs = [loc.text for loc in one.iter(f"{SITEMAP_NS}loc")]
    assert one.tag == f"{SITEMAP_NS}urlset" and len(locs) > 20

    monkeypatch.setattr(sitemap_module, "URLS_PER_SITEMAP", 20)
    split = build_site(config, site_dir=tmp_path / "split").site_dir
    index = ET.parse(split / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP_NS}sitemapindex"
    named = [loc.text or "" for loc in index.iter(f"{SITEMAP_NS}loc")]
    count = -(-len(locs) // 20)
    assert named == [f"https://example.org/testlit/sitemap-{n}.xml" for n in range(1, count + 1)]
    listed = []
    for name in named:
        part = ET.parse(split / name.rsplit("/", 1)[1]).getroot()
        assert part.tag == f"{SITEMAP_NS}urlset" and len(part) <= 20
        listed += [loc.text for loc in part.iter(f"{SITEMAP_NS}loc")]
    assert listed == locs
    assert {(split / f"sitemap-{n}.xml").stat().st_mode & 0o777 for n in (1, count)} == {
        (split / "sitemap.xml").stat().st_mode & 0o777
    }
    # Back under the limit, the next build removes the numbered sitemaps it wrote.
    monkeypatch.setattr(sitemap_module, "URLS_PER_SITEMAP", 50_000)
    build_site(config, site_dir=split)
    assert (split / "sitemap.xml").read_bytes() == (whole / "sitemap.xml").read_bytes()
    assert not list(split.glob("sitemap-*.xml"))


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_page_urls_are_what_mkdocs_makes_with_urljoin() -> None:
    """The sitemap's URLs for pages without a MkDocs Page skip urljoin where it would only
    append; every short URL over a hostile alphabet gives urljoin's answer."""
    import itertools
    from urllib.parse import urljoin, urlsplit

    from bufferlit.site.sitemap import page_urls

    for base in ("https://example.org/testlit/", "https://example.org/", "http://h:8/a%20b/"):
        for length in range(4):
            for letters in itertools.product("ab./_-~:?#% ", repeat=length):
                url = "".join(letters)
                canonical = urljoin(base, url)
                expected = (canonical, urlsplit(canonical).path)
                assert page_urls(base, urlsplit(base).path, url) == expected, (base, url)
    assert page_urls("", "", "papers/x/") == (None, None)
