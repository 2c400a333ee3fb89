"""The tagger: assigns each paper buffer types, a stance and domains, with evidence.

Rules are data (rules.py: phrases; domains.py: domains and field terms); the engine
(engine.py) scores them deterministically. ``bufferlit tag --eval LABELS`` measures them
against hand labels; docs/taxonomy.md explains the taxonomy and how to add a rule.
"""

from __future__ import annotations

from bufferlit.tagger.check import Disagreement, disagreements
from bufferlit.tagger.domains import DOMAINS
from bufferlit.tagger.engine import Tagger, tag_paper, tag_papers, tag_text

__all__ = [
    "DOMAINS",
    "Disagreement",
    "Tagger",
    "disagreements",
    "tag_paper",
    "tag_papers",
    "tag_text",
]
