"""The text a turn is embedded as: what was said, by whom, in reply to what.

Many turns are short replies whose topic is in the turn they answer ("We loved it!" after "How was the
trip?"), and almost none names its speaker. Embedded alone, such a turn is near nothing a question asks.
So a turn is embedded in its context:

    Melanie: We loved it! (replying to Caroline: How was the trip?)

The turn comes first, so when the model's token limit cuts the text it cuts the context, never the turn;
the previous turn is also clipped to :data:`CONTEXT_WORDS` words. The previous turn is the one just before
in the same session (``seq - 1``); the first turn of a session, and an event without a speaker, has
none. Only the embedded text changes: the stored ``Event.text``, full-text search and extraction see what
was said. Questions are embedded as asked.

Both ways into memory build the text here (:func:`graphmem.writer.attach_embeddings`): a file's batch
holds each session's turns, and a message added live finds its previous turn in the store, so adding a
conversation message by message embeds exactly what ingesting the file embeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from graphmem.extract.names import event_id
from graphmem.models import Event

__all__ = [
    "CONTEXT_WORDS",
    "EventLookup",
    "embed_events",
    "embedding_request",
    "embedding_text",
    "embedding_texts",
    "event_vectors",
]

#: Words of the previous turn kept in a turn's embedded text.
CONTEXT_WORDS = 40

#: Event ids → the stored events among them (``GraphStore.get_events`` bound to a namespace).
EventLookup = Callable[[list[str]], Iterable[Event]]


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

    A turn's previous turn is taken from ``events`` when it is there, else asked of ``lookup`` (the
    store, for a message appended to a stored session); without ``lookup`` it counts as absent.
    """
    by_place = {(ev.session, ev.seq): ev for ev in events}
    missing = {
        event_id(ev.session, ev.seq - 1): (ev.session, ev.seq - 1)
        for ev in events
        if ev.seq > 1 and (ev.session, ev.seq - 1) not in by_place
    }
    if missing and lookup is not None:
        for found in lookup(sorted(missing)):
            place = (found.session, found.seq)
            if missing.get(found.id) == place:  # only the turn really just before, in the same session
                by_place[place] = found
    return [embedding_text(ev, by_place.get((ev.session, ev.seq - 1))) for ev in events]


def embedding_request(events: Sequence[Event], lookup: EventLookup | None = None) -> tuple[list[str], list[int]]:
    """What :func:`embed_events` embeds for ``events``: each event's own text, then its text in context
    where that differs; and the indexes of the events that have the second text."""
    own = [ev.text for ev in events]
    context = embedding_texts(events, lookup)
    extra = [i for i, (a, b) in enumerate(zip(own, context, strict=True)) if a != b]
    return own + [context[i] for i in extra], extra


def event_vectors(rows: Any, count: int, extra: Sequence[int]) -> np.ndarray[Any, Any]:
    """The unit vector of each of ``count`` events from the rows embedded for :func:`embedding_request`."""
    matrix: np.ndarray[Any, Any] = np.asarray(rows, dtype=np.float32)
    vectors = matrix[:count].copy()
    vectors[list(extra)] += matrix[count:]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray[Any, Any] = vectors / np.where(norms > 0, norms, 1.0)
    return unit


def embed_events(embedder: Any, events: Sequence[Event], lookup: EventLookup | None = None) -> np.ndarray[Any, Any]:
    """One unit vector per event: the mean of the embeddings of its text and of its text in context.

    ``embedder`` is anything with ``embed(list[str])`` returning one row per text. Both texts are embedded
    in one call; the mean keeps what the turn says on its own (a turn that names its topic stays close
    to it) and adds what it answers (a short reply moves towards the question it replies to). An event
    whose contextual text is its own text is embedded once.
    """
    if not events:
        return np.zeros((0, 0), dtype=np.float32)
    texts, extra = embedding_request(events, lookup)
    return event_vectors(embedder.embed(texts), len(events), extra)
