"""Citation writers: BibTeX, RIS and CSL-JSON, one entry per paper, keyed by the record id.

Every value comes from an untrusted record, so each writer escapes for its own format: BibTeX
specials and braces, RIS line breaks, JSON by the json module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from bufferlit.model import Paper, name_parts

JOURNAL_HINTS = re.compile(
    r"journal|transactions|letters|review|magazine|TMLR|JMLR|"
    r"Engineering|Computing Surveys",
    re.I,
)


def kind(paper: Paper) -> str:
    """'preprint', 'article' or 'conference' from the venue (records carry no entry type)."""
    if not paper.venue or paper.venue.casefold() == "arxiv":
        return "preprint"
    return "article" if JOURNAL_HINTS.search(paper.venue) else "conference"


# ---------------------------------------------------------------------------------------------
# BibTeX

BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    # \textasciicircum reads back as U+02C6 in pylatexenc (what bibtexparser decodes with).
    "^": r"\string^",
    "~": r"\textasciitilde{}",
}
# BibTeX counts every brace, escaped or not, so text with unbalanced braces must spell them as
# macros with balanced braces of their own (\textbraceleft reads back as nothing in pylatexenc).
UNBALANCED_BRACES = {"{": r"\ensuremath{\lbrace}", "}": r"\ensuremath{\rbrace}"}
# Pairs LaTeX typesets as one glyph (-- an en dash, `` a curly quote, ?` an inverted question
# mark, << a guillemet in T1): an empty group between the two keeps both characters.
LIGATURES = frozenset({"--", "``", "''", "<<", ">>", ",,", "!`", "?`"})


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def bibtex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX value: specials escaped, so braces always balance,
    and ligatures broken, so that it reads back as the same characters."""
    text = " ".join(text.split())
    table = BIBTEX_SPECIALS if _balanced(text) else {**BIBTEX_SPECIALS, **UNBALANCED_BRACES}
    out = []
    for char, following in zip(text, text[1:] + " ", strict=True):
        out.append(table.get(char, char))
        if char + following in LIGATURES:
            out.append("{}")
    return "".join(out)


def bibtex_name(name: str) -> str:
    """One author for an ``author`` list: what BibTeX would read as a separator (a word
    ``and``, a name ``others``, a third comma) is braced so that the name stays one name."""
    escaped = re.sub(r"(?i)(?<!\S)(and|others)(?!\S)", r"{\1}", bibtex_escape(name))
    parts = escaped.split(",")
    if len(parts) > 3:
        escaped = ",".join(parts[:3]) + "{,}".join(["", *parts[3:]])
    # bibtexparser 2 splits names wrongly around a word that starts with a backslash ("A and
    # \_x" -> "A", "x"; "A \% and B" -> "A", "B"); an empty group in front of it avoids that.
    return re.sub(r"(?<!\S)\\", r"{}\\", escaped)


def _bibtex_url(url: str) -> str:
    # URLs are printed verbatim by the url package; only characters that would break the
    # BibTeX value (braces, backslash, whitespace) need percent-encoding.
    return re.sub(r"[{}\\\s]", lambda match: quote(match[0]), url)


