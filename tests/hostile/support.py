"""Helpers for the hostile-input suite: records as YAML, the CLI in-process and as a real
subprocess, a hash of a whole folder tree."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
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
    """``python -m bufferlit ARGS`` as a real process (a crash or hang cannot take pytest down),
    running this checkout's code wherever ``cwd`` is (a relative PYTHONPATH would not follow)."""
    source = str(Path(__file__).resolve().parents[2] / "src")
    return subprocess.run(
        [sys.executable, "-m", "bufferlit", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONFAULTHANDLER": "1", "NO_COLOR": "1", "PYTHONPATH": source},
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

# A second hostile record: attribute break-outs, comments, CDATA, entities, template objects.
HOSTILE_TOO: dict[str, Any] = {
    "title": "\"><svg/onload=window.__pwned=6>'><!--{{ self.__init__.__globals__ }}--> ]]>",
    "authors": ['Doe, Jane"><script>window.__pwned=7</script>'],
    "venue": '<a href="javascript:alert(7)">venue</a>',
    "notes": "&lt;script&gt;alert(8)&lt;/script&gt; &#60;script&#62; {{''.__class__}}",
    "abstract": "We keep a replay buffer of <style>*{display:none}</style> samples. " * 3,
}

REPO = Path(__file__).resolve().parents[2]


def hostile_catalogue(papers: Path) -> Path:
    """A papers/ folder with the two hostile records and an ordinary one."""
    papers.mkdir(parents=True, exist_ok=True)
    (papers / "evil2024markup.yaml").write_text(
        record(
            id="evil2024markup",
            **HOSTILE,
            doi="10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O",
            code=["https://github.com/evil/code?a=1&b=2"],
        ),
        encoding="utf-8",
    )
    (papers / "evil2025second.yaml").write_text(
        record(id="evil2025second", year=2025, **HOSTILE_TOO), encoding="utf-8"
    )
    (papers / "shinn2023reflexion.yaml").write_text(record(), encoding="utf-8")
    return papers


def build_site_dir(
    papers: Path, site: Path, config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``bufferlit build`` as a real process, from the repository's mkdocs.yml by default."""
    return run_module(
        [
            "build",
            "-f",
            str(config or REPO / "mkdocs.yml"),
            "--papers",
            str(papers),
            "--site-dir",
            str(site),
        ],
        cwd=REPO,
        timeout=300,
    )


@dataclass
class Script:
    attrs: dict[str, str]
    text: str = ""


# Attributes whose value a browser follows or runs.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
}
# Elements the hostile records would create if their Markdown or HTML were interpreted.
PAYLOAD_ELEMENTS = {("strong", "bold"), ("b", "Bold"), ("td", "col"), ("a", "venue")}
BAD_SCHEMES = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)


class PageScan(HTMLParser):
    """Reads a page as a browser's parser would and lists anything record text could have
    turned into live markup (``dangers``), with the page's visible text (``text``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.title = ""
        self.scripts: list[Script] = []
        self.dangers: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self._firsts: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.dangers.append(f"<{tag} {name}={value[:60]!r}>")
            cleaned = re.sub(r"[\x00-\x20]", "", value)
            if name in URL_ATTRIBUTES and BAD_SCHEMES.match(cleaned):
                self.dangers.append(f"<{tag} {name}={value[:60]!r}>")
            if name == "srcdoc":
                self.dangers.append(f"<{tag} srcdoc>")
        if tag in {"iframe", "frame", "object", "embed", "base", "style"} or (
            tag == "meta" and values.get("http-equiv", "").lower() == "refresh"
        ):
            self.dangers.append(f"<{tag}>")
        if tag == "img" and values.get("src") == "x":
            self.dangers.append("<img src=x>")
        if tag == "script":
            self.scripts.append(Script(values))
        self._open.append((tag, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not any(name == tag for name, _ in self._open):
            return
        while self._open:
            name, parts = self._open.pop()
            text = "".join(parts)
            if name == tag:
                break
        else:  # pragma: no cover - guarded above
            return
        if self._open:
            self._open[-1][1].append(text)
        if tag == "script" and self.scripts:
            script = self.scripts[-1]
            script.text = text
            inline_code = "src" not in script.attrs and "json" not in script.attrs.get("type", "")
            if inline_code and re.search(r"__pwned|alert\(", text):
                self.dangers.append(f"<script>{text[:60]!r}")
        if tag == "title":
            self.title = text
        self._firsts.setdefault(tag, text)
        if (tag, text.strip()) in {
            ("strong", "bold"),
            ("b", "Bold"),
            ("td", "col"),
            ("a", "venue"),
        }:
            self.dangers.append(f"<{tag}>{text}</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].append(data)
        if not any(name in {"script", "style"} for name, _ in self._open):
            self.text += data

    def first(self, tag: str) -> str:
        return self._firsts.get(tag, "")
