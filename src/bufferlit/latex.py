"""Turn the LaTeX leftovers that scrapers leave in titles and abstracts into plain Unicode text.

Only the handful of constructs that appear in scraped arXiv abstracts are handled; anything
else is left as it is rather than guessed at. Each rule is a (pattern, replacement) pair in
a plain list, applied in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Accent commands -> combining characters (\"o -> ö, \'e -> é, \c{c} -> ç).
ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
SYMBOLS = {
    "times": "×",
    "cdot": "·",
    "approx": "≈",
    "sim": "~",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "pm": "±",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "infty": "∞",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "lambda": "λ",
    "mu": "μ",
    "sigma": "σ",
    "ldots": "…",
    "dots": "…",
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "aa": "å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
}
# Commands whose argument is kept as plain text (formatting only).
TEXT_COMMANDS = "textbf|textit|emph|texttt|textsc|textrm|mathrm|mathbf|mathit|text|mbox|underline"
# Declarations that switch font or size until the group ends: dropped, their text kept.
DECLARATIONS = "bf|it|em|tt|sc|rm|sf|small|footnotesize|scriptsize|tiny|large|Large|normalsize"

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _accent(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", match["letter"] + ACCENTS[match["accent"]])


def _symbol(match: re.Match[str]) -> str:
    return SYMBOLS.get(match["name"], match[0])


RULES: list[Rule] = [
    # \url{ X } and \href{X}{text}: keep the address (and the text for href).
    (re.compile(r"\\url\{\s*([^{}]*?)\s*\}"), r"\1"),
    (re.compile(r"\\href\{\s*([^{}]*?)\s*\}\{([^{}]*)\}"), r"\2 (\1)"),
    (re.compile(rf"\\(?:{TEXT_COMMANDS})\{{([^{{}}]*)\}}"), r"\1"),
    (re.compile(rf"\\(?:{DECLARATIONS})\b\s*"), ""),
    # Accents, braced or not: \"{o}, \"o, {\"o}, \c{c}.
    (
        re.compile(r"\{?\\(?P<accent>[\"'`^~=.])\{?(?P<letter>[A-Za-z])\}?\}?"),
        _accent,
    ),
    (re.compile(r"\{?\\(?P<accent>[uvHckr])\{(?P<letter>[A-Za-z])\}\}?"), _accent),
    # Math: $3\times$ -> 3×; \sim, \leq ... anywhere.
    (re.compile(r"\\(?P<name>[A-Za-z]+)\b\s?"), _symbol),
    (re.compile(r"\\([%&#_$])"), r"\1"),
    (re.compile(r"``"), "“"),
    (re.compile(r"''"), "”"),
    (re.compile(r"(?<![\w\\])\$([^$]{1,40})\$"), r"\1"),
    (re.compile(r"---"), "—"),
    (re.compile(r"(?<=\s)--(?=\s)"), "–"),
    # Braces left around plain words ({\small X} after the declaration went: {X} -> X).
    (re.compile(r"\{([^{}\\]*)\}"), r"\1"),
]


def clean_latex(text: str) -> str:
    """Plain Unicode text from a string with LaTeX leftovers; whitespace collapsed."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    # Scrapers drop the $...$ around \times, leaving "3times": the caller cannot know, but
    # "<digit>times" is never an English word.
    text = re.sub(r"(?<=\d)times\b", "×", text)
    return re.sub(r"\s+", " ", text).strip()