def bibtex_entry(paper: Paper) -> str:
    entry_type = {"preprint": "misc", "article": "article", "conference": "inproceedings"}[
        kind(paper)
    ]
    fields: list[tuple[str, str]] = [
        # Double braces keep the title's capitalisation (acronyms such as LLM, KV, SRAM).
        ("title", "{" + bibtex_escape(paper.title) + "}"),
        ("author", " and ".join(bibtex_name(author) for author in paper.authors)),
    ]
    if paper.venue and entry_type == "article":
        fields.append(("journal", bibtex_escape(paper.venue)))
    elif paper.venue and entry_type == "inproceedings":
        fields.append(("booktitle", bibtex_escape(paper.venue)))
    fields.append(("year", str(paper.year) if paper.year else ""))
    if paper.doi:
        fields.append(("doi", _bibtex_url(paper.doi)))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archiveprefix", "arXiv")]
    fields.append(("url", _bibtex_url(paper.best_url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{entry_type}{{{paper.id},\n{body}\n}}\n"


def to_bibtex(papers: Iterable[Paper]) -> str:
    return join_bibtex(bibtex_entry(paper) for paper in papers)


def join_bibtex(entries: Iterable[str]) -> str:
    return "\n".join(entries)


# ---------------------------------------------------------------------------------------------
# RIS (tag, two spaces, hyphen, space, value; one value per line)


def _ris_value(text: str) -> str:
    return " ".join(str(text).split())


def ris_entry(paper: Paper) -> str:
    ris_type = {"preprint": "UNPB", "article": "JOUR", "conference": "CPAPER"}[kind(paper)]
    lines = [("TY", ris_type), ("ID", paper.id), ("TI", paper.title)]
    lines += [("AU", author) for author in paper.authors]
    if paper.year:
        lines.append(("PY", str(paper.year)))
    if paper.venue:
        lines.append(("T2", paper.venue))
    if paper.doi:
        lines.append(("DO", paper.doi))
    if paper.arxiv:
        lines.append(("AN", f"arXiv:{paper.arxiv}"))
    if paper.best_url:
        lines.append(("UR", paper.best_url))
    lines += [("L2", url) for url in paper.code]
    lines.append(("AB", paper.abstract))
    lines.append(("ER", ""))
    return "\n".join(f"{tag}  - {_ris_value(value)}".rstrip() for tag, value in lines) + "\n"


def to_ris(papers: Iterable[Paper]) -> str:
    return join_ris(ris_entry(paper) for paper in papers)


def join_ris(entries: Iterable[str]) -> str:
    return "\n".join(entries)


# ---------------------------------------------------------------------------------------------
# CSL-JSON (the format Zotero, Pandoc and citeproc read)


def csl_item(paper: Paper) -> dict[str, object]:
    csl_type = {
        "preprint": "article",
        "article": "article-journal",
        "conference": "paper-conference",
    }[kind(paper)]
    authors = []
    for author in paper.authors:
        family, given = name_parts(author)
        authors.append({"family": family, "given": given} if given else {"literal": family})
    item: dict[str, object] = {"id": paper.id, "type": csl_type, "title": paper.title}
    if authors:
        item["author"] = authors
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue and csl_type != "article":
        item["container-title"] = paper.venue
    if csl_type == "article":
        item["publisher"] = "arXiv"
        if paper.arxiv:
            item["number"] = f"arXiv:{paper.arxiv}"
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.best_url:
        item["URL"] = paper.best_url
    item["abstract"] = paper.abstract
    return item


def to_csl_json(papers: Iterable[Paper]) -> str:
    return join_csl_json(csl_entry(paper) for paper in papers)


def csl_entry(paper: Paper) -> str:
    """One item as ``json.dumps([...], indent=2)`` writes it inside the list, so that a
    whole-catalogue file can be joined from entries made once per paper."""
    text = json.dumps(csl_item(paper), ensure_ascii=False, indent=2)
    return text.replace("\n", "\n  ")  # JSON strings hold no raw newline: only layout moves


def join_csl_json(entries: Iterable[str]) -> str:
    items = list(entries)
    return ("[\n  " + ",\n  ".join(items) + "\n]" if items else "[]") + "\n"


@dataclass(frozen=True)
class Citations:
    """A paper's entry in each citation format, the unit the whole-catalogue files join."""

    bibtex: str
    ris: str
    csl_json: str

    @classmethod
    def of(cls, paper: Paper) -> Citations:
        return cls(bibtex_entry(paper), ris_entry(paper), csl_entry(paper))


FORMATS: dict[str, Callable[[Iterable[Paper]], str]] = {
    "bibtex": to_bibtex,
    "ris": to_ris,
    "csl-json": to_csl_json,
}
