"""A bounded cache of spaCy parses, so a turn read again as context is not parsed again.

A message added live is extracted after the last turns of its session (:data:`graphmem.live.CONTEXT_TURNS`),
so without a cache every stored turn is parsed once per message that follows it while it is in that
window: on LoCoMo that made parsing four times the cost of the new turn alone. :class:`ParseCache` keeps
the finished parse of each text (after NER, before any stage reads or repairs it) and hands out copies, so
a stage that repairs a doc in place (:func:`graphmem.extract.repair.repair`) never changes what the
cache holds, and a parse taken from it is the parse the pipeline gave that text.

It is bounded by turns and by characters (a parse takes about 170 bytes of memory per character of
text, its tensor included), dropping the least recently used first, and safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["ParseCache"]


class ParseCache:
    """The parses of recently read texts, least recently used dropped first.

    Args:
        max_turns: most parses kept (at least 1).
        max_chars: most characters of text kept in all (a text longer than this is never kept).

    Raises:
        ValueError: a bound below 1.
    """

    def __init__(self, max_turns: int, max_chars: int) -> None:
        """Create an empty cache."""
        if max_turns < 1 or max_chars < 1:
            raise ValueError(f"a parse cache needs bounds of at least 1, not {max_turns} turns, {max_chars} chars")
        self.max_turns = max_turns
        self.max_chars = max_chars
        self.hits = 0
        self.misses = 0
        self._docs: OrderedDict[str, Any] = OrderedDict()
        self._chars = 0
        self._owner: tuple[Any, tuple[Any, ...]] | None = None  # the pipeline and settings of the parses
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._docs)

    def __repr__(self) -> str:
        return f"<ParseCache {len(self._docs)}/{self.max_turns} turns, {self.hits} hits, {self.misses} misses>"

    @property
    def chars(self) -> int:
        """The characters of text the cache holds parses of."""
        return self._chars

    def bind(self, nlp: Any, *settings: Any) -> None:
        """Hold parses made by ``nlp`` with ``settings`` only (the NER gate): when the parses held were made
        by another pipeline (by identity) or with other settings, they are dropped."""
        with self._lock:
            if self._owner is None or self._owner[0] is not nlp or self._owner[1] != settings:
                self._docs.clear()
                self._chars = 0
                self._owner = (nlp, settings)

    def get(self, text: str) -> Any | None:
        """A copy of the parse of exactly ``text``, or ``None`` (a miss)."""
        with self._lock:
            doc = self._docs.get(text)
            if doc is None:
                self.misses += 1
                return None
            self._docs.move_to_end(text)
            self.hits += 1
        return doc.copy()  # what is kept is never handed out, so never changed: copying needs no lock

    def put(self, text: str, doc: Any) -> None:
        """Keep a copy of ``doc``, the parse of ``text`` (before any stage changed it)."""
        if len(text) > self.max_chars:
            return
        kept = doc.copy()
        with self._lock:
            old = self._docs.pop(text, None)
            if old is not None:
                self._chars -= len(text)
            self._docs[text] = kept
            self._chars += len(text)
            while len(self._docs) > self.max_turns or self._chars > self.max_chars:
                dropped, _ = self._docs.popitem(last=False)
                self._chars -= len(dropped)

    def clear(self) -> None:
        """Drop every parse (the counts stay)."""
        with self._lock:
            self._docs.clear()
            self._chars = 0
