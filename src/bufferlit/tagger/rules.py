r"""The tagger's phrase rules, as data a curator can read and extend.

A ``Phrase`` is evidence for a buffer type ("experience replay" -> replay). Its ``type`` is
``CONTEXT`` when the phrase says *that* there is a buffer but not *which* kind ("memory
buffer", "caching"): the field terms around it decide (domains.py). ``avoids=True`` marks
a phrase that says the paper works *without* that buffer ("rehearsal-free"). A phrase may
also vote for a ``domain`` ("buffer overflow" -> security).

Pattern syntax: Python regular expressions in lowercase (the text is lowercased), matched
on word boundaries. A space matches one space, one hyphen or nothing ("on chip" matches
"on chip", "on-chip" and "onchip"); write ``\s+`` for a real gap between words. Use only
non-capturing groups, and start each alternative with a letter or digit (or a group of
such alternatives), which is what lets the engine skip most rules at each word.

Order matters: phrases and field terms are combined into one regex, so where two match at
the same place the EARLIER rule wins, and a match that starts earlier wins over one inside
it (words inside a phrase are not field terms). That is how scope works without
if-statements: "without a memory buffer" (an avoids phrase) starts before "memory buffer"
and so consumes it; "buffer overflow" (a none phrase) is listed before the bare "buffer".
Keep "not a buffer" and "avoids" phrases first, specific phrases next, generic ones last.

To add a rule: add a ``Phrase`` in the right section with a short ``why``, add a labelled
example to tests/data/labels-extra.yaml, and run
``bufferlit tag --eval tests/data/labels-extra.yaml`` to see what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bufferlit.model import BufferType
from bufferlit.tagger.sources import (
    AGENT_LIST,
    AI_MEMORY_LIST,
    AIACC_NOTES,
    AICHIP,
    ASV_LIST,
    CL_LIST,
    KV_LIST,
    MEMSAFETY_LIST,
    PLAIN,
    PROMPT_CL_LIST,
    STANCE_DECISION,
    STREAM_LIST,
)

REPLAY = BufferType.REPLAY
KV = BufferType.KV_CONTEXT
HARDWARE = BufferType.HARDWARE
STREAMING = BufferType.STREAMING
NONE = BufferType.NONE
CONTEXT = None
"""The type of a generic phrase: decided by the field terms around it."""


@dataclass(frozen=True)
class Phrase:
    """A phrase that is evidence for one buffer type (or for ``CONTEXT`` to decide)."""

    type: BufferType | None
    weight: float
    patterns: tuple[str, ...]
    """Alternatives, one regex each: the phrase matches where any of them does."""
    avoids: bool = False
    why: str = ""
    domain: str | None = None
    """A domain this phrase also votes for, with its weight."""
    stores_nothing: bool = False
    """An avoids phrase that says no past data is kept ("without storing old images"). It
    counts only where field terms suggest its type (continual or reinforcement learning):
    a network sketch "without storing the data" avoids no replay buffer. It is the paper's
    stance (generative replay that stores nothing real included) unless the title names a
    buffer the paper keeps all the same ("Experience Replay for ..." saying that
    "fine-tuning without replaying old samples forgets"): a specific phrase in the title,
    or a bare "replay" there when the paper replays no generated data."""
    synthetic: bool = False
    """Replay of generated data (generative replay, pseudo-rehearsal): such a paper's
    "Replay" in its title is that replay, not a kept buffer (see ``stores_nothing``)."""
    informed_by: tuple[str, ...] = ()
    """The real-dev lists (``AICHIP``, ...) whose tuning rows this rule was written for; the
    leave-one-list-out figures drop every rule a list informed before scoring that list."""

    @property
    def pattern(self) -> str:
        return "|".join(self.patterns)


# fmt: off
PHRASES: list[Phrase] = [
    # --- "buffer" meaning something else: these consume the word so nothing else counts it.
    Phrase(NONE, 3, domain="security", why="memory-safety bugs, not a memory buffer", patterns=(
        r"buffer (?:overflows?|overruns?|over reads?)", r"(?:stack|heap)(?: based)? buffers?",
        r"out of bounds (?:writes?|reads?)",
    )),
    Phrase(NONE, 3, domain="security", why="a replay attack resends recorded data, not a buffer",
           patterns=(
        r"replay attacks?",
    )),
    Phrase(NONE, 3, domain="security", informed_by=(ASV_LIST,),
           why="replayed recordings that spoof a speaker check, not a replay buffer", patterns=(
        r"replay(?:ed)? (?:spoof\w*|noise|detection|speech|audio|recordings?|utterances?|"
        r"(?:spoofing )?attacks?)",
        r"(?:spoof\w*|playback|genuine) (?:[\w-]+\s+){0,2}?replay(?:ed|s)?",
    )),
    Phrase(NONE, 1, domain="security", informed_by=(MEMSAFETY_LIST,),
           why="memory safety: the program's memory, not a buffer", patterns=(
        r"memory (?:safety|safe|unsafe|unsafety|corruption|errors?|bugs?|leaks?|"
        r"vulnerabilit\w*|isolation|tagging)",
    )),
    Phrase(NONE, 3, domain="other-sciences", why="land-use buffers", patterns=(
        r"buffer (?:zones?|strips?|areas?)", r"riparian buffers?",
        r"(?:forested|grassed|vegetated|vegetative) (?:buffers?|strips?)",
    )),
    Phrase(NONE, 3, domain="other-sciences", why="chemical buffers", patterns=(
        r"(?:ph|phosphate|acetate|citrate|tris|borate|carbonate|bicarbonate|hepes) buffers?",
        r"buffer solutions?", r"buffered (?:saline|solutions?)",
    )),
    Phrase(NONE, 3, domain="optimization", why="buffers in operations research", patterns=(
        r"inventory buffers?", r"safety stocks?", r"buffer stocks?",
        r"(?:time|schedule|project) buffers?",
    )),
    Phrase(NONE, 3, domain="nlp", why="a transition parser's buffer of words", patterns=(
        r"buffer of (?:incoming|input|remaining|unprocessed) (?:words|tokens)",
        r"stack and (?:the )?buffer",
    )),
    Phrase(NONE, 1, why="LSTM cells are not a buffer", patterns=(
        r"long short term memor(?:y|ies)", r"lstms?",
    )),
    # --- Working WITHOUT a buffer (stance: avoids). Listed before the phrases they contain.
    Phrase(REPLAY, 3, avoids=True, domain="continual-learning", why="rehearsal-free", patterns=(
        r"(?:rehearsal|replay|exemplar|exemplars|memory replay) free",
    )),
    Phrase(REPLAY, 3, avoids=True, why="says it needs no replay buffer", patterns=(
        r"without (?:a |any |the |an )?(?:explicit )?(?:rehearsal|replay|exemplar|episodic) "
        r"(?:buffers?|memor(?:y|ies)|sets?)",
    )),
    Phrase(REPLAY, 3, avoids=True, domain="continual-learning",
           why="says it keeps no replay memory", patterns=(
        r"(?:no|zero) (?:rehearsal|replay|exemplar|episodic) (?:buffers?|memor(?:y|ies)|sets?)",
    )),
    # "without storing or replaying any previous edit examples", "does not store any samples
    # from earlier tasks", "without access to data from previous sites": a negation, one or
    # two verbs of keeping, then past data (a time word may carry one free word: "previous
    # edit examples"). Generative replay also stores nothing real: see ``stores_nothing``.
    Phrase(REPLAY, 3, avoids=True, stores_nothing=True, domain="continual-learning",
           why="says it keeps no past examples", patterns=(
        r"(?:without|never|not|cannot|nor) (?:need(?:ing)? to |hav(?:e|ing) to )?"
        r"(?:buffer|stor|keep|kept|retain|sav|replay|rehears|revisit|reus)\w*"
        r"(?:,? (?:or|and|nor) "
        r"(?:buffer|stor|keep|kept|retain|sav|replay|rehears|revisit|reus)\w*)?"
        r" (?:any )?(?:of )?(?:the )?"
        r"(?:(?:past|old|previous|prior|earlier|raw|real|original|historical) (?:[\w'-]+\s+)?)?"
        r"(?:examples|samples|data|exemplars|instances|experiences?|images|inputs|utterances|"
        r"sentences|requests|edits|records)",
        r"without (?:any )?(?:memory |experience |data )?(?:replay|rehearsal)",
        r"(?:without|no) (?:any )?access to (?:any )?(?:the )?"
        r"(?:(?:past|old|previous|prior|earlier) (?:[\w'-]+\s+)?(?:examples|samples|data|images)|"
        r"(?:examples|samples|data|images) (?:from|of) (?:the )?(?:past|old|previous|prior|"
        r"earlier))",
        r"(?:no|zero) (?:rehearsal |replay |episodic )?(?:memory|buffer) of "
        r"(?:past|old|previous|prior) (?:samples|examples|data)",
        r"no stored (?:samples|examples|exemplars)",
        r"(?:keeps?|keeping|stores?|storing|retains?|needs?|requires?|uses?|using) no "
        r"(?:rehearsal |replay |episodic |exemplar )?"
        r"(?:memory|memories|buffers?|exemplars|past samples)(?! overhead| footprint| cost)",
    )),
    Phrase(REPLAY, 3, avoids=True, stores_nothing=True, informed_by=(PROMPT_CL_LIST,),
           why="says it does not rely on replay", patterns=(
        r"without (?:relying on|using|requiring|needing|the need for|resorting to) (?:any )?"
        r"(?:memory |experience |data |sample )?(?:replay|rehearsal)",
    )),
    Phrase(REPLAY, 3, avoids=True, stores_nothing=True, informed_by=(CL_LIST,),
           why="keeps no single past example", patterns=(
        r"(?:not|never|without) (?:stor|keep|retain|sav)\w* (?:any|a single) (?:image|sample|"
        r"example|exemplar|instance) (?:from|of) (?:the )?(?:previous|previously|past|old|"
        r"earlier|prior)",
    )),
    Phrase(REPLAY, 3, avoids=True, why="learns from new data only (learning without forgetting)",
           patterns=(
        r"(?:uses?|using|requires?|requiring|with|from) only (?:the )?(?:new|current) "
        r"(?:task )?(?:data|samples|examples)",
    )),
    Phrase(REPLAY, 3, avoids=True, stores_nothing=True, informed_by=(CL_LIST,),
           why="only new data; past data unavailable or not kept", patterns=(
        r"only (?:using|uses?|requiring|requires?|learning from|trained on) (?:the )?"
        r"(?:new|current) (?:task )?(?:data|samples|examples)",
        r"(?:data|samples|examples|images) (?:from|of) (?:the )?(?:previous|past|old|earlier|"
        r"prior) (?:tasks?|classes) (?:are|is|being|become|becomes) (?:no longer )?"
        r"(?:unavailable|not available|inaccessible|discarded|not stored|not kept)",
        r"no exemplars? (?:are|is) (?:kept|stored|retained|saved|used)",
    )),
    Phrase(REPLAY, 3, avoids=True, stores_nothing=True, informed_by=(PLAIN,),
           why="trains on the new task's data only", patterns=(
        r"only (?:the )?(?:data|images|samples|examples|inputs) (?:of|from) (?:the )?"
        r"(?:new|current) (?:tasks?|classes)",
    )),
    # The stance decision (docs/taxonomy.md, Stance): the paper's own claim to store no past
    # data is avoids, generative replay included; the phrasings are the issue's, generalised.
    Phrase(REPLAY, 3, avoids=True, stores_nothing=True, domain="continual-learning",
           informed_by=(STANCE_DECISION,), why="says its own method stores no past data",
           patterns=(
        r"(?:without|never|not|cannot|nor|instead of|doesn'?t|don'?t) "
        r"(?:(?:the )?need(?:ing)? (?:to|for) |hav(?:e|ing) to |requir(?:e|es|ing) )?"
        r"(?:stor|keep|kept|retain|sav|buffer)\w* (?:any )?(?:of )?(?:the |their |its |our )?"
        r"(?:(?:past|old|previous|prior|earlier|raw|real|original|historical) (?:[\w'-]+\s+)?)?"
        r"(?:examples|samples|data|exemplars|instances|experiences?|images|inputs)",
        r"without (?:relying on |using |requiring |needing |the need for |resorting to )?"
        r"(?:any )?(?:exemplars?|samples?|stored data) (?:replay|rehearsal)",
        r"no (?:(?:past|old|previous|prior|earlier|real|raw) )?(?:data|samples|examples|exemplars?|"
        r"images) (?:(?:of|from) (?:the )?(?:past|old|previous|prior|earlier) (?:tasks?|classes) )?"
        r"(?:is|are) (?:kept|stored|retained|saved|replayed|needed|required)",
    )),
    Phrase(REPLAY, 3, avoids=True, domain="continual-learning", informed_by=(STANCE_DECISION,),
           why="data-free continual learning", patterns=(
        r"data free (?:\w+ ){0,2}?(?:continual|incremental|lifelong|replay|rehearsal)",
    )),
    Phrase(REPLAY, 3, avoids=True, why="presents replay buffers as the limitation it removes",
           patterns=(
        r"limitations (?:like|such as|of) (?:[\w-]+\s+){0,4}?(?:rehearsal|replay|exemplar) "
        r"(?:buffers?|memor(?:y|ies))",
    )),
    # Generic avoids: which buffer is avoided is for the context to say ("bufferless routers").
    Phrase(CONTEXT, 3, avoids=True, why="buffer-free, bufferless", patterns=(
        r"buffer free", r"buffer less",
    )),
    Phrase(CONTEXT, 2, avoids=True, why="says it needs no buffer", patterns=(
        r"without (?:a |any |the )?(?:memory |explicit )?buffers?", r"without buffering",
        r"limitations (?:like|such as|of) (?:[\w-]+\s+){0,4}?(?:memory )?buffers?",
    )),
    # --- replay: stored samples replayed in training.
    Phrase(REPLAY, 3, synthetic=True, domain="continual-learning",
           why="replay of generated or derived data", patterns=(
        r"(?:generative|pseudo|feature|latent) (?:experience )?replay", r"pseudo rehearsal",
        r"(?:replay|rehears)\w* (?:[\w-]+\s+){0,2}?(?:synthetic|synthesi[sz]ed|generated|pseudo)",
        r"(?:generat|synthesi[sz])\w* (?:[\w-]+\s+){0,3}?(?:samples|features|images|data) of "
        r"(?:old|earlier|previous|past|prior)",
    )),
    Phrase(REPLAY, 3, why="the replay buffer itself", patterns=(
        r"experience replay",
        r"(?:prioriti[sz]ed|hindsight|episodic) (?:experience )?replay",
        r"(?:replay|rehearsal) (?:buffers?|memor(?:y|ies)|pools?|tables?)",
        r"exemplar (?:memor(?:y|ies)|sets?|buffers?)",
    )),
    Phrase(REPLAY, 2, why="rehearsal / replay of past data", patterns=(
        r"rehears(?:al|e|es|ed|ing)", r"replay(?:s|ed|ing)?",
    )),
    Phrase(REPLAY, 2, informed_by=(CL_LIST,), why="a small store of past data", patterns=(
        r"(?:subset|amount|number|portion|fraction|handful|set) of (?:the )?(?:previously seen|"
        r"previous|past|old|earlier|seen|representative) (?:task )?(?:data|samples|examples|"
        r"images|instances)",
        r"(?:subset|amount|number|portion|fraction) of (?:the )?(?:data|samples|examples) "
        r"(?:for|from|of) (?:the )?(?:old|previous|past|earlier|prior) (?:tasks|classes)",
        r"(?:episodic|small|fixed size|limited|tiny) memor(?:y|ies) (?:containing|of|storing|"
        r"holding|with) (?:[\w-]+\s+){0,3}?(?:data|samples|examples)",
    )),
    Phrase(REPLAY, 2, informed_by=(PLAIN,), why="a store of past samples or transitions",
           patterns=(
        r"(?:store|buffer|pool|memory|bank|set|collection) of (?:[\w-]+\s+){0,2}?(?:past|previous|"
        r"old|earlier|stored|recent) (?:transitions|experiences|trajectories|samples|examples|"
        r"exemplars)",
        r"(?:samples|examples|data|images|inputs|instances) (?:seen|observed|encountered) so far",
    )),
    Phrase(REPLAY, 1, why="keeps past samples", patterns=(
        r"(?:stor|sav|retain|kept|keep|rehears|replay)\w* (?:[\w-]+\s+){0,4}?"
        r"(?:samples|examples|exemplars|transitions|trajectories)",
    )),
    # --- kv-context: what a model keeps in attention/context at inference.
    Phrase(KV, 3, domain="llm-inference", why="the KV cache of a served model", patterns=(
        r"kv (?:caches?|cach\w+|tensors|heads?)",
        r"key value (?:caches?|cach\w+|tensors|heads?)",
        r"paged attention", r"attention sinks?", r"(?:prefix|prompt) cach\w+",
    )),
    Phrase(KV, 3, informed_by=(STREAM_LIST,), why="KV storage and states kept for attention",
           patterns=(
        r"kv (?:storage|states?)",
    )),
    Phrase(KV, 2, informed_by=(PLAIN,),
           why="which tokens a model keeps; what is paged into its context", patterns=(
        r"(?:keep|keeps|keeping|kept|retain\w*|cach\w*|stor(?:e|es|ed|ing)) (?:[\w-]+\s+){0,4}?"
        r"(?:the )?(?:most )?(?:recent|important|heavy hitter|salient|first|initial) "
        r"(?:[\w-]+\s+){0,2}?tokens",
        r"(?:main|limited|finite) context(?! of)",
        r"(?:pag|swap)\w* (?:[\w-]+\s+){0,3}?(?:in and out|into (?:the |its )?context)",
        r"(?:external )?memory matri(?:x|ces)",
    )),
    Phrase(KV, 3, why="key-value memories, memory tokens, context buffer", patterns=(
        r"kv (?:memory|pairs)", r"key value (?:memor(?:y|ies)|pairs|stores?)",
        r"key,? value\)? pairs", r"(?:attention'?s? )?context buffers?",
        r"(?:memory|register) tokens?",
    )),
    Phrase(KV, 2, why="keys and values kept for attention; memories put into the prompt", patterns=(
        r"keys and values",
        r"(?:retriev|insert|inject|fed|feed|add|append|prepend|plac|put|includ|concatenat|writ|"
        r"kept|keep)\w* (?:[\w-]+\s+){0,5}?(?:in|into|to|within) (?:[\w'-]+\s+){0,2}?"
        r"(?:prompts?|context windows?|contexts?(?! of))",
    )),
    Phrase(KV, 2, informed_by=(AI_MEMORY_LIST,),
           why="an LLM agent's or a conversation's memory", patterns=(
        r"agent(?:ic)? memor(?:y|ies)", r"(?:cross|multi) session memor(?:y|ies)",
        r"(?:conversational|conversation|dialogue) memor(?:y|ies)",
    )),
    Phrase(KV, 2, why="attention over a sliding window of tokens", patterns=(
        r"sliding windows? attention", r"sliding windows? (?:of|over) (?:[\w-]+\s+){0,3}?tokens",
    )),
    Phrase(KV, 2, why="managing which tokens stay in the context", patterns=(
        r"(?:prompt|context|token|kv) (?:compression|pruning|eviction|merging)",
        r"(?:prun|evict|merg|compress|drop)\w* (?:[\w-]+\s+){0,3}?tokens",
    )),
    Phrase(KV, 3, why="memory-augmented language models", patterns=(
        r"memory augmented (?:transformers?|language models?|llms?|neural networks?)",
        r"memori[sz]ing transformers?",
    )),
    Phrase(KV, 2, why="memory networks read by attention", patterns=(
        r"memory networks?",
    )),
    # Half weight: talk of context length is a hint, weaker than naming a buffer or cache.
    Phrase(KV, 0.5, why="the context a model attends to", patterns=(
        r"attention'?s? context", r"(?:fixed|limited|finite) (?:length|size) contexts?",
        r"context (?:windows?|lengths?|management)", r"long context",
    )),
    # --- hardware: physical or system buffers.
    Phrase(HARDWARE, 3, why="a named hardware buffer", patterns=(
        r"(?:on chip|off chip|global|sram|stt ram|edram|dram|scratchpad|weight|activation|victim|"
        r"write|line|row|router|staging|pinned|ping pong|double|triple|dimm) buffers?",
        r"buffer chips?", r"double buffer(?:ing|ed)", r"ping pong buffering",
    )),
    Phrase(HARDWARE, 3, why="a scratchpad that is on a chip", patterns=(
        r"(?:on chip|banked|global|software managed) scratchpads?(?: memor(?:y|ies))?",
    )),
    Phrase(HARDWARE, 2, why="the memory hierarchy of a GPU kernel or a chip", patterns=(
        r"(?:in|into|from|to) (?:the )?registers", r"register (?:files?|pressure|spill\w*|"
        r"block\w*|tiles?|tiling)",
        r"global memory", r"high bandwidth memor(?:y|ies)", r"hbm\d?e?", r"l[123] caches?",
        r"last level caches?", r"(?:on chip|off chip) memor(?:y|ies)",
    )),
    Phrase(HARDWARE, 2, why="on-chip memories, PIM, pinned memory, DMA", patterns=(
        r"srams?", r"row buffer locality", r"processing in memory", r"pims?",
        r"near memory (?:processing|computing)", r"in memory computing", r"pinned memory", r"dma",
    )),
    Phrase(HARDWARE, 2, informed_by=(AICHIP,),
           why="DRAM traffic, on-chip storage, in-memory compute", patterns=(
        r"dram (?:bandwidth|access\w*|traffic|reads?|writes?)", r"off chip (?:traffic|access\w*)",
        r"on chip (?:storage|memory capacity)", r"in memory (?:analog )?comput\w*",
        r"memory arrays?", r"cache hierarch\w*",
    )),
    Phrase(HARDWARE, 2, informed_by=(AIACC_NOTES,),
           why="data kept in DRAM or in the processing elements; memory-bound compute", patterns=(
        r"(?:in|into|from|to) (?:the )?(?:off chip |external |main )?(?:dram|hbm|edram)",
        r"(?:pes?|processing elements?)\s+(?:[\w-]+\s+){0,2}?(?:stores?|stored|storing|buffers?|"
        r"holds?|keeps?|caches?)",
        r"(?:comput\w*|compute) (?:and|or) memory (?:intensive|bound)",
    )),
    Phrase(HARDWARE, 1.5, informed_by=(AICHIP,), why="moving data between memories", patterns=(
        r"data movements?", r"data transfers? between",
    )),
    Phrase(HARDWARE, 1, why="offloading to host memory or storage", patterns=(
        r"offload(?:s|ed|ing)?",
    )),
    # --- streaming: buffers over a continuous input stream.
    Phrase(STREAMING, 3, why="a buffer over frames or a stream", patterns=(
        r"stream(?:ing)? buffers?", r"jitter buffers?",
        r"(?:frame|clip|track|tracking) (?:memor(?:y|ies)|buffers?|banks?|queues?)",
        r"key ?frame (?:windows?|buffers?|memor(?:y|ies)|sets?|pools?)",
        r"(?:sliding |rolling |moving )?"
        r"(?:windows?|buffers?|queues?|memor(?:y|ies)|banks?|maps?|submaps?) of "
        r"(?:[\w-]+\s+){0,3}?(?:key ?frames|frames|clips|video segments|scans|sweeps|"
        r"point clouds|measurements|readings)",
    )),
    Phrase(STREAMING, 2, why="a local map or recent window over a sensor stream (mapping, SLAM)",
           patterns=(
        r"(?:sliding|rolling|local|active) (?:local )?(?:maps?|submaps?)",
        r"(?:keep|keeps|keeping|kept|retain\w*|buffer\w*|stor\w*) (?:only )?(?:the )?"
        r"(?:last|latest|most recent|recent) (?:[\w-]+\s+){0,3}?(?:key ?frames|frames|scans|"
        r"sweeps|point clouds|measurements|readings)",
    )),
    Phrase(STREAMING, 2, informed_by=(STREAM_LIST,), why="memory of what a stream showed",
           patterns=(
        r"(?:long term |short term |past |historical )?(?:video|visual|frame|stream) "
        r"(?:history|histories|memor(?:y|ies)|contexts?)",
        r"historical (?:video |visual )?(?:frames|context|tokens)",
    )),
    # --- generic: a buffer, kind decided by context.
    Phrase(CONTEXT, 2, why="a buffer whose kind depends on the field", patterns=(
        r"episodic (?:memory|memories|buffers?)(?: buffers?)?", r"memory banks?",
        r"scratchpads?", r"shared memor(?:y|ies)",
        r"reservoir sampling", r"(?:ring|circular) buffers?",
    )),
    Phrase(CONTEXT, 2, informed_by=(PLAIN,),
           why="feature banks, memory streams, memories retrieved: the field says which kind",
           patterns=(
        r"feature (?:banks?|memor(?:y|ies))", r"memory streams?", r"context memor(?:y|ies)",
        r"(?:retriev|recall)\w* (?:[\w-]+\s+){0,4}?memor(?:y|ies)",
        r"(?:external|archival) (?:archival )?(?:stores?|storage)",
    )),
    # A person's working memory is no buffer; an LLM agent's is (the field terms decide).
    Phrase(CONTEXT, 1, domain="neuroscience", why="working memory: human or an agent's",
           patterns=(
        r"working memor(?:y|ies)",
    )),
    Phrase(CONTEXT, 1, why="a sliding window, of whatever the field streams", patterns=(
        r"sliding windows?",
    )),
    Phrase(CONTEXT, 1, why="the word buffer", patterns=(
        r"memory buffers?", r"buffer(?:s|ed|ing)?", r"fixed size (?:memory|memories|caches?)",
    )),
    Phrase(CONTEXT, 1, why="memories and caches that may be a buffer", patterns=(
        r"memory (?:modules?|latents?|models?|frameworks?|architectures?|mechanisms?|pools?|"
        r"slots?|streams?)",
        r"(?:agent|external|long term|short term|structured|hierarchical|explicit|task) "
        r"memor(?:y|ies)",
        r"exemplars?", r"coresets?", r"caches?", r"caching", r"cached",
        r"evict(?:s|ed|ion|ing)?",
    )),
    Phrase(CONTEXT, 1, informed_by=(AICHIP, CL_LIST, STREAM_LIST, AGENT_LIST, KV_LIST),
           why="memory use, capacity and traffic: a buffer of the field's kind", patterns=(
        r"memory (?:bandwidth|footprints?|capacity|hierarch\w*|accesses|access|traffic|space|"
        r"regions?|budgets?|usage|requirements?|consumption|schemes?|blocks?|reading|writing|"
        r"consolidation|growth|intensive|bound|constrained|efficient)",
        r"(?:device|external|constant|prior|parametric|fixed|compact|multimodal|large) "
        r"(?:memory|memories|storage)",
        r"memory to store", r"(?:external|extra|additional) storage",
        r"(?:stor|buffer|keep|hold)\w* (?:the )?(?:intermediate|partial) (?:data|results|sums|"
        r"activations|features)",
    )),
    Phrase(CONTEXT, 1, informed_by=(AI_MEMORY_LIST,),
           why="operations on a memory: what kind of memory is for the field to say", patterns=(
        r"memory (?:writes?|reads?|retrieval|updates?|operations?|units?|lifecycles?|search)",
    )),
    Phrase(CONTEXT, 1, informed_by=(AIACC_NOTES,),
           why="memory or bandwidth a computation needs: a buffer of the field's kind", patterns=(
        r"memory required", r"bandwidth (?:requirements?|demands?)",
    )),
    # Half weight: the bare word decides only where it recurs or the title says it.
    Phrase(CONTEXT, 0.5, informed_by=(AICHIP, STREAM_LIST, AGENT_LIST),
           why="the word memory", patterns=(
        r"memor(?:y|ies)",
    )),
]
# fmt: on
