"""Research domains (the second facet) and the field terms that point to them.

A ``Term`` is a word or phrase that says which field a paper is in ("catastrophic
forgetting", "CUDA", "riparian"). Terms do two jobs:

* they vote for the paper's domains: a paper gets the 1-3 domains whose terms score at least
  ``MIN_DOMAIN_SCORE`` (title terms count double) and at least ``DOMAIN_RATIO`` of the best,
  best first, or ``FALLBACK_DOMAIN`` when none does;
* they say what kind a generic buffer near them is (rules.py's ``CONTEXT`` phrases): each
  domain ``SUGGESTS`` a buffer type ("a memory buffer in continual learning is a replay
  buffer"), which a term may override with its own ``suggests``.

Same pattern syntax as rules.py. To add a domain, add it to ``DOMAINS`` (slug -> display
name, in display order; it lives in model.py so that the loader need not import the
tagger) and to ``SUGGESTS``, and give it terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bufferlit.model import DOMAINS as DOMAINS  # re-exported: the rules name these
from bufferlit.model import BufferType
from bufferlit.tagger.sources import AI_MEMORY_LIST, AICHIP, ASV_LIST, MEMSAFETY_LIST

REPLAY = BufferType.REPLAY
KV = BufferType.KV_CONTEXT
HARDWARE = BufferType.HARDWARE
STREAMING = BufferType.STREAMING
NONE = BufferType.NONE


# What a generic "buffer" or "memory" usually is in each domain (None: no telling).
SUGGESTS: dict[str, BufferType | None] = {
    "continual-learning": REPLAY,
    "reinforcement-learning": REPLAY,
    "llm-agents": KV,
    "llm-inference": KV,
    "nlp": KV,
    "video": STREAMING,
    "tracking-mapping": STREAMING,
    "speech": STREAMING,
    "time-series": STREAMING,
    "hardware": HARDWARE,
    "gpu-systems": HARDWARE,
    "networking": HARDWARE,
    "optimization": NONE,  # an optimizer's buffer holds its state, not data or context
    "security": NONE,
    "neuroscience": NONE,
    "other-sciences": NONE,
    "machine-learning": None,
}

FALLBACK_DOMAIN = "machine-learning"
MIN_DOMAIN_SCORE = 2.0
DOMAIN_RATIO = 0.25
MAX_DOMAINS = 3


@dataclass(frozen=True)
class Term:
    """A word of a field: votes for ``domain`` and suggests what a nearby buffer is."""

    domain: str | None
    weight: float
    patterns: tuple[str, ...]
    suggests: BufferType | Literal["domain"] | None = "domain"
    """The buffer type it suggests; ``"domain"`` (default) means the domain's ``SUGGESTS``."""
    informed_by: tuple[str, ...] = ()
    """The real-dev lists whose tuning rows this term was added for (see rules.py)."""

    @property
    def pattern(self) -> str:
        return "|".join(self.patterns)

    @property
    def buffer_type(self) -> BufferType | None:
        if self.suggests != "domain":
            return self.suggests
        return SUGGESTS[self.domain] if self.domain else None


