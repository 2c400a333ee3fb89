"""The scale benchmark: every stage at each catalogue size, time and peak memory.

    python bench/run.py --sizes 1000 10000 100000

For each N it generates (once, cached under bench/out/) a synthetic catalogue and a scraped
listing of N papers (bench/generate.py), then runs each stage in a fresh process and reports
its wall time and peak resident memory (ru_maxrss of that process and the children it
waited for, from wait4):

  ingest        the N-entry listing into an empty catalogue
  validate      load and check every record (``load_papers``)
  load+tag      load, then ``tag_papers``            } one process; the row "load+tag+export"
  export        BibTeX + JSON + CSV of the entries   } is its wall time
  build         ``bufferlit build`` (n/a until the site exists)
  edit+build    edit one record's title, then ``bufferlit build`` (--edit-runs times, median),
                checking that the paper's page and the search show the edit (the incremental
                build's row: it shows a full rebuild until that lands)
  search index  ``python -m pagefind --site SITE`` alone, for its share of the build
  serve         ``bufferlit serve``: time until the preview's search index is served, and the
                header search there finds the edited paper

then the site's size and the reader's side (bench/reader.py, headless chromium: medians of
5 runs), and a table of the issue's targets with each measured figure next to its target.
Stages that do not exist yet print "n/a (not built yet)". No stage may run longer than
--timeout seconds (default 600); one that does is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
NOT_BUILT = "n/a (not built yet)"


@dataclass
class Result:
    stage: str
    seconds: float | None = None
    peak_mb: float | None = None
    cpu: float | None = None
    note: str = ""
    data: dict[str, object] = field(default_factory=dict)

    def row(self) -> str:
        seconds = f"{self.seconds:.2f}" if self.seconds is not None else "–"
        cpu = f"{self.cpu:.2f}" if self.cpu is not None else "–"
        peak = f"{self.peak_mb:.0f}" if self.peak_mb is not None else "–"
        return f"| {self.stage} | {seconds} | {cpu} | {peak} | {self.note} |"


def measure(stage: str, command: list[str], timeout: float, cwd: Path | None = None) -> Result:
    """Run ``command`` in a fresh process; wall time and peak RSS (with waited children)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        text=True,
        start_new_session=True,
    )
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, stop)
    timer.start()
    # Read the pipes in threads so a chatty command cannot block on a full pipe.
    chunks: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda n=n, s=s: chunks.__setitem__(n, s.read()))
        for n, s in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    timer.cancel()
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    cpu = usage.ru_utime + usage.ru_stime  # the machine is shared: CPU time is steadier
    if timed_out.is_set():
        return Result(stage, seconds, peak_mb, cpu, f"stopped after {timeout:.0f} s (timeout)")
    if process.returncode != 0:
        tail = (chunks.get("err") or chunks.get("out") or "").strip().splitlines()[-3:]
        return Result(stage, seconds, peak_mb, cpu, f"FAILED (exit {process.returncode}): {tail}")
    data: dict[str, object] = {}
    lines = (chunks.get("out") or "").strip().splitlines()
    if lines and lines[-1].startswith("{"):
        data = json.loads(lines[-1])
    published = re.search(r"pages published after ([\d.]+) s", chunks.get("out") or "")
    if published:  # bufferlit build: when the pages went live, before the search index
        data["pages_seconds"] = float(published.group(1))
    return Result(stage, seconds, peak_mb, cpu, data=data)


def stage_command(*args: str) -> list[str]:
    return [sys.executable, str(BENCH / "stage.py"), *args]


