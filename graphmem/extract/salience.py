"""Topic salience: which common-noun topics of a batch are worth a node (stage 5's first step).

A topic is kept when it is an end of a fact, already stored, or recurring in the namespace (said in two
sessions, or in two turns of its first session), counted in the batch and, with the store, among the
events already stored (:func:`keep_salient_topics`, called by
:func:`graphmem.extract.resolve.resolve_batch`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphmem.extract.names import name_key
from graphmem.models import Batch, Entity, Event

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["HISTORY_HITS", "keep_salient_topics"]

_WORDS = re.compile(r"[^\W_]+")

#: Stored events a topic's phrase is looked up in (BM25 hits, best first) before they are checked.
HISTORY_HITS = 50


def _inflections(word: str) -> tuple[str, ...]:
    """A noun and its regular plurals ("kid", "kids"; "class", "classes"; "hobby", "hobbies")."""
    forms = [word, word + "s", word + "es"]
    if len(word) > 2 and word.endswith("y"):
        forms.append(word[:-1] + "ies")
    return tuple(forms)


def _says(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether ``words`` (a text's lower-case words) contain ``phrase``, its last word perhaps a regular
    plural ("kids" for the topic "kid", "pottery classes" for "pottery class")."""
    n = len(phrase)
    if not n:
        return False
    heads = _inflections(phrase[-1])
    body = list(phrase[:-1])
    return any(words[i + n - 1] in heads and list(words[i : i + n - 1]) == body for i in range(len(words) - n + 1))


def _mentioning(batch: Batch, entities: Container[str]) -> dict[str, list[str]]:
    """The batch's events that mention each of ``entities``, in mention order."""
    events = {ev.id for ev in batch.events}
    out: dict[str, list[str]] = {}
    for m in batch.mentions:
        if m.entity_id in entities and m.event_id in events:
            out.setdefault(m.entity_id, []).append(m.event_id)
    return out


def _word_index(
    events: Sequence[Event],
) -> tuple[dict[str, list[str]], dict[str, set[str]], dict[str, list[Event]]]:
    """Each event's lower-case words, its set of words, and each word's events (for :func:`_events_saying`)."""
    words = {ev.id: _WORDS.findall(ev.text.casefold()) for ev in events}
    vocab = {eid: set(w) for eid, w in words.items()}
    saying: dict[str, list[Event]] = {}
    for ev in events:
        for word in vocab[ev.id]:
            saying.setdefault(word, []).append(ev)
    return words, vocab, saying


def _events_saying(
    phrases: Sequence[Sequence[str]],
    saying: dict[str, list[Event]],
    vocab: dict[str, set[str]],
    words: dict[str, list[str]],
) -> Iterator[Event]:
    """The events whose text says one of ``phrases`` (:func:`_says`), found through ``saying`` (word → the
    events whose text has it): only a text holding a form of a phrase's last word can say it."""
    for phrase in phrases:
        body = set(phrase[:-1])
        for form in _inflections(phrase[-1]):
            for ev in saying.get(form, ()):
                if body <= vocab[ev.id] and _says(words[ev.id], phrase):
                    yield ev


def _stored_saying(
    history: GraphStore, namespace: str, phrases: Sequence[Sequence[str]], skip: Container[str]
) -> list[Event]:
    """The stored events (up to :data:`HISTORY_HITS` full-text hits, less ``skip``) that say one of ``phrases``."""
    query = " ".join(dict.fromkeys(w for p in phrases for w in (*p[:-1], *_inflections(p[-1]))))
    ids = [h.event_id for h in history.search_text(namespace, query, limit=HISTORY_HITS) if h.event_id not in skip]
    stored = history.get_events(namespace, ids) if ids else ()
    return [ev for ev in stored if any(_says(_WORDS.findall(ev.text.casefold()), p) for p in phrases)]


def _phrases(entity: Entity) -> list[list[str]]:
    """The word sequences that say a topic: its key (the lemmatised phrase its id is made of), its name
    and its aliases; a person's role topic ("Ana's brother") is said by its role ("my brother")."""
    key = name_key(entity.id).replace("-", " ")
    out: list[list[str]] = []
    names = (entity.name, *entity.aliases)
    roles = [n.split("'s ", 1)[1] for n in names if "'s " in n]
    for name in (key, *names, *roles):
        words = _WORDS.findall(name.casefold())
        if words and words not in out:
            out.append(words)
    return out


def _session_indexes(batch: Batch, history: GraphStore | None) -> dict[str, int]:
    """The index of every session of the namespace, stored or in the batch (the batch's win)."""
    index = {s.id: s.index for s in history.iter_sessions(batch.namespace)} if history is not None else {}
    index.update({s.id: s.index for s in batch.sessions})
    return index


