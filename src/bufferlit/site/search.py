"""Search stage: the Pagefind index of the built site, made before the site is swapped in.

Only paper pages are indexed (their main content carries ``data-pagefind-body``), so a query
loads Pagefind's wasm, one index chunk and a small fragment per shown result, whatever the
size of the catalogue. Readers search through Pagefind's own UI on the site's search page,
served from the site itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bufferlit.errors import BuildFailed

BUNDLE = "pagefind"
PAPER_PAGES = "papers/*/index.html"
TIMEOUT_SECONDS = 1800


def index_site(site: Path) -> bool:
    """Write ``site/pagefind/``; False when there is no paper page to index.

    Raises BuildFailed when Pagefind is missing or fails (the caller keeps the old site).
    """
    if next(site.glob(PAPER_PAGES), None) is None:
        return False
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", PAPER_PAGES]
    command += ["--output-subdir", BUNDLE, "--quiet"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        message = f"search index (pagefind) failed; the previous site was kept.\n{error}"
        raise BuildFailed(message) from error
    if done.returncode != 0 or not (site / BUNDLE / "pagefind-ui.js").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BuildFailed(
            "search index (pagefind) failed; the previous site was kept.\n"
            + ("\n".join(detail) or f"exit status {done.returncode}")
        )
    return True
