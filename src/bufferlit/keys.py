"""Citation keys: first author's surname + year + first significant title word.

A key never changes once assigned: ingest picks one for a new record and nothing renames it
afterwards except the deliberate ``bufferlit rekey`` command. When a new key collides with an
existing one the new paper gets a suffix (``b``, ``c``...); the older paper keeps its key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

STOPWORDS = frozenset(
    """a an the on of in for to and or with via from by at as is are be do does towards toward
    how what when why which can your our we its into over under using""".split()
)


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", ascii_fold(text).lower())


def title_slug(title: str, max_words: int = 6) -> str:
    """A slug of the title, the key while authors are unknown."""
    words = [word for word in _words(title) if word not in STOPWORDS] or _words(title)
    return "-".join(words[:max_words]) or "untitled"


MAX_SLUG_CHARS = 64
"""Ids may be 80 characters; a provisional id leaves room for the suffix of ``unique_key``."""


def provisional_key(title: str) -> str:
    """The id of a paper whose authors are unknown: its title slug, cut at a word."""
    slug = title_slug(title)
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    cut = slug[:MAX_SLUG_CHARS]
    return cut.rsplit("-", 1)[0] if "-" in cut else cut


def new_key(title: str, surname: str, year: int | None) -> str:
    """The key a new paper gets: its citation key when authors and year are known."""
    return citation_key(surname, year, title) if surname and year else provisional_key(title)


def citation_key(surname: str, year: int, title: str) -> str:
    """``shinn2023reflexion`` from ("Shinn", 2023, "Reflexion: Language Agents ...")."""
    name = "".join(_words(surname)) or "anon"
    significant = [word for word in _words(title) if word not in STOPWORDS and not word.isdigit()]
    return f"{name}{year}{significant[0] if significant else ''}"


def unique_key(base: str, taken: Collection[str]) -> str:
    """``base`` if free, else ``base`` + b, c, ... (the first holder keeps the bare key)."""
    if base not in taken:
        return base
    for suffix in "bcdefghijklmnopqrstuvwxyz":
        if f"{base}{suffix}" not in taken:
            return f"{base}{suffix}"
    index = 2
    while f"{base}-{index}" in taken:
        index += 1
    return f"{base}-{index}"
