"""Did-you-mean hints for a mistyped field name, vocabulary value or paper id."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

# fuzz.ratio: "kv-cache" -> "kv-context" scores 56, "shinn2023reflxion" -> "shinn2023reflexion"
# 97; "cache" and "buffer" stay under 50 against every buffer type, so no guess is offered.
HINT_SCORE = 50


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    """'; did you mean 'X'?' naming the closest of ``choices`` to a mistyped ``text``, or ''."""
    hint = process.extractOne(text, list(choices), scorer=fuzz.ratio, score_cutoff=HINT_SCORE)
    return f"; did you mean {hint[0]!r}?" if hint else ""
