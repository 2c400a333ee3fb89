"""Context stage: tagged entries -> the frozen view objects every template renders.

Nothing here knows about HTML: values are plain text (escaped later by the templates) and
site links are ``src_uri`` strings (made relative per page by the renderer).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bufferlit.cite import Citations
from bufferlit.model import NO_YEAR, BufferType, Entry, Evidence, Stance, Tagging, name_parts
from bufferlit.site import addresses

BUFFER_TYPE_LABELS: Mapping[BufferType, str] = {
    BufferType.REPLAY: "Replay buffer",
    BufferType.KV_CONTEXT: "KV cache / context",
    BufferType.HARDWARE: "Hardware buffer",
    BufferType.STREAMING: "Stream buffer",
    BufferType.NONE: "No buffer",
}
BUFFER_TYPE_BLURBS: Mapping[BufferType, str] = {
    BufferType.REPLAY: "Stored past samples or experiences replayed during training "
    "(experience replay, rehearsal in continual learning).",
    BufferType.KV_CONTEXT: "What a model keeps in attention or context at inference time "
    "(KV caches, memory tokens, agent memories).",
    BufferType.HARDWARE: "Physical and system buffers: on-chip SRAM, scratchpads, "
    "double buffering, offloading between memory tiers.",
    BufferType.STREAMING: "Buffers over a continuous input stream: frame memories, "
    "stream buffers, memory banks for video and tracking.",
    BufferType.NONE: "Papers where “buffer” means something else, or no buffer is involved.",
}
STANCE_LABELS: Mapping[Stance, str] = {
    Stance.USES: "Uses a buffer",
    Stance.AVOIDS: "Avoids a buffer",
}
CODE_LABEL = "Has code"


# ---------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class SiteInfo:
    """What every page template may show about the site itself."""

    name: str
    url: str
    repo_url: str
    total: int
    """Number of papers in the catalogue."""
    docs_pages: frozenset[str]
    """src_uris of hand-written docs pages, so templates link them only when they exist."""


@dataclass(frozen=True)
class Label:
    """A vocabulary value with its display name (a badge, a facet value, a group)."""

    value: str
    name: str
    page: str = ""
    """Its own page (a src_uri), for a domain; empty for a value without one."""


@dataclass(frozen=True)
class Highlight:
    """An evidence sentence cut around its matched phrase, for ``<mark>``."""

    buffer_type: Label
    before: str
    phrase: str
    after: str


@dataclass(frozen=True)
class PaperView:
    """Everything a template shows about one paper; every string is record text (untrusted)."""

    id: str
    title: str
    authors: tuple[str, ...]
    """Display names, "First Last"."""
    surnames: tuple[str, ...]
    year: int | None
    venue: str
    abstract: str
    added: str
    arxiv_url: str
    doi_url: str
    url: str
    code: tuple[str, ...]
    buffer_types: tuple[Label, ...]
    stance: Label | None
    """None for a paper with no buffer (see ``stance_label``)."""
    domains: tuple[Label, ...]
    evidence: tuple[Highlight, ...]
    tagged_by: str
    bibtex: str
    ris: str
    edit_url: str

    @property
    def page(self) -> str:
        return addresses.paper_page(self.id)

    @property
    def bibtex_file(self) -> str:
        return addresses.paper_file(self.id, "bib")

    @property
    def ris_file(self) -> str:
        return addresses.paper_file(self.id, "ris")

    @property
    def csl_json_file(self) -> str:
        return addresses.paper_file(self.id, "json")

    @property
    def year_text(self) -> str:
        return str(self.year) if self.year else NO_YEAR

    @property
    def authors_short(self) -> str:
        """Authors for a list row: up to three names, then "et al."."""
        if len(self.authors) > 3:
            return ", ".join(self.authors[:3]) + " et al."
        return ", ".join(self.authors)

    def facet_values(self) -> dict[str, list[str]]:
        """The values this paper has for each catalogue facet key (the URL query keys)."""
        return {
            "buffer_type": [label.value for label in self.buffer_types],
            "stance": [self.stance.value] if self.stance else [],
            "domain": [label.value for label in self.domains],
            "year": [self.year_text],
            "venue": [self.venue] if self.venue else [],
            "code": ["yes"] if self.code else [],
        }


@dataclass(frozen=True)
class FacetValue:
    key: str
    value: str
    name: str
    count: int

    @property
    def last(self) -> bool:
        """Listed after every other value whatever its count (the catalogue script keeps it
        there too): the year facet's "no year"."""
        return self.key == "year" and self.value == NO_YEAR


