"""What a turn does in the dialogue: a turn that only asks holds no answer.

A question is matched well by turns that repeat its words, and the turns that repeat a question's words
most are often other questions ("What instruments do you play?" for "What instruments does Melanie
play?"). Such a turn asserts nothing: the answer is in the reply, which the traversal already reaches
over ``NEXT``. Ranking therefore keeps only a share of the score of a turn whose every sentence of some
length is a question (``asking_factor`` in :class:`~graphmem.recall.config.RecallConfig`). Short
exclamations around the question ("Wow!", "Thanks, Mel!") do not count either way, and an image caption
shared with the turn is not part of what was said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.models import Event
    from graphmem.recall.config import RecallConfig

__all__ = ["MIN_WORDS", "asks_only", "lower_askers"]

#: Sentences with fewer words than this ("Wow!", "Cool, thanks!") do not decide what a turn does.
MIN_WORDS = 4

_CAPTION = re.compile(r"\[shares [^\]]*\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1 << 16)  # the same turns come back query after query
def asks_only(text: str) -> bool:
    """Whether every sentence of at least :data:`MIN_WORDS` words in ``text`` is a question.

    >>> asks_only("Cool! What type of music do you play?")
    True
    >>> asks_only("I play clarinet! What about you?")
    False
    >>> asks_only("Wow!")
    False
    """
    said = _CAPTION.sub(" ", text).strip()
    sentences = [s.strip() for s in _SENTENCE.split(said)]
    content = [s for s in sentences if len(_WORD.findall(s)) >= MIN_WORDS]
    return bool(content) and all(s.endswith("?") for s in content)


def lower_askers(
    events: Mapping[str, Event], scored: dict[str, tuple[float, dict[str, float]]], cfg: RecallConfig
) -> None:
    """Multiply the score of each of the ``cfg.answer_top`` best candidates that only asks by
    ``cfg.asking_factor`` (recorded as the ``asks`` part). Only the best are read, like the answer-type
    lifts: a turn further down cannot reach the results by being lowered."""
    if cfg.asking_factor == 1.0:
        return
    top = sorted(scored, key=lambda e: -scored[e][0])[: cfg.answer_top]
    for eid in top:
        if asks_only(events[eid].text):
            score, parts = scored[eid]
            parts["asks"] = cfg.asking_factor
            scored[eid] = (score * cfg.asking_factor, parts)
