"""Helpers for the hostile-input suite: records as YAML, the CLI in-process and as a real
subprocess, a hash of a whole folder tree."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bufferlit.cli import cli


def record(
    id: str = "shinn2023reflexion",
    title: str = "Reflexion: Language Agents with Verbal Reinforcement Learning",
    **fields: object,
) -> str:
    """A valid record as YAML text; each keyword replaces or adds one field. Values are written
    as YAML double-quoted scalars (or flow lists of them), so any string, however hostile,
    lands in the field verbatim; ``raw=`` appends raw YAML text as it is."""
    values: dict[str, object] = {
        "id": id,
        "title": title,
        "authors": ["Shinn, Noah", "Cassano, Federico"],
        "year": 2023,
        "added": "2026-11-26",
        "abstract": "We keep an episodic memory buffer of verbal reflections in the context.",
    }
    raw = str(fields.pop("raw", ""))
    values.update(fields)
    lines = [f"{key}: {yaml_value(value)}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n" + raw


def yaml_value(value: object) -> str:
    """A YAML flow value that loads back as exactly ``value`` (str, int, list of those)."""
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if not isinstance(value, str):
        return str(value)
    out = []
    for char in value:
        if char in '\\"':
            out.append("\\" + char)
        elif char.isprintable() and char not in "\x85\u2028\u2029\ufeff":
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def bare_record(id: str, title: str, abstract: str = "An abstract about buffers.") -> str:
    """A record with only the required fields."""
    return (
        f"id: {id}\ntitle: {yaml_value(title)}\nadded: 2026-11-26\n"
        f"abstract: {yaml_value(abstract)}\n"
    )


def run_cli(args: Sequence[str]) -> Result:
    """The CLI in-process; a Python exception escaping it (a traceback) fails the test."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}:\n{result.output}")
    return result


def run_module(
    args: Sequence[str], *, cwd: Path | None = None, timeout: float = 60, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python -m bufferlit ARGS`` as a real process (a crash or hang cannot take pytest down)."""
    return subprocess.run(
        [sys.executable, "-m", "bufferlit", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONFAULTHANDLER": "1", "NO_COLOR": "1"},
    )


def tree_hash(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under root (symlinks by their target text)."""
    hashes: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_symlink():
            hashes[relative] = "link:" + os.readlink(path)
        elif path.is_file():
            hashes[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            hashes[relative + "/"] = "dir"
    return hashes


# One record's worth of hostile text: markup that would run script, Markdown and table syntax,
# Jinja template syntax, spreadsheet formulas. Every payload that could run sets
# window.__pwned or opens a dialog, which the browser tests watch for.
HOSTILE: dict[str, Any] = {
    "title": (
        "<script>window.__pwned=1</script> {{ 7*7 }} | pipe | "
        '[click](javascript:window.__pwned=2) <img src=x onerror="window.__pwned=3"> '
        "{% if true %}TPL{% endif %} &amp; **bold**"
    ),
    "authors": [
        '@Evil, <b onmouseover="alert(1)">Bold</b>',
        '=HYPERLINK("http://evil.example.com"), {{ config }}',
        "O'Brien </script><script>alert(2)</script>",
    ],
    "venue": "=cmd|' /C calc'!A0 </script><script>window.__pwned=4</script>",
    "notes": '<iframe src="javascript:alert(3)"></iframe> {{ lipsum.__globals__ }} | a | b |',
    "abstract": (
        "We propose a replay buffer. </script><script>window.__pwned=5</script> "
        "<svg onload=alert(4)> {{ 7*7 }} {% for x in range(3) %}LOOP{% endfor %} "
        "| col | col |\n|---|---|\n[link](javascript:alert(5)) ${7*7} #{7*7} "
        '"><img src=x onerror=alert(6)> ]]> <!-- comment --> \\u003c &lt;script&gt;'
    ),
}
