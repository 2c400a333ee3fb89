"""The rule engine: scores the phrases of rules.py in a title and abstract, then decides.

How a text is tagged, in order:

1. Every phrase rule is compiled into ONE regex (a named group per rule), and so are the
   cues and the domain phrases: one ``finditer`` each over the title and over the abstract.
2. Each phrase match scores its rule's weight for its type, doubled in the title (a title
   states the topic) and doubled too in a sentence where the authors present their own work
   ("we propose ...", "StreamBridge incorporates ..."): a buffer the paper introduces
   matters more than one it mentions in passing.
   A generic (``CONTEXT``) phrase takes the type whose cues weigh most around it: cues in
   its own sentence count ``SENTENCE_CUE_FACTOR`` more than cues elsewhere in the text. A
   generic phrase with no cue at all is dropped: we cannot tell what kind of buffer it is.
3. Every type scoring at least ``MIN_TYPE_SCORE`` applies, best first; lesser ones must also
   reach ``SECONDARY_RATIO`` of the best. No type => ``none`` (so one passing mention of a
   "memory buffer" does not make a paper a buffer paper).
4. Stance is ``avoids`` when an avoids phrase (rehearsal-free, without a memory buffer, ...)
   is evidence for the primary type. A ``none`` paper is ``uses`` by convention: the stance
   facet only means something for a real buffer type.
5. Evidence: for each type, its strongest match (an avoids match first when the stance is
   avoids), with the sentence, the phrase exactly as written and its offset in the sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bufferlit.model import BufferType, Entry, Evidence, Paper, Stance, Tagging
from bufferlit.tagger.domains import (
    DOMAIN_PHRASES,
    DOMAINS,
    FALLBACK_DOMAIN,
    MAX_DOMAINS,
    MIN_DOMAIN_SCORE,
    DomainPhrase,
)
from bufferlit.tagger.rules import CUES, PHRASES, Cue, Phrase

TITLE_FACTOR = 2.0
CONTRIBUTION_FACTOR = 2.0
SENTENCE_CUE_FACTOR = 2.0
MIN_TYPE_SCORE = 2.0
SECONDARY_RATIO = 0.5
DOMAIN_RATIO = 0.25
"""A domain also needs this share of the best domain's score (keeps passing mentions out)."""

BUFFER_TYPES: tuple[BufferType, ...] = tuple(t for t in BufferType if t is not BufferType.NONE)
_ORDER = {buffer_type: index for index, buffer_type in enumerate(BufferType)}

# A sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket;
# "e.g., games" and "i.e. the" stay whole. Cheap, and good enough for abstracts.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work)|our (?:work|method|approach|framework))\s+(?:\w+\s+){0,2}?"
    r"(?:propos|introduc|present|design|develop)",
    re.IGNORECASE,
)
# "MoViNets: Mobile Video Networks ..." names its system; sentences naming it are about it.
_SYSTEM_NAME = re.compile(r"^\s*([^:]{2,60}?)\s*:\s")
_ACRONYM = re.compile(r"\(([A-Z][\w-]{1,15})\)$")


def system_name(title: str) -> str:
    """The name a title gives its system ("MapTracker", "TME"), or ""."""
    match = _SYSTEM_NAME.match(title)
    if not match:
        return ""
    name = match.group(1)
    acronym = _ACRONYM.search(name)
    if acronym:
        return acronym.group(1)
    return name if len(name.split()) <= 2 else ""


_SEPARATOR = r"[\s-]?"  # what a space in a rule pattern matches
_GROUP_START = "(?:"


class Alternation:
    """Many patterns compiled into ONE regex, matched against lowercased text.

    Python's regex engine tries the alternatives of a ``|`` one by one, at every word. To
    make that cheap, each alternative is first rewritten to start with a literal character
    ("(?:stack|heap) buffer" becomes "stack buffer" and "heap buffer"), then alternatives
    sharing leading characters are nested as a prefix tree ("b(?:u(?:ffer...|...)|...)"):
    the engine skips a branch whose first literal differs from the text without entering
    it, so at each word it looks at a handful of branches, not hundreds. The tree keeps list
    order (it only merges neighbours), so where two match at the same place the earlier
    rule still wins.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        alternatives: list[tuple[int, str]] = []
        for index, pattern in enumerate(patterns):
            _check_pattern(pattern)
            for alternative in _split_top(pattern.replace(" ", _SEPARATOR)):
                alternatives += [(index, x) for x in _leading_literals(alternative, pattern)]
        self.rule_of_group = [-1]  # group numbers start at 1
        self.regex = re.compile(r"\b(?:" + self._tree(alternatives, 0) + r")\b")

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
        if anywhere:
            # Free to reorder: try the letters English words most often start with first.
            items.sort(key=lambda item: _LETTER_RANK.get(item[0], len(_LETTER_RANK)))
        parts = []
        for head, members in items:
            if head:
                parts.append(re.escape(head) + "(?:" + self._tree(members, depth + 1) + ")")
            else:
                (index, rest), = members
                self.rule_of_group.append(index)
                # An empty group at the END names the alternative (match.lastindex); at the
                # start it would hide the leading literal from the engine's quick check.
                parts.append(rest + "()")
        return "|".join(parts)

    def finditer(self, lowered: str) -> Iterable[tuple[int, re.Match[str]]]:
        """(rule index, match) for each match in text already passed through ``lowercase``."""
        for match in self.regex.finditer(lowered):
            assert match.lastindex is not None
            yield self.rule_of_group[match.lastindex], match


_TREE_DEPTH = 2
# Letters by how often English words start (or continue) with them: the order in which a
# prefix tree node tries its branches when the order is free.
_LETTER_RANK = {letter: rank for rank, letter in enumerate("taoiswcbphfmdrelngyuvjkqzx")}


def _is_literal_head(rest: str) -> bool:
    """Does ``rest`` start with a plain character that no quantifier makes optional?"""
    return rest[:1].isalnum() and rest[1:2] not in ("?", "*", "+", "{")


def lowercase(text: str) -> str:
    """``text`` lowercased with every offset kept (a few characters lengthen when lowered)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _check_pattern(pattern: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"rule pattern {pattern!r} is not a valid regex: {error}") from None
    if compiled.groups:
        raise ValueError(f"rule pattern {pattern!r} has a capturing group: write (?:...)")
    if re.search(r"(?<!\\)[A-Z]", pattern):
        raise ValueError(f"rule pattern {pattern!r}: write it in lowercase (text is lowercased)")