@dataclass(frozen=True)
class Facet:
    key: str
    """The URL query key (buffer_type, stance, domain, year, venue, code)."""
    legend: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Group:
    """A buffer type's or a domain's own page: its label, a description and its papers."""

    label: Label
    description: str
    page: str
    papers: tuple[PaperView, ...]


EAST_ASIAN_SCRIPTS = ("CJK", "IDEOGRAPHIC", "HIRAGANA", "KATAKANA", "HANGUL")
"""Unicode character names of the scripts that write a name family name first, unspaced."""


def display_name(author: str) -> str:
    """ "Shinn, Noah" -> "Noah Shinn"; "王, 小明" -> "王小明" (a name written in Chinese,
    Japanese or Korean script keeps its family name first); a name without a comma is kept."""
    family, given = name_parts(author)
    if not given:
        return family
    if in_east_asian_script(family) and in_east_asian_script(given):
        return family + given
    return f"{given} {family}"


def in_east_asian_script(text: str) -> bool:
    if text.isascii():  # most names; looking up each letter's name took ~0.3 s at 10,000
        return False
    letters = [char for char in text if not char.isspace()]
    return bool(letters) and all(
        unicodedata.name(char, "").startswith(EAST_ASIAN_SCRIPTS) for char in letters
    )


def stance_label(tagging: Tagging) -> Label | None:
    """The stance of a paper about a buffer; None for a paper with no buffer (``none``)."""
    if not tagging.has_buffer:
        return None
    return Label(str(tagging.stance), STANCE_LABELS[tagging.stance])


def domain_label(slug: str, domain_names: Mapping[str, str]) -> Label:
    return Label(slug, domain_names.get(slug, slug), addresses.domain_page(slug))


def highlight(evidence: Evidence) -> Highlight:
    """Split the sentence around the phrase; trust ``start`` only where it really points at it."""
    sentence, phrase, start = evidence.sentence, evidence.phrase, evidence.start
    if sentence[start : start + len(phrase)] != phrase:
        start = sentence.find(phrase)
    label = Label(str(evidence.buffer_type), BUFFER_TYPE_LABELS[evidence.buffer_type])
    if start < 0 or not phrase:
        return Highlight(label, sentence, "", "")
    return Highlight(label, sentence[:start], phrase, sentence[start + len(phrase) :])


def paper_view(
    entry: Entry, domain_names: Mapping[str, str], repo_url: str, citations: Citations
) -> PaperView:
    paper, tagging = entry.paper, entry.tagging
    return PaperView(
        id=paper.id,
        title=paper.title,
        authors=tuple(display_name(author) for author in paper.authors),
        surnames=paper.surnames,
        year=paper.year,
        venue=paper.venue,
        abstract=paper.abstract,
        added=paper.added,
        arxiv_url=paper.arxiv_url,
        doi_url=paper.doi_url,
        url=paper.url,
        code=paper.code,
        buffer_types=tuple(
            Label(str(t), BUFFER_TYPE_LABELS[t]) for t in dict.fromkeys(tagging.buffer_types)
        ),
        stance=stance_label(tagging),
        domains=tuple(domain_label(slug, domain_names) for slug in dict.fromkeys(tagging.domains)),
        evidence=tuple(highlight(evidence) for evidence in tagging.evidence),
        tagged_by=tagging.tagged_by,
        bibtex=citations.bibtex,
        ris=citations.ris,
        edit_url=addresses.record_edit_url(repo_url, paper.id),
    )


