"""Compiling many rule patterns into one fast regex, and the text it is matched in.

Python's ``re`` has no multi-pattern matcher; a plain alternation of hundreds of patterns
tries each one at every word. ``Alternation`` arranges the same patterns so that the engine
rejects almost all of them with a one-character check (see its docstring), which is what
keeps tagging 10,000 abstracts around a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_SEPARATOR = r"[\s-]?"  # what a space in a rule pattern matches
_GROUP_START = "(?:"


class Alternation:
    """Many patterns compiled into ONE regex, matched in ``scan_text(text)``.

    Python's regex engine tries the alternatives of a ``|`` one by one, at every word. To
    make that cheap, each alternative is first rewritten to start with a literal character
    ("(?:stack|heap) buffer" becomes "stack buffer" and "heap buffer"), then alternatives
    sharing leading characters are nested as a prefix tree ("b(?:u(?:ffer...|...)|...)"):
    the engine skips a branch whose first literal differs from the text without entering
    it, so at each word it looks at a handful of branches, not hundreds. Alternatives that
    could match at the same place keep their list order, so the earlier rule still wins.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        alternatives: list[tuple[int, str]] = []
        for index, pattern in enumerate(patterns):
            _check_pattern(pattern)
            for alternative in _split_top(pattern.replace(" ", _SEPARATOR)):
                alternatives += [(index, x) for x in _leading_literals(alternative, pattern)]
        self.rule_of_group = [-1]  # group numbers start at 1
        # Each match starts at the character BEFORE its word (a separator): a character
        # class the engine can skip through quickly, unlike \b. See ``scan_text``.
        self.regex = re.compile(r"[^a-z0-9_](?:" + self._tree(alternatives, 0) + r")\b")

    def _tree(self, alternatives: list[tuple[int, str]], depth: int) -> str:
        heads = [
            rest[0] if depth < _TREE_DEPTH and _is_literal_head(rest) else ""
            for _, rest in alternatives
        ]
        # Alternatives with different first characters never match at the same place, so
        # when all have one they can be grouped by it in any order; otherwise only
        # neighbours are merged, which keeps the order of those that could compete.
        anywhere = all(heads)
        items: list[tuple[str, list[tuple[int, str]]]] = []  # (shared literal or "", members)
        by_head: dict[str, list[tuple[int, str]]] = {}
        for (index, rest), head in zip(alternatives, heads, strict=True):
            if head and anywhere and head in by_head:
                by_head[head].append((index, rest[1:]))
            elif head and not anywhere and items and items[-1][0] == head:
                items[-1][1].append((index, rest[1:]))
            else:
                items.append((head, [(index, rest[1:] if head else rest)]))
                by_head.setdefault(head, items[-1][1])
        parts = []
        for head, members in items:
            if head:
                parts.append(re.escape(head) + "(?:" + self._tree(members, depth + 1) + ")")
            else:
                ((index, rest),) = members
                self.rule_of_group.append(index)
                # An empty group at the END names the alternative (match.lastindex); at the
                # start it would hide the leading literal from the engine's quick check.
                parts.append(rest + "()")
        return "|".join(parts)

    def finditer(self, text: str) -> Iterator[tuple[int, int, int]]:
        """(rule index, start, end) of each match in ``text``, offsets into ``text``."""
        for match in self.regex.finditer(scan_text(text)):
            # The match includes the separator before the word, which is at the word's
            # offset in ``text`` (scan_text prepends one character).
            yield self.rule_of_group[match.lastindex or 0], match.start(), match.end() - 1


_TREE_DEPTH = 4  # literal levels of the prefix tree; deeper gains little (measured: 2 -> 4, -5%)


def _is_literal_head(rest: str) -> bool:
    """Does ``rest`` start with a plain character that no quantifier makes optional?"""
    return rest[:1].isalnum() and rest[1:2] not in ("?", "*", "+", "{")


def scan_text(text: str) -> str:
    """The copy of ``text`` that rules are matched in: a space, then ``text`` lowercased.

    Offsets are kept (so a match at ``i`` in the copy starts at ``i`` in ``text`` once the
    separator is counted): characters that lengthen when lowercased stay as they are, and
    other non-ASCII characters become "x" (letters, digits) or a space (punctuation such as
    curly quotes and dashes), so that ASCII classes tell words from separators exactly.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    if not lowered.isascii():
        lowered = _NON_ASCII.sub(_ascii_stand_in, lowered)
    return " " + lowered


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii_stand_in(match: re.Match[str]) -> str:
    return "x" if match.group().isalnum() else " "


def _check_pattern(pattern: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"rule pattern {pattern!r} is not a valid regex: {error}") from None
    if compiled.groups:
        raise ValueError(f"rule pattern {pattern!r} has a capturing group: write (?:...)")
    if re.search(r"(?<!\\)[A-Z]", pattern):
        raise ValueError(f"rule pattern {pattern!r}: write it in lowercase (text is lowercased)")


def _structure(pattern: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) for each character of ``pattern`` from
    ``start`` that is not escaped and not inside a character class."""
    depth, index, in_class = 0, start, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        else:
            in_class = char == "["
            depth += {"(": 1, ")": -1}.get(char, 0)
            yield index, char, depth
        index += 1


def _split_top(pattern: str) -> list[str]:
    """Split on the | that are not inside a group or a character class."""
    parts, start = [], 0
    for index, char, depth in _structure(pattern):
        if char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    parts.append(pattern[start:])
    return parts


def _closing(pattern: str, open_index: int) -> int:
    """Index of the ) closing the group opened at ``open_index``."""
    for index, char, depth in _structure(pattern, open_index):
        if char == ")" and depth == 0:
            return index
    raise ValueError(f"unbalanced parenthesis in rule pattern {pattern!r}")


def _leading_literals(alternative: str, pattern: str) -> list[str]:
    """``alternative`` rewritten as alternatives that each start with a letter or digit."""
    if alternative[:1].isalnum():
        return [alternative]
    if alternative.startswith(_GROUP_START):
        end = _closing(alternative, 0)
        inner, rest = alternative[len(_GROUP_START) : end], alternative[end + 1 :]
        optional = rest.startswith("?")
        if optional:
            rest = rest[2:] if rest.startswith("??") else rest[1:]
        if not rest.startswith(("*", "+", "{")):
            expanded = [branch + rest for branch in _split_top(inner)]
            if optional:
                expanded.append(rest)
            return [head for branch in expanded for head in _leading_literals(branch, pattern)]
    raise ValueError(
        f"rule pattern {pattern!r}: each alternative must start with a letter or digit, "
        "or with a (?:...) group of such alternatives"
    )
