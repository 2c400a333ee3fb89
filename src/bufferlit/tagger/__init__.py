"""The tagger: assigns each paper buffer types, a stance and domains, with evidence.

Rules are data (rules.py, domains.py); the engine (engine.py) scores them deterministically.
``bufferlit tag --eval tests/data/labels-seed.yaml`` measures them against hand labels.
"""

from __future__ import annotations

from bufferlit.tagger.domains import DOMAINS
from bufferlit.tagger.engine import Tagger, tag_paper, tag_papers, tag_text

__all__ = ["DOMAINS", "Tagger", "tag_paper", "tag_papers", "tag_text"]
