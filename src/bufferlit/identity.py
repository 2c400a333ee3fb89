"""When are two records the same paper? The one home of the duplicate rules.

Two questions, two functions, because the evidence differs:

* ``compare`` — *is this the same paper?* (ingest, add, validate). Both sides have a title and
  an abstract, often identifiers. An identifier of the same kind that agrees (arXiv id without
  its version, DOI up to case) makes them the same paper; one that disagrees makes them
  different; with no identifier to decide, they are the same only when the title AND the
  abstract both match closely. A look-alike title alone is never enough: "Continual Learning
  without Strong Experience Replay" is not "... with Strong Experience Replay", and
  "Streamlined Dense Video Captioning" (2019) is not "Streaming Dense Video Captioning"
  (2024). Such a pair is a ``LOOKALIKE``: both are kept and named in a "possible duplicate"
  line, which a curator silences for good with ``distinct_from: [id]`` in either record.
* ``match_metadata`` — *which record does this metadata belong to?* (import-bib). BibTeX from
  Scholar or Zotero rarely carries an abstract, so the title decides, helped by the year and
  the first author's surname where both sides have them; more than one candidate left is
  ambiguous and reported, never guessed.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bufferlit.model import Paper

TITLE_CLOSE = 90.0
"""``fuzz.ratio`` of normalised titles at or above which two titles look alike. A typo, a
dropped article or a changed case and punctuation all score above it."""
ABSTRACT_CLOSE = 90.0
"""``fuzz.ratio`` of normalised abstracts at or above which two abstracts are one text (the
same abstract scraped twice, re-wrapped, re-punctuated, with a typo fixed). Two papers'
abstracts score 30-60 even in one subfield; a revised arXiv abstract may fall below it and is
then reported as a possible duplicate instead of being dropped: losing a paper is worse than a
line for a curator to read."""
METADATA_TITLE_CLOSE = 90.0
"""Title score at or above which BibTeX metadata may belong to a record."""
AMBIGUOUS_MARGIN = 3.0
"""Metadata candidates within this many points of the best are all plausible: ambiguous."""
PREFIX_WORDS = 3
"""Titles are fuzzy-compared only when they share one of their PREFIX_WORDS rarest words (see
``lookalike_titles``)."""
MAX_CDIST_CELLS = 20_000_000
"""Largest score matrix computed at once (float32: 80 MB)."""

ARXIV_VERSION = re.compile(r"v\d+$", re.IGNORECASE)
ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
ARXIV_PREFIX = re.compile(r"^(?:arxiv:\s*|https?://arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)


class Verdict(enum.Enum):
    SAME = "same"
    """The same paper: an identifier agrees, or title and abstract both match closely."""
    LOOKALIKE = "lookalike"
    """Possibly the same paper: the titles look alike, nothing else says so. Both are kept."""
    DIFFERENT = "different"
    """Different papers: an identifier disagrees, the titles differ, or a curator said so."""


@dataclass(frozen=True)
class Identity:
    """What tells one paper from another, from a record or from a paper about to become one."""

    title: str
    abstract: str = ""
    arxiv: str = ""
    doi: str = ""
    id: str = ""
    """The record's id, when it is a record (``distinct_from`` names records by id)."""
    distinct_from: tuple[str, ...] = ()
    """Ids a curator declared to be different papers despite a look-alike title."""

    @classmethod
    def of(cls, paper: Paper) -> Identity:
        return cls(
            title=paper.title,
            abstract=paper.abstract,
            arxiv=paper.arxiv,
            doi=paper.doi,
            id=paper.id,
            distinct_from=paper.distinct_from,
        )

    @property
    def identifiers(self) -> dict[str, str]:
        """Normalised identifiers by kind; an arXiv DOI also gives the arXiv id."""
        found = {}
        doi = normalise_doi(self.doi)
        if doi:
            found["doi"] = doi
        arxiv = normalise_arxiv(self.arxiv) or _arxiv_of_doi(doi)
        if arxiv:
            found["arxiv"] = arxiv
        return found


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    reason: str
    """Why, in words fit for a report line: "arXiv ids agree", "titles match at 97% ..."."""


def normalise_title(title: str) -> str:
    """Words of the title, case and punctuation dropped (letters of any script kept)."""
    return " ".join(re.findall(r"[^\W_]+", title.casefold()))