def site_available() -> bool:
    """True once ``bufferlit build`` exists (the site plugin has landed)."""
    found = subprocess.run(
        [sys.executable, "-m", "bufferlit", "build", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.returncode == 0


def ensure_inputs(count: int, seed: int) -> tuple[Path, Path]:
    """The generated records folder and listing for N (made once, then reused)."""
    records = OUT / f"papers-{count}-s{seed}"
    listing = OUT / f"listing-{count}-s{seed}.txt"
    marker = records / ".complete"
    if not marker.exists() or not listing.exists():
        shutil.rmtree(records, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "generate.py"),
                str(count),
                "--seed",
                str(seed),
                "--records",
                str(records),
                "--listing",
                str(listing),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        marker.write_text("")
        print(f"  (generated {count:,} papers in {time.perf_counter() - start:.1f} s)")
    return records, listing


def tree_size(folder: Path) -> tuple[int, int, int]:
    """(files, bytes, html pages) under folder."""
    files = size = pages = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
            pages += path.suffix == ".html"
    return files, size, pages


def run_size(
    count: int, seed: int, timeout: float, with_site: bool, reader: bool, edit_runs: int
) -> list[Result]:
    print(f"\n## N = {count:,}")
    records, listing = ensure_inputs(count, seed)
    work = OUT / f"work-{count}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: list[Result] = []

    def show(result: Result) -> Result:
        print("  " + result.row(), flush=True)
        results.append(result)
        return result

    ingested = work / "ingested"
    result = measure("ingest", stage_command("ingest", str(listing), str(ingested)), timeout)
    if result.data:
        result.note = (
            f"{result.data['new']} new, {result.data['present']} already present, "
            f"{result.data['problems']} problems"
        )
    show(result)
    shutil.rmtree(ingested, ignore_errors=True)

    result = measure("validate", stage_command("validate", str(records)), timeout)
    if result.data:
        result.note = f"{result.data['papers']} valid records"
    show(result)

    result = measure(
        "load+tag+export", stage_command("tag-export", str(records), str(work / "exports")), timeout
    )
    if result.data:
        d = result.data
        sizes = d["sizes"]
        assert isinstance(sizes, dict)
        show(
            Result(
                "  load+tag (in process)",
                float(d["load"]) + float(d["tag"]),  # type: ignore[arg-type]
                note=f"load {float(d['load']):.2f} s, tag {float(d['tag']):.2f} s",  # type: ignore[arg-type]
            )
        )
        show(
            Result(
                "  export (in process)",
                float(d["export"]),  # type: ignore[arg-type]
                note=", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()),
            )
        )
        result.note = "process wall time, imports included; types " + json.dumps(d["buffer_types"])
    show(result)

    site = work / "site"
    if not with_site:
        for stage in ("build", EDIT_STAGE, "search index (pagefind)"):
            show(Result(stage, note=NOT_BUILT))
        return results

    # The build edits nothing, but rebuild does: work on a copy of the generated records.
    papers = work / "papers"
    shutil.copytree(records, papers, ignore=shutil.ignore_patterns(".complete"))
    build = [sys.executable, "-m", "bufferlit", "build", "--papers", str(papers)]
    build += ["--site-dir", str(site)]
    built = show(measure("build", build, timeout))
    if built.note.startswith(("FAILED", "stopped")):
        return results
    files, size, pages = tree_size(site)
    search_index = site / "search" / "search_index.json"
    material = search_index.stat().st_size if search_index.exists() else 0
    show(
        Result(
            "  site size",
            note=f"{files:,} files, {size / 1e6:.1f} MB, {pages:,} HTML pages; "
            f"Material search_index.json {material / 1e6:.2f} MB",
            data={"files": files, "bytes": size, "pages": pages, "material_index": material},
        )
    )
    results += edit_and_rebuild(papers, site, build, timeout, edit_runs)
    # Pagefind alone, as the build runs it, but writing its bundle beside the site: the site
    # folder is bufferlit's, and a build refuses to overwrite files it did not write.
    pagefind_dir = site.parent / "pagefind-alone"
    pagefind_command = [sys.executable, "-m", "pagefind", "--site", str(site)]
    pagefind_command += ["--glob", "papers/*/index.html", "--output-path", str(pagefind_dir)]
    pagefind = show(measure("search index (pagefind)", pagefind_command, timeout))
    if pagefind_dir.exists():
        pf_files, pf_bytes, _ = tree_size(pagefind_dir)
        pagefind.note = f"{pf_files:,} files, {pf_bytes / 1e6:.1f} MB on disk"
        pagefind.data = {"files": pf_files, "bytes": pf_bytes}
    if reader:
        result = measure(
            "reader (headless chromium)",
            [sys.executable, str(BENCH / "reader.py"), str(site)],
            timeout,
        )
        show(result)
        for name, text in describe_reader(result.data).items():
            show(Result(f"  {name}", note=text))
    edited = next((r for r in results if r.stage.startswith("edit one record")), None)
    if edited is not None and edited.data.get("id"):
        show(measure_serve(papers, str(edited.data["marker"]), str(edited.data["id"]), timeout))
    return results


EDIT_STAGE = "edit one record, then bufferlit build"


def edit_and_rebuild(
    papers: Path, site: Path, build: list[str], timeout: float, runs: int
) -> list[Result]:
    """The incremental build's row: edit one record's title, rebuild, check page and search.

    Each run edits the same record again (a new marker word), so every rebuild has a change.
    """
    seconds: list[float] = []
    pages_live: list[float] = []
    cpu: list[float] = []
    peaks: list[float] = []
    checks: list[str] = []
    edit: dict[str, object] = {}
    for _ in range(runs):
        edit = measure("edit", stage_command("edit-one", str(papers)), timeout).data
        built = measure(EDIT_STAGE, build, timeout)
        if built.note:
            return [built]
        seconds.append(built.seconds or 0)
        pages_live.append(float(str(built.data.get("pages_seconds", "nan"))))
        cpu.append(built.cpu or 0)
        peaks.append(built.peak_mb or 0)
        page = site / "papers" / str(edit["id"]) / "index.html"
        shown = page.is_file() and str(edit["marker"]) in page.read_text(encoding="utf-8")
        found = find_in_search(["--site", str(site)], str(edit["marker"]), str(edit["id"]))
        checks.append(
            f"page {'shows' if shown else 'LACKS'} the edit, search "
            f"{'finds' if found else 'MISSES'} it"
        )
    ok = all(check == "page shows the edit, search finds it" for check in checks)
    note = (
        f"median of {runs}: {', '.join(f'{s:.1f}' for s in seconds)} s in all, pages live"
        f" after {median(pages_live):.1f} s (target 5); "
    ) + ("page and search show the edit every time" if ok else "; ".join(checks))
    row = Result(EDIT_STAGE, median(seconds), max(peaks), median(cpu), note, data=dict(edit))
    row.data["ok"] = ok
    row.data["pages_seconds"] = median(pages_live)
    print("  " + row.row(), flush=True)
    return [row]


def find_in_search(where: list[str], word: str, paper_id: str) -> bool:
    """bench/reader.py --find: does the header search for ``word`` list the paper?"""
    if where[0] == "--site":
        where = [where[1]]
    done = subprocess.run(
        [sys.executable, str(BENCH / "reader.py"), *where, "--find", word, "--expect", paper_id],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    return bool(lines) and bool(json.loads(lines[-1]).get("found"))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def measure_serve(papers: Path, word: str, paper_id: str, timeout: float) -> Result:
    """``bufferlit serve`` of the repository's mkdocs.yml over these papers: seconds until its
    search index is served, then whether the header search there finds the paper."""
    import socket
    from urllib.parse import urlsplit
    from urllib.request import urlopen

    import yaml

    config = BENCH.parent / "mkdocs.yml"
    root = urlsplit(yaml.safe_load(config.read_text(encoding="utf-8"))["site_url"]).path
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}{root}"
    command = [sys.executable, "-m", "bufferlit", "serve", "-f", str(config)]
    command += ["--papers", str(papers), "--port", str(port)]
    start = time.perf_counter()
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        ready = None
        while time.perf_counter() - start < timeout and server.poll() is None:
            try:
                with urlopen(base + "pagefind/pagefind-entry.json", timeout=5) as response:
                    if response.status == 200:
                        ready = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(1)
        if ready is None:
            return Result("serve: search in preview", note="FAILED: no search index served")
        found = find_in_search(["--url", base], word, paper_id)
        note = "header search finds the edited paper" if found else "FAILED: search misses it"
        return Result(
            "serve: search in preview",
            ready,
            note=note + " (seconds: until indexed)",
            data={"ok": found},
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _kb(count: object) -> str:
    return f"{float(count) / 1024:,.0f} KB"  # type: ignore[arg-type]


def describe_reader(data: dict[str, Any]) -> dict[str, str]:
    """One line per reader measurement (bench/reader.py's JSON)."""
    lines = {}
    for page in ("home", "catalogue"):
        if page in data:
            d = data[page]
            lines[f"{page} page"] = (
                f"{_kb(d['gzip_bytes'])} gzipped ({_kb(d['bytes'])} raw, {d['requests']}"
                f" requests), usable after {d['usable_ms']} ms; largest (gzip): "
                + ", ".join(f"{url} {_kb(size)}" for url, size in d["largest_gzip"].items())
            )
    if "facet_click" in data:
        d = data["facet_click"]
        lines["facet click"] = (
            f"list updated in {d['max_handler_ms']} ms (worst of {d['clicks']} clicks),"
            f" next frame {d['max_frame_ms']} ms"
        )
    if "material_search" in data:
        d = data["material_search"]
        lines["Material search"] = (
            f"index ready {d['index_ready_ms']} ms after navigation, then first result"
            f" {d['first_result_ms']} ms after typing; "
            f"{_kb(d['total_search_gzip_bytes'])} gzipped fetched for search"
            f" (index + worker, loaded with every page)"
        )
    if "pagefind_search" in data:
        d = data["pagefind_search"]
        fetched = d["fetched_by_query"]
        lines["Pagefind search"] = (
            f"first result {d['first_result_ms']} ms; {_kb(fetched['gzip_bytes'])} gzipped in"
            f" {fetched['requests']} requests for the query; {d['results']} results, first"
            f" {d['first_title']!r}; largest: "
            + ", ".join(f"{url} {_kb(size)}" for url, size in fetched["largest_gzip"].items())
        )
    if "filtered_catalogue" in data:
        d = data["filtered_catalogue"]
        lines["filtered catalogue"] = (
            f"?buffer_type=streaming drawn {d['median_ms']} ms after navigation (median;"
            f" runs {d['runs_ms']})"
        )
    if "header_search" in data:
        d = data["header_search"]
        lines["header search"] = (
            f"Enter to first result {d['median_ms_after_pause']} ms after a 1 s pause"
            f" (runs {d['runs_ms_after_pause']}), {d['median_ms_right_after_focus']} ms"
            f" right after focus (runs {d['runs_ms_right_after_focus']}); typed (a key every"
            f" {d['typed_key_delay_ms']} ms), {d['median_ms_typed_then_enter']} ms from Enter"
            f" (runs {d['runs_ms_typed_then_enter']}), {d['median_ms_typed_from_last_key']} ms"
            f" from the last letter without Enter (runs {d['runs_ms_typed_from_last_key']});"
            f" first {d['first_title']!r}"
        )
    return lines


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return "**met**" if value <= limit else f"**not met** ({value - limit:,.1f} over)"


def targets_table(count: int, results: list[Result]) -> list[str]:
    """The issue's table: each target with the figure measured here."""
    by_stage = {r.stage: r for r in results}
    edit = by_stage.get(EDIT_STAGE, Result(EDIT_STAGE))
    build = by_stage.get("build", Result("build"))
    reader = by_stage.get("reader (headless chromium)", Result("reader")).data
    serve = by_stage.get("serve: search in preview", Result("serve"))
    filtered = reader.get("filtered_catalogue", {})
    search = reader.get("header_search", {})
    assert isinstance(filtered, dict) and isinstance(search, dict)
    filtered_ms = filtered.get("median_ms")
    cold, warm = search.get("median_ms_right_after_focus"), search.get("median_ms_after_pause")
    checked = "page and search show the edit" if edit.data.get("ok") else "edit NOT shown"
    edit_s = edit.seconds
    pages_s = edit.data.get("pages_seconds")
    pages_s = float(pages_s) if isinstance(pages_s, int | float) else edit_s
    peak_gb = (build.peak_mb or 0) / 1024
    lines = [
        f"\n### Targets at N = {count:,} (medians of 5 where timings vary)\n",
        "| target | measured | status |",
        "| --- | ---: | --- |",
        f"| edit one record, then `bufferlit build`: pages, catalogue, downloads <= 5 s |"
        f" {_s(pages_s)} until the pages are live ({checked}) | {_verdict(pages_s, 5)} |",
        f"| ... and search updated too, <= 10 s in all | {_s(edit_s)} | {_verdict(edit_s, 10)} |",
        f"| catalogue: navigation until `?buffer_type=streaming` shows, <= 2 s |"
        f" {_ms(filtered_ms)} | {_verdict(_sec(filtered_ms), 2)} |",
        f"| header search: Enter to the first result, <= 500 ms | {_ms(warm)} after a 1 s"
        f" pause; {_ms(cold)} right after focus | {_verdict(_sec(warm), 0.5)}"
        f" (right after focus: {_verdict(_sec(cold), 0.5)}) |",
        f"| full build runs, <= 8 GB peak | {_s(build.seconds)}, {peak_gb:.2f} GB |"
        f" {'**failed**' if build.note else _verdict(peak_gb, 8)} |",
        f"| `bufferlit serve`: search works in preview | {serve.note or 'not run'} |"
        f" {'**met**' if serve.data.get('ok') else '**not met**'} |",
    ]
    return lines


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.1f} s"


def _ms(value: object) -> str:
    return "–" if value is None else f"{float(value):,.0f} ms"  # type: ignore[arg-type]


def _sec(value: object) -> float | None:
    return None if value is None else float(value) / 1000  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per stage")
    parser.add_argument("--no-site", action="store_true", help="skip build, search, reader")
    parser.add_argument("--no-reader", action="store_true", help="skip the browser stage")
    parser.add_argument("--edit-runs", type=int, default=5, help="edit+build runs (median)")
    parser.add_argument("--json", type=Path, help="also write every result here")
    args = parser.parse_args(argv)

    with_site = not args.no_site and site_available()
    print(
        f"bufferlit scale benchmark: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, sizes {args.sizes}"
        + ("" if with_site else "; site stages skipped" if args.no_site else f"; site: {NOT_BUILT}")
    )
    print("| stage | wall s | CPU s | peak MB | notes |\n| --- | ---: | ---: | ---: | --- |")
    everything: dict[str, list[dict[str, object]]] = {}
    for count in args.sizes:
        results = run_size(
            count, args.seed, args.timeout, with_site, not args.no_reader, args.edit_runs
        )
        timed = [
            r
            for r in results
            if r.seconds is not None
            and not r.stage.startswith(" ")
            and not r.stage.startswith(("edit one", "reader", "serve"))
        ]
        total = sum(r.seconds or 0 for r in timed)
        cpu = sum(r.cpu or 0 for r in timed)
        peak = max((r.peak_mb or 0 for r in timed), default=0)
        note = "ingest + validate + load/tag/export + build + search index"
        print("  " + Result("total", total, peak, cpu, note).row())
        if with_site:
            print("\n".join(targets_table(count, results)))
        everything[str(count)] = [r.__dict__ for r in results]
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
