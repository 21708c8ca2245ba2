"""The knobs of recall, in one frozen dataclass with the defaults the benchmarks were run with."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "DEFAULT_CONFIG",
    "ENTITY_WALK_CONFIG",
    "FEEDBACK_CONFIG",
    "MAX_HOPS",
    "PERSON_FACTS_CONFIG",
    "RecallConfig",
]

#: The most hops a recall may ask for (``Memory.recall(hops=)``, ``graphmem recall --hops``, the MCP tool;
#: the DSL's ``RECALL … HOPS``, whatever ``QueryLimits.max_hops`` lets an edge pattern ask). What the
#: traversal does per hop is bounded (the ``expand`` best turns, the things whose push is not negligible),
#: but every hop is one more round of edge fetches, and what it adds runs out early: with the default
#: weights nothing is reached after the second hop (NEXT edges are followed on the first ``next_hops`` hops
#: only, and a session is fed by the first hop's best turns), and with the entity walk on each hop passes on
#: a share of what it received. The benchmarks run at 2. A larger number is a mistake (a typo, ``hops``
#: confused with ``k``), so it is refused with this range, not clamped.
MAX_HOPS = 6


@dataclass(frozen=True, slots=True)
class RecallConfig:
    """How recall seeds, traverses and ranks.

    The three switches make the baselines the benchmark compares against: ``dense`` only is plain vector
    search, ``text`` only is plain BM25, and ``graph`` turns the traversal on.

    Attributes:
        dense: use nearest-vector seeds.
        text: use full-text (BM25) seeds.
        graph: traverse from the seeds (and use names in the question); off = rank seeds only.
        dense_k: how many nearest vectors to take as seeds.
        text_k: how many full-text matches to take as seeds.
        dense_weight: weight of the normalised cosine score in the fused seed score.
        text_weight: weight of the normalised BM25 score in the fused seed score.
        expand: how many of the best nodes each hop expands (bounds the work per query).
        next_weight: share of a turn's score passed to the turns just before and after it. 0.3 was chosen
            by leave-one-conversation-out on the LoCoMo dev file (with turns embedded in context,
            :mod:`graphmem.embed_text`, which already carries some of what a reply owes its question).
        next_hops: how many of the hops may follow NEXT edges (1 = only the turns right beside a seed).
        session_weight: share of the best turns' scores passed to every turn of their session.
        session_top: how many of the best seed turns feed their session.
        session_max: sessions with more turns than this only lift turns already reached.
        mention_weight: share of a turn's score passed to the things it names (split between them by
            specificity, ``log(N / df)``); a thing passes its score on evenly over its edges. Only the
            ratio to ``entity_weight`` matters: ranking calibrates this channel (see ``link_weight``).
        entity_weight: the score a thing named in the question passes on (0 = names in the question
            are not walked from).
        fact_weight: how much a fact edge of a thing counts against one of its mention edges when the
            thing passes its score on (1 = a plain random walk over both).
        link_weight: what arrives through things and facts is divided by the query's best such score
            and multiplied by this before it is added to the seed score (a calibrated fusion, like the
            full-text seeds'); 0 = the entity/fact channel does not count.
        hub_share: entities mentioned by more than this share of a namespace's turns are hubs: they pass
            nothing on (they would flood the results), though naming them still counts.
        hub_min: ... but never fewer than this many mentions make a hub,
        hub_max: ... and always more than this many do (spreading over thousands of turns passes next
            to nothing to each, and costs time).
        name_boost: a turn spoken by (or whose subject is) a person named in the question scores this
            much more, relatively.
        type_boost: relative lift for a turn that mentions a thing of the type the question asks for
            ("where" → a place, "which books" → a work, "who" → a person who is not a participant).
        time_boost: relative lift, for "when" questions, for a turn that says when (a resolved time).
        date_boost: relative lift for a turn that happened or was said within the date the question
            names ("on 20 May 2023", "last summer"; :mod:`graphmem.recall.when`); with ``graph`` only.
        answer_top: how many of the best candidates are checked for the answer type.
        answer_scope: the answer-type lift counts only a thing that answers this question
            (:mod:`graphmem.recall.about`): the asked person's (by the facts the turn states, else by who
            speaks or is named), the turn of a name the question asks about, or, when the question names
            nothing, a turn its words found; for "who" naming no participant, a turn's speaker is a person.
        present_facts: a question about now ("now", "still", present tense without a date) does not count
            a thing whose fact of the asked person has ended, and lifts a turn stating one that holds now
            (of a kind that changed) by ``date_boost`` (``parts["now"]``); needs ``answer_scope``.
        date_exact: the date lift multiplies the other lifts (it does not share a sum with the speaker
            lift), and a candidate neither said in nor telling of an exact date (one that names itself,
            "in August 2023", or a relative one of a single day, "yesterday", "three days ago"; not
            "last week": :attr:`~graphmem.recall.hit.AskedDate.exact`) keeps ``date_outside`` of its score
            (``parts["outside"]``).
        date_outside: the share kept by a candidate outside an exact date (``date_exact``):
            0.3, what a turn that only asks keeps (``asking_factor``): neither holds an answer.
        asking_factor: the share of its score a turn that only asks keeps, among the ``answer_top``
            best (every sentence of four words or more is a question, see :mod:`graphmem.recall.acts`):
            it holds no answer, and what it matched passes to the reply over NEXT; 1 = no change.
            0.3 was chosen by leave-one-conversation-out on the LoCoMo dev file.
        fact_seed_weight: weight of the person-fact seeds (:mod:`graphmem.recall.person_facts`): the
            evidence turns of the facts of a person the question names, ranked by how well the fact's
            description fits the question; 0 = off.
        fact_seed_k: how many of each named person's best-fitting facts seed.
        feedback_docs: how many of the best fused seeds feed a second seeding round (pseudo-relevance
            feedback, :mod:`graphmem.recall.feedback`); 0 = no second round.
        feedback_dense: Rocchio's β: the question's vector moves by β times the mean of those seeds'
            vectors before the second dense search; 0 = no second dense search.
        feedback_weight: weight of the second dense list in the fused seed score.
        feedback_terms: how many expansion words (RM3-style) the second full-text search takes.
        feedback_text: weight of the second full-text list in the fused seed score; 0 = none.
    """

    dense: bool = True
    text: bool = True
    graph: bool = True
    dense_k: int = 100
    text_k: int = 100
    dense_weight: float = 1.0
    text_weight: float = 1.0
    expand: int = 30
    next_weight: float = 0.3
    next_hops: int = 1
    session_weight: float = 0.03
    session_top: int = 10
    session_max: int = 400
    mention_weight: float = 0.0
    entity_weight: float = 0.0
    fact_weight: float = 1.0
    link_weight: float = 0.0
    hub_share: float = 0.05
    hub_min: int = 20
    hub_max: int = 200
    name_boost: float = 0.65
    type_boost: float = 0.8
    time_boost: float = 0.5
    date_boost: float = 0.5
    answer_top: int = 60
    answer_scope: bool = True
    present_facts: bool = True
    date_exact: bool = True
    date_outside: float = 0.3
    asking_factor: float = 0.3
    fact_seed_weight: float = 0.0
    fact_seed_k: int = 10
    feedback_docs: int = 0
    feedback_dense: float = 0.0
    feedback_weight: float = 0.5
    feedback_terms: int = 10
    feedback_text: float = 0.0

    def with_(self, **changes: Any) -> RecallConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)


DEFAULT_CONFIG = RecallConfig()

#: The default with the entity and fact walk on (``mention_weight`` 1, ``link_weight`` 0.5): turns reached
#: through a thing or fact they share with a seed turn get a calibrated share. Off by default: on the
#: LoCoMo dev file it costs recall (docs/recall.md, the ``entity walk`` row of ``graphmem bench locomo``).
ENTITY_WALK_CONFIG = DEFAULT_CONFIG.with_(mention_weight=1.0, link_weight=0.5)

#: The default with the person-fact seeds on (see :mod:`graphmem.recall.person_facts`).
PERSON_FACTS_CONFIG = DEFAULT_CONFIG.with_(fact_seed_weight=0.5)

#: The default with a second seeding round from pseudo-relevance feedback (see :mod:`graphmem.recall.feedback`):
#: Rocchio from the 5 best seeds (β 0.5, weight 0.5) and 10 expansion words at weight 0.3. Off by default: on
#: the LoCoMo dev file it costs recall (docs/recall.md, the ``feedback`` row of ``graphmem bench locomo``).
FEEDBACK_CONFIG = DEFAULT_CONFIG.with_(feedback_docs=5, feedback_dense=0.5, feedback_weight=0.5, feedback_text=0.3)
