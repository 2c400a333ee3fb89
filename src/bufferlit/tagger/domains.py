"""The research domains (the second facet) and the phrases that suggest each one.

A paper gets 1-3 domains: those whose phrases score at least ``MIN_DOMAIN_SCORE`` (title
phrases count double), best first. A paper that matches none gets ``FALLBACK_DOMAIN``.
Same pattern syntax as in rules.py. To add a domain, add it to ``DOMAINS`` (slug -> display
name, in display order) and give it at least one ``DomainPhrase``.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAINS: dict[str, str] = {
    "continual-learning": "Continual learning",
    "reinforcement-learning": "Reinforcement learning",
    "llm-agents": "LLM agents",
    "llm-inference": "LLM inference and serving",
    "nlp": "Natural language processing",
    "video": "Video understanding",
    "tracking-mapping": "Tracking and mapping",
    "speech": "Speech and audio",
    "time-series": "Time series and event sequences",
    "hardware": "Hardware accelerators",
    "gpu-systems": "GPU and systems",
    "networking": "Networking",
    "optimization": "Optimization",
    "security": "Security",
    "neuroscience": "Neuroscience and cognition",
    "other-sciences": "Other sciences",
    "machine-learning": "Machine learning (general)",
}

FALLBACK_DOMAIN = "machine-learning"
MIN_DOMAIN_SCORE = 2.0
MAX_DOMAINS = 3


@dataclass(frozen=True)
class DomainPhrase:
    domain: str
    weight: float
    patterns: tuple[str, ...]

    @property
    def pattern(self) -> str:
        return "|".join(self.patterns)


# fmt: off
DOMAIN_PHRASES: list[DomainPhrase] = [
    DomainPhrase("continual-learning", 3, patterns=(
        r"continual(?:ly)? learn\w*", r"lifelong", r"(?:class|task|domain|accent) incremental",
        r"incremental learning", r"catastrophic(?:ally)? forget\w*", r"rehearsal free",
        r"exemplar free",
    )),
    DomainPhrase("continual-learning", 1, patterns=(
        r"forgetting", r"forgets?", r"rehears\w*", r"exemplars?",
    )),
    DomainPhrase("reinforcement-learning", 3, patterns=(
        r"reinforcement learning", r"marl", r"q learning", r"off policy", r"on policy",
        r"actor critic", r"atari", r"mujoco",
    )),
    DomainPhrase("reinforcement-learning", 1, patterns=(
        r"rl", r"rewards?", r"mdps?", r"markov decision processes?", r"policy",
        r"experience replay", r"episodic control",
    )),
    DomainPhrase("llm-agents", 3, patterns=(
        r"(?:language|llm|generative|autonomous|web) agents?", r"agentic", r"agent tasks?",
    )),
    DomainPhrase("llm-agents", 1, patterns=(
        r"agents?", r"web navigation", r"tool use",
    )),
    DomainPhrase("llm-inference", 3, patterns=(
        r"kv cache", r"key value cache", r"(?:llm|model) (?:inference|serving)",
        r"serving (?:systems?|engines?)", r"generative inference",
        r"inference (?:speedup|throughput)", r"time to first token",
    )),
    DomainPhrase("llm-inference", 1, patterns=(
        r"serving", r"decoding", r"autoregressive", r"(?:llm|moe|transformer) inference",
    )),
    DomainPhrase("nlp", 3, patterns=(
        r"natural language", r"nlp", r"language model\w*", r"question answering", r"parsing",
        r"parsers?", r"sentiment", r"machine translation",
    )),
    DomainPhrase("nlp", 1, patterns=(
        r"llms?", r"text", r"words", r"tokens?", r"passages?", r"documents?", r"perplexity",
    )),
    DomainPhrase("video", 3, patterns=(
        r"video\w*", r"action (?:recognition|detection)",
    )),
    DomainPhrase("video", 1, patterns=(
        r"visual question answering", r"vqa",
    )),
    DomainPhrase("video", 1, patterns=(
        r"frames?", r"clips?",
    )),
    DomainPhrase("tracking-mapping", 3, patterns=(
        r"object tracking", r"multi object tracking", r"trackers?", r"slam", r"hd mapping",
        r"hd maps?", r"odometry",
    )),
    DomainPhrase("tracking-mapping", 1, patterns=(
        r"tracking", r"mapping", r"localization",
    )),
    DomainPhrase("speech", 3, patterns=(
        r"speech", r"asr", r"audio", r"voice", r"utterances?",
    )),
    DomainPhrase("time-series", 3, patterns=(
        r"time series", r"event sequences?", r"temporal point process\w*", r"tpps?",
        r"sensor data", r"anomaly detection", r"forecast\w*",
    )),
    DomainPhrase("time-series", 1, patterns=(
        r"event streams?", r"sensors?",
    )),
    DomainPhrase("hardware", 3, patterns=(
        r"accelerators?", r"microcontrollers?", r"fpgas?", r"asics?", r"npus?",
        r"processing in memory", r"pim", r"sram", r"stt ram", r"dram", r"on chip", r"systolic",
        r"dimms?",
    )),
    DomainPhrase("hardware", 1, patterns=(
        r"hardware", r"chips?", r"energy", r"memory controllers?",
    )),
    DomainPhrase("gpu-systems", 3, patterns=(
        r"gpus?", r"cuda", r"offload\w*", r"ssds?", r"pinned", r"multi gpu", r"file systems?",
        r"flash",
    )),
    DomainPhrase("gpu-systems", 1, patterns=(
        r"cpus?", r"kernels?", r"system memory", r"distributed",
    )),
    DomainPhrase("networking", 3, patterns=(
        r"network stacks?", r"packets?", r"nics?", r"voip", r"voice over ip", r"tcp",
    )),
    DomainPhrase("optimization", 3, patterns=(
        r"optimi[sz]ers?", r"adam", r"sgd", r"gradient descent", r"stochastic programs?",
        r"operations research",
    )),
    DomainPhrase("optimization", 1, patterns=(
        r"minima", r"convergence", r"momentum", r"inventory",
    )),
    DomainPhrase("security", 3, patterns=(
        r"security", r"vulnerabilit\w*", r"fuzz\w*", r"exploit\w*", r"malicious", r"memory safety",
        r"buffer (?:overflows?|overruns?)", r"stack smashing",
    )),
    DomainPhrase("security", 1, patterns=(
        r"attacks?", r"crash\w*",
    )),
    DomainPhrase("neuroscience", 3, patterns=(
        r"brain", r"neuroscience", r"cognitive", r"hippocamp\w*", r"spiking", r"working memory",
        r"psycholog\w*",
    )),
    DomainPhrase("neuroscience", 1, patterns=(
        r"perception",
    )),
    DomainPhrase("other-sciences", 3, patterns=(
        r"riparian", r"watersheds?", r"nitrate", r"groundwater", r"soil", r"ph", r"enzym\w*",
        r"chemical", r"chemistry", r"deforestation", r"ecolog\w*", r"protected areas?",
    )),
    DomainPhrase("other-sciences", 1, patterns=(
        r"forest\w*", r"satellite",
    )),
]
# fmt: on
