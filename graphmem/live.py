"""Live memory: an agent adds messages one at a time, each appended to its session.

:func:`add` places every message in a session of the namespace before anything is extracted:

- a message naming a session (its ``session`` field, or the ``session`` argument) joins that session
  at its next position (part of its id: positions only grow and are never given twice); a session that
  does not exist yet is created after the namespace's last one;
- a message naming none joins the namespace's latest session (the one started last in time), unless the
  pause since that session's latest turn exceeds :data:`~graphmem.formats.SESSION_GAP`, which starts a
  new session (latest by time: a backdated message is appended at the end without moving that time
  back); a message said more than the gap before that session's first turn (delivered days late) joins
  the session its time belongs to, the last one started at most the gap after it if its time is within
  the gap of that session's turns, else starts a session of its own, as a file holding the messages in
  time order splits them;
- a message without a time takes the current time;
- its NEXT edges follow the session's times, not positions (:func:`graphmem.models.chain_key`, derived
  by the store in the write's transaction): a message said after the session's last one follows it, and
  one with an earlier time (backdated, delivered late, or an edited message added again with its
  original time after ``forget``) is spliced in between the turns said before and after it, ties in time
  keeping the order the messages arrived in.

A message's identity is its position in its session, or the ``id`` it gives: repeated identical texts
are separate events, and re-adding a message with an ``id`` already stored returns the stored event
(a retry) instead of writing it twice; so does adding one that a file ingested before holds with that id
in the session the message names (a file's session answers to its id, its id behind one prefix and a
last part ``session_N``: :func:`graphmem.ingest_held.session_names`), or, without an id, one that a file
holds saying the same (speaker, time of its own as :func:`graphmem.ingest_held.own_time` tells it, text)
in the session the message names or joins, when nothing else there says it
(:func:`graphmem.ingest_held.said_key`). (Ingesting a file whose messages were added live
recognises them the same way: :mod:`graphmem.ingest_held`.) The placed messages are then extracted as
one transcript and go through the same write path as files (:func:`graphmem.writer.commit_batch`):
entities are resolved against those the namespace holds, so a person named in message 40 is the entity
named in message 3. Each stored session the call writes to is extracted with its last
:data:`CONTEXT_TURNS` stored turns said before the new ones (in chain order) ahead of them, so what a new
message refers to is found as in one call ("My sister Clara lives in Rome." then, added alone, "She works
at Acme Corp.": Clara's job). Those context turns are never written again: only the new turns' events and
mentions, the facts and closings one of them is evidence of (a fact keeps the stored turns it cites
too) and the entities these use are kept, so a stored fact is not re-recorded, re-evidenced or closed
twice; a correction of a stored turn ("Sorry, I meant Globex") is bound by the writer as before. An
extractor that reads context turns read only (:class:`ReadsContext`: Claude's) is given them as such
(:attr:`Transcript.context`, as for a file that grew), so it is not asked to annotate them again.
The messages are extracted knowing the stored entities they name (:mod:`graphmem.entity_prior`), and a
stored entity whose type was NER's guess alone and that their facts type otherwise is moved to that type
first (:func:`graphmem.entity_prior.retype_stored`), so names are typed as one call of all the turns types them.
The whole call runs under the store's write lock, so concurrent writers never take the same position; the
models it needs (spaCy, the embedder) are loaded before the lock is taken. On a server store that lock
holds only this process's threads: the call reads, places and writes inside the store's guard
(:class:`~graphmem.store.base.GuardsWrites`), and when another client wrote the namespace in between the
write is refused and the call starts over from what the namespace now holds, so an id it returns always
names its own message.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from graphmem.entity_prior import known_entities, retype_stored, turn_texts, undo_retypes
from graphmem.errors import ConfigError, ExtractionError, IngestError
from graphmem.extract.clocks import on_memory_clock
from graphmem.extract.events import event_text
from graphmem.extract.names import event_id
from graphmem.formats._source import naive_utc
from graphmem.live_messages import (
    MESSAGES_PATH,
    Message,
    messages_of,
    naive_now,
    parse_messages,
    warn_if_ahead,
)
from graphmem.live_placement import CONTEXT_TURNS, FileSaid, Placement, retry_of
from graphmem.models import Batch, validate_namespace
from graphmem.store.base import CountsEvents
from graphmem.transcript import RawTurn, Transcript
from graphmem.write_retry import guarded, retry_conflicts

if TYPE_CHECKING:
    from graphmem.extract import Extractor
    from graphmem.ingest import IngestTarget
    from graphmem.store.base import GraphStore
    from graphmem.writer import Resolver, Timings

__all__ = ["CONTEXT_TURNS", "Message", "ReadsContext", "add", "lower_words", "messages_of", "parse_messages"]

#: How many parsed turns the extractor of a memory's adds keeps for reuse (at most 100,000 characters of
#: text, about 17 MB): the context windows of 28 sessions added to in turn.
PARSE_CACHE_TURNS = 256


@runtime_checkable
class ReadsContext(Protocol):
    """An extractor that is shown the stored turns before the new ones read only (in
    :attr:`Transcript.context`, as for a file that grew) rather than as turns of the transcript to extract
    (Claude's: annotating them again would be paid for and thrown away)."""

    context_read_only: bool


def add(
    memory: IngestTarget,
    messages: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    namespace: str,
    session: str | None = None,
    participants: Mapping[str, str] | None = None,
    extractor: Extractor | None = None,
    resolver: Resolver | None = None,
    embed: bool = True,
    timings: Timings | None = None,
    nlp: Any | None = None,
    zone: tzinfo | None = None,
) -> list[str]:
    """Append messages to a namespace and return the ids of their events, in order.

    See the module docstring for where each message goes. Runs under the store's write lock, against
    what the namespace holds when the lock is taken.

    Args:
        memory: the open memory (or another :class:`~graphmem.ingest.IngestTarget`).
        messages: one message dict or a list, shaped like a JSONL line: ``speaker``, ``text``, optional
            ``time`` (ISO 8601 or epoch seconds), ``session``, ``id`` and ``caption``.
        namespace: where the messages go.
        session: the session of messages that name none, its id as stored (``session_3``, as events
            show it; a message's own ``"session": "3"`` is named as in a file, ``session_3``). Default:
            the namespace's latest one.
        participants: maps a role or speaker as the messages give it (``user``, ``assistant``) to the name
            memory should know them by (``Dana``), as a chat export's ``participants`` does.
        extractor: the extractor (default: spaCy, made once per memory and reusing ``nlp``).
        resolver: the entity resolver (default: as for files).
        embed: embed the event texts.
        timings: where to add the seconds spent resolving, embedding and writing.
        nlp: a loaded spaCy pipeline for the default extractor (default: loaded on first use).
        zone: the memory's clock: every message's relative dates ("yesterday") are days of its calendar
            (default: UTC); a message's time without an offset is UTC, as in files.

    Messages whose text is empty or whose role is ``system``/``tool`` are left out (no id is returned for
    them), as in files.

    Raises:
        ConfigError: the namespace, session or participants are not legal.
        IngestError: a message is malformed (names its index) or re-uses a stored id with other text.
        StoreError: the write failed (nothing was written) or the store is locked by another writer.
        WriteConflictError: on a server store, other clients kept writing the namespace during each
            attempt (names it); nothing of these messages was written.
    """
    validate_namespace(namespace)
    if session is not None and (not isinstance(session, str) or not session.strip()):
        raise ConfigError(f"session must be a non-empty string, not {session!r}")
    parsed = parse_messages(messages, participants=participants, zone=zone)
    if session is not None:
        parsed = [m if m.session is not None else replace(m, session=session.strip()) for m in parsed]
    if not parsed:
        return []
    ex = extractor if extractor is not None else _extractor(memory, nlp)
    if embed:  # loaded before the lock: a process's first add would hold every other writer for seconds
        memory.embedder  # noqa: B018
    return retry_conflicts(
        lambda: _add(memory, parsed, namespace, ex, resolver, embed, timings, zone),
        namespace=namespace,
        failed=lambda attempts: (
            f"could not add {len(parsed)} message(s) to namespace {namespace!r}: other writers changed it "
            f"during each of {attempts} attempts; nothing of these messages was written, try again"
        ),
    )


def _add(
    memory: IngestTarget,
    parsed: list[Message],
    namespace: str,
    ex: Extractor,
    resolver: Resolver | None,
    embed: bool,
    timings: Timings | None,
    zone: tzinfo | None = None,
) -> list[str]:
    """Place ``parsed`` and write them, under the store's write lock (the threads of this process) and, on a
    server store, its guard (other processes: :class:`~graphmem.store.base.GuardsWrites`)."""
    from graphmem.writer import commit_batch, default_resolver

    with memory.writing(), guarded(memory.store, namespace):
        store = memory.store
        placement = Placement(store, namespace)
        files = FileSaid(placement)
        ids: list[str] = []
        retried: set[str] = set()
        seen: dict[str, tuple[str, RawTurn]] = {}
        for message in map(placement.spelled, parsed):
            given = message.turn.source_id
            if given is not None and given in seen:  # the same message twice in one call: one event
                placed_id, first = seen[given]
                if (first.speaker, event_text(first)) != (message.turn.speaker, event_text(message.turn)):
                    raise IngestError(
                        f"message id {given!r} is given twice in this call with another speaker or text",
                        path=MESSAGES_PATH,
                        json_path=message.json_path,
                    )
                ids.append(placed_id)
                continue
            when = naive_utc(message.turn.timestamp) if message.turn.timestamp is not None else naive_now()
            if message.turn.timestamp is not None:
                warn_if_ahead(when, message.json_path)
            joins = placement.joins(message, when)
            # with an id, the file session it names or joins: a message naming none joins one as without an id
            retry = retry_of(
                store,
                namespace,
                message.turn,
                message.session or joins,
                message.json_path,
                named=message.session is not None,
            )
            if retry is None and message.turn.timestamp is not None:  # an export's message without an id
                retry = files.find(message.turn, message.session, joins)
            if retry is not None:
                ids.append(retry.id)
                retried.add(retry.id)
                continue
            if message.turn.timestamp is not None:
                turn = message.turn
            else:  # now, on the memory's clock: "yesterday" is the day before today there
                now = when if zone is None else on_memory_clock(when, zone)
                turn = replace(message.turn, timestamp=now)
            sid, seq = placement.place(replace(message, turn=turn), when)
            ids.append(event_id(sid, seq))
            if given is not None:
                seen[given] = (ids[-1], message.turn)
        transcript, context = placement.transcript()
        if transcript.sessions:
            words = _vocabulary(memory, store, namespace)
            # the stored entities the messages name: "Helix Labs" stays the firm the namespace knows
            known = known_entities(store, namespace, turn_texts(transcript), participants=transcript.participants)
            transcript = replace(transcript, vocabulary=frozenset(words), known=known)
            if isinstance(ex, ReadsContext) and ex.context_read_only:
                transcript = _read_only(transcript, context)
            batch = _only_new(ex.extract(transcript), context)
            placed = list(dict.fromkeys(i for i in ids if i not in retried))
            if sorted(e.id for e in batch.events) != sorted(placed):  # sessions may come in time order
                raise ExtractionError(
                    f"extractor {ex.name!r} returned events {[e.id for e in batch.events][:5]} for messages "
                    f"placed at {placed[:5]}: it must number turns from each session's first_seq"
                )
            batch = replace(batch, sessions=placement.new_sessions())
            # "I live in Bristol." after "Are you still in Bristol?" stored NER's organisation: now the place
            moved = retype_stored(store, batch, known, memory.write)
            try:
                commit_batch(
                    memory,
                    batch,
                    resolver=resolver or default_resolver(memory, embed),
                    embed=embed,
                    timings=timings,
                )
            except BaseException:
                undo_retypes(store, moved, memory.write)  # the messages were not stored: nor is what they moved
                raise
            _learn(memory, namespace, [e.text for e in batch.events])
    return ids


def _read_only(transcript: Transcript, context: frozenset[str]) -> Transcript:
    """``transcript`` with its context turns (the ids ``context``) moved out of its sessions into
    :attr:`Transcript.context`: each session then starts at its first new turn."""
    sessions, before = [], []
    for raw in transcript.sessions:
        n = sum(1 for k in range(len(raw.turns)) if event_id(raw.id, raw.first_seq + k) in context)
        sessions.append(replace(raw, turns=raw.turns[n:], first_seq=raw.first_seq + n))
        if n:
            before.append((raw.id, raw.turns[:n]))
    return replace(transcript, sessions=tuple(sessions), context=tuple(before))


def _only_new(batch: Batch, context: frozenset[str]) -> Batch:
    """``batch`` without what only its context turns (stored turns extracted again) said: their events and
    mentions, the facts and closings whose evidence is only theirs (what is stored already, closed or
    corrected already), and the entities nothing kept uses. A fact a new turn is evidence of keeps the
    stored turns it cites ("I got a job at Acme." then "I start on 1 April.": the job, from April).

    What stays is what the new turns said, as extracting them alone gave it, but read after the turns
    before them: so writing it writes nothing already stored again."""
    if not context:
        return batch
    facts = []
    for f in batch.facts:
        if set(f.evidence) - context:  # a stored turn it cites too stays cited, as in one call
            facts.append(f)
    closings = []
    for c in batch.closings:
        evidence = tuple(e for e in c.evidence if e not in context)
        if evidence:
            closings.append(replace(c, evidence=evidence))
    mentions = tuple(m for m in batch.mentions if m.event_id not in context)
    used = {m.entity_id for m in mentions}
    used.update(i for f in facts for i in (f.subject_id, f.object_id))
    used.update(i for c in closings for i in (c.subject_id, c.object_id, c.value) if i is not None)
    said = {m.entity_id for m in batch.mentions if m.event_id in context}
    said.update(i for f in batch.facts for i in (f.subject_id, f.object_id))
    said.update(i for c in batch.closings for i in (c.subject_id, c.object_id, c.value) if i is not None)
    lost = said - used  # what only the context turns named (an entity no statement uses stays, as before)
    return replace(
        batch,
        events=tuple(e for e in batch.events if e.id not in context),
        mentions=mentions,
        facts=tuple(facts),
        closings=tuple(closings),
        entities=tuple(e for e in batch.entities if e.id not in lost),
        embeddings=tuple((n, v) for n, v in batch.embeddings if n not in context),
    )


#: Runs of lower-case letters: the words a text uses in lower case.
_LOWER = re.compile(r"\b[a-z]+\b")


def lower_words(texts: Iterable[str]) -> set[str]:
    """The words ``texts`` use in lower case, function words left out.

    A whole-file extraction knows which words a conversation uses in lower case (a noun, verb or
    adjective seen so: evidence that the word is no name when it starts a sentence capitalised). A
    message added later is extracted with only the last few turns of its session, so it is given this set
    for what the namespace already holds. Function words ("will", "may") are left out, as the file pass
    counts only nouns, verbs and adjectives: "Will" at a sentence start stays a possible name.
    """
    from graphmem.recall.query import STOP_WORDS

    found: set[str] = set()
    for text in texts:
        found.update(_LOWER.findall(text))
    return found - STOP_WORDS


def _vocabulary(memory: IngestTarget, store: GraphStore, namespace: str) -> set[str]:
    """The lower-case words of ``namespace``: read from the store once per memory, then kept current with
    what :func:`add` adds, and read again whenever the namespace's event count says someone else wrote."""
    known = _VOCABULARY.setdefault(memory, {})
    count = store.event_count(namespace) if isinstance(store, CountsEvents) else store.stats(namespace).events
    cached = known.get(namespace)
    if cached is None or cached[0] != count:
        cached = known[namespace] = (count, lower_words(e.text for e in store.iter_events(namespace)))
    return cached[1]


def _learn(memory: IngestTarget, namespace: str, texts: Sequence[str]) -> None:
    """Add the words of the events just written (under the write lock) to the namespace's vocabulary."""
    cached = _VOCABULARY.get(memory, {}).get(namespace)
    if cached is not None:
        cached[1].update(lower_words(texts))
        _VOCABULARY[memory][namespace] = (cached[0] + len(texts), cached[1])


def _extractor(memory: IngestTarget, nlp: Any | None) -> Extractor:
    """The spaCy extractor of ``memory``, made once (it caches compiled rules) and sharing ``nlp``; it keeps
    the parses of the last :data:`PARSE_CACHE_TURNS` turns it read, so a stored turn read again as context
    of the messages after it is parsed once (:class:`~graphmem.extract.parse_cache.ParseCache`).

    The pipeline is loaded here (once per process), before :func:`add` takes the store's write lock.
    """
    found = _EXTRACTORS.get(memory)
    if found is None:
        from graphmem.extract import get_extractor
        from graphmem.extract.nlp import load_nlp

        found = _EXTRACTORS[memory] = get_extractor(
            "spacy", nlp=nlp if nlp is not None else load_nlp(), parse_cache=PARSE_CACHE_TURNS
        )
    return found


_EXTRACTORS: weakref.WeakKeyDictionary[IngestTarget, Extractor] = weakref.WeakKeyDictionary()
#: memory → namespace → (its event count when read, its lower-case words)
_VOCABULARY: weakref.WeakKeyDictionary[IngestTarget, dict[str, tuple[int, set[str]]]] = weakref.WeakKeyDictionary()
