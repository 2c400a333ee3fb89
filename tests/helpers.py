"""Small helpers that show a test's intent: a valid record with some fields changed."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

VALID_RECORD = """\
id: {id}
title: {title}
authors:
  - Shinn, Noah
year: 2023
added: 2026-11-26
abstract: >-
  We keep an episodic memory buffer of verbal reflections in the agent's context.
"""


def record(
    id: str = "shinn2023reflexion", title: str = "Reflexion: Language Agents", **extra: str
) -> str:
    """A valid record; each keyword replaces that field's line (or is added at the end)."""
    lines = VALID_RECORD.format(id=id, title=json.dumps(title)).splitlines()
    for key, value in extra.items():
        line = f"{key}: {value}"
        index = next((i for i, text in enumerate(lines) if text.startswith(f"{key}:")), None)
        if index is None:
            lines.append(line)
        else:
            lines[index] = line
    return "\n".join(lines) + "\n"
