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
3. Every type scoring at least ``MIN_TYPE_SCORE`` (analysis.py) applies, best first; lesser
   ones must also reach ``SECONDARY_RATIO`` of the best. No type => ``none`` (so one passing
   mention of a "memory buffer" does not make a paper a buffer paper).
4. Stance is ``avoids`` when an avoids phrase (rehearsal-free, without a memory buffer, ...)
   is evidence for the primary type and is not said of other methods. Generative replay that
   says it stores no data is ``avoids`` too; a phrase saying that no past data is stored
   (``stores_nothing``) yields only to a title naming a buffer the paper keeps all the same
   (analysis.py). A ``none`` paper is ``uses`` by convention: the stance facet only means
   something for a real buffer type.
5. Evidence: for each type, its strongest match (an avoids match first when the stance is
   avoids), with the sentence, the phrase exactly as written and its offset in the sentence.
6. Domains: the terms (and phrases with a ``domain``) vote, title votes doubled.

Steps 3-5, the confidence and the reason for a ``none`` are decided in analysis.py; this
module scans and scores."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from bufferlit.model import BufferType, Entry, Paper, Tagging
from bufferlit.tagger.analysis import Analysis, Hit
from bufferlit.tagger.domains import (
    DOMAIN_RATIO,
    DOMAINS,
    FALLBACK_DOMAIN,
    MAX_DOMAINS,
    MIN_DOMAIN_SCORE,
    TERMS,
    Term,
)
from bufferlit.tagger.matching import Alternation, scan_text
from bufferlit.tagger.rules import PHRASES, Phrase

TITLE_FACTOR = 2.0
CONTRIBUTION_FACTOR = 2.0
SENTENCE_FACTOR = 3.0
_TYPES: tuple[BufferType, ...] = tuple(BufferType)
# One scanned field (title or abstract): text, scan copy, weight factor, sentence spans,
# (sentence, type) -> field-term weight, and phrase matches (rule, start, end, sentence).
_Field = tuple[
    str,
    str,
    float,
    list[tuple[int, int]],
    dict[tuple[int, BufferType], float],
    list[tuple[int, int, int, int]],
]
_ORDER = {buffer_type: index for index, buffer_type in enumerate(BufferType)}

