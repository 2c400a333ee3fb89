"""Ingest: a scraped listing -> new records in papers/, idempotently.

A paper already in the catalogue (same title up to case, punctuation or a small edit) is left
alone: ingest never rewrites an existing record, so it cannot overwrite a curated field.
Nothing the tagger can derive (buffer type, stance, domains) is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bufferlit.errors import ListingInvalid, RecordsInvalid
from bufferlit.keys import title_slug, unique_key
from bufferlit.listing import ListingEntry, parse_listing
from bufferlit.model import Problem
from bufferlit.records import check_record_text, displayer, normalise_title, read_papers
from bufferlit.writer import catalogue_lock, dump_record, write_many_atomic

SAME_PAPER_SCORE = 90.0
PREFIX_WORDS = 3
"""Titles are fuzzy-compared only when they share one of the PREFIX_WORDS rarest words of
each (see ``similar_earlier``)."""
MAX_CDIST_CELLS = 20_000_000
"""Largest score matrix computed at once (float32: 80 MB)."""
# Ids may be 80 characters; leave room for the suffix unique_key adds on a collision.
MAX_SLUG_CHARS = 64


@dataclass
class IngestReport:
    new: list[tuple[ListingEntry, str]] = field(default_factory=list)
    """Entries written, with the id each got."""
    present: list[tuple[ListingEntry, str, float]] = field(default_factory=list)
    """Entries already in the catalogue: the id they matched and the title score."""
    problems: list[Problem] = field(default_factory=list)
    junk_lines: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.present)} already present, "
            f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
            f" ({self.junk_lines} scraper junk line{'s' if self.junk_lines != 1 else ''} skipped)"
        )


class TitleIndex:
    """Titles seen so far, for exact then fuzzy lookup of 'is this paper already here?'."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}
        self.titles: list[str] = []
        self.ids: list[str] = []

    def add(self, title: str, paper_id: str) -> None:
        key = normalise_title(title)
        self.exact.setdefault(key, paper_id)
        self.titles.append(key)
        self.ids.append(paper_id)

    def find(self, title: str) -> tuple[str, float] | None:
        key = normalise_title(title)
        if key in self.exact:
            return self.exact[key], 100.0
        # rapidfuzz scores all titles in C; the cutoff lets it skip most by length alone.
        match = process.extractOne(
            key, self.titles, scorer=fuzz.ratio, score_cutoff=SAME_PAPER_SCORE
        )
        return (self.ids[match[2]], float(match[1])) if match else None


def similar_earlier(keys: list[str], first: int, cutoff: float) -> dict[int, dict[int, float]]:
    """For each ``i >= first``, the earlier titles ``j < i`` with ``fuzz.ratio >= cutoff``.

    ``keys`` are normalised titles. Not all pairs: that is quadratic (10,000 listing entries
    took 7.5 s in ``extractOne``, 100,000 would take over 10 minutes). Prefix filtering: order
    words by how few titles have them; two titles that differ in fewer than PREFIX_WORDS words
    share one of their PREFIX_WORDS rarest words, so only titles sharing one of those are
    scored (in C, by ``cdist``). Typo-level differences ("Reflxion", a dropped "A", a changed
    case or punctuation) are all found; titles differing in 3 or more words are not
    compared, and those score under 90 anyway unless the words are tiny.
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
                workers=-1 if len(rows) * len(members) > 1_000_000 else 1,
            )
            for row, column in zip(*scores.nonzero(), strict=True):
                i, j = rows[row], members[column]
                if j < i and j not in found[i]:
                    found[i][j] = float(fuzz.ratio(keys[i], keys[j]))  # exact, not float32
    return found


def _short_slug(title: str) -> str:
    """The title slug, cut at a word so that the id (and file name) stays short."""
    slug = title_slug(title)
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    cut = slug[:MAX_SLUG_CHARS]
    return cut.rsplit("-", 1)[0] if "-" in cut else cut


def ingest_listing(
    listing_path: Path,
    papers_dir: Path,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> IngestReport:
    """Add every new paper of a listing to papers_dir; see IngestReport for what happened."""
    try:
        text = listing_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        message = f"is not valid UTF-8 (byte {error.start}); nothing was added"
        raise ListingInvalid(str(Problem(str(listing_path), line, "", message))) from None
    except OSError as error:
        problem = Problem(str(listing_path), 0, "", f"cannot be read: {error.strerror or error}")
        raise ListingInvalid(str(problem)) from None
    listing = parse_listing(text, str(listing_path))
    report = IngestReport(problems=list(listing.problems), junk_lines=listing.junk_lines)
    added = (today or dt.date.today()).isoformat()

    with catalogue_lock(papers_dir):
        papers, problems = read_papers(papers_dir)
        if problems:
            # Adding to a catalogue that does not validate would bury the new problems.
            raise RecordsInvalid(problems)
        index = TitleIndex()
        for paper in papers:
            index.add(paper.title, paper.id)
        taken = {paper.id for paper in papers}
        display_of = displayer(papers_dir)

        # Fuzzy candidates for the whole listing at once: an entry is present when it matches
        # a record or an earlier entry that was added (the same answer, entry by entry, as
        # TitleIndex.find: exact title first, else the best score, the earliest on a tie).
        existing = len(index.titles)
        keys = index.titles + [normalise_title(entry.title) for entry in listing.entries]
        similar = similar_earlier(keys, existing, SAME_PAPER_SCORE)
        ids: list[str | None] = [*index.ids, *([None] * len(listing.entries))]
        pending: list[tuple[Path, str]] = []  # written together at the end, one flush to disk

        for position, entry in enumerate(listing.entries, existing):
            found: tuple[str, float] | None = None
            if keys[position] in index.exact:
                found = (index.exact[keys[position]], 100.0)
            else:
                for earlier, score in sorted(similar.get(position, {}).items()):
                    earlier_id = ids[earlier]
                    if earlier_id is not None and (found is None or score > found[1]):
                        found = (earlier_id, score)
            if found:
                report.present.append((entry, *found))
                continue
            paper_id = unique_key(_short_slug(entry.title), taken)
            fields = {
                "id": paper_id,
                "title": entry.title,
                "code": list(entry.code),
                "added": added,
                "abstract": entry.abstract,
            }
            path = papers_dir / f"{paper_id}.yaml"
            text = dump_record(fields)
            # An entry the loader would refuse (a 25,000-character abstract, a control
            # character, a bad code URL) is reported against its listing line, never written.
            invalid = check_record_text(text, path, display_of(path))
            if invalid:
                report.problems += [
                    Problem(str(listing_path), entry.line, problem.field, problem.message)
                    for problem in invalid
                ]
                continue
            taken.add(paper_id)
            index.add(entry.title, paper_id)
            ids[position] = paper_id
            pending.append((path, text))
            report.new.append((entry, paper_id))
        if not dry_run:
            write_many_atomic(pending)
    return report
