"""Reading one record file: bytes -> a YAML mapping with the line of each key.

Refuses what a record never needs, before or while YAML builds anything: object tags (code
execution), aliases (memory blow-up), deep nesting (libyaml's composer recurses in C and
crashes the process), non-UTF-8 bytes, huge files, pipes and devices. Every refusal is a
``Problem`` with the file and line; nothing here raises for bad input.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bufferlit.model import Problem

# The C parser is several times faster; fall back to the pure-Python one where libyaml is absent.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_RECORD_BYTES = 256 * 1024
MAX_DEPTH = 8
# Depth up to which libyaml's recursive composer is safe (it crashed at 100,000): texts that
# cannot nest deeper than this are composed first and measured on their nodes.
COMPOSABLE_DEPTH = 200

EXCERPT_CHARS = 60


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A value as a message may quote it: Python-escaped (no terminal escapes, line breaks or
    invisible characters reach the output) and cut to ``limit`` characters with an ellipsis,
    so that a 200 kB value, or a file a record links to, is never printed back whole."""
    if not isinstance(value, str):  # a list or a mapping: its repr is escaped already
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    return repr(value[: limit - 3] + "...") if len(value) > limit else repr(value)


def _capped(message: str, limit: int = 3 * EXCERPT_CHARS) -> str:
    """A parser's message, which may quote a tag or an anchor name of any length."""
    return message if message.isprintable() and len(message) <= limit else excerpt(message, limit)


def field_label(name: str) -> str:
    """A field name as a problem names it: as written when short and printable, else an
    excerpt (an unknown key can be a whole line of some other file)."""
    return name if name.isprintable() and len(name) <= EXCERPT_CHARS else excerpt(name)


@dataclass(frozen=True)
class RawRecord:
    """A parsed YAML mapping with the line of each key, before validation."""

    path: Path
    data: dict[str, Any]
    lines: dict[str, int]
    broken: frozenset[str] = frozenset()
    """Fields whose value could not be built (already reported)."""

    def line(self, field: str) -> int:
        return self.lines.get(field, 1)


# ---------------------------------------------------------------------------------------------
# Parsing: bytes -> mapping with line numbers. Refuses what a record never needs: object tags
# (code execution), aliases (memory blow-up), non-UTF-8 bytes, huge files.


