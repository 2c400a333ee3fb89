"""The public paper lists of real-dev and real-dev-2 (tests/data/), named as their labels name them.

A rule or term written while reading a list's tuning rows says so in ``informed_by``; the
leave-one-list-out figures (``bufferlit tag --eval``) drop every rule a list informed
before scoring that list, to show what carries over to a source the rules never saw.
"""

from __future__ import annotations

AICHIP = "BRTResearch/AIChip_Paper_List"
STREAM_LIST = "sotayang/Awesome-Streaming-Video-Understanding"
KV_LIST = "jjiantong/Awesome-KV-Cache-Optimization"
CL_LIST = "ContinualAI/continual-learning-papers"
AGENT_LIST = "TsinghuaC3I/Awesome-Memory-for-Agents"
PROMPT_CL_LIST = "dangtrunganh/Awesome-Continual-Learning"
ASV_LIST = "PHJhjpeng1992/awesome-asv-antispoofing"
MEMSAFETY_LIST = "jiezhoucs/must-read"
# Not a real-dev list: our own plain-word descriptions (tests/data/labels-plain.yaml), used
# for tuning in round 2 after their first look was recorded.
PLAIN = "tests/data/labels-plain.yaml"
# Not a real-dev list either: the stance decision of issue 10, written from the phrasings the
# issue names ("without storing data", "no exemplars are kept", "without relying on data
# replay", "data-free", ...), not from real-dev rows. The issue's author found them in the
# lists' papers, so their gain on real-dev is not a clean estimate.
STANCE_DECISION = "issue 10: the stance decision"

# real-dev-2 (tests/data/real-dev-2): four other public lists, read only for that set.
AIACC_NOTES = "WheatBeer/WheatBeer.github.io"
KV_NOTES = "leehm00/Reading-Notes--Awesome-KV-Cache-Compression"
CRL_LIST = "Sen1553/Awesome-Continual-RL"
FUZZ_LIST = "0xricksanchez/paper_collection"
AI_MEMORY_LIST = "IAAR-Shanghai/Awesome-AI-Memory"
