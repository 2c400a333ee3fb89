"""What the rules found in one text, and the decisions made from it: types, stance,
evidence, confidence and, for ``none``, the reason (engine.py does the scanning)."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from bufferlit.model import BufferType, Evidence, Stance, Tagging
from bufferlit.tagger.rules import Phrase

MIN_TYPE_SCORE = 2.0
SECONDARY_RATIO = 0.5
CONFIDENCE_SCALE = 5.0
"""Score at which a type's strength reaches 63% (1 - 1/e): about two specific phrases."""
FIELD_DAMPING = 10.0
"""Field-term weight that halves the lean of a text with a single field (see field_lean)."""

_TYPES: tuple[BufferType, ...] = tuple(BufferType)
BUFFER_TYPES: tuple[BufferType, ...] = tuple(t for t in _TYPES if t is not BufferType.NONE)
_ORDER = {buffer_type: index for index, buffer_type in enumerate(BufferType)}


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
    own: bool
    """In the title or in a sentence presenting the paper's own work."""
    title: bool
    others: bool
    """In a sentence about other people's methods (and not ours): no stance of this paper."""

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.type, self.sentence, self.phrase, self.start)


@dataclass(frozen=True)
class Analysis:
    """Everything the rules found in one text; ``tagging`` turns it into labels."""

    hits: tuple[Hit, ...]
    scores: Mapping[BufferType, float]
    domains: tuple[str, ...]
    unresolved: int = 0
    """Generic buffer words dropped because nothing around them said what kind they are."""
    field: Mapping[BufferType, float] = dataclasses.field(default_factory=dict)
    """What the field terms suggest overall (type -> weight): a ``none`` in a field whose
    words point to a buffer type is a doubtful ``none``."""

    @functools.cached_property
    def _by_type(self) -> dict[BufferType, list[Hit]]:
        grouped: dict[BufferType, list[Hit]] = {}
        for hit in self.hits:
            grouped.setdefault(hit.type, []).append(hit)
        return grouped

    def hits_of(self, buffer_type: BufferType) -> list[Hit]:
        """The hits counted for ``buffer_type``, in text order (title first)."""
        return self._by_type.get(buffer_type, [])

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
        if buffer_type is BufferType.NONE:
            return Stance.USES
        hits = self.hits_of(buffer_type)
        kept = _kept_in_title(hits)
        for hit in hits:
            if not hit.avoids or hit.others:
                continue
            if hit.rule.stores_nothing and kept:
                continue
            return Stance.AVOIDS
        return Stance.USES

    def evidence_for(self, types: Iterable[BufferType], stance: Stance) -> tuple[Evidence, ...]:
        """The strongest match of each type that has one (the avoids match, if avoiding)."""
        found = []
        for position, buffer_type in enumerate(types):
            hits = self.hits_of(buffer_type)
            if not hits:
                continue
            avoiding = position == 0 and stance is Stance.AVOIDS
            # Ties go to the more specific (earlier) rule, then to the earliest match:
            # max() keeps the first of equals, and hits are in text order, title first.
            best = max(hits, key=lambda hit: (avoiding and hit.avoids, hit.score, -hit.order))
            found.append(best.evidence)
        return tuple(found)

    def type_confidence(self, primary: BufferType) -> float:
        """How sure the rules are of ``primary``, in [0, 1].

        A buffer type: its score's strength (a saturating curve: one specific phrase about
        0.5, several near 1), times its margin over the runner-up (another type, or the
        other senses of the words), lower when only generic words decided it. ``none``: high
        when no buffer word came near the threshold or another sense of the word was found,
        lower as a type came close and for each generic word nothing explained."""
        rivals = [self.scores.get(t, 0.0) for t in _TYPES if t is not primary]
        best = max(self.scores.get(t, 0.0) for t in BUFFER_TYPES)
        if primary is BufferType.NONE:
            near = min(best / MIN_TYPE_SCORE, 1.0)
            other_sense = bool(self.hits_of(BufferType.NONE))
            doubt = 0.45 * near + 0.05 * min(self.unresolved, 4) + 0.4 * self.field_lean()
            return _clamp((0.95 if other_sense else 0.9) - doubt)
        score = self.scores[primary]
        strength = 1.0 - math.exp(-score / CONFIDENCE_SCALE)
        margin = (score - max(rivals)) / score
        specific = any(hit.rule.type is not None for hit in self.hits_of(primary))
        return _clamp(strength * (0.5 + 0.5 * margin) * (1.0 if specific else 0.8))

    def field_lean(self) -> float:
        """How strongly the field terms point to one buffer type, in [0, 1): the best
        type's share of all suggestions (``none`` included), damped for short texts."""
        total = sum(self.field.values())
        best = max((self.field.get(t, 0.0) for t in BUFFER_TYPES), default=0.0)
        return best / (total + FIELD_DAMPING)

    def stance_confidence(self, primary: BufferType, stance: Stance) -> float:
        """How sure the rules are of the stance, in [0, 1].

        ``avoids`` is surer when the paper says it of its own work and nothing specific says
        it keeps the buffer all the same. ``uses`` is doubtful where an avoids phrase was
        overruled, and for a replay type no specific phrase confirms (a buffer-free method
        of continual learning may be talking about others' buffers). For ``none`` the stance
        is a convention, doubtful only in continual learning, where buffer-free methods
        are ``avoids`` papers."""
        if primary is BufferType.NONE:
            return 0.65 if "continual-learning" in self.domains else 0.95
        hits = self.hits_of(primary)
        avoiding = [hit for hit in hits if hit.avoids and not hit.others]
        keeps = any(
            not hit.avoids and not hit.rule.synthetic and hit.rule.weight >= 2 for hit in hits
        )
        if stance is Stance.AVOIDS:
            said = 0.9 if any(hit.own for hit in avoiding) else 0.75
            return said - (0.25 if keeps else 0.0)
        if avoiding:
            return 0.45
        if any(hit.avoids for hit in hits):
            return 0.7  # said of other methods only
        if primary is BufferType.REPLAY and not keeps:
            return 0.6
        return 0.9

    def reason(self, primary: BufferType) -> str:
        """Why ``none``, in words ("" for a buffer type: its evidence says why)."""
        if primary is not BufferType.NONE:
            return ""
        senses = self.hits_of(BufferType.NONE)
        if senses:
            best = max(senses, key=lambda hit: hit.score)
            return f'another sense of the word: {best.rule.why} ("{best.phrase}")'
        if any(self.hits_of(t) for t in BUFFER_TYPES):
            return "buffer words too few or too weak to say the paper is about a buffer"
        if self.unresolved:
            return "buffer words found, but nothing in the text says what kind of buffer"
        return "no buffer, memory or storage of any kind named in the text"

    def tagging(self) -> Tagging:
        types = self.buffer_types
        stance = self.stance_for(types[0])
        return Tagging(
            types,
            stance,
            self.domains,
            self.evidence_for(types, stance),
            "auto",
            round(self.type_confidence(types[0]), 3),
            round(self.stance_confidence(types[0], stance), 3),
            self.reason(types[0]),
        )


def _kept_in_title(hits: list[Hit]) -> bool:
    """Does the title name a buffer the paper keeps ("Experience Replay for ...")? Then its
    "fine-tuning without replaying old samples forgets" is not its stance. Generative replay
    keeps no buffer of samples: a generated-data phrase, or a bare "Replay" in the title of
    a paper that replays generated data, names none (the stance decision, docs/taxonomy.md)."""
    generative = any(hit.rule.synthetic for hit in hits)
    return any(
        hit.title
        and not hit.avoids
        and not hit.rule.synthetic
        and (hit.rule.weight >= 3 or (hit.rule.weight >= 2 and not generative))
        for hit in hits
    )


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