def catalogue_citation(site_name: str, url: str, total: int, year: str) -> str:
    """BibTeX for the catalogue itself (the site, not a paper)."""
    return (
        f"@misc{{{site_name.casefold()},\n"
        f"  title = {{{{{site_name}: a curated catalogue of research on memory buffers}}}},\n"
        f"  author = {{{{{site_name} contributors}}}},\n"
        f"  year = {{{year}}},\n"
        f"  howpublished = {{\\url{{{url}}}}},\n"
        f"  note = {{{total} papers}}\n"
        "}"
    )


def by_year_then_title(papers: Iterable[PaperView]) -> list[PaperView]:
    """The catalogue's default order: newest first, then title."""
    return sorted(papers, key=lambda p: (-(p.year or 0), p.title.casefold(), p.id))


def newest(papers: Iterable[PaperView], count: int) -> list[PaperView]:
    """The latest additions by ``added``; ties broken by year then title so the order is stable."""
    ordered = by_year_then_title(papers)
    return sorted(ordered, key=lambda p: p.added, reverse=True)[:count]


# ---------------------------------------------------------------------------------------------
# Facets (the server-rendered starting state; the browser recounts as filters change)

FACET_LEGENDS: Mapping[str, str] = {
    "buffer_type": "Buffer type",
    "stance": "Stance",
    "domain": "Domain",
    "year": "Year",
    "venue": "Venue",
    "code": "Code",
}


def facets(
    papers: Sequence[PaperView], name_of: Mapping[str, Callable[[str], str]]
) -> tuple[Facet, ...]:
    """Each facet with its values sorted by count (most first), then by name."""
    result = []
    each_paper = [paper.facet_values() for paper in papers]
    for key, legend in FACET_LEGENDS.items():
        counts: Counter[str] = Counter()
        for values_of in each_paper:
            counts.update(set(values_of[key]))
        namer = name_of.get(key, str)
        values = [FacetValue(key, value, namer(value), count) for value, count in counts.items()]
        if key == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        else:
            values.sort(key=lambda v: v.name.casefold())
        values.sort(key=lambda v: v.count, reverse=True)
        values.sort(key=lambda v: v.last)
        result.append(Facet(key, legend, tuple(values)))
    return tuple(result)


def facet_namers(domain_names: Mapping[str, str]) -> dict[str, Callable[[str], str]]:
    labels = {str(t): name for t, name in BUFFER_TYPE_LABELS.items()}
    stances = {str(s): name for s, name in STANCE_LABELS.items()}
    return {
        "buffer_type": lambda value: labels.get(value, value),
        "stance": lambda value: stances.get(value, value),
        "domain": lambda value: domain_names.get(value, value),
        "code": lambda value: CODE_LABEL,
    }


@dataclass(frozen=True)
class PagerLink:
    number: int
    page: str
    """src_uri; empty for a gap (an ellipsis) between page numbers."""


def pager(number: int, count: int, first: str, around: int = 2) -> tuple[PagerLink, ...]:
    """Links from page ``number`` of ``count`` of the listing whose first page is ``first``:
    the first, the last and ``around`` pages either side, with gaps between (a fixed size, so
    the pages' total size stays linear in N)."""
    shown = {1, count, *range(max(1, number - around), min(count, number + around) + 1)}
    links: list[PagerLink] = []
    for page in sorted(shown):
        if links and page > links[-1].number + 1:
            links.append(PagerLink(0, ""))
        links.append(PagerLink(page, addresses.numbered_page(first, page)))
    return tuple(links)


def http_url(url: str) -> str:
    """The URL if it is http(s), else nothing: a record's links never become ``javascript:``.
    (The loader already refuses other schemes; this keeps the templates safe on their own.)"""
    return url if url.lower().startswith(("http://", "https://")) else ""