def _split_top(pattern: str) -> list[str]:
    """Split on the | that are not inside a group or a character class."""
    parts, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def _closing(pattern: str, open_index: int) -> int:
    """Index of the ) closing the group opened at ``open_index``."""
    depth, index, in_class = 0, open_index, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
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
            return [literal for branch in expanded for literal in _leading_literals(branch, pattern)]
    raise ValueError(
        f"rule pattern {pattern!r}: each alternative must start with a letter or digit, "
        "or with a (?:...) group of such alternatives"
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    spans = []
    start = 0
    for gap in _SENTENCE_BREAK.finditer(text):
        spans.append((start, gap.start()))
        start = gap.end()
    spans.append((start, len(text.rstrip())))
    return spans


@dataclass(frozen=True)
class Hit:
    """One phrase match, with the type it counts for and how much."""

    type: BufferType
    score: float
    avoids: bool
    rule: Phrase
    order: int
    """Position of ``rule`` in the rule list: earlier rules are the more specific ones."""
    evidence: Evidence


@dataclass(frozen=True)
class _CueHit:
    type: BufferType
    weight: float
    start: int
    end: int


@dataclass(frozen=True)
class Analysis:
    """Everything the rules found in one text; ``tagging`` turns it into labels."""

    hits: tuple[Hit, ...]
    scores: Mapping[BufferType, float]
    domains: tuple[str, ...]

    @property
    def buffer_types(self) -> tuple[BufferType, ...]:
        ranked = sorted(
            (t for t in BUFFER_TYPES if self.scores.get(t, 0.0) >= MIN_TYPE_SCORE),
            key=lambda t: (-self.scores[t], _ORDER[t]),
        )
        if not ranked:
            return (BufferType.NONE,)
        best = self.scores[ranked[0]]
        return (ranked[0], *(t for t in ranked[1:] if self.scores[t] >= SECONDARY_RATIO * best))

    def stance_for(self, buffer_type: BufferType) -> Stance:
        if buffer_type is not BufferType.NONE and any(
            hit.avoids and hit.type is buffer_type for hit in self.hits
        ):
            return Stance.AVOIDS
        return Stance.USES

    def evidence_for(self, types: Iterable[BufferType], stance: Stance) -> tuple[Evidence, ...]:
        """The strongest match of each type that has one (the avoids match, if avoiding)."""
        found = []
        for position, buffer_type in enumerate(types):
            hits = [hit for hit in self.hits if hit.type is buffer_type]
            if not hits:
                continue
            avoiding = position == 0 and stance is Stance.AVOIDS
            # Ties go to the more specific (earlier) rule, then to the earliest match:
            # max() keeps the first of equals, and hits are in text order, title first.
            best = max(hits, key=lambda hit: (avoiding and hit.avoids, hit.score, -hit.order))
            found.append(best.evidence)
        return tuple(found)

    def tagging(self) -> Tagging:
        types = self.buffer_types
        stance = self.stance_for(types[0])
        return Tagging(types, stance, self.domains, self.evidence_for(types, stance), "auto")


class Tagger:
    """A compiled rule set. The module-level functions use one built from rules.py."""

    def __init__(
        self,
        phrases: Sequence[Phrase] = PHRASES,
        cues: Sequence[Cue] = CUES,
        domain_phrases: Sequence[DomainPhrase] = DOMAIN_PHRASES,
    ) -> None:
        self.phrases = tuple(phrases)
        self.cues = tuple(cues)
        self.domain_phrases = tuple(domain_phrases)
        self._phrase_regex = Alternation([rule.pattern for rule in self.phrases])
        self._cue_regex = Alternation([cue.pattern for cue in self.cues])
        self._domain_regex = Alternation([rule.pattern for rule in self.domain_phrases])

    def analyse(self, title: str, abstract: str) -> Analysis:
        fields = ((title, TITLE_FACTOR), (abstract, 1.0))
        doc_cues = dict.fromkeys(BufferType, 0.0)
        domain_scores: dict[str, float] = {}
        scanned = []
        for text, factor in fields:
            lowered = lowercase(text)
            spans = sentence_spans(text)
            starts = [start for start, _ in spans]
            sentence_cues: list[list[_CueHit]] = [[] for _ in spans]
            for order, match in self._cue_regex.finditer(lowered):
                cue = self.cues[order]
                hit = _CueHit(cue.type, cue.weight, match.start(), match.end())
                sentence_cues[bisect_right(starts, match.start()) - 1].append(hit)
                doc_cues[cue.type] += cue.weight * factor
            for order, match in self._domain_regex.finditer(lowered):
                domain_phrase = self.domain_phrases[order]
                score = domain_scores.get(domain_phrase.domain, 0.0)
                domain_scores[domain_phrase.domain] = score + domain_phrase.weight * factor
            scanned.append((text, lowered, factor, spans, starts, sentence_cues))

        hits = []
        scores = dict.fromkeys(BufferType, 0.0)
        name = system_name(title)
        for text, lowered, factor, spans, starts, sentence_cues in scanned:
            for order, match in self._phrase_regex.finditer(lowered):
                rule = self.phrases[order]
                index = bisect_right(starts, match.start()) - 1
                buffer_type = rule.type or self._resolve(
                    sentence_cues[index], doc_cues, factor, match.start(), match.end()
                )
                if buffer_type is None:
                    continue  # a generic buffer word with no context: cannot tell its kind
                start, end = spans[index]
                sentence = text[start:end]
                weight = rule.weight * factor
                if factor == 1.0 and _is_contribution(sentence, name):
                    weight *= CONTRIBUTION_FACTOR
                scores[buffer_type] += weight
                phrase = text[match.start() : match.end()]  # as written, not lowercased
                evidence = Evidence(buffer_type, sentence, phrase, match.start() - start)
                hits.append(Hit(buffer_type, weight, rule.avoids, rule, order, evidence))
        return Analysis(tuple(hits), scores, _choose_domains(domain_scores))

    @staticmethod
    def _resolve(
        sentence_cues: list[_CueHit],
        doc_cues: Mapping[BufferType, float],
        factor: float,
        start: int,
        end: int,
    ) -> BufferType | None:
        """The type whose cues weigh most around a generic phrase; None if no cue at all."""
        totals = dict(doc_cues)
        for cue in sentence_cues:
            if cue.start < end and start < cue.end:
                totals[cue.type] -= cue.weight * factor  # the phrase itself is no context
            else:
                totals[cue.type] += cue.weight * SENTENCE_CUE_FACTOR
        best = max(BufferType, key=lambda t: (totals[t], -_ORDER[t]))
        return best if totals[best] > 0 else None

    def tag_text(self, title: str, abstract: str) -> Tagging:
        return self.analyse(title, abstract).tagging()

    def tag_paper(self, paper: Paper) -> Tagging:
        """Curated fields of the record win, each on its own; evidence is still looked up."""
        analysis = self.analyse(paper.title, paper.abstract)
        types = paper.buffer_types or analysis.buffer_types
        stance = paper.stance or analysis.stance_for(types[0])
        domains = paper.domains or analysis.domains
        evidence = analysis.evidence_for(types, stance)
        tagged_by = "curated" if paper.buffer_types else "auto"
        return Tagging(types, stance, domains, evidence, tagged_by)


def _is_contribution(sentence: str, name: str) -> bool:
    return bool(_CONTRIBUTION.search(sentence)) or bool(name and name in sentence)


def _choose_domains(scores: Mapping[str, float]) -> tuple[str, ...]:
    order = {domain: index for index, domain in enumerate(DOMAINS)}
    ranked = sorted(scores, key=lambda domain: (-scores[domain], order.get(domain, len(order))))
    if not ranked or scores[ranked[0]] < MIN_DOMAIN_SCORE:
        return (FALLBACK_DOMAIN,)
    floor = max(MIN_DOMAIN_SCORE, DOMAIN_RATIO * scores[ranked[0]])
    return tuple(domain for domain in ranked if scores[domain] >= floor)[:MAX_DOMAINS]


DEFAULT_TAGGER = Tagger()


def tag_text(title: str, abstract: str) -> Tagging:
    """Tag a title and abstract with the rules (``tagged_by="auto"``)."""
    return DEFAULT_TAGGER.tag_text(title, abstract)


def tag_paper(paper: Paper) -> Tagging:
    """Tag a record: its curated ``buffer_types``/``stance``/``domains`` win over the rules."""
    return DEFAULT_TAGGER.tag_paper(paper)


def tag_papers(papers: Iterable[Paper]) -> list[Entry]:
    """Tag many records, in order."""
    return [Entry(paper, DEFAULT_TAGGER.tag_paper(paper)) for paper in papers]