def normalise_arxiv(arxiv: str) -> str:
    """``arXiv:2303.11366v2``, an abs/pdf URL or ``2303.11366`` -> ``2303.11366``."""
    text = ARXIV_PREFIX.sub("", arxiv.strip()).removesuffix(".pdf")
    return ARXIV_VERSION.sub("", text).lower()


def normalise_doi(doi: str) -> str:
    """DOIs are case-insensitive (the DOI Handbook, 2.4): compare them casefolded."""
    return DOI_PREFIX.sub("", doi.strip()).casefold()


def _arxiv_of_doi(doi: str) -> str:
    match = ARXIV_DOI.match(doi)
    return normalise_arxiv(match.group(1)) if match else ""


def compare(a: Identity, b: Identity, title_score: float | None = None) -> Comparison:
    """Is ``a`` the same paper as ``b``? ``title_score`` saves recomputing a known score."""
    if (a.id and a.id in b.distinct_from) or (b.id and b.id in a.distinct_from):
        return Comparison(Verdict.DIFFERENT, "a curator marked them distinct_from each other")
    by_identifier = _compare_identifiers(a, b)
    if by_identifier is not None:
        return by_identifier
    if title_score is None:
        title_score = fuzz.ratio(normalise_title(a.title), normalise_title(b.title))
    if title_score < TITLE_CLOSE:
        return Comparison(Verdict.DIFFERENT, f"titles differ ({title_score:.0f}%)")
    if _numbers(a.title) != _numbers(b.title):
        # "Part 1"/"Part 2", "YOLOv3"/"YOLOv4": one character apart, different papers.
        reason = f"titles match at {title_score:.0f}% but their numbers differ"
        return Comparison(Verdict.LOOKALIKE, reason)
    abstract_score = _abstract_score(a.abstract, b.abstract)
    if abstract_score >= ABSTRACT_CLOSE:
        reason = f"titles match at {title_score:.0f}% and abstracts at {abstract_score:.0f}%"
        return Comparison(Verdict.SAME, reason)
    reason = f"titles match at {title_score:.0f}% but abstracts only at {abstract_score:.0f}%"
    return Comparison(Verdict.LOOKALIKE, reason)


def _compare_identifiers(a: Identity, b: Identity) -> Comparison | None:
    """SAME when an identifier of one kind agrees (a preprint's arXiv id agrees though its
    published DOI differs from the arXiv DOI); DIFFERENT when one disagrees and none agrees."""
    ours, theirs = a.identifiers, b.identifiers
    shared = [kind for kind in ("arxiv", "doi") if kind in ours and kind in theirs]
    for kind in shared:
        if ours[kind] == theirs[kind]:
            name = "arXiv ids" if kind == "arxiv" else "DOIs"
            return Comparison(Verdict.SAME, f"{name} agree ({ours[kind]})")
    if shared:
        kind = shared[0]
        name = "arXiv ids" if kind == "arxiv" else "DOIs"
        return Comparison(Verdict.DIFFERENT, f"{name} differ ({ours[kind]} vs {theirs[kind]})")
    return None


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def _abstract_score(a: str, b: str) -> float:
    if not a.strip() or not b.strip():
        return 0.0
    return float(fuzz.ratio(normalise_title(a), normalise_title(b)))


# ---------------------------------------------------------------------------------------------
# Finding the pairs to compare without comparing all pairs.


@dataclass
class BlockScores:
    """The look-alike pairs found in each block of titles, by a digest of the block's titles
    (what alone decides them): a caller that checks the same catalogue again (an incremental
    site build, site/inputs.py) passes the last check's ``found`` as ``known``, and only the
    blocks an edit changed are compared again (~0.4 s of CPU at 10,000 papers)."""

    known: Mapping[str, object] = field(default_factory=dict)
    found: dict[str, list[tuple[int, int, float]]] = field(default_factory=dict)
    """This check's blocks: (later, earlier, score), positions within the block."""

    def recall(self, block: str, size: int) -> list[tuple[int, int, float]] | None:
        """A known block's pairs, or None (unknown, or not a list of valid pairs)."""
        pairs = self.known.get(block)
        if not isinstance(pairs, list) or not all(_valid_pair(p, size) for p in pairs):
            return None
        self.found[block] = [(int(i), int(j), float(score)) for i, j, score in pairs]
        return self.found[block]


def _valid_pair(pair: object, size: int) -> bool:
    return (
        isinstance(pair, list | tuple)
        and len(pair) == 3
        and all(type(position) is int for position in pair[:2])
        and 0 <= pair[1] < pair[0] < size
        and isinstance(pair[2], int | float)
    )


