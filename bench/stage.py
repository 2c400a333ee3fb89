"""One benchmark stage, run by bench/run.py in a fresh process so its peak memory is its own.

Prints one JSON object on the last line of standard output: the stage's own timings (seconds,
measured inside the process, imports included in ``total``) and what it produced.

    python bench/stage.py ingest LISTING PAPERS_DIR
    python bench/stage.py validate PAPERS_DIR
    python bench/stage.py tag-export PAPERS_DIR OUT_DIR
    python bench/stage.py edit-one PAPERS_DIR
    python bench/stage.py search-index PAPERS_DIR OUT_DIR [SHARD_PAGES]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def ingest(listing: str, papers_dir: str) -> dict[str, object]:
    from bufferlit.ingest import ingest_listing

    start = time.perf_counter()
    report = ingest_listing(Path(listing), Path(papers_dir), today=dt.date(2026, 1, 1))
    return {
        "ingest": time.perf_counter() - start,
        "new": len(report.new),
        "present": len(report.present),
        "problems": len(report.problems),
    }


def validate(papers_dir: str) -> dict[str, object]:
    from bufferlit.records import load_papers

    start = time.perf_counter()
    papers = load_papers(Path(papers_dir))
    return {"validate": time.perf_counter() - start, "papers": len(papers)}


def tag_export(papers_dir: str, out_dir: str) -> dict[str, object]:
    from bufferlit.cite import to_bibtex
    from bufferlit.export import to_csv, to_json
    from bufferlit.records import load_papers
    from bufferlit.tagger import tag_papers

    timings: dict[str, object] = {}
    start = time.perf_counter()
    papers = load_papers(Path(papers_dir))
    timings["load"] = time.perf_counter() - start
    start = time.perf_counter()
    entries = tag_papers(papers)
    timings["tag"] = time.perf_counter() - start
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    start = time.perf_counter()
    for name, text in (
        ("papers.bib", to_bibtex(papers)),
        ("papers.json", to_json(entries)),
        ("catalogue.csv", to_csv(entries)),
    ):
        (out / name).write_text(text, encoding="utf-8")
        sizes[name] = len(text.encode("utf-8"))
    timings["export"] = time.perf_counter() - start
    types: dict[str, int] = {}
    for entry in entries:
        key = str(entry.tagging.buffer_type)
        types[key] = types.get(key, 0) + 1
    timings["sizes"] = sizes
    timings["buffer_types"] = types
    return timings


def edit_one(papers_dir: str) -> dict[str, object]:
    """Change one record the way a curator would: its title, with a marker word that is in
    no other record, so the rebuilt page and the search index can be checked for the edit."""
    import yaml

    paths = sorted(Path(papers_dir).glob("*.yaml"))
    path = paths[len(paths) // 2]
    text = path.read_text(encoding="utf-8")
    record = yaml.safe_load(text)
    base = str(record["title"]).split(" Editmark")[0]
    marker = f"Editmark{time.time_ns() // 1_000_000}"
    title = f"{base} {marker}"
    lines = [
        f"title: {json.dumps(title, ensure_ascii=False)}" if line.startswith("title:") else line
        for line in text.splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"edited": path.name, "id": record["id"], "marker": marker, "title": title}


def search_index(papers_dir: str, out_dir: str, shard_pages: str = "") -> dict[str, object]:
    """The search stage alone: index every paper into OUT_DIR/pagefind (as a first build
    does), then again after one paper's title changed (as an edit's build does)."""
    import dataclasses
    import resource

    from bufferlit.site import search
    from bufferlit.site.context import paper_page
    from bufferlit.site.inputs import InputCache
    from bufferlit.tagger import DOMAINS

    if shard_pages:
        search.SHARD_PAGES = int(shard_pages)
    entries = InputCache(None, "").entries(Path(papers_dir))
    start = time.perf_counter()
    pages = [
        search.search_page(
            entry, search.page_url(paper_page(entry.paper.id)[:-2] + "html"), DOMAINS, "en"
        )
        for entry in entries
    ]
    timings: dict[str, object] = {"documents": time.perf_counter() - start}
    bundle = Path(out_dir) / "pagefind"
    start = time.perf_counter()
    index = search.index_site(pages, bundle)
    timings["index_all"] = time.perf_counter() - start
    timings["shards"] = index.shards
    middle = len(entries) // 2
    entry = entries[middle]
    edited = dataclasses.replace(entry.paper, title=entry.paper.title + " Editmark")
    url = pages[middle].url
    pages[middle] = search.search_page(dataclasses.replace(entry, paper=edited), url, DOMAINS, "en")
    start = time.perf_counter()
    again = search.index_site(pages, Path(out_dir) / "again" / "pagefind", bundle)
    timings["index_after_edit"] = time.perf_counter() - start
    timings["kept_shards"] = len(again.kept)
    timings["peak_mb_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings["peak_mb_pagefind"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return timings


STAGES = {"ingest": ingest, "validate": validate, "tag-export": tag_export, "edit-one": edit_one}
STAGES["search-index"] = search_index


def main() -> None:
    name, *args = sys.argv[1:]
    result = STAGES[name](*args)
    result["total"] = time.perf_counter() - STARTED
    print(json.dumps(result))


if __name__ == "__main__":
    main()
