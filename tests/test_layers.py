"""The package's shape as a specification: which stage each module is in, that dependencies
point one way (model -> records -> tagger -> writers -> site -> cli), and that every function
fits on a screen.

Both tests read the source with ``ast`` (nothing is imported), so an import inside a function
counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

PACKAGE = REPO / "src" / "bufferlit"

# The stages, in order: a module may import modules of its own stage or an earlier one.
STAGES = ("model", "records", "tagger", "writers", "site", "cli")

STAGE_OF: dict[str, str] = {
    # model: the typed entries and the rules about a single value, which everything reads.
    "bufferlit": "model",
    "bufferlit.model": "model",
    "bufferlit.errors": "model",  # the exception hierarchy (carries model.Problem)
    "bufferlit.keys": "model",  # citation keys and title slugs
    "bufferlit.latex": "model",  # LaTeX leftovers -> plain text
    "bufferlit.identity": "model",  # duplicate rules: when two papers are the same
    "bufferlit.hints": "model",  # did-you-mean for mistyped ids and values
    # records: readers, text in -> validated Paper entries.
    "bufferlit.recordfile": "records",
    "bufferlit.records": "records",
    "bufferlit.listing": "records",
    # tagger: papers -> buffer types, stance, domains, with evidence.
    "bufferlit.tagger": "tagger",
    "bufferlit.tagger.domains": "tagger",
    "bufferlit.tagger.rules": "tagger",
    "bufferlit.tagger.matching": "tagger",
    "bufferlit.tagger.engine": "tagger",
    "bufferlit.tagger.check": "tagger",
    "bufferlit.tagger.evaluate": "tagger",
    "bufferlit.tagger.analysis": "tagger",
    "bufferlit.tagger.labels": "tagger",
    "bufferlit.tagger.report": "tagger",
    "bufferlit.tagger.sources": "tagger",
    # writers: papers and entries out (records, citations, exports) and the library functions
    # that read, change and write records (ingest, import-bib, rekey), and search over them.
    "bufferlit.writer": "writers",
    "bufferlit.cite": "writers",
    "bufferlit.export": "writers",
    "bufferlit.search": "writers",
    "bufferlit.ingest": "writers",
    "bufferlit.bibimport": "writers",
    "bufferlit.rekey": "writers",
    "bufferlit.ris": "writers",  # RIS reader feeding ingest
    "bufferlit.labels": "writers",  # the generated labels: line of each record
    "bufferlit.references": "writers",  # BibTeX/RIS files -> ingest
    # network sources: arXiv, Crossref, OpenAlex -> new papers for ingest.add_papers
    "bufferlit.sources": "writers",
    "bufferlit.sources.http": "writers",
    "bufferlit.sources.identifiers": "writers",
    "bufferlit.sources.arxiv": "writers",
    "bufferlit.sources.crossref": "writers",
    "bufferlit.sources.openalex": "writers",
    # site: entries -> views -> pages and downloads -> the MkDocs build.
    "bufferlit.site": "site",
    "bufferlit.site.addresses": "site",  # the URL scheme: every path of the site
    "bufferlit.site.context": "site",
    "bufferlit.site.charts": "site",
    "bufferlit.site.related": "site",
    "bufferlit.site.feed": "site",
    "bufferlit.site.render": "site",
    "bufferlit.site.pages": "site",
    "bufferlit.site.output": "site",
    "bufferlit.site.incremental": "site",
    "bufferlit.site.inputs": "site",
    "bufferlit.site.search": "site",
    "bufferlit.site.sitemap": "site",
    "bufferlit.site.plugin": "site",
    "bufferlit.site.build": "site",
    "bufferlit.site.preview": "site",
    # cli: thin click commands over the library functions.
    "bufferlit.cli": "cli",
    "bufferlit.__main__": "cli",
    "bufferlit.tagger.command": "cli",
    "bufferlit.site.commands": "cli",
    "bufferlit.addcommand": "cli",  # what `bufferlit add` prints
}

# Known imports against the stages, each to be removed by the change that fixes it. Keep this
# empty once they are gone: a new entry needs a reason and an issue.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()

MAX_FUNCTION_LINES = 60
# Functions longer than a screen today, with their length in lines (the ``def`` line to the
# last line). Each is to be split and its entry removed; none may grow, and a new one fails.
LONG_FUNCTIONS: dict[str, int] = {}


def module_name(path: Path) -> str:
    parts = ["bufferlit", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package, known)


def imports_in(source: str, package: str, known: set[str]) -> set[str]:
    """Every module of ``known`` that ``source`` (a module of ``package``) imports, anywhere in
    it: ``from pkg import mod`` names the submodule ``pkg.mod``, ``from mod import name``
    names ``mod``; relative imports are resolved against ``package``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
    return found


def test_every_module_has_a_stage_and_the_table_names_only_real_modules() -> None:
    modules = set(package_modules())
    assert sorted(modules - set(STAGE_OF)) == [], "place the new module in STAGE_OF"
    assert sorted(set(STAGE_OF) - modules) == [], "remove (or rename) these from STAGE_OF"
    assert set(STAGE_OF.values()) <= set(STAGES)


def test_no_module_imports_a_later_stage() -> None:
    modules = package_modules()
    rank = {module: STAGES.index(STAGE_OF[module]) for module in modules if module in STAGE_OF}
    found: set[tuple[str, str]] = set()
    for module, path in modules.items():
        for target in imported_modules(path, set(modules)):
            if module in rank and target in rank and rank[target] > rank[module]:
                found.add((module, target))
    new = sorted(found - KNOWN_VIOLATIONS)
    assert new == [], "\n".join(
        f"{module} ({STAGE_OF[module]}) imports {target} ({STAGE_OF[target]})"
        for module, target in new
    )
    fixed = sorted(KNOWN_VIOLATIONS - found)
    assert fixed == [], f"no longer imported: remove from KNOWN_VIOLATIONS: {fixed}"


def test_the_import_reader_sees_every_kind_of_import() -> None:
    source = """
import bufferlit.model
from bufferlit.site import context, not_a_module
from . import charts
from ..cite import bibtex_entry

def later():
    from bufferlit.tagger.domains import DOMAINS
    import json
"""
    known = set(STAGE_OF)
    assert imports_in(source, "bufferlit.site", known) == {
        "bufferlit.model",
        "bufferlit.site.context",
        "bufferlit.site",
        "bufferlit.site.charts",
        "bufferlit.cite",
        "bufferlit.tagger.domains",
    }


def function_lengths() -> dict[str, int]:
    """``module:qualified.name`` -> lines from ``def`` to the function's last line, for every
    function and method (nested ones too)."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, module: str, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    lengths[f"{module}:{name}"] = child.end_lineno - child.lineno + 1
                visit(child, module, f"{name}.")
            else:
                visit(child, module, prefix)

    for module, path in package_modules().items():
        visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), module, "")
    return lengths


def test_no_function_is_longer_than_a_screen() -> None:
    lengths = function_lengths()
    too_long = {
        name: length
        for name, length in lengths.items()
        if length > LONG_FUNCTIONS.get(name, MAX_FUNCTION_LINES)
    }
    assert too_long == {}, f"functions over {MAX_FUNCTION_LINES} lines (or grown): split them"
    gone = {name for name in LONG_FUNCTIONS if lengths.get(name, 0) <= MAX_FUNCTION_LINES}
    assert gone == set(), "these fit on a screen now: remove them from LONG_FUNCTIONS"
