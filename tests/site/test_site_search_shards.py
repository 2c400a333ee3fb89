"""The search index is in shards by paper; a build re-indexes only the shards that changed.

The real records (plus the hostile one) are built with SHARD_PAGES lowered to 10, so the
papers fall into several shards (8 for the 40 seed papers), each its own Pagefind bundle,
merged in the browser; the header panel and the search page still find papers from every
shard.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from tests.helpers import serve_directory

from bufferlit.model import BufferType, Entry, Paper, Stance, Tagging
from bufferlit.site import search
from bufferlit.site.output import read_manifest

from .conftest import HOSTILE_ID, REPO, SMALL_CATALOGUE, write_records

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# One paper from the first letters, one from the middle, one from the last.
SPREAD = {"Understanding": "adam2019understanding", "Reflexion": "shinn2023reflexion"}
SPREAD["Videnovic"] = "videnovic2025distractor"


@pytest.fixture(autouse=True)
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SHARD_PAGES", 10)


def build(papers: Path, site: Path) -> None:
    from bufferlit.site.build import build_site

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", 10)
        build_site(REPO / "mkdocs.yml", site_dir=site, papers_dir=papers, strict=True)


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("sharded-site")
    papers = root / "papers"
    shutil.copytree(REPO / "papers", papers)
    write_records(papers, {f"{HOSTILE_ID}.yaml": SMALL_CATALOGUE[f"{HOSTILE_ID}.yaml"]})
    build(papers, root / "site")
    yield root / "site"


def shard_count(site: Path) -> int:
    """The shards a site of the sharded_site fixture's records has (any catalogue size)."""
    return search.shard_count(len(list((site.parent / "papers").glob("*.yaml"))))


def fragments(bundle: Path) -> dict[str, dict[str, object]]:
    """Pagefind's page records in one bundle (not its shards), by URL."""
    records = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        record = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        records[str(record["url"])] = record
    return records


def test_every_paper_is_in_exactly_its_shard(sharded_site: Path) -> None:
    urls = {f"/papers/{p.parent.name}/" for p in sharded_site.glob("papers/*/index.html")}
    records = sorted((sharded_site.parent / "papers").glob("*.yaml"))
    assert urls == {f"/papers/{record.stem}/" for record in records}
    count = search.shard_count(len(records))
    assert count > 1  # at most 10 papers a shard: the browser merges several bundles
    bundle = sharded_site / search.BUNDLE
    shards = json.loads((bundle / search.SHARDS_FILE).read_text())
    assert shards == [f"shard-{n}/" for n in range(1, count)]
    seen: list[str] = []
    for number in range(count):
        shard = bundle / search.shard_folder(number)
        entry = json.loads((shard / "pagefind-entry.json").read_text())
        records = fragments(shard)
        assert entry["languages"]["en"]["page_count"] == len(records)
        assert all(search.shard_of(url, count) == number for url in records)
        seen += records
    assert sorted(seen) == sorted(urls)


def test_shard_counts_are_powers_of_two_up_to_the_cap() -> None:
    assert [search.shard_count(n) for n in (1, search.SHARD_PAGES)] == [1, 1]
    assert search.shard_count(search.SHARD_PAGES + 1) == 2
    assert search.shard_count(5 * search.SHARD_PAGES) == 8
    assert search.shard_count(10**9) == search.MAX_SHARDS


def test_a_kept_shard_is_told_by_its_files() -> None:
    index = search.SearchIndex(shards=4, kept=frozenset({0, 2}))
    assert index.keeps("pagefind/pagefind.js") and index.keeps("pagefind/index/en_1.pf_index")
    assert index.keeps("pagefind/shard-2/fragment/en_2.pf_fragment")
    assert not index.keeps("pagefind/shard-1/pagefind-entry.json")
    assert not index.keeps(f"pagefind/{search.SHARDS_FILE}")
    assert not index.keeps(f"pagefind/{search.DIGESTS_FILE}")
    assert not index.keeps("papers/x/index.html")


