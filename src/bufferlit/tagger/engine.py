"""The rule engine: scores the phrases of rules.py and the terms of domains.py, then decides.

How a text is tagged, in order:

1. The phrases and the field terms are compiled into ONE regex (see ``Alternation``),
   scanned once over the lowercased title and once over the abstract.
2. Each phrase match scores its rule's weight for its type, doubled in the title (a title
   states the topic) and doubled too in a sentence where the authors present their own work
   ("we propose ...", "StreamBridge incorporates ..."): a buffer the paper introduces
   matters more than one it mentions in passing. A generic (``CONTEXT``) phrase takes the
   type that the field terms and typed phrases around it suggest most: those in its own
   sentence count ``SENTENCE_FACTOR`` times. A generic phrase with nothing around it is
   dropped: we cannot tell what kind of buffer it is.
3. Every type scoring at least ``MIN_TYPE_SCORE`` applies, best first; lesser ones must also
   reach ``SECONDARY_RATIO`` of the best. No type => ``none`` (so one passing mention of a
   "memory buffer" does not make a paper a buffer paper).
4. Stance is ``avoids`` when an avoids phrase (rehearsal-free, without a memory buffer, ...)
   is evidence for the primary type. A ``none`` paper is ``uses`` by convention: the stance
   facet only means something for a real buffer type.
5. Evidence: for each type, its strongest match (an avoids match first when the stance is
   avoids), with the sentence, the phrase exactly as written and its offset in the sentence.
6. Domains: the terms (and phrases with a ``domain``) vote, title votes doubled."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bufferlit.model import BufferType, Entry, Evidence, Paper, Stance, Tagging
from bufferlit.tagger.domains import (
    DOMAIN_RATIO,
    DOMAINS,
    FALLBACK_DOMAIN,
    MAX_DOMAINS,
    MIN_DOMAIN_SCORE,
    TERMS,
    Term,
)
from bufferlit.tagger.rules import PHRASES, Phrase

TITLE_FACTOR = 2.0
CONTRIBUTION_FACTOR = 2.0
SENTENCE_FACTOR = 3.0
MIN_TYPE_SCORE = 2.0
SECONDARY_RATIO = 0.5

_TYPES: tuple[BufferType, ...] = tuple(BufferType)
BUFFER_TYPES: tuple[BufferType, ...] = tuple(t for t in _TYPES if t is not BufferType.NONE)
_ORDER = {buffer_type: index for index, buffer_type in enumerate(BufferType)}

# A sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket;
# "e.g., games" and "i.e. the" stay whole. Cheap, and good enough for abstracts.
_SENTENCE_BREAK = re.compile(r"[.!?](\s+)(?=[A-Z0-9\"'(\[])")
# Matched in the lowercased scan copy (see scan_text), hence no IGNORECASE.
_CONTRIBUTION = re.compile(
    r"[^a-z0-9_](?:we|this (?:paper|work)|our (?:work|method|approach|framework))\s+"
    r"(?:\w+\s+){0,2}?(?:propos|introduc|present|design|develop)"
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
    """Many patterns compiled into ONE regex, matched in ``scan_text(text)``.

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

    def finditer(self, text: str) -> Iterator[tuple[int, int, int]]:
        """(rule index, start, end) of each match in ``text``, offsets into ``text``."""
        for match in self.regex.finditer(scan_text(text)):
            # The match includes the separator before the word, which is at the word's
            # offset in ``text`` (scan_text prepends one character).
            yield self.rule_of_group[match.lastindex or 0], match.start(), match.end() - 1


