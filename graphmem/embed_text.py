"""The text a turn is embedded as: what was said, by whom, in reply to what.

Many turns are short replies whose topic is in the turn they answer ("We loved it!" after "How was the
trip?"), and almost none names its speaker. Embedded alone, such a turn is near nothing a question asks.
So a turn is embedded in its context:

    Melanie: We loved it! (replying to Caroline: How was the trip?)

The turn comes first, so when the model's token limit cuts the text it cuts the context, never the turn;
the previous turn is also clipped to :data:`CONTEXT_WORDS` words. The previous turn is the one just before
in the same session (``seq - 1``), or, when that one was forgotten, the nearest earlier one still stored
(what the turn would reply to had the forgotten turn never been said; :meth:`graphmem.Memory.forget`
embeds the turn after a forgotten one again by this rule); the first turn of a session, and an event
without a speaker, has none. Only the embedded text changes: the stored ``Event.text``, full-text search
and extraction see what was said. Questions are embedded as asked.

Both ways into memory build the text here (:func:`graphmem.writer.attach_embeddings`): a file's batch
holds each session's turns, and a message added live finds its previous turn in the store, so adding a
conversation message by message embeds exactly what ingesting the file embeds.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphmem.extract.names import event_id
from graphmem.models import Event

__all__ = [
    "CONTEXT_WORDS",
    "OWN_WEIGHT",
    "SCHEME_VERSION",
    "EmbeddingRequest",
    "EventLookup",
    "embed_events",
    "embedding_request",
    "embedding_scheme",
    "embedding_text",
    "embedding_texts",
    "is_current_scheme",
    "previous_turns",
    "scheme_of",
]

#: Words of the previous turn kept in a turn's embedded text.
CONTEXT_WORDS = 40

#: One-pass embedders: the weight of the turn's own tokens (read in context) beside the whole context
#: text's vector (see :class:`EmbeddingRequest`).
OWN_WEIGHT = 4.0

#: Version of the rules that make a turn's vector: :func:`embedding_text` and how
#: :meth:`EmbeddingRequest.vectors` combines the rows. Bump it whenever they change (a change of
#: :data:`CONTEXT_WORDS` or :data:`OWN_WEIGHT` changes the scheme id by itself): stored vectors of an
#: older scheme then read as stale, and ``graphmem reembed`` re-embeds them (:mod:`graphmem.reembed`).
SCHEME_VERSION = 1

#: Event ids → the stored events among them (``GraphStore.get_events`` bound to a namespace).
EventLookup = Callable[[list[str]], Iterable[Event]]


def embedding_scheme(one_pass: bool) -> str:
    """The id stored beside every vector this module makes (``Batch.embedding_scheme``), e.g.
    ``turn-context/1/one-pass/own-4/words-40``: the version, the way (one pass, or the mean of two
    texts; see :class:`EmbeddingRequest`) and its constants."""
    way = f"one-pass/own-{OWN_WEIGHT:g}" if one_pass else "two-text"
    return f"turn-context/{SCHEME_VERSION}/{way}/words-{CONTEXT_WORDS}"


def scheme_of(embedder: Any) -> str:
    """The scheme :func:`embed_events` follows with ``embedder`` (one pass when it pools spans)."""
    from graphmem.embed import pools_spans

    return embedding_scheme(pools_spans(embedder))


def is_current_scheme(scheme: str | None) -> bool:
    """Whether ``scheme`` is one this version makes (with some embedder); ``None``/``""`` is unknown: no."""
    return scheme in (embedding_scheme(True), embedding_scheme(False))


def embedding_text(event: Event, previous: Event | None) -> str:
    """The text ``event`` is embedded as, given the turn before it in its session (or ``None``)."""
    if not event.speaker:
        return event.text
    text = f"{event.speaker}: {event.text}"
    if previous is None or not previous.text.strip():
        return text
    words = previous.text.split()
    said = " ".join(words[:CONTEXT_WORDS]) + (" …" if len(words) > CONTEXT_WORDS else "")
    who = f"{previous.speaker}: " if previous.speaker else ""
    return f"{text} (replying to {who}{said})"


def embedding_texts(events: Sequence[Event], lookup: EventLookup | None = None) -> list[str]:
    """The embedded text of each of ``events``, in order.

    A turn's previous turn is the nearest turn before it in its session that is still there: from
    ``events`` when it is there, else asked of ``lookup`` (the store, for a message appended to a stored
    session), by id (``ev:SESSION:SEQ``), the turn just before first, then further back past turns that
    were forgotten (:func:`previous_turns`); without ``lookup`` only ``events`` count.
    """
    found = previous_turns(events, lookup)
    return [embedding_text(ev, found[i]) for i, ev in enumerate(events)]


def previous_turns(events: Sequence[Event], lookup: EventLookup | None = None) -> list[Event | None]:
    """The previous turn of each of ``events`` (see :func:`embedding_texts`), ``None`` where there is none.

    A forgotten turn leaves a gap in its session's numbers; the turn after it replies to the one before
    the gap, as it would had the forgotten turn never been said. The store is asked for the turns just
    before, in windows that double (one id first: the common case costs one id per turn), up to the
    nearest earlier turn ``events`` holds.
    """
    seqs: dict[str, list[int]] = {}
    by_place: dict[tuple[str, int], Event] = {}
    for ev in events:
        by_place[(ev.session, ev.seq)] = ev
        seqs.setdefault(ev.session, []).append(ev.seq)
    for held in seqs.values():
        held.sort()
    out: list[Event | None] = []
    todo: dict[int, tuple[int, int]] = {}  # event index -> (lowest seq still to look at, next seq to ask)
    for i, ev in enumerate(events):
        held = seqs[ev.session]
        at = bisect.bisect_left(held, ev.seq)
        floor = held[at - 1] if at > 0 else 0
        out.append(by_place[(ev.session, floor)] if floor else None)
        if lookup is not None and ev.seq - 1 > floor:
            todo[i] = (floor + 1, ev.seq - 1)
    width = 1
    while todo and lookup is not None:
        asked: dict[str, tuple[str, int]] = {}
        for i, (low, high) in todo.items():
            session = events[i].session
            for seq in range(high, max(low, high - width + 1) - 1, -1):
                asked[event_id(session, seq)] = (session, seq)
        stored: dict[tuple[str, int], Event] = {}
        for got in lookup(sorted(asked)):
            place = (got.session, got.seq)
            if asked.get(got.id) == place:  # only a turn really asked for, in the same session
                stored[place] = got
        for i, (low, high) in list(todo.items()):
            session = events[i].session
            bottom = max(low, high - width + 1)
            hit = next((stored[(session, s)] for s in range(high, bottom - 1, -1) if (session, s) in stored), None)
            if hit is not None:
                out[i] = hit
                del todo[i]
            elif bottom <= low:
                del todo[i]
            else:
                todo[i] = (low, bottom - 1)
        width *= 2
    return out


@dataclass(frozen=True, slots=True)
class EmbeddingRequest:
    """What :func:`embed_events` embeds for some events, and how their vectors are made of the rows.

    Two ways, by what the embedder can do:

    - **one pass** (a :class:`~graphmem.embed.SpanEmbedder`): each event's text in context, embedded
      once; ``spans`` holds where the event's own text lies in it. The embedder pools every token (the
      context vector) and the own text's tokens, read in context; the event's vector is
      unit(context + :data:`OWN_WEIGHT` · own).
    - **two texts** (any other embedder): each event's own text, then its text in context where that
      differs (``extra``: the events that have the second text); the event's vector is the mean of the
      two embeddings.

    An event whose text in context is its own text (no speaker) gets the embedding of its own text
    either way.
    """

    texts: list[str]
    count: int
    extra: list[int]
    spans: list[tuple[int, int]] | None = None

    @property
    def scheme(self) -> str:
        """The scheme id of the vectors this request makes (:func:`embedding_scheme`)."""
        return embedding_scheme(self.spans is not None)

    def vectors(self, rows: Any, parts: Any = None) -> np.ndarray[Any, Any]:
        """The unit vector of each event, from the embedder's rows for :attr:`texts` (and, one pass, the
        pooled own-text rows ``parts``)."""
        matrix: np.ndarray[Any, Any] = np.asarray(rows, dtype=np.float32)
        if self.spans is None:
            vectors = matrix[: self.count].copy()
            vectors[self.extra] += matrix[self.count :]
        else:
            vectors = matrix.copy()
            vectors[self.extra] += OWN_WEIGHT * np.asarray(parts, dtype=np.float32)[self.extra]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray[Any, Any] = vectors / np.where(norms > 0, norms, 1.0)
        return unit


def embedding_request(
    events: Sequence[Event], lookup: EventLookup | None = None, *, one_pass: bool = False
) -> EmbeddingRequest:
    """What :func:`embed_events` embeds for ``events`` (see :class:`EmbeddingRequest`); ``one_pass`` for
    an embedder that pools a span of a text (:class:`~graphmem.embed.SpanEmbedder`)."""
    own = [ev.text for ev in events]
    context = embedding_texts(events, lookup)
    extra = [i for i, (a, b) in enumerate(zip(own, context, strict=True)) if a != b]
    if not one_pass:
        return EmbeddingRequest(own + [context[i] for i in extra], len(events), extra)
    spans = [(0, len(text)) for text in own]
    for i in extra:  # the context text starts with "Speaker: " and the turn (embedding_text)
        start = len(events[i].speaker or "") + 2
        spans[i] = (start, start + len(own[i]))
    return EmbeddingRequest(context, len(events), extra, spans)


def embed_events(embedder: Any, events: Sequence[Event], lookup: EventLookup | None = None) -> np.ndarray[Any, Any]:
    """One unit vector per event, made of its own text and its text in context (see :class:`EmbeddingRequest`).

    ``embedder`` is anything with ``embed(list[str])`` returning one row per text; a
    :class:`~graphmem.embed.SpanEmbedder` is run once per event, any other once per text. The own text
    keeps what the turn says on its own (a turn that names its topic stays close to it) and the context
    adds what it answers (a short reply moves towards the question it replies to).
    """
    if not events:
        return np.zeros((0, 0), dtype=np.float32)
    from graphmem.embed import pools_spans

    if pools_spans(embedder):
        request = embedding_request(events, lookup, one_pass=True)
        assert request.spans is not None
        return request.vectors(*embedder.embed_spans(request.texts, request.spans))
    request = embedding_request(events, lookup)
    return request.vectors(embedder.embed(request.texts))
