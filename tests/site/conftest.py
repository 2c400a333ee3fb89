"""Fixtures for the site tests: small temp projects, the built real site, a local server,
headless Debian chromium."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from tests.helpers import CHROMIUM, LAUNCH_ARGS, serve_directory

from bufferlit.model import Entry
from bufferlit.records import load_papers

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request

REPO = Path(__file__).resolve().parents[2]

# Every record field is untrusted: this title tries HTML, script-closing, Markdown, Jinja and
# a javascript: link at once. It must come out as literal text everywhere. (A title is one
# line, so U+2028, which would end a line of inline script, is refused by the loader; the
# embedded JSON's escaping of it is tested on script_json directly.)
HOSTILE_TITLE = (
    "</script><script>alert(1)</script> <b>bold</b> {{ 7*7 }} {% raw %} | *star* "
    '[x](javascript:alert(1)) & Ampersand "quoted"'
)
HOSTILE_ID = "evil2024hostile"


def record_yaml(
    paper_id: str,
    title: str,
    abstract: str,
    *,
    authors: tuple[str, ...] = ("Doe, Jane",),
    year: int = 2024,
    added: str = "2026-01-01",
    **extra: object,
) -> str:
    """A valid record; values are written as JSON, which is YAML, so any text is safe."""
    fields: dict[str, object] = {
        "id": paper_id,
        "title": title,
        "authors": list(authors),
        "year": year,
        "added": added,
        **extra,
        "abstract": abstract,
    }
    return "\n".join(f"{key}: {json.dumps(value)}" for key, value in fields.items()) + "\n"


SMALL_CATALOGUE: dict[str, str] = {
    "shinn2023reflexion.yaml": record_yaml(
        "shinn2023reflexion",
        "Reflexion: Language Agents with Verbal Reinforcement Learning",
        "Agents reflect on feedback and maintain their own reflective text in an episodic "
        "memory buffer to induce better decision-making in subsequent trials.",
        authors=("Shinn, Noah", "Cassano, Federico"),
        year=2023,
        added="2026-03-01",
        code=["https://github.com/noahshinn/reflexion"],
    ),
    "rolnick2019replay.yaml": record_yaml(
        "rolnick2019replay",
        "Experience Replay for Continual Learning",
        "We store past experiences in a replay buffer and rehearse them to reduce "
        "catastrophic forgetting in continual reinforcement learning.",
        authors=("Rolnick, David",),
        year=2019,
        venue="NeurIPS",
        added="2026-02-01",
    ),
    "wei2025online.yaml": record_yaml(
        "wei2025online",
        "Online Learning without a Replay Buffer",
        "A task-free online continual learning method that works without a rehearsal "
        "buffer, avoiding the memory cost of storing samples.",
        authors=("Wei, Xiwen",),
        year=2025,
        added="2026-01-15",
    ),
    "sram2023double.yaml": record_yaml(
        "sram2023double",
        "Double Buffering On-Chip SRAM for Accelerators",
        "Our accelerator double-buffers tiles in on-chip SRAM scratchpads to hide DRAM latency.",
        authors=("Lee, Kim",),
        year=2023,
        venue="ISCA",
    ),
    f"{HOSTILE_ID}.yaml": record_yaml(
        HOSTILE_ID,
        HOSTILE_TITLE,
        "An abstract with <img src=x onerror=alert(2)> and a replay buffer.",
        authors=("<Script>, Eve", "O'Brien, Pat"),
        year=2024,
        added="2026-04-01",
    ),
}


def write_records(folder: Path, records: dict[str, str]) -> Path:
    """Write {filename: yaml} into ``folder`` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in records.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


MKDOCS_YML = """\
site_name: testlit
site_url: https://example.org/testlit/
theme:
  name: material
  font: false
  features: [navigation.instant]
plugins:
  - bufferlit:
      papers: papers
      repo_url: https://github.com/example/testlit
{extra}
"""


# ---------------------------------------------------------------------------------------------
# The real site (the catalogue's records plus the hostile one), built once per session.


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(site_dir, papers_dir) of the repository's site, built with the repository's mkdocs.yml."""
    from bufferlit.site.build import build_site

    root = tmp_path_factory.mktemp("real-site")
    papers = root / "papers"
    shutil.copytree(REPO / "papers", papers)
    write_records(papers, {f"{HOSTILE_ID}.yaml": SMALL_CATALOGUE[f"{HOSTILE_ID}.yaml"]})
    site = root / "site"
    build_site(REPO / "mkdocs.yml", site_dir=site, papers_dir=papers, strict=True)
    return site, papers


@pytest.fixture(scope="session")
def site_url(built_site: tuple[Path, Path]) -> Iterator[str]:
    with serve_directory(built_site[0]) as base_url:
        yield base_url + "/"


@pytest.fixture(scope="session")
def entries(built_site: tuple[Path, Path]) -> list[Entry]:
    from bufferlit.tagger import tag_papers

    return tag_papers(load_papers(built_site[1]))


SHOTS = Path("/tmp/bufferlit-shots")
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


# ---------------------------------------------------------------------------------------------
# Browser fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Per module, not per session: Playwright's sync API refuses to start while another sync
    # driver still runs, and the hostile browser tests start their own after these modules.
    if not CHROMIUM.exists():
        # A missing browser is a broken setup, not a reason to pass: fail loudly.
        pytest.fail(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site_url: str) -> Iterator[Page]:
    """A desktop page that fails the test on a console error or a request to another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    tab.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # An alert() from a record would mean injected script ran.
    tab.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    def check_request(request: Request) -> None:
        url = request.url
        parts = urlsplit(url)
        if parts.scheme in ("blob", "data"):
            return
        if parts.hostname != "127.0.0.1":
            foreign.append(url)

    tab.on("request", check_request)
    yield tab
    context.close()
    assert not errors, f"console errors: {errors}"
    assert not foreign, f"requests to other hosts: {foreign}"


def visible_ids(tab: Page) -> set[str]:
    return set(
        tab.eval_on_selector_all(
            ".bl-papers > li[data-paper-id]",
            # What a reader sees, not just the hidden attribute: a CSS rule once showed
            # hidden rows because it outranked [hidden].
            "rows => rows.filter(row => row.checkVisibility()).map(row => row.dataset.paperId)",
        )
    )


def open_catalogue(tab: Page, site_url: str, query: str = "") -> None:
    tab.goto(f"{site_url}catalogue/{query}")
    tab.wait_for_selector("[data-bl-catalogue][data-bl-ready]")


def settled(tab: Page) -> None:
    """Wait until the catalogue's list shows what the form asks for: it is aria-busy while
    the rows or titles it needs are being fetched."""
    tab.wait_for_selector(".bl-papers:not([aria-busy])", state="attached")