_TREE_DEPTH = 2
# Letters by how often English words start (or continue) with them: the order in which a
# prefix tree node tries its branches when the order is free.
_LETTER_RANK = {letter: rank for rank, letter in enumerate("taoiswcbphfmdrelngyuvjkqzx")}


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
            return [head for branch in expanded for head in _leading_literals(branch, pattern)]
    raise ValueError(
        f"rule pattern {pattern!r}: each alternative must start with a letter or digit, "
        "or with a (?:...) group of such alternatives"
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    spans = []
    start = 0
    for gap in _SENTENCE_BREAK.finditer(text):
        spans.append((start, gap.start(1)))
        start = gap.end()
    spans.append((start, len(text.rstrip())))
    return spans


class Hit(NamedTuple):
    """One phrase match, with the type it counts for and how much.

    A named tuple, not a frozen dataclass: there is one per match, so creating it is hot.
    """

    type: BufferType
    score: float
    avoids: bool
    rule: Phrase
    order: int
    """Position of ``rule`` in the rule list: earlier rules are the more specific ones."""
    sentence: str
    phrase: str
    """The phrase as written in ``sentence``."""
    start: int
    """Offset of ``phrase`` in ``sentence``."""

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.type, self.sentence, self.phrase, self.start)


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
    """A compiled rule set. The module-level functions use one built from the default rules."""

    def __init__(self, phrases: Sequence[Phrase] = PHRASES, terms: Sequence[Term] = TERMS) -> None:
        self.phrases = tuple(phrases)
        self.terms = tuple(terms)
        unknown = {t.domain for t in self.terms} | {p.domain for p in self.phrases}
        unknown -= {None, *DOMAINS}
        if unknown:
            raise ValueError(f"rules name unknown domains: {', '.join(sorted(map(str, unknown)))}")
        # Phrases first: where a phrase and a term match at the same place, the phrase wins.
        patterns = [rule.pattern for rule in self.phrases] + [term.pattern for term in self.terms]
        self._vocabulary = Alternation(patterns)
        # Per regex group: (phrase index or -1, domain, weight, suggested type). Looked up
        # once per match, so attribute and property lookups stay out of the hot loop.
        self._group_facts: list[tuple[int, str | None, float, BufferType | None]] = [
            (-1, None, 0.0, None)
        ]
        for order in self._vocabulary.rule_of_group[1:]:
            if order < len(self.phrases):
                rule = self.phrases[order]
                self._group_facts.append((order, rule.domain, rule.weight, rule.type))
            else:
                term = self.terms[order - len(self.phrases)]
                self._group_facts.append((-1, term.domain, term.weight, term.buffer_type))

    def analyse(self, title: str, abstract: str) -> Analysis:
        """Scan the title and abstract once; score every phrase; vote for domains."""
        name = system_name(title)
        doc_context = dict.fromkeys(_TYPES, 0.0)  # what the field terms suggest overall
        domain_scores: dict[str, float] = {}
        facts, regex = self._group_facts, self._vocabulary.regex
        fields = []
        for text, factor in ((title, TITLE_FACTOR), (abstract, 1.0)):
            spans = sentence_spans(text)
            ends = [end for _, end in spans]
            last = len(ends) - 1
            context: dict[tuple[int, BufferType], float] = {}  # (sentence, type) -> weight
            phrases = []
            scanned = scan_text(text)
            matches = [(m.lastindex or 0, m.start(), m.end()) for m in regex.finditer(scanned)]
            sentence = 0
            for group, start, end in matches:  # start: the separator before the word
                order, domain, weight, suggests = facts[group]
                while ends[sentence] <= start and sentence < last:  # matches come in order
                    sentence += 1
                if order >= 0:
                    phrases.append((order, start, end - 1, sentence))
                if domain:
                    domain_scores[domain] = domain_scores.get(domain, 0.0) + weight * factor
                if suggests is not None:
                    doc_context[suggests] += weight * factor
                    key = (sentence, suggests)
                    context[key] = context.get(key, 0.0) + weight
            fields.append((text, scanned, factor, spans, context, phrases))

        hits = []
        scores = dict.fromkeys(_TYPES, 0.0)
        for text, scanned, factor, spans, context, phrases in fields:
            contribution: dict[int, bool] = {}  # sentence -> is it about the paper's own work
            for order, phrase_start, phrase_end, sentence in phrases:
                rule = self.phrases[order]
                buffer_type = rule.type or _resolve(sentence, context, doc_context)
                if buffer_type is None:
                    continue  # a generic buffer word with no context: cannot tell its kind
                start, end = spans[sentence]
                sentence_text = text[start:end]
                weight = rule.weight * factor
                if factor == 1.0:
                    if sentence not in contribution:
                        # scanned[start] is the character before the sentence (a separator).
                        about = scanned[start : end + 1]
                        contribution[sentence] = _is_contribution(sentence_text, about, name)
                    if contribution[sentence]:
                        weight *= CONTRIBUTION_FACTOR
                scores[buffer_type] += weight
                phrase = text[phrase_start:phrase_end]  # as written, not lowercased
                where = (sentence_text, phrase, phrase_start - start)
                hits.append(Hit(buffer_type, weight, rule.avoids, rule, order, *where))
        return Analysis(tuple(hits), scores, _choose_domains(domain_scores))

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


def _resolve(
    sentence: int,
    context: Mapping[tuple[int, BufferType], float],
    document: Mapping[BufferType, float],
) -> BufferType | None:
    """The type the field terms suggest most around a generic phrase; None if none does.

    Terms in the phrase's own sentence count ``SENTENCE_FACTOR`` times more than elsewhere.
    """
    totals = {
        buffer_type: weight + (SENTENCE_FACTOR - 1) * context.get((sentence, buffer_type), 0.0)
        for buffer_type, weight in document.items()  # the sentence is in the document once
    }
    best = max(_TYPES, key=lambda t: (totals[t], -_ORDER[t]))
    return best if totals[best] > 0 else None


def _is_contribution(sentence: str, scanned: str, name: str) -> bool:
    """Does the sentence present the paper's own work? ``scanned``: its scan_text slice."""
    return bool(_CONTRIBUTION.search(scanned)) or bool(name and name in sentence)


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