def test_an_edit_reindexes_only_the_shard_of_the_edited_paper(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(REPO / "papers", papers)
    site = tmp_path / "site"
    build(papers, site)
    before = read_manifest(site)
    edited = papers / "shinn2023reflexion.yaml"
    edited.write_text(edited.read_text().replace("Reflexion:", "Reflexion Quokkaword:"))
    build(papers, site)
    after = read_manifest(site)
    count = search.shard_count(len(list(papers.glob("*.yaml"))))
    edited_shard = search.shard_of("/papers/shinn2023reflexion/", count)
    changed = {
        name
        for name in set(before) | set(after)
        if name.startswith("pagefind/") and before.get(name) != after.get(name)
    }
    others = search.SearchIndex(count, frozenset(range(count)) - {edited_shard})
    assert changed and not [name for name in changed if others.keeps(name)]
    shard = site / search.BUNDLE / search.shard_folder(edited_shard)
    title = fragments(shard)["/papers/shinn2023reflexion/"]["meta"]
    assert "Quokkaword" in str(title)

    # A kept shard that lost a file in the published site is indexed again, not kept.
    other = (edited_shard + 1) % count
    for fragment in (site / search.BUNDLE / search.shard_folder(other) / "fragment").iterdir():
        fragment.unlink()
        break
    build(papers, site)
    assert len(fragments(site / search.BUNDLE / search.shard_folder(other))) >= 1
    search.check_index(site / search.BUNDLE / search.shard_folder(other))


def test_search_documents_escape_record_text() -> None:
    title = "<script>alert(1)</script> & co"
    paper = Paper(id="x2020one", title=title, abstract='"<b>"', added="2024-01-01")
    tagging = Tagging((BufferType.REPLAY,), Stance.USES, ("robotics",))
    page = search.search_page(Entry(paper, tagging), "/papers/x2020one/", {}, "en")
    assert "<script>" not in page.html and "<b>" not in page.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page.html
    assert 'data-pagefind-filter="Domain:robotics"' in page.html


CHILD = """
import sys, time
from bufferlit.site.search import _Pagefind
pagefind = _Pagefind()
print(pagefind.child.pid, flush=True)
time.sleep(60)
"""


def test_pagefind_ends_when_the_build_is_killed() -> None:
    build = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert build.stdout is not None
    pagefind = int(build.stdout.readline())
    assert Path(f"/proc/{pagefind}").exists()
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while _alive(pagefind) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pagefind)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its (new) parent to reap it."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.browser
def test_header_panel_and_search_page_find_papers_of_every_shard(
    sharded_site: Path, browser: Browser
) -> None:
    context = browser.new_context()
    errors: list[str] = []
    try:
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        with serve_directory(sharded_site) as base_url:
            for query, paper_id in SPREAD.items():
                tab.goto(base_url + "/")
                tab.fill(".bl-header-search__input", query)
                tab.press(".bl-header-search__input", "Enter")
                tab.locator(f".bl-search-panel__results a[href$='/papers/{paper_id}/']").wait_for()
            tab.goto(base_url + "/search/?q=Videnovic")
            link = ".pagefind-ui__result-link[href$='/papers/videnovic2025distractor/']"
            tab.locator(link).first.wait_for(timeout=10_000)
    finally:
        context.close()
    assert errors == []


def panel_results(tab: Page, base_url: str, query: str) -> tuple[str, list[str]]:
    """The header panel's status line and result links for ``query`` (Enter pressed)."""
    tab.goto(base_url + "/")
    tab.fill(".bl-header-search__input", query)
    tab.press(".bl-header-search__input", "Enter")
    tab.wait_for_selector("[data-bl-header-search][data-bl-results]")
    status = tab.text_content(".bl-search-panel__status") or ""
    links = tab.eval_on_selector_all(".bl-search-panel__results a", "a => a.map(x => x.href)")
    return status, links


