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
from functools import lru_cache

__all__ = ["MIN_WORDS", "asks_only"]

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
