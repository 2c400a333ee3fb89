"""The reader's side of a built site, measured in headless chromium (Playwright).

    python bench/reader.py SITE_DIR [--query replay] [--runs 5]
    python bench/reader.py SITE_DIR --find WORD --expect PAPER_ID   # does search find it?
    python bench/reader.py --url http://127.0.0.1:8000/bufferlit/ --find WORD --expect ID

Serves SITE_DIR on 127.0.0.1 (a random free port) and reports, as one JSON line:

* home / catalogue: every file the page loads until the network is idle, summed as bytes
  and as gzip-compressed bytes (gzip level 6, what a static host with compression sends;
  the local server itself does not compress), and the time until the page is usable
  (load event; for the catalogue, its script has enabled the filters);
* facet click: time from clicking a buffer-type checkbox to the list being updated (the
  handler and the layout it forces), and to the next painted frame;
* Material search: from typing a query in the search box to the first result shown, and
  everything fetched for it (the page's own files excluded);
* Pagefind (when SITE_DIR/pagefind exists): the same query through Pagefind's JS API
  (``pagefind.search`` then the first result's ``data()``), time and bytes fetched;
* filtered catalogue: from navigation to ``/catalogue/?buffer_type=streaming`` until its
  rows are drawn (filters applied), in a fresh browser context each time (median of --runs);
* header search: from Enter in the header field to the first result in the panel under it
  (timed in the page: Enter's keydown to the frame after the result is drawn), the query
  pasted right after focusing the field (Pagefind still loading) and after a one-second
  pause (a reader's typing time); then typed a key every 120 ms, from Enter, and with no
  Enter, from the last letter to the results for the whole word; each in a fresh context
  (median of --runs).

With --find, only one check: the header search for WORD lists /papers/PAPER_ID/ (used by
bench/run.py after editing a record, and against ``bufferlit serve``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, sync_playwright

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Traffic:
    """Every response a page received: url -> (bytes, gzipped bytes)."""

    def __init__(self, page: Page, site: Path) -> None:
        self.files: dict[str, tuple[int, int]] = {}
        self.site = site
        page.on("response", self._record)

    def _record(self, response: Any) -> None:
        try:
            body = response.body()
        except Exception:  # a very large document's body is not kept: read the file served
            path = self.site / urlsplit(response.url).path.lstrip("/")
            path = path / "index.html" if path.is_dir() else path
            if not path.is_file():
                return
            body = path.read_bytes()
        self.files[response.url] = (len(body), len(gzip.compress(body, 6)))

    def mark(self) -> set[str]:
        return set(self.files)

    def summary(self, since: set[str] | None = None, base: str = "") -> dict[str, Any]:
        chosen = {u: s for u, s in self.files.items() if since is None or u not in since}
        largest = sorted(chosen.items(), key=lambda item: -item[1][1])[:4]
        return {
            "requests": len(chosen),
            "bytes": sum(raw for raw, _ in chosen.values()),
            "gzip_bytes": sum(packed for _, packed in chosen.values()),
            "largest_gzip": {u.removeprefix(base): packed for u, (_, packed) in largest},
        }


def _not_pagefind(traffic: Traffic) -> set[str]:
    return {url for url in traffic.files if "/pagefind/" not in url}


def measure_page(
    browser: Any, base: str, site: Path, path: str, ready: str | None
) -> dict[str, Any]:
    context = browser.new_context()
    page = context.new_page()
    traffic = Traffic(page, site)
    start = time.perf_counter()
    page.goto(base + path, wait_until="load", timeout=120_000)
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=120_000)
    usable = time.perf_counter() - start
    page.wait_for_load_state("networkidle", timeout=120_000)
    result = traffic.summary(base=base)
    result["usable_ms"] = round(usable * 1000)
    context.close()
    return result


def measure_facet(browser: Any, base: str) -> dict[str, Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/catalogue/", wait_until="load", timeout=120_000)
    page.wait_for_selector("[data-bl-enhanced]:not([hidden])", state="attached", timeout=120_000)
    timings = page.evaluate(
        """async () => {
          const out = [];
          const boxes = Array.from(document.querySelectorAll(
            '[data-facet] input[type=checkbox]')).slice(0, 3);
          for (const box of boxes.concat(boxes)) {   // check, then uncheck each
            const shown = document.querySelector('[data-bl-shown]');
            const t0 = performance.now();
            box.click();
            document.body.offsetHeight;            // the layout the update forces
            const t1 = performance.now();
            await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
            out.push({handler_ms: t1 - t0, frame_ms: performance.now() - t0,
                      shown: shown ? shown.textContent : null});
          }
          return out;
        }"""
    )
    context.close()
    return {
        "max_handler_ms": round(max(t["handler_ms"] for t in timings), 1),
        "max_frame_ms": round(max(t["frame_ms"] for t in timings), 1),
        "clicks": len(timings),
        "shown_after_first_click": timings[0]["shown"],
    }


def measure_material_search(browser: Any, base: str, site: Path, query: str) -> dict[str, Any]:
    context = browser.new_context()
    page = context.new_page()
    traffic = Traffic(page, site)
    page.goto(base + "/", wait_until="load", timeout=120_000)
    own = traffic.mark()
    page.wait_for_load_state("networkidle", timeout=120_000)
    preloaded = traffic.summary(since=own, base=base)
    before = traffic.mark()
    page.keyboard.press("/")  # Material's shortcut: focus the search box
    # The worker builds its index from search_index.json after every page load; a query
    # typed before it says it is ready is dropped.
    page.wait_for_function(
        """() => { const meta = document.querySelector('.md-search-result__meta');
                   return meta && !/initiali[sz]ing/i.test(meta.textContent); }""",
        timeout=120_000,
    )
    ready_ms = page.evaluate("performance.now()")  # since navigation started
    start = time.perf_counter()
    page.keyboard.type(query)  # real key events: Material reacts to keyup, not to fill()
    page.wait_for_selector(".md-search-result__item", timeout=120_000)
    first = time.perf_counter() - start
    page.wait_for_load_state("networkidle", timeout=120_000)
    context.close()
    return {
        "index_ready_ms": round(ready_ms),
        "first_result_ms": round(first * 1000),
        "fetched_after_page_load": preloaded,
        "fetched_by_query": traffic.summary(since=before, base=base),
        "total_search_gzip_bytes": preloaded["gzip_bytes"]
        + traffic.summary(since=before)["gzip_bytes"],
    }


def measure_pagefind(browser: Any, base: str, site: Path, query: str) -> dict[str, Any]:
    context = browser.new_context()
    page = context.new_page()
    traffic = Traffic(page, site)
    page.goto(base + "/", wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    before = traffic.mark()
    result = page.evaluate(
        """async (query) => {
          const t0 = performance.now();
          const pagefind = await import('/pagefind/pagefind.js');
          // The other shards of the index, merged as the site's own script does.
          const shards = await fetch('/pagefind/bufferlit-shards.json')
            .then((r) => (r.ok ? r.json() : []));
          for (const shard of shards) await pagefind.mergeIndex('/pagefind/' + shard);
          const search = await pagefind.search(query);
          const count = search.results.length;
          const first = count ? await search.results[0].data() : null;
          return {ms: performance.now() - t0, count,
                  first: first ? first.meta.title : null};
        }""",
        query,
    )
    page.wait_for_load_state("networkidle", timeout=120_000)
    # Only Pagefind's own files: Material's worker may still be fetching its index.
    fetched = traffic.summary(since=before | _not_pagefind(traffic), base=base)
    context.close()
    return {
        "first_result_ms": round(result["ms"]),
        "results": result["count"],
        "first_title": result["first"],
        "fetched_by_query": fetched,
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def measure_filtered_catalogue(browser: Any, base: str, query: str) -> float:
    """ms from navigation to the filtered rows drawn (the script marks the page ready)."""
    context = browser.new_context()
    page = context.new_page()
    start = time.perf_counter()
    page.goto(base + "/catalogue/" + query, wait_until="commit", timeout=120_000)
    page.wait_for_selector("[data-bl-catalogue][data-bl-ready]", state="attached", timeout=120_000)
    elapsed = time.perf_counter() - start
    rows = page.eval_on_selector_all(".bl-papers > li[data-paper-id]", "rows => rows.length")
    context.close()
    if not rows:
        raise SystemExit(f"no rows for /catalogue/{query}")
    return elapsed * 1000


# In the page: the time from the last key (Enter, or the query's last letter) to the first
# result link for the whole query in the panel, and to the frame after it. Playwright's own
# wait_for_selector polls at widening intervals (up to 500 ms apart), which put a step of up
# to half a second into the figure.
WATCH_HEADER_SEARCH = """(query) => {
  const form = document.querySelector('[data-bl-header-search]');
  const list = form.querySelector('.bl-search-panel__results');
  const status = form.querySelector('.bl-search-panel__status');
  window.__blShown = new Promise((resolve) => {
    form.addEventListener('keydown', () => { window.__blKey = performance.now(); }, true);
    new MutationObserver(() => {
      if (window.__blKey === undefined || !list.querySelector('a')) return;
      if (!status.textContent.includes('\u201c' + query + '\u201d')) return;
      const inserted = performance.now() - window.__blKey;
      requestAnimationFrame(() => setTimeout(() => resolve({
        inserted, painted: performance.now() - window.__blKey}), 0));
    }).observe(form, {childList: true, subtree: true, characterData: true});
  });
}"""
KEY_DELAY_MS = 120
"""A quick typist's time between two keys."""


