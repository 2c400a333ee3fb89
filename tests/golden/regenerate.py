"""Golden files: what the site says about the six-paper catalogue in ``catalogue/``.

``site/`` holds every file ``generate_site`` makes, under its own name: the content area of
each generated page (``index.md`` -> ``index.html``; Material's chrome is not in it, so a
Material release changes nothing here) and every download. ``page-meta.json`` holds each
page's ``page.meta`` (its escaped title and the chrome it hides).

After a change that is meant to change the site, rewrite them and read the diff::

    python -m tests.golden.regenerate

Nothing here depends on the clock: the records carry their ``added`` dates and the feed's
dates come from them.
"""

from __future__ import annotations

import json
from pathlib import Path

from bufferlit.records import load_papers
from bufferlit.site.pages import SiteOptions, generate_site
from bufferlit.tagger import DOMAINS, tag_papers

GOLDEN = Path(__file__).resolve().parent
CATALOGUE = GOLDEN / "catalogue"
SITE = "site"
PAGE_META = "page-meta.json"
COMMAND = "python -m tests.golden.regenerate"

OPTIONS = SiteOptions(
    site_name="goldenlit",
    site_url="https://example.org/goldenlit/",
    repo_url="https://github.com/example/goldenlit",
    docs_pages=frozenset({"about.md", "taxonomy.md"}),
)


def golden_path(src_uri: str) -> str:
    """Where a generated file's golden copy lives, relative to this folder."""
    name = src_uri[: -len(".md")] + ".html" if src_uri.endswith(".md") else src_uri
    return f"{SITE}/{name}"


def generated() -> dict[str, str]:
    """Golden path -> the text the code makes now, for the fixture catalogue."""
    entries = tag_papers(load_papers(CATALOGUE))
    files: dict[str, str] = {}
    meta: dict[str, object] = {}
    for item in generate_site(entries, DOMAINS, OPTIONS):
        if item.page is None:
            files[golden_path(item.src_uri)] = item.content
        else:
            files[golden_path(item.src_uri)] = item.page.html
            meta[item.src_uri] = dict(item.page.meta)
    files[PAGE_META] = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return files


def stored() -> dict[str, str]:
    """Golden path -> the text stored in this folder."""
    paths = [GOLDEN / PAGE_META, *sorted((GOLDEN / SITE).rglob("*"))]
    return {path.relative_to(GOLDEN).as_posix(): _read(path) for path in paths if path.is_file()}


def _read(path: Path) -> str:
    # Byte for byte: no newline translation, so a stray \r is a difference.
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def main() -> None:
    files = generated()
    old = stored()
    for name in sorted(set(old) - set(files)):
        (GOLDEN / name).unlink()
    for name, text in files.items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    for folder in sorted((GOLDEN / SITE).rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    changed = sorted(name for name in files if old.get(name) != files[name])
    removed = sorted(set(old) - set(files))
    print(f"{len(files)} golden files; {len(changed)} written, {len(removed)} removed")
    for name in changed:
        print(f"  {'changed' if name in old else 'new'}: {name}")
    for name in removed:
        print(f"  removed: {name}")


if __name__ == "__main__":
    main()