def keep_salient_topics(batch: Batch, stored: Iterable[Entity] = (), history: GraphStore | None = None) -> Batch:
    """Drop the batch's topics that are not worth a node, with their mentions.

    A topic is kept when it is an end of a fact, when the namespace already holds it (``stored``), or
    when it recurs in the namespace: its phrase is said in two sessions or more, or in two turns or more
    of the namespace's first session (a conversation of one session has no other recurrence). Recurrence
    counts the events that mention the topic and the events whose text says its phrase, in the batch and
    (with ``history``, the store) among the events already stored, found with its full-text search. So
    the decision depends on what the namespace has been told, never on how the messages were batched:
    a conversation added message by message keeps the topics ingesting it whole keeps.
    Named entities and speakers are never dropped.
    """
    topics = {e.id: e for e in batch.entities if e.type == "Topic"}
    if not topics:
        return batch
    keep = {f.subject_id for f in batch.facts} | {f.object_id for f in batch.facts}
    keep |= {e.id for e in stored if e.type == "Topic"}
    todo = {eid: e for eid, e in topics.items() if eid not in keep}
    if todo:
        keep |= _recurring(batch, todo, history)
    drop = set(topics) - keep
    if not drop:
        return batch
    return replace(
        batch,
        entities=tuple(e for e in batch.entities if e.id not in drop),
        mentions=tuple(m for m in batch.mentions if m.entity_id not in drop),
        embeddings=tuple((i, v) for i, v in batch.embeddings if i not in drop),
    )


def _latest_mentions(
    batch: Batch, topics: Container[str], events: dict[str, Event], order: Callable[[Event], Any]
) -> dict[str, Event]:
    """Each topic's latest mentioning event in the batch, by ``order``."""
    latest: dict[str, Event] = {}
    for m in batch.mentions:
        ev = events.get(m.event_id)
        if m.entity_id in topics and ev is not None:
            old = latest.get(m.entity_id)
            if old is None or order(ev) > order(old):
                latest[m.entity_id] = ev
    return latest


class _Heard:
    """The events a topic was heard in, kept with what makes a recurrence: two sessions, or two turns of
    the namespace's ``first`` session."""

    __slots__ = ("events", "first", "in_first", "sessions")

    def __init__(self, first: str | None) -> None:
        self.events: set[str] = set()
        self.sessions: set[str] = set()
        self.in_first = 0
        self.first = first

    def add(self, event_id: str, session: str) -> None:
        if event_id not in self.events:
            self.events.add(event_id)
            self.sessions.add(session)
            self.in_first += session == self.first

    @property
    def recurs(self) -> bool:
        return len(self.sessions) >= 2 or self.in_first >= 2


def _recurring(batch: Batch, topics: dict[str, Entity], history: GraphStore | None) -> set[str]:
    """The ``topics`` that, by their latest mention in the batch, the namespace has heard in two sessions,
    or in two turns of its first session (events in conversation order: session index, then turn)."""
    index = _session_indexes(batch, history)
    unknown = len(index)  # a session without a record sorts after the known ones

    def order(ev: Event) -> tuple[int, int, str]:
        return (index.get(ev.session, unknown), ev.seq, ev.id)

    first = min(index, key=lambda sid: (index[sid], sid)) if index else None
    if first is None and batch.events:
        first = min(batch.events, key=order).session
    retracted = set(batch.retract)
    events = {ev.id: ev for ev in batch.events}
    orders = {ev.id: order(ev) for ev in batch.events}
    latest = _latest_mentions(batch, topics, events, lambda ev: orders[ev.id])
    words, vocab, saying = _word_index(batch.events)
    by_topic = _mentioning(batch, topics)

    out: set[str] = set()
    for eid, last in latest.items():
        phrases = _phrases(topics[eid])
        until = orders[last.id]
        heard = _Heard(first)
        for i in by_topic.get(eid, ()):
            if orders[i] <= until:
                heard.add(i, events[i].session)
        if not heard.recurs:  # recurrence only grows with what is heard: stop as soon as the topic recurs
            for ev in _events_saying(phrases, saying, vocab, words):
                if orders[ev.id] <= until:
                    heard.add(ev.id, ev.session)
                    if heard.recurs:
                        break
        if not heard.recurs and history is not None and phrases:
            skip = heard.events | retracted | events.keys()
            for ev in _stored_saying(history, batch.namespace, phrases, skip):
                if order(ev) <= until:
                    heard.add(ev.id, ev.session)
        if heard.recurs:
            out.add(eid)
    return out
