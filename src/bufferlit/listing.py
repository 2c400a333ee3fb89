"""Reader for scraped paper listings: a title line, then its abstract line, repeated.

Scrapers leave junk ("Get trending papers in your email inbox!", a "Subscribe" glued to the
first title), LaTeX leftovers and URLs with trailing punctuation. This module turns such a
listing into clean (title, abstract, code) entries and reports, with its line number, every
line it cannot place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bufferlit.latex import clean_latex
from bufferlit.model import Problem

# Whole lines a scraper adds around the listing: dropped without a word.
JUNK_LINES = [
    re.compile(r"^get trending papers\b.*$", re.IGNORECASE),
    re.compile(r"^(subscribe|sign in|log in|upvote|\d+ upvotes?|share|submitted by .*)$", re.I),
]
# Junk glued to the start of a title: "SubscribeA Distractor-Aware Memory ..."
JUNK_PREFIX = re.compile(r"^(?:Subscribe|Upvote|\d+\s*upvotes?)(?=[A-Z0-9])")

URL = re.compile(r"https?://[^\s<>\"'{}|\\^`]+", re.IGNORECASE)
TRAILING_URL_PUNCTUATION = ".,;:!?)]}'\""

MIN_TITLE_CHARS = 8
MAX_TITLE_CHARS = 300
MAX_TITLE_WORDS = 40
MIN_ABSTRACT_CHARS = 150


@dataclass(frozen=True)
class ListingEntry:
    title: str
    abstract: str
    code: tuple[str, ...]
    """Code and project URLs found in the abstract, cleaned."""
    line: int
    """Line of the title in the listing (1-based)."""


@dataclass(frozen=True)
class ListingResult:
    source: str
    entries: tuple[ListingEntry, ...]
    problems: tuple[Problem, ...]
    junk_lines: int


def clean_url(url: str) -> str:
    """Strip the punctuation a sentence put after a URL, and a trailing .git."""
    url = url.rstrip(TRAILING_URL_PUNCTUATION)
    # Keep a closing parenthesis that belongs to the URL (wiki-style links).
    if url.count("(") > url.count(")") and url.endswith("("):
        url = url[:-1]
    url = re.sub(r"\.git/?$", "", url)
    return url.rstrip("/") if url.count("/") > 3 else url


def extract_urls(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in URL.finditer(text):
        url = clean_url(match[0])
        if "." in url.split("//", 1)[-1]:
            seen.setdefault(url, None)
    return tuple(seen)


def _kind(line: str) -> str:
    """'title', 'abstract' or 'garbage' from the shape of one cleaned line."""
    if len(line) >= MIN_ABSTRACT_CHARS and (line.count(". ") >= 1 or len(line) > MAX_TITLE_CHARS):
        return "abstract"
    words = line.split()
    # Scripts written without spaces (Chinese, Japanese) make one-"word" titles.
    unspaced = not line.isascii() and re.search(r"[^\W\d_]{4}", line)
    if (
        (len(line) >= MIN_TITLE_CHARS or unspaced)
        and len(line) <= MAX_TITLE_CHARS
        and (len(words) >= 2 or unspaced)
        and len(words) <= MAX_TITLE_WORDS
        and re.search(r"[^\W\d_]{2}", line)
    ):
        return "title"
    return "garbage"


def _content_lines(text: str) -> tuple[list[tuple[int, str, str]], int]:
    """(line number, cleaned line, its kind) of every line that is not blank or junk, and
    the number of junk lines dropped."""
    lines, junk = [], 0
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if any(pattern.match(line) for pattern in JUNK_LINES):
            junk += 1
            continue
        line = JUNK_PREFIX.sub("", line)
        lines.append((number, line, _kind(line)))
    return lines, junk


def _is_abstract(kind: str, following: str | None) -> bool:
    """Is a line of ``kind`` that comes right after a title that title's abstract?

    Lines alternate, so it is, unless it is garbage, or it is shaped like a title and the
    line after it is shaped like an abstract: then this title's abstract is missing and the
    line starts the next paper. Shape (length, sentences) only recovers from a missing
    line; a one-sentence abstract that a title follows is read as the abstract it is."""
    if kind == "abstract":
        return True
    return kind == "title" and following != "abstract"


def parse_listing(text: str, source: str = "<listing>") -> ListingResult:
    """Parse a scraped listing; never raises for bad content, reports it instead."""
    entries: list[ListingEntry] = []
    problems: list[Problem] = []
    pending: tuple[int, str] | None = None  # a title waiting for its abstract
    lines, junk = _content_lines(text)
    for index, (number, line, kind) in enumerate(lines):
        following = lines[index + 1][2] if index + 1 < len(lines) else None
        if pending is not None and _is_abstract(kind, following):
            abstract = clean_latex(line)
            entries.append(ListingEntry(pending[1], abstract, extract_urls(abstract), pending[0]))
            pending = None
        elif kind == "title":
            if pending is not None:  # two titles in a row: the first lost its abstract
                problems.append(_orphan(source, pending))
            pending = (number, clean_latex(line))
        elif kind == "abstract":
            problems.append(
                Problem(source, number, "title", f"abstract without a title: {line[:60]!r}...")
            )
        else:
            problems.append(Problem(source, number, "", f"cannot parse this line: {line[:60]!r}"))
    if pending is not None:
        problems.append(_orphan(source, pending))
    return ListingResult(source, tuple(entries), tuple(problems), junk)


def _orphan(source: str, pending: tuple[int, str]) -> Problem:
    return Problem(source, pending[0], "abstract", f"title {pending[1]!r} has no abstract")