def catalogue_data(papers: Sequence[PaperView], facet_list: Sequence[Facet]) -> dict[str, object]:
    """What the catalogue script filters, counts and sorts with, in list order: every paper's
    id and its values of each facet, and nothing a row only shows.

    Compact on purpose: the catalogue page fetches it at once, and at 100,000 papers the rows
    themselves would make it 21 MB. Each facet's values and display names come once; each
    distinct set of values a paper has for a facet once (``sets``); then per facet a column
    with each paper's set, as an index into that facet's sets. A row's own text is fetched
    with its page's rows (catalogue_rows), titles and authors for the text filter only.
    """
    index = {facet.key: {v.value: i for i, v in enumerate(facet.values)} for facet in facet_list}
    sets: list[dict[tuple[int, ...], int]] = [{} for _ in facet_list]
    columns: list[list[int]] = [[] for _ in facet_list]
    for paper in papers:
        values = paper.facet_values()
        for k, facet in enumerate(facet_list):
            chosen = tuple(index[facet.key][value] for value in values[facet.key])
            columns[k].append(sets[k].setdefault(chosen, len(sets[k])))
    return {
        "keys": [facet.key for facet in facet_list],
        "values": [[value.value for value in facet.values] for facet in facet_list],
        "names": [[value.name for value in facet.values] for facet in facet_list],
        "ids": [paper.id for paper in papers],
        "sets": [[list(chosen) for chosen in facet_sets] for facet_sets in sets],
        "columns": columns,
    }


def catalogue_rows(papers: Sequence[PaperView]) -> list[list[str]]:
    """What the catalogue script draws these papers' rows from (a page's rows file,
    addresses.catalogue_rows): id, title, short authors, venue and code link, in that order
    (bufferlit.js makeRow reads them so); the year, buffer types and stance come from the
    catalogue's data."""
    return [
        [
            paper.id,
            paper.title,
            paper.authors_short,
            paper.venue,
            http_url(paper.code[0]) if paper.code else "",
        ]
        for paper in papers
    ]


SCRIPT_ACCENTS = re.compile("[\u0300-\u036f]")
SCRIPT_WORD = re.compile("[a-z0-9]+")


def title_words(papers: Sequence[PaperView]) -> list[str]:
    """Each word of the titles once, sorted, as bufferlit.js splits them (its ``fold``:
    NFD, accents dropped, lower case; then runs of a-z and 0-9). The header search fetches
    every title (10 MB at 100,000 papers) only when a query word is not one of these words,
    to offer the closest title for a possible typo."""
    words: set[str] = set()
    for paper in papers:
        folded = SCRIPT_ACCENTS.sub("", unicodedata.normalize("NFD", paper.title)).lower()
        words.update(SCRIPT_WORD.findall(folded))
    return sorted(words)


def author_text(paper: PaperView) -> str:
    """Author names (and any surname not already in them) for the catalogue's text filter."""
    names = " ".join(paper.authors)
    extra = [surname for surname in paper.surnames if surname not in names]
    return " ".join((names, *extra)) if extra else names


# ---------------------------------------------------------------------------------------------
# Groups


def type_groups(papers: Sequence[PaperView]) -> tuple[Group, ...]:
    """One group per buffer type (in vocabulary order), each listing its papers newest first."""
    groups = []
    for buffer_type in BufferType:
        members = [p for p in papers if any(t.value == buffer_type for t in p.buffer_types)]
        groups.append(
            Group(
                Label(str(buffer_type), BUFFER_TYPE_LABELS[buffer_type]),
                BUFFER_TYPE_BLURBS[buffer_type],
                addresses.type_page(buffer_type),
                tuple(by_year_then_title(members)),
            )
        )
    return tuple(groups)


def domain_groups(
    papers: Sequence[PaperView], domain_names: Mapping[str, str]
) -> tuple[Group, ...]:
    """One group per domain that has papers, largest first."""
    members: dict[str, list[PaperView]] = {}
    for paper in papers:
        for label in paper.domains:
            members.setdefault(label.value, []).append(paper)
    slugs = sorted(members, key=lambda slug: (-len(members[slug]), slug))
    labels = [domain_label(slug, domain_names) for slug in slugs]
    return tuple(
        Group(label, "", label.page, tuple(by_year_then_title(members[label.value])))
        for label in labels
    )