# A sentence ends at . ! or ? followed by space and a capital, digit, quote or bracket;
# "e.g., games" and "i.e. the" stay whole. Cheap, and good enough for abstracts.
_SENTENCE_BREAK = re.compile(r"[.!?](\s+)(?=[A-Z0-9\"'(\[])")
# Matched in the lowercased scan copy (see scan_text), hence no IGNORECASE.
_CONTRIBUTION = re.compile(
    r"[^a-z0-9_](?:we|this (?:paper|work)|our (?:work|method|approach|framework))\s+"
    r"(?:\w+\s+){0,2}?(?:propos|introduc|present|design|develop)"
)
# A sentence about other people's methods: "EWC and SI work without episodic memory" says
# nothing of this paper's stance, unless the sentence also speaks of our own work.
_OTHERS = re.compile(
    r"[^a-z0-9_](?:(?:existing|previous|prior|other|recent|traditional|conventional|competing|"
    r"many|most|some) (?:[\w-]+\s+)?(?:methods?|approaches|works?|techniques|baselines?|models|"
    r"solutions|studies|strategies)|baselines?|unlike|in contrast to|such as)[^a-z0-9_]"
)
_OURS = re.compile(r"[^a-z0-9_](?:we|our|ours|this (?:paper|work))[^a-z0-9_]")
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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    spans = []
    start = 0
    for gap in _SENTENCE_BREAK.finditer(text):
        spans.append((start, gap.start(1)))
        start = gap.end()
    spans.append((start, len(text.rstrip())))
    return spans


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
        term_field = dict.fromkeys(_TYPES, 0.0)  # the same, from field terms alone
        domain_scores: dict[str, float] = {}
        facts, regex = self._group_facts, self._vocabulary.regex
        fields: list[_Field] = []
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
                elif suggests is not None:
                    term_field[suggests] += weight
                if domain:
                    domain_scores[domain] = domain_scores.get(domain, 0.0) + weight * factor
                if suggests is not None:
                    doc_context[suggests] += weight * factor
                    key = (sentence, suggests)
                    context[key] = context.get(key, 0.0) + weight
            fields.append((text, scanned, factor, spans, context, phrases))

        hits: list[Hit] = []
        scores = dict.fromkeys(_TYPES, 0.0)
        context_of = (doc_context, term_field)
        unresolved = sum(self._score(field, name, context_of, scores, hits) for field in fields)
        domains = _choose_domains(domain_scores)
        return Analysis(tuple(hits), scores, domains, unresolved, doc_context)

    def _score(
        self,
        field: _Field,
        name: str,
        context_of: tuple[Mapping[BufferType, float], Mapping[BufferType, float]],
        scores: dict[BufferType, float],
        hits: list[Hit],
    ) -> int:
        """Score one field's phrase matches into ``scores`` and ``hits``; returns how many
        generic words nothing around them explained. ``context_of``: what the field suggests,
        from terms and phrases, and from field terms alone."""
        text, scanned, factor, spans, context, phrases = field
        doc_context, term_field = context_of
        unresolved = 0
        contribution: dict[int, bool] = {}  # sentence -> is it about the paper's own work
        resolved: dict[int, BufferType | None] = {}  # sentence -> what a generic word is
        for order, phrase_start, phrase_end, sentence in phrases:
            rule = self.phrases[order]
            buffer_type = rule.type
            if buffer_type is None:
                if sentence not in resolved:
                    resolved[sentence] = _resolve(sentence, context, doc_context)
                buffer_type = resolved[sentence]
            if buffer_type is None:
                unresolved += 1
                continue  # a generic buffer word with no context: cannot tell its kind
            if rule.stores_nothing and not term_field[buffer_type]:
                continue  # "no past data is kept" is no replay stance outside such a field
            start, end = spans[sentence]
            sentence_text = text[start:end]
            weight = rule.weight * factor
            in_title = own = factor != 1.0
            if not own:
                if sentence not in contribution:
                    # scanned[start] is the character before the sentence (a separator).
                    about = scanned[start : end + 1]
                    contribution[sentence] = _is_contribution(sentence_text, about, name)
                if contribution[sentence]:
                    weight *= CONTRIBUTION_FACTOR
                    own = True
            scores[buffer_type] += weight
            phrase = text[phrase_start:phrase_end]  # as written, not lowercased
            others = rule.avoids and not own and _about_others(scanned[start : end + 1])
            where = (sentence_text, phrase, phrase_start - start, own, in_title, others)
            hits.append(Hit(buffer_type, weight, rule.avoids, rule, order, *where))
        return unresolved

    def tag_text(self, title: str, abstract: str) -> Tagging:
        return self.analyse(title, abstract).tagging()

    def tag_paper(self, paper: Paper) -> Tagging:
        """Curated fields of the record win, each on its own; evidence is still looked up."""
        analysis = self.analyse(paper.title, paper.abstract)
        types = paper.buffer_types or analysis.buffer_types
        stance = paper.stance or analysis.stance_for(types[0])
        domains = paper.domains or analysis.domains
        evidence = analysis.evidence_for(types, stance)
        # A curated value is as sure as it gets; the rules' confidence covers the rest.
        type_confidence = 1.0 if paper.buffer_types else analysis.type_confidence(types[0])
        stance_confidence = 1.0 if paper.stance else analysis.stance_confidence(types[0], stance)
        return Tagging(
            types,
            stance,
            domains,
            evidence,
            "curated" if paper.buffer_types else "auto",
            round(type_confidence, 3),
            round(stance_confidence, 3),
            analysis.reason(types[0]),
        )


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


def _about_others(scanned: str) -> bool:
    """Does the sentence (its scan_text slice) describe other methods and not ours?"""
    return bool(_OTHERS.search(scanned)) and not _OURS.search(scanned)


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