@pytest.mark.browser
def test_shards_searched_in_several_workers_give_one_workers_results(
    sharded_site: Path, browser: Browser
) -> None:
    """A reader with more cores gets the shards searched in several workers at once (one a
    core, up to 4): the merged panel is the one a single worker gives, in the same order,
    with the same count."""
    queries = ["buffer", "replay memory", "cache", "Reflexion", "streaming video"]
    panels = {}
    with serve_directory(sharded_site) as base_url:
        for cores in (1, 8):
            context = browser.new_context()
            context.add_init_script(
                f"Object.defineProperty(navigator, 'hardwareConcurrency', {{get: () => {cores}}})"
            )
            tab = context.new_page()
            panels[cores] = [panel_results(tab, base_url, query) for query in queries]
            assert len(tab.workers) == (1 if cores == 1 else 4)
            context.close()
    assert panels[1] == panels[8]
    assert all(len(links) == min(int(status.split()[0]), 8) for status, links in panels[1])
    # The merge is tested: a panel shows papers of 3 or more of the 4 workers' shard groups.
    count = shard_count(sharded_site)
    groups = [
        {search.shard_of(urlsplit(link).path, count) * 4 // count for link in links}
        for _, links in panels[1]
    ]
    assert max(len(group) for group in groups) >= 3


@pytest.mark.browser
def test_header_search_recovers_once_the_index_is_there(
    sharded_site: Path, browser: Browser, tmp_path: Path
) -> None:
    """`bufferlit serve` shows the pages before their index is made: the panel says search
    is not available, and a later search finds papers without a page load (new workers:
    one whose Pagefind failed to load would not fetch it again)."""
    site = tmp_path / "site"
    shutil.copytree(sharded_site, site)
    module = site / "pagefind" / "pagefind.js"
    module.rename(tmp_path / "pagefind.js")
    context = browser.new_context()
    try:
        tab = context.new_page()
        with serve_directory(site) as base_url:
            tab.goto(base_url + "/")
            tab.evaluate("() => { window.__samePage = true; }")
            tab.fill(".bl-header-search__input", "Reflexion")
            tab.press(".bl-header-search__input", "Enter")
            status = tab.locator(".bl-search-panel__status")
            status.filter(has_text="Search is not available here").wait_for()
            (tmp_path / "pagefind.js").rename(module)
            tab.press(".bl-header-search__input", "Enter")
            link = ".bl-search-panel__results a[href$='/papers/shinn2023reflexion/']"
            tab.locator(link).wait_for()
            assert tab.evaluate("() => window.__samePage") is True
    finally:
        context.close()


@pytest.mark.browser
def test_a_worker_fetches_every_bundles_start_files_at_once_and_once(
    sharded_site: Path, browser: Browser
) -> None:
    """Pagefind fetches a merged bundle's entry only after the first bundle's module and
    wasm: the worker asks for every bundle's entry before Pagefind's module, and Pagefind
    takes those responses (no file of the index is fetched twice)."""
    context = browser.new_context()
    context.add_init_script(
        "Object.defineProperty(navigator, 'hardwareConcurrency', {get: () => 1})"
    )
    fetched: list[str] = []
    try:
        tab = context.new_page()
        tab.on("request", lambda request: fetched.append(urlsplit(request.url).path))
        with serve_directory(sharded_site) as base_url:
            panel_results(tab, base_url, "Reflexion")
    finally:
        context.close()
    index = [path for path in fetched if path.startswith("/pagefind/")]
    entries = [n for n, path in enumerate(index) if path.endswith("/pagefind-entry.json")]
    metas = [path for path in index if path.endswith(".pf_meta")]
    count = shard_count(sharded_site)
    assert len(entries) == len(metas) == count
    assert max(entries) < index.index("/pagefind/pagefind.js")
    assert len(index) == len(set(index))


# Pagefind's gzipped files, by how their names end (its wasm ends in ".pagefind").
INDEX_FILES = (".pf_index", ".pf_filter", ".pf_fragment", ".pf_meta", ".pagefind")

# A module worker that runs search-worker.js, then reads a file (a path on the site) with the
# fetch Pagefind gets there: its first 12 bytes, or why it could not.
READ_AS_PAGEFIND = """async (path) => {
  const code = `import "${location.origin}/assets/bufferlit/search-worker.js";
    self.onmessage = async (event) => {
      try {
        const bytes = new Uint8Array(await (await fetch(event.data)).arrayBuffer());
        self.postMessage(Array.from(bytes.slice(0, 12)));
      } catch (error) { self.postMessage(String(error)); }
    };`;
  const url = URL.createObjectURL(new Blob([code], {type: "text/javascript"}));
  const worker = new Worker(url, {type: "module"});
  const answer = new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve("the worker failed: " + event.message);
    setTimeout(() => resolve("no answer in 10 s"), 10000);
  });
  worker.postMessage(location.origin + path);
  const head = await answer;
  worker.terminate();
  return head;
}"""


def read_as_pagefind(tab: Page, path: str) -> bytes:
    head = tab.evaluate(READ_AS_PAGEFIND, path)
    assert isinstance(head, list), head
    return bytes(head)


@pytest.mark.browser
def test_pagefind_in_a_worker_gets_its_index_files_inflated(
    sharded_site: Path, browser: Browser
) -> None:
    """Pagefind inflates a gzipped index file in JavaScript unless it arrives inflated
    (starting with its signature): the worker inflates them with the browser's own
    DecompressionStream, and hands any other file over as it came."""
    bundle = sharded_site / "pagefind"
    paths = [next(bundle.glob("index/*.pf_index")), next(bundle.glob("*.pf_meta"))]
    paths += [next(bundle.glob("fragment/*.pf_fragment")), next(bundle.glob("wasm.*.pagefind"))]
    context = browser.new_context()
    try:
        tab = context.new_page()
        with serve_directory(sharded_site) as base_url:
            tab.goto(base_url + "/")
            for path in paths:
                assert gzip.decompress(path.read_bytes()).startswith(b"pagefind_dcd")
                url = "/" + path.relative_to(sharded_site).as_posix()
                assert read_as_pagefind(tab, url) == b"pagefind_dcd", url
            entry = (bundle / "pagefind-entry.json").read_bytes()[:12]
            assert read_as_pagefind(tab, "/pagefind/pagefind-entry.json") == entry
    finally:
        context.close()


@pytest.mark.browser
def test_header_search_works_where_the_host_sends_the_index_gzip_encoded(
    sharded_site: Path, browser: Browser
) -> None:
    """Some hosts send gzip files with `Content-Encoding: gzip`: the browser inflates them,
    and the worker must not inflate them again."""
    context = browser.new_context()
    errors: list[str] = []
    try:
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        with serve_directory(sharded_site, gzip_encoded=INDEX_FILES) as base_url:
            status, links = panel_results(tab, base_url, "Reflexion")
    finally:
        context.close()
    assert any(link.endswith("/papers/shinn2023reflexion/") for link in links), status
    assert errors == []