def lookalike_titles(
    keys: Sequence[str],
    first: int = 0,
    cutoff: float = TITLE_CLOSE,
    scores: BlockScores | None = None,
) -> dict[int, dict[int, float]]:
    """For each ``i >= first``, the earlier titles ``j < i`` scoring >= ``cutoff``.

    ``keys`` are normalised titles. Not all pairs: that is quadratic (10,000 titles took
    7.5 s one by one, 100,000 would take over 10 minutes). Prefix filtering: order words by
    how few titles have them; two titles that differ in fewer than PREFIX_WORDS words share
    one of their PREFIX_WORDS rarest words, so only titles sharing one of those are scored
    (in C, by ``cdist``). Typo-level differences (a dropped "A", a changed case or
    punctuation, one word changed) are all found; titles differing in 3 or more words are not
    compared, and those score under TITLE_CLOSE anyway unless the words are tiny.
    ``scores``: blocks compared before (see BlockScores).
    """
    words = [set(key.split()) for key in keys]
    frequency = Counter(word for word_set in words for word in word_set)
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, word_set in enumerate(words):
        for word in sorted(word_set, key=lambda w: (frequency[w], w))[:PREFIX_WORDS]:
            blocks[word].append(index)  # ascending: indexes are visited in order
    found: dict[int, dict[int, float]] = defaultdict(dict)
    for members in blocks.values():
        if len(members) < 2 or members[-1] < first:
            continue
        if scores is None:
            _score_block(keys, members, first, cutoff, found)
            continue
        before_first = sum(1 for index in members if index < first)  # compared with only
        block = _block_digest([keys[index] for index in members], before_first, cutoff)
        pairs = scores.recall(block, len(members))
        if pairs is None:
            pairs = _score_block(keys, members, first, cutoff, found)
            scores.found[block] = pairs
        for later, earlier, score in pairs:
            found[members[later]].setdefault(members[earlier], score)
    return found