def measure_header_search(
    browser: Any, base: str, query: str, pause_ms: int, typed: str = ""
) -> dict[str, Any]:
    """ms from the last key to the query's first result in the panel, painted. The query is
    pasted (``typed=""``) then Enter, or typed a key every KEY_DELAY_MS, then Enter
    (``typed="enter"``) or nothing (``typed="keys"``: results as you type)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/", wait_until="load", timeout=120_000)
    page.evaluate(WATCH_HEADER_SEARCH, query)
    page.focus(".bl-header-search__input")  # Pagefind starts loading here
    if pause_ms:
        page.wait_for_timeout(pause_ms)
    if typed:
        page.keyboard.type(query, delay=KEY_DELAY_MS)
    else:
        page.fill(".bl-header-search__input", query)
    if typed != "keys":
        page.press(".bl-header-search__input", "Enter")
    shown = page.evaluate("window.__blShown")
    first = page.text_content(".bl-search-panel__results a")
    context.close()
    return {"ms": shown["painted"], "first": first}


def find_in_search(browser: Any, base: str, word: str, paper_id: str) -> dict[str, Any]:
    """Does the header search for ``word`` list the paper? (the edit and serve checks)"""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/", wait_until="load", timeout=120_000)
    page.fill(".bl-header-search__input", word)
    page.press(".bl-header-search__input", "Enter")
    page.wait_for_selector("[data-bl-header-search][data-bl-results]", timeout=120_000)
    links = page.eval_on_selector_all(".bl-search-panel__results a", "a => a.map(x => x.href)")
    context.close()
    return {"found": any(f"/papers/{paper_id}/" in link for link in links), "results": links}


def measure_repeated(browser: Any, base: str, args: argparse.Namespace) -> dict[str, Any]:
    filtered = [
        measure_filtered_catalogue(browser, base, "?buffer_type=streaming")
        for _ in range(args.runs)
    ]
    cold = [measure_header_search(browser, base, args.query, 0) for _ in range(args.runs)]
    warm = [measure_header_search(browser, base, args.query, 1000) for _ in range(args.runs)]
    typed = {
        way: [measure_header_search(browser, base, args.query, 1000, way) for _ in range(args.runs)]
        for way in ("enter", "keys")
    }
    return {
        "filtered_catalogue": {
            "median_ms": round(median(filtered)),
            "runs_ms": [round(ms) for ms in filtered],
        },
        "header_search": {
            "median_ms_right_after_focus": round(median([r["ms"] for r in cold])),
            "median_ms_after_pause": round(median([r["ms"] for r in warm])),
            "runs_ms_right_after_focus": [round(r["ms"]) for r in cold],
            "runs_ms_after_pause": [round(r["ms"]) for r in warm],
            "median_ms_typed_then_enter": round(median([r["ms"] for r in typed["enter"]])),
            "median_ms_typed_from_last_key": round(median([r["ms"] for r in typed["keys"]])),
            "runs_ms_typed_then_enter": [round(r["ms"]) for r in typed["enter"]],
            "runs_ms_typed_from_last_key": [round(r["ms"]) for r in typed["keys"]],
            "typed_key_delay_ms": KEY_DELAY_MS,
            "first_title": cold[0]["first"],
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, nargs="?")
    parser.add_argument("--url", help="a site already served (instead of SITE_DIR)")
    parser.add_argument("--query", default="replay")
    parser.add_argument("--runs", type=int, default=5, help="runs of the timed reader steps")
    parser.add_argument("--find", help="only check that the header search for this word ...")
    parser.add_argument("--expect", help="... lists this paper id")
    args = parser.parse_args(argv)
    if (args.site is None) == (args.url is None):
        parser.error("give SITE_DIR or --url")
    out: dict[str, Any] = {}
    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        server, base = serve(args.site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=LAUNCH_ARGS
            )
            if args.find:
                out = find_in_search(browser, base, args.find, args.expect or "")
            else:
                out = measure_site(browser, base, args.site, args)
            browser.close()
    finally:
        if server is not None:
            server.shutdown()
    print(json.dumps(out))


def measure_site(browser: Any, base: str, site: Path, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["home"] = measure_page(browser, base, site, "/", None)
    out["catalogue"] = measure_page(
        browser, base, site, "/catalogue/", "[data-bl-catalogue][data-bl-ready]"
    )
    out["facet_click"] = measure_facet(browser, base)
    if (site / "search" / "search_index.json").exists():
        out["material_search"] = measure_material_search(browser, base, site, args.query)
    if (site / "pagefind" / "pagefind.js").exists():
        out["pagefind_search"] = measure_pagefind(browser, base, site, args.query)
        out.update(measure_repeated(browser, base, args))
    return out


if __name__ == "__main__":
    main()
