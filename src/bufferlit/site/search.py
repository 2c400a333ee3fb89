"""Search stage: the Pagefind index of the built site, made before the site is swapped in.

Only paper pages are indexed (their main content carries ``data-pagefind-body``), so a query
loads Pagefind's wasm, one index chunk and a small fragment per shown result, whatever the
size of the catalogue. Readers search through the header's panel and Pagefind's own UI on the
site's search page, served from the site itself.

Pagefind holds the whole index in memory while it writes it (~85 KB per paper page: 851 MB at
10,000 papers, ~8.5 GB at 100,000). A catalogue of more than SHARD_PAGES papers is therefore
indexed in shards, one Pagefind run per group of papers (grouped by the first letter of their
id), each into its own bundle: ``pagefind/`` and ``pagefind/shard-2/``... The browser merges
them (Pagefind's ``mergeIndex``), reading their list from ``pagefind/bufferlit-shards.json``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bufferlit.errors import BuildFailed
from bufferlit.site import addresses

BUNDLE = addresses.SEARCH_BUNDLE
SHARDS_FILE = "bufferlit-shards.json"
PAPER_PAGES = addresses.paper_html("*")
SHARD_PAGES = 40_000
"""Most paper pages per Pagefind run (~3.4 GB of memory for that run)."""
TIMEOUT_SECONDS = 1800


def index_site(site: Path, bundle: Path | None = None) -> bool:
    """Index the paper pages of ``site`` into ``bundle`` (default ``site/pagefind/``) and its
    shards; False when there is no paper page to index.

    Raises BuildFailed when Pagefind is missing or fails (the caller keeps the old site).
    """
    groups = shard_globs(site)
    if not groups:
        return False
    bundle = bundle or site / BUNDLE
    extra: list[str] = []
    for number, pattern in enumerate(groups, start=1):
        output = bundle if number == 1 else bundle / f"shard-{number}"
        _run_pagefind(site, pattern, output)
        if number > 1:
            extra.append(f"shard-{number}/")
    # Bundle paths relative to the main bundle, for the browser's mergeIndex.
    (bundle / SHARDS_FILE).write_text(json.dumps(extra) + "\n", encoding="utf-8")
    return True


def shard_globs(site: Path) -> list[str]:
    """Globs of paper pages, at most SHARD_PAGES pages each (one glob when they all fit)."""
    first_letters = Counter(path.parent.name[:1] for path in site.glob(PAPER_PAGES))
    if not first_letters:
        return []
    if sum(first_letters.values()) <= SHARD_PAGES:
        return [PAPER_PAGES]
    groups: list[list[str]] = [[]]
    size = 0
    for letter in sorted(first_letters):
        if groups[-1] and size + first_letters[letter] > SHARD_PAGES:
            groups.append([])
            size = 0
        groups[-1].append(letter)
        size += first_letters[letter]
    # Paper ids are [a-z0-9] slugs (records refuse others), so each letter is literal in [...].
    return [addresses.paper_html(f"[{''.join(group)}]*") for group in groups]


def _run_pagefind(site: Path, pattern: str, output: Path) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", pattern]
    command += ["--output-path", str(output), "--quiet"]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            preexec_fn=_die_with_parent,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildFailed(f"search index (pagefind) failed: {error}") from error
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BuildFailed(
            "search index (pagefind) failed:\n"
            + ("\n".join(detail) or f"exit status {done.returncode}")
        )
    check_index(output)


def _die_with_parent() -> None:
    """In the Pagefind child: end when the build ends, even if the build is killed (Linux's
    PR_SET_PDEATHSIG; elsewhere a no-op). ``python -m pagefind`` execs the binary in the same
    process, and the setting survives that exec."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1


def check_index(bundle: Path) -> None:
    """Pagefind may exit 0 having written nothing usable (seen on a full disk): its entry
    file must parse, and each language's metadata and one fragment per page must exist."""
    entry = bundle / "pagefind-entry.json"
    try:
        languages = json.loads(entry.read_text(encoding="utf-8"))["languages"]
        expected = {
            f"pagefind.{language['hash']}.pf_meta": int(language["page_count"])
            for language in languages.values()
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BuildFailed(f"search index (pagefind) is broken: {entry.name}: {error}") from None
    missing = [name for name in expected if not (bundle / name).is_file()]
    fragments = sum(1 for _ in (bundle / "fragment").glob("*.pf_fragment"))
    if missing or fragments < sum(expected.values()):
        raise BuildFailed(
            f"search index (pagefind) is incomplete: {missing or 'fragments'} missing"
            f" ({fragments} fragments for {sum(expected.values())} pages)"
        )