# fmt: off
TERMS: list[Term] = [
    # --- continual learning
    Term("continual-learning", 3, patterns=(
        r"continual(?:ly)? learn\w*", r"lifelong", r"(?:class|task|domain|accent) incremental",
        r"incremental (?:learn\w*|detection|segmentation|classification)",
        r"catastrophic(?:ally)? forget\w*",
    )),
    Term("continual-learning", 1, patterns=(
        r"forgetting", r"forgets?", r"rehears\w*", r"exemplars?",
        r"sequential (?:edits?|editing|tasks?)",
    )),
    # "A non-stationary stream of classes" is continual learning, not a streaming buffer:
    # listed before the streaming words so that it consumes "stream".
    Term(None, 2, suggests=REPLAY, patterns=(
        r"(?:non stationary|task|class|data) (?:data )?streams?", r"streams? of (?:tasks|classes)",
    )),
    Term(None, 1, suggests=REPLAY, patterns=(
        r"(?:old|past|previous|prior|earlier) (?:tasks?|classes|samples|examples|data)",
        r"task free", r"stability plasticity", r"plasticity stability",
    )),
    # --- reinforcement learning
    Term("reinforcement-learning", 3, patterns=(
        r"reinforcement learning", r"marl", r"q learning", r"off policy", r"on policy",
        r"actor critic", r"atari", r"mujoco", r"temporal difference",
    )),
    Term("reinforcement-learning", 1, patterns=(
        r"rl", r"rewards?", r"mdps?", r"markov decision processes?", r"polic(?:y|ies)",
        r"episodes?", r"trajector(?:y|ies)", r"transitions", r"episodic control",
    )),
    # --- LLM agents, inference, NLP
    Term("llm-agents", 3, patterns=(
        r"(?:language|llm|generative|autonomous|web) agents?", r"agentic", r"agent tasks?",
        r"tool (?:use|using|calls?|calling|augmented)", r"function calling",
    )),
    Term("llm-agents", 2, informed_by=(AI_MEMORY_LIST,), patterns=(
        r"conversations?", r"user profiles?", r"personali[sz]ed (?:agents?|assistants?|dialogue)",
        r"(?:cross|multi) session",
    )),
    # A bare "agent" may be an RL agent: it votes for the domain but suggests nothing.
    Term("llm-agents", 1, suggests=None, patterns=(
        r"agents?", r"web navigation",
    )),
    Term("llm-inference", 3, patterns=(
        r"(?:llm|model) (?:inference|serving)", r"serving (?:systems?|engines?)",
        r"generative inference", r"inference (?:speedup|throughput)", r"time to first token",
    )),
    Term("llm-inference", 1, patterns=(
        r"serving", r"decoding", r"autoregressive", r"(?:llm|moe|transformer) inference",
    )),
    Term("video", 1, patterns=(  # before NLP's "question answering": VQA is vision
        r"visual question answering", r"vqa",
    )),
    Term("nlp", 3, patterns=(
        r"(?:large )?language model\w*", r"natural language", r"nlp", r"question answering",
        r"sentiment", r"machine translation",
    )),
    Term("nlp", 3, suggests=NONE, patterns=(  # a parser's buffer holds words
        r"parsing", r"parsers?",
    )),
    Term("nlp", 2, patterns=(
        r"llms?",
    )),
    Term("nlp", 1, suggests=None, patterns=(
        r"text", r"words", r"passages?", r"documents?", r"perplexity",
    )),
    Term(None, 2, suggests=KV, patterns=(
        r"prompts?", r"prompting", r"in context", r"kv", r"key value", r"retrieval augmented",
    )),
    # Bare "attention" is left out: abstracts say a topic "received significant attention".
    Term(None, 1, suggests=KV, patterns=(
        r"tokens?", r"(?:self|cross) attention",
        r"attention (?:heads?|layers?|modules?|mechanisms?|weights|scores|maps?)", r"attend\w*",
        r"transformers?", r"multi turn", r"dialog\w*", r"decod(?:e|er|ers)",
    )),
    # --- video, tracking and mapping, speech, time series
    Term("video", 3, patterns=(
        r"video\w*", r"action (?:recognition|detection)",
    )),
    Term("video", 2, patterns=(
        r"frames?", r"clips?",
    )),
    Term("tracking-mapping", 3, patterns=(
        r"object tracking", r"multi object tracking", r"trackers?", r"slam", r"hd mapping",
        r"hd maps?", r"odometry", r"lidars?", r"pose graphs?", r"loop closures?", r"submaps?",
        r"imus?",
    )),
    Term("tracking-mapping", 2, patterns=(
        r"track(?:s|ing|ed)", r"mapping", r"locali[sz]\w*", r"point clouds?", r"key ?frames?",
        r"radars?", r"inertial", r"rgb d",
    )),
    Term("speech", 3, patterns=(
        r"speech", r"asr", r"audio", r"voice", r"utterances?",
    )),
    Term("time-series", 3, patterns=(
        r"time series", r"event sequences?", r"temporal point process\w*", r"tpps?",
        r"sensor data", r"anomaly detection", r"forecast\w*",
    )),
    Term("time-series", 2, patterns=(
        r"event streams?", r"sensors?",
    )),
    Term(None, 2, suggests=STREAMING, patterns=(
        r"camera", r"real time", r"live",
    )),
    Term(None, 1, suggests=STREAMING, patterns=(
        r"stream(?:s|ing)?", r"online", r"arriv(?:e|es|ing)", r"incoming", r"segments?",
    )),
    # --- hardware and systems
    Term("hardware", 3, patterns=(
        r"accelerators?", r"microcontrollers?", r"mcus?", r"fpgas?", r"asics?", r"npus?",
        r"tpus?", r"processing in memory", r"pim", r"sram", r"stt ram", r"dram", r"hbm",
        r"on chip", r"off chip", r"systolic", r"dataflow", r"dimms?", r"memory controllers?",
        r"dma", r"embedded (?:systems?|devices?|processors?|platforms?)",
    )),
    Term("hardware", 1, patterns=(
        r"hardware", r"chips?", r"energy", r"cores?", r"multicore", r"bank",
    )),
    Term("hardware", 2, informed_by=(AICHIP,), patterns=(
        r"micro ?architectur\w*", r"rtl", r"isa", r"instruction set\w*", r"memristive",
        r"in situ computing", r"datapaths?", r"multipliers?", r"accumulators?",
    )),
    Term("gpu-systems", 3, patterns=(
        r"gpus?", r"cuda", r"offload\w*", r"ssds?", r"pinned", r"multi gpu", r"file systems?",
        r"flash", r"pcie", r"nvme", r"triton", r"tensor cores?", r"thread blocks?",
        r"warp level", r"(?:a|h|v)100s?",
    )),
    Term("gpu-systems", 2, patterns=(
        r"cpus?", r"kernels?", r"system memory", r"distributed",
    )),
    Term(None, 1, suggests=HARDWARE, patterns=(
        r"bandwidth", r"latency", r"throughput", r"tiles?", r"tiled", r"tiling", r"processors?",
        r"compilers?",
    )),
    Term("networking", 3, patterns=(
        r"network stacks?", r"packets?", r"nics?", r"tcp", r"voip", r"voice over ip",
    )),
    # --- fields where a buffer is something else
    Term("optimization", 3, patterns=(
        r"optimi[sz]ers?", r"adam", r"sgd", r"gradient descent", r"stochastic programs?",
        r"operations research",
    )),
    Term("optimization", 1, patterns=(
        r"minima", r"convergence", r"momentum",
    )),
    Term("optimization", 1, patterns=(
        r"inventory", r"supply chains?",
    )),
    Term("security", 3, patterns=(
        r"security", r"vulnerabilit\w*", r"fuzz\w*", r"exploit\w*", r"malicious",
        r"memory safety", r"stack smashing",
    )),
    Term("security", 1, patterns=(
        r"attacks?", r"attackers?", r"crash\w*",
    )),
    Term("security", 3, informed_by=(ASV_LIST,), patterns=(
        r"spoof\w*", r"anti spoofing", r"countermeasures?",
    )),
    Term("security", 2, informed_by=(MEMSAFETY_LIST,), patterns=(
        r"pointers?", r"use after free", r"dangling", r"bounds? check\w*", r"sanitiz\w*",
        r"memory objects?", r"temporal safety", r"spatial safety",
    )),
    Term("neuroscience", 3, patterns=(
        r"brain", r"neuroscience", r"cognitive", r"cognition", r"hippocamp\w*", r"spiking",
        r"psycholog\w*", r"participants",
    )),
    Term("neuroscience", 1, patterns=(
        r"perception",
    )),
    Term("other-sciences", 3, patterns=(
        r"riparian", r"watersheds?", r"nitrate", r"groundwater", r"soil", r"ph", r"enzym\w*",
        r"assays?", r"chemical", r"chemistry", r"deforestation", r"ecolog\w*",
        r"protected areas?",
    )),
    Term("other-sciences", 1, patterns=(
        r"forest\w*", r"satellite",
    )),
]
# fmt: on