def parse_record(path: Path, display: str) -> tuple[RawRecord | None, list[Problem]]:
    def fail(message: str, line: int = 1) -> tuple[None, list[Problem]]:
        return None, [Problem(display, line, "", message)]

    target, refusal = _record_target(path)
    if refusal:
        return fail(refusal)
    if path.is_dir():
        return fail("is a directory, not a record file")
    if not path.is_file():
        # A FIFO would block the reader forever and /dev/zero would never end.
        return fail("is not a regular file (a pipe, device or broken link?)")
    try:
        raw, size = _read_head(target)
    except OSError as error:
        return fail(f"cannot be read: {error.strerror}")
    if len(raw) > MAX_RECORD_BYTES:
        line, field = field_at(raw, MAX_RECORD_BYTES)
        return None, [
            Problem(
                display,
                line,
                field,
                f"makes the record {size:,} bytes; a record may be at most"
                f" {MAX_RECORD_BYTES:,} bytes",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return fail(f"is not valid UTF-8 (byte {error.start})", line)
    return parse_text(text, path, display)


def _record_target(path: Path) -> tuple[Path, str]:
    """The file to read for a record, resolved once, or why it is refused unread. A symbolic
    link leading out of the records folder (``ln -s /etc/shadow papers/x.yaml``) would have
    its target's lines quoted back as problems; a link to a file inside the folder (or below
    it) is read like a file."""
    folder = path.parent.resolve()
    if not path.is_symlink():
        return folder / path.name, ""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return path, ""  # broken or a loop: reported as not a regular file, nothing is read
    if target.is_relative_to(folder):
        return target, ""
    return path, "is a symbolic link to a file outside the records folder; it is not read"


def _read_head(path: Path) -> tuple[bytes, int]:
    """The first MAX_RECORD_BYTES + 1 bytes and the size. O_NOFOLLOW: the path was resolved,
    so a link put in its place since then is refused (ELOOP) instead of followed; O_NONBLOCK:
    a FIFO swapped in does not block the open."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(0, "not a regular file")
        raw = handle.read(MAX_RECORD_BYTES + 1)
        return raw, max(len(raw), os.fstat(descriptor).st_size)


def parse_text(text: str, path: Path, display: str) -> tuple[RawRecord | None, list[Problem]]:
    """Parse the text of a record (already read and decoded) into fields with their lines."""

    def fail(message: str, line: int = 1) -> tuple[None, list[Problem]]:
        return None, [Problem(display, line, "", message)]

    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return fail("is empty; expected a mapping of fields (see schema/paper.schema.json)")

    too_deep = f"lists or mappings nested more than {MAX_DEPTH} deep; a record needs two levels"
    loader = SafeLoader(text)
    try:
        # Three ways to the same answer, cheapest first: a text that cannot nest too deep; a
        # text that may, but not deep enough to endanger the composer, measured on its nodes
        # (a tree: no aliases); any other text, measured on the parser's events beforehand.
        bound = _nesting_bound(text)
        measure_nodes = MAX_DEPTH < bound <= COMPOSABLE_DEPTH and "*" not in text
        deep_line = 0 if measure_nodes or bound <= MAX_DEPTH else _too_deep(text)
        if deep_line:
            return fail(too_deep, deep_line)
        node = loader.get_single_node()
        if node is None:
            return fail("is empty; expected a mapping of fields")
        deep_line = _deepest_node_line(node) if measure_nodes else 0
        if deep_line:
            return fail(too_deep, deep_line)
        if not isinstance(node, yaml.MappingNode):
            return fail("must be a mapping of fields (key: value)", node.start_mark.line + 1)
        # An alias is always written with '*': without one there is nothing to look for.
        alias_line = _first_alias(node) if "*" in text else 0
        if alias_line:
            return fail("YAML anchors and aliases are not allowed in records", alias_line)
        return _construct_fields(loader, node, path, display)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        if isinstance(error, yaml.constructor.ConstructorError):
            unknown_tag = "could not determine a constructor" in str(error.problem)
            message = f"YAML tag not allowed ({error.problem})" if unknown_tag else message
        return fail(f"invalid YAML: {_capped(message)}", line)
    except yaml.YAMLError as error:
        return fail(f"invalid YAML: {_capped(str(error))}")
    finally:
        loader.dispose()


def _too_deep(text: str) -> int:
    """Line where lists/mappings first nest deeper than MAX_DEPTH, or 0.

    Checked on the parser's events (a flat loop) before composing: libyaml's composer recurses
    in C, and a line of 100,000 ``- `` crashes the whole process with a segmentation fault.
    """
    loader = SafeLoader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark else 1
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # Some libyaml builds stop at their own flow-nesting limit before we count that deep.
        if "nesting depth" not in str(error.problem):
            raise
        return error.problem_mark.line + 1 if error.problem_mark else 1
    finally:
        loader.dispose()
    return 0


def _nesting_bound(text: str) -> int:
    """How deep the text's lists and mappings can nest at most, judged without parsing.

    Each indentation column holds at most a sequence and a mapping, each bracket one more
    level. ``- -`` and ``?`` keys nest without indenting: for texts with them, no bound."""
    if "- -" in text or "?" in text:
        return 10**9
    widest = max((len(line) - len(line.lstrip(" \t")) for line in text.splitlines()), default=0)
    return 2 * (widest + 1) + text.count("[") + text.count("{")


def _deepest_node_line(root: yaml.Node) -> int:
    """Line of the first list or mapping (in text order) nested deeper than MAX_DEPTH, or 0:
    the node a parse of events would stop at. The nodes must form a tree (no aliases).

    Used for texts that may nest too deep (a record with a labels line has 3-5 brackets) but
    cannot endanger the composer: measuring their nodes instead of parsing them a second time
    for events made reading records with labels lines 1.3x faster."""
    level, depth = [root], 1
    while level:
        if depth > MAX_DEPTH:
            first = min(level, key=lambda node: node.start_mark.index)  # as events meet it
            return first.start_mark.line + 1
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = node.value
            else:  # a scalar (a whole document can be one: "    \\x") has no nodes below
                continue
            below.extend(child for child in children if not isinstance(child, yaml.ScalarNode))
        level, depth = below, depth + 1
    return 0


def _shallow(text: str) -> bool:
    """True when the text cannot nest deeper than MAX_DEPTH (a second parse of every record
    costs 10% of validate)."""
    return _nesting_bound(text) <= MAX_DEPTH


def _construct_fields(
    loader: yaml.SafeLoader, node: yaml.MappingNode, path: Path, display: str
) -> tuple[RawRecord, list[Problem]]:
    """The record's fields, each value built on its own so that a value the constructor
    rejects (``2023-02-30``, a 5,000-digit number) is reported against its own field."""
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    broken: set[str] = set()
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(display, line, "", "a field name must be plain text"))
            continue
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(Problem(display, line, "<<", "YAML merge keys are not allowed"))
            continue
        _, bad_key = _build(loader, key_node)  # an object tag on a key is refused here too
        if bad_key:
            problems.append(Problem(display, line, "", f"field name {bad_key}"))
            continue
        name = str(key_node.value)
        if not name.isprintable():
            problems.append(Problem(display, line, excerpt(name), "field name is not printable"))
            continue
        if name in lines:
            problems.append(Problem(display, line, field_label(name), "given twice in this record"))
        lines.setdefault(name, line)
        value, bad_value = _build(loader, value_node)
        if bad_value:
            problems.append(Problem(display, value_node.start_mark.line + 1, name, bad_value))
            broken.add(name)
        else:
            data[name] = value
    return RawRecord(path, data, lines, frozenset(broken)), problems


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
_NOT_TEXT = object()


def _text_value(node: yaml.Node) -> Any:
    """The value of a node made only of text, lists and mappings (most of a record), built
    directly: what SafeConstructor gives for those tags, without its per-node dispatch (it
    made reading a record with a labels line 1.4x slower than one without). ``_NOT_TEXT``
    for anything else (numbers, dates, merge keys...), which the constructor builds."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR else _NOT_TEXT
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        items = [_text_value(child) for child in node.value]
        return _NOT_TEXT if any(item is _NOT_TEXT for item in items) else items
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        pairs = [(_text_value(key), _text_value(value)) for key, value in node.value]
        plain = all(key is not _NOT_TEXT and value is not _NOT_TEXT for key, value in pairs)
        return dict(pairs) if plain else _NOT_TEXT
    return _NOT_TEXT


def _build(loader: yaml.SafeLoader, node: yaml.Node) -> tuple[Any, str]:
    """The value of one node, or what is wrong with it (a date like 2023-02-30, a number of
    5,000 digits: YAML's constructor raises ValueError for those, with no line)."""
    value = _text_value(node)
    if value is not _NOT_TEXT:
        return value, ""
    try:
        return loader.construct_object(node, deep=True), ""
    except yaml.YAMLError:
        raise
    except Exception as error:  # PyYAML also fails with AttributeError, KeyError (!!bool x)
        kind = excerpt(str(node.tag).rsplit(":", 1)[-1])[1:-1]
        reason = excerpt(str(error).split(":", 1)[0])[1:-1]
        detail = f" ({reason})" if isinstance(error, ValueError | OverflowError) else ""
        return None, f"{excerpt(str(node.value))} is not a valid {kind}{detail}"


def field_at(raw: bytes, offset: int) -> tuple[int, str]:
    """Line and top-level field of the record text at byte ``offset`` (best effort)."""
    head = raw[:offset]
    keys = list(re.finditer(rb"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:", head, re.MULTILINE))
    if not keys:
        return head.count(b"\n") + 1, ""
    last = keys[-1]
    return head[: last.start()].count(b"\n") + 1, last[1].decode("ascii")


def _first_alias(root: yaml.Node) -> int:
    """Line of the first node reached twice (an alias), or 0. Visits each node once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line + 1
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return 0


# ---------------------------------------------------------------------------------------------
# The record files of a folder, and how problems name them


def record_paths(papers_dir: Path) -> list[Path]:
    # By name: the same order as sorting the paths of one folder, without pathlib's
    # comparison (~0.3 s at 10,000 records).
    return sorted(papers_dir.glob("*.yaml"), key=lambda path: path.name)


def misnamed_records(papers_dir: Path) -> list[Path]:
    """Files that look like records but would be skipped (x.yml, x.YAML): silently leaving a
    paper out of the catalogue would lose it."""
    return sorted(
        path
        for path in papers_dir.iterdir()
        if path.suffix.lower() in {".yml", ".yaml"} and path.suffix != ".yaml"
    )


def display_path(path: Path) -> str:
    # The folder is resolved, never the file itself: a record that is a symbolic link is
    # named by its own name, not its target's, and a link loop cannot raise.
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def displayer(papers_dir: Path) -> Callable[[Path], str]:
    """``display_path`` for the files of one folder, resolving the folder and the working
    directory once instead of once per file (about 0.4 s of CPU per 10,000 records). A file that
    is itself a symbolic link still gets the full ``display_path``."""
    cwd = Path.cwd().resolve()
    folder = papers_dir.resolve()
    try:
        prefix: Path | None = folder.relative_to(cwd)
    except ValueError:
        prefix = None

    def display(path: Path) -> str:
        if path.parent != papers_dir or path.is_symlink():
            shown = display_path(path)
        else:
            shown = str(prefix / path.name) if prefix is not None else str(path)
        # A file name is a value too: no terminal escape or line break in it reaches output.
        return shown if shown.isprintable() else repr(shown)[1:-1]

    return display
