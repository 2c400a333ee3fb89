"""Search stage: the Pagefind index of the built site, made before the site is swapped in.

Only paper pages are indexed (their main content carries ``data-pagefind-body``), so a query
loads Pagefind's wasm, one index chunk and a small fragment per shown result, whatever the
size of the catalogue. Readers search through Pagefind's own UI on the site's search page,
served from the site itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
import subprocess
import sys
from pathlib import Path

from bufferlit.errors import BuildFailed

BUNDLE = "pagefind"
PAPER_PAGES = "papers/*/index.html"
TIMEOUT_SECONDS = 1800


def index_site(site: Path, bundle: Path | None = None) -> bool:
    """Index the paper pages of ``site`` into ``bundle`` (default ``site/pagefind/``); False
    when there is no paper page to index.

    Raises BuildFailed when Pagefind is missing or fails (the caller keeps the old site).
    """
    if next(site.glob(PAPER_PAGES), None) is None:
        return False
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", PAPER_PAGES]
    bundle = bundle or site / BUNDLE
    command += ["--output-path", str(bundle), "--quiet"]
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
    check_index(bundle)
    return True


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