def _block_digest(titles: list[str], earlier: int, cutoff: float) -> str:
    """What alone decides a block's pairs: its titles in order, how many of them come before
    ``first`` (compared with, not as queries) and the cutoff."""
    text = "\n".join([f"{earlier} {cutoff}", *titles])  # titles are normalised: no line breaks
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _score_block(
    keys: Sequence[str],
    members: list[int],
    first: int,
    cutoff: float,
    found: dict[int, dict[int, float]],
) -> list[tuple[int, int, float]]:
    """Scores one block into ``found``; returns its pairs as positions in ``members``."""
    position = {index: place for place, index in enumerate(members)}
    pairs = []
    queries = [index for index in members if index >= first]
    choices = [keys[index] for index in members]
    step = max(1, MAX_CDIST_CELLS // len(members))
    for start in range(0, len(queries), step):
        rows = queries[start : start + step]
        scores = process.cdist(
            [keys[index] for index in rows],
            choices,
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            workers=-1 if len(rows) * len(members) > 10_000 else 1,
        )
        for row, column in zip(*scores.nonzero(), strict=True):
            i, j = rows[row], members[column]
            if j < i:
                score = float(fuzz.ratio(keys[i], keys[j]))  # exact, not float32
                found[i].setdefault(j, score)
                pairs.append((position[i], position[j], score))
    return pairs


def _identifier_pairs(identities: Sequence[Identity]) -> set[tuple[int, int]]:
    """Pairs (earlier, later) sharing an identifier, whatever their titles."""
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, identity in enumerate(identities):
        for kind_value in identity.identifiers.items():
            seen[kind_value].append(index)
    return {
        (members[a], members[b])
        for members in seen.values()
        for a in range(len(members))
        for b in range(a + 1, len(members))
    }


@dataclass(frozen=True)
class Pair:
    first: int
    second: int
    comparison: Comparison


def catalogue_pairs(
    identities: Sequence[Identity], scores: BlockScores | None = None
) -> list[Pair]:
    """Every SAME or LOOKALIKE pair among the records of a catalogue (for validate);
    ``scores``: look-alike blocks compared before (see BlockScores)."""
    keys = [normalise_title(identity.title) for identity in identities]
    candidates: dict[tuple[int, int], float | None] = {
        pair: None for pair in _identifier_pairs(identities)
    }
    for later, earlier_scores in lookalike_titles(keys, scores=scores).items():
        for earlier, score in earlier_scores.items():
            candidates[(earlier, later)] = score
    pairs = []
    for (first, second), known_score in sorted(candidates.items()):
        comparison = compare(identities[first], identities[second], known_score)
        if comparison.verdict is not Verdict.DIFFERENT:
            pairs.append(Pair(first, second, comparison))
    return pairs


@dataclass(frozen=True)
class Placement:
    """Where one new paper goes: onto an earlier paper (``same_as``), or in, with look-alikes.

    Indexes are into ``existing + batch`` as given to ``place_batch``."""

    same_as: int | None
    reason: str
    lookalikes: tuple[int, ...] = ()


def place_batch(existing: Sequence[Identity], batch: Sequence[Identity]) -> list[Placement]:
    """For each new paper in order: the same as a record or an earlier new paper that was
    placed in (the first by title score, identifiers first), or new."""
    everyone = [*existing, *batch]
    keys = [normalise_title(identity.title) for identity in everyone]
    similar = lookalike_titles(keys, len(existing))
    by_identifier: dict[tuple[str, str], int] = {}
    for index, identity in enumerate(existing):
        for kind_value in identity.identifiers.items():
            by_identifier.setdefault(kind_value, index)
    placed_in = set(range(len(existing)))
    placements = []
    for position in range(len(existing), len(everyone)):
        placement = _place_one(everyone, position, similar.get(position, {}), by_identifier)
        placements.append(placement)
        if placement.same_as is None:
            placed_in.add(position)
            for kind_value in everyone[position].identifiers.items():
                by_identifier.setdefault(kind_value, position)
        for earlier in list(similar.get(position, {})):
            if earlier not in placed_in:
                del similar[position][earlier]
    return placements


def _place_one(
    everyone: Sequence[Identity],
    position: int,
    similar: dict[int, float],
    by_identifier: dict[tuple[str, str], int],
) -> Placement:
    identity = everyone[position]
    for kind_value in identity.identifiers.items():
        if kind_value in by_identifier:
            earlier = by_identifier[kind_value]
            return Placement(earlier, compare(identity, everyone[earlier]).reason)
    lookalikes = []
    for earlier, score in sorted(similar.items(), key=lambda item: (-item[1], item[0])):
        comparison = compare(identity, everyone[earlier], score)
        if comparison.verdict is Verdict.SAME:
            return Placement(earlier, comparison.reason)
        if comparison.verdict is Verdict.LOOKALIKE:
            lookalikes.append(earlier)
    return Placement(None, "", tuple(lookalikes))


# ---------------------------------------------------------------------------------------------
# Which record does this metadata belong to?


@dataclass(frozen=True)
class Metadata:
    """What a BibTeX entry says about a paper, to find its record."""

    title: str
    year: int | None = None
    first_author: str = ""
    """Surname of the first author, as written."""
    arxiv: str = ""
    doi: str = ""


class RecordFinder:
    """Finds the record(s) a piece of metadata is about, over one catalogue (indexed once)."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers = list(papers)
        self.titles = [normalise_title(paper.title) for paper in self.papers]
        self.by_identifier: dict[tuple[str, str], list[Paper]] = defaultdict(list)
        for paper in self.papers:
            for kind_value in Identity.of(paper).identifiers.items():
                self.by_identifier[kind_value].append(paper)

    def find(self, metadata: Metadata) -> list[Paper]:
        """One paper is a match; two or more are ambiguous; none, unmatched."""
        wanted = Identity(title=metadata.title, arxiv=metadata.arxiv, doi=metadata.doi)
        for kind_value in wanted.identifiers.items():
            if kind_value in self.by_identifier:
                return self.by_identifier[kind_value]
        scored = process.extract(
            normalise_title(metadata.title),
            self.titles,
            scorer=fuzz.ratio,
            score_cutoff=METADATA_TITLE_CLOSE,
            limit=10,
        )
        candidates = [
            (self.papers[index], score)
            for _, score, index in scored
            if _agrees(metadata, self.papers[index])
        ]
        if not candidates:
            return []
        best = max(score for _, score in candidates)
        return [paper for paper, score in candidates if best - score < AMBIGUOUS_MARGIN]


def _agrees(metadata: Metadata, paper: Paper) -> bool:
    """No fact that both sides state contradicts: the year (an arXiv preprint may be a year
    before its venue) and the first author's surname."""
    if metadata.year and paper.year and abs(metadata.year - paper.year) > 1:
        return False
    if metadata.first_author and paper.surnames:
        return normalise_title(metadata.first_author) == normalise_title(paper.surnames[0])
    return True
