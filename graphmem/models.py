"""The temporal graph data model: plain frozen data, no I/O.

Nodes are :class:`Session`, :class:`Event` and :class:`Entity`; edges are :class:`Mention` (an event
names an entity, or was spoken by it) and :class:`Fact` (a predicate between two entities with two time
axes and evidence events). Order edges (event → next event in a session, session → next session) are
derived by the store, from :func:`chain_key` (the events' times, then positions) and ``Session.index``, so
they can never dangle.

Every record carries its ``namespace``: one user, one conversation or one agent. Ids are unique within a
namespace across all node kinds.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from graphmem.errors import ConfigError

__all__ = [
    "ANY_STATE",
    "OVER_PHRASE",
    "Batch",
    "EdgeType",
    "Entity",
    "Event",
    "Fact",
    "FactClosing",
    "Mention",
    "NodeKind",
    "Session",
    "SourceRecord",
    "TimeRef",
    "chain_key",
    "chain_order",
    "event_chain_key",
    "namespace_char_ok",
    "natural_key",
    "natural_sort_text",
    "session_order_key",
    "validate_namespace",
]

#: Besides letters and digits (of any script, with their combining marks), the characters a namespace may hold.
NAMESPACE_PUNCTUATION = frozenset("_.:@-")
_NAMESPACE_MAX = 128


def namespace_char_ok(char: str) -> bool:
    """Whether ``char`` may stand inside a namespace: a letter or digit of any script, a combining mark
    (Devanagari and Thai vowel signs), or one of ``_ . : @ -``."""
    return char.isalnum() or char in NAMESPACE_PUNCTUATION or unicodedata.category(char)[0] == "M"


def validate_namespace(namespace: str) -> str:
    """Return ``namespace`` if it is legal, else raise :class:`ConfigError` naming it.

    A namespace starts with a letter or digit of any script (``família``, ``日記``) and continues with
    letters, digits, combining marks and ``_ . : @ -``; at most 128 characters. Path separators, spaces,
    control and invisible characters are refused. Namespaces are case-sensitive: ``dana`` and ``Dana``
    are two (a namespace is only spelled alike across Unicode normal forms).
    """
    if (
        not isinstance(namespace, str)
        or not 0 < len(namespace) <= _NAMESPACE_MAX
        or not namespace[0].isalnum()
        or not all(namespace_char_ok(c) for c in namespace)
    ):
        raise ConfigError(
            f"illegal namespace {namespace!r}: use 1-128 characters, letters and digits (any script) and "
            "_ . : @ -, starting with a letter or digit"
        )
    return namespace


class NodeKind(StrEnum):
    """The kinds of node in the graph."""

    SESSION = "session"
    EVENT = "event"
    ENTITY = "entity"


class EdgeType(StrEnum):
    """Edge types, named as Neo4j relationship types."""

    IN_SESSION = "IN_SESSION"  # event -> session
    NEXT = "NEXT"  # event -> next event in the same session
    NEXT_SESSION = "NEXT_SESSION"  # session -> next session
    SPOKEN_BY = "SPOKEN_BY"  # event -> speaker entity
    MENTIONS = "MENTIONS"  # event -> mentioned entity (with a role)
    FACT = "FACT"  # entity -> entity (predicate, two time axes, evidence)


@dataclass(frozen=True, slots=True)
class TimeRef:
    """A time expression found in text, resolved against a reference date where possible.

    ``start``/``end`` bound the interval the phrase denotes (``None`` when it could not be resolved:
    the phrase is kept, never guessed). ``grain`` is ``day``, ``week``, ``month``, ``year``, ``time`` or
    ``unknown``.
    """

    phrase: str
    start: datetime | None = None
    end: datetime | None = None
    grain: str = "unknown"

    @property
    def resolved(self) -> bool:
        """Whether the phrase was resolved to an interval."""
        return self.start is not None


@dataclass(frozen=True, slots=True)
class Session:
    """A conversation session: a run of turns that happened together."""

    namespace: str
    id: str
    index: int
    started_at: datetime | None = None
    date_text: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """Something said or done: one dialogue turn, or an observation.

    ``occurred_at`` is when it was said (the session time plus order); ``times`` are the time expressions
    in the text, resolved against the session date; :attr:`happened` is when what it tells of happened.
    ``source_id`` is the input's own id for the turn (a LoCoMo ``dia_id`` such as ``D1:3``);
    ``source_file``/``source_line`` point back at the input.
    """

    namespace: str
    id: str
    session: str
    seq: int
    speaker: str | None
    text: str
    occurred_at: datetime | None = None
    source_id: str | None = None
    source_file: str | None = None
    source_line: int | None = None
    kind: str = "utterance"
    times: tuple[TimeRef, ...] = ()

    @property
    def happened_ref(self) -> TimeRef | None:
        """The time phrase that says when what the event tells of happened, or ``None``.

        The most specific resolved phrase of the text: the narrowest interval, a day or longer preferred
        to a clock time (a clock time is resolved on the day it was said, so "last Saturday at 5pm" is
        the Saturday); the first of equals.
        """
        resolved = [t for t in self.times if t.start is not None]
        if not resolved:
            return None

        def width(t: TimeRef) -> tuple[bool, float]:
            assert t.start is not None
            return t.grain == "time", ((t.end or t.start) - t.start).total_seconds()

        return min(resolved, key=width)

    @property
    def happened(self) -> tuple[datetime, datetime] | None:
        """When what the event tells of happened: ``(start, end)``, ``end`` exclusive (``start`` for a moment).

        "I ran a charity race last Saturday" said on 25 May 2023 happened on 20 May 2023 (the whole
        day); a turn with no resolved time phrase happened when it was said (``occurred_at`` twice).
        ``None`` when neither is known. The query language calls its start ``e.happened`` (beside
        ``e.time``, when it was said).
        """
        ref = self.happened_ref
        if ref is not None and ref.start is not None:
            return ref.start, ref.end if ref.end is not None and ref.end > ref.start else ref.start
        if self.occurred_at is None:
            return None
        return self.occurred_at, self.occurred_at


def chain_key(occurred_at: datetime | None, seq: int, event_id: str) -> tuple[bool, datetime, int, str]:
    """Where an event (said at ``occurred_at``, at position ``seq``) stands in its session's chain of
    ``NEXT`` edges: by when it was said, then by its position (the order it arrived in, for ties), then
    id. An event without a time comes after those with one, as ``timeline`` lists them.

    A message added live with an earlier time than the session's last one (backdated, delivered late,
    or re-added after ``forget`` to edit it) is therefore spliced in between its neighbours by time,
    though its position (part of its id, never given twice) is the session's next.
    """
    at = occurred_at
    if at is not None and at.tzinfo is not None:  # stores keep times naive UTC; a batch may hold aware ones
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at is None, at or datetime.min, seq, event_id


def event_chain_key(event: Event) -> tuple[bool, datetime, int, str]:
    """:func:`chain_key` of a stored event."""
    return chain_key(event.occurred_at, event.seq, event.id)


_DIGITS = re.compile(r"([0-9]+)")


def natural_key(text: str) -> tuple[tuple[str | tuple[int, str], ...], str]:
    """``text`` in natural order: runs of digits compare as numbers (``session_2`` before ``session_10``),
    the rest as text; ids equal but for leading zeros fall back to their text.

    A run of digits compares by its length without leading zeros, then its digits: the order of its value,
    for runs of any length (no conversion to ``int``, which Python refuses past 4300 digits).
    """
    parts = _DIGITS.split(text)  # text, digits, text, …: the same kind at the same place in every key
    return tuple(_digit_run(part) if i % 2 else part for i, part in enumerate(parts)), text


def _digit_run(digits: str) -> tuple[int, str]:
    stripped = digits.lstrip("0")
    return len(stripped), stripped


def natural_sort_text(text: str) -> str:
    """:func:`natural_key` as one string: two of them compare, character by character, as the keys of their
    texts do (``session_2`` before ``session_10``, ``s02`` and ``s2`` apart by their text).

    A query engine that sorts only by plain values (Cypher) orders by it where Python would use
    :func:`natural_key`: the Cypher store keeps it on each event as ``session_order``. Each run of text ends
    with a space, its characters up to ``!`` written as ``!`` and one more character so that the space is
    below all; each run of digits is its length (behind one ``~`` per digit of the length past the first)
    and its digits, leading zeros dropped; after the last run come a space and the text itself.
    """
    out: list[str] = []
    for i, part in enumerate(_DIGITS.split(text)):
        if i % 2:
            stripped = part.lstrip("0")
            length = str(len(stripped))
            out.append("~" * (len(length) - 1) + length + stripped)
        else:
            out.append("".join(c if c > "!" else "!" + chr(ord(c) + 0x30) for c in part) + " ")
    out.append(" " + text)
    return "".join(out)


def session_order_key(index: int, session_id: str) -> tuple[int, tuple[tuple[str | tuple[int, str], ...], str]]:
    """Where a session stands among a namespace's sessions, as every store lists them (and their events):
    by its stored ``index`` (its order in the memory), sessions of one index by the natural order of their
    ids (:func:`natural_key`: ``session_2`` before ``session_10``)."""
    return index, natural_key(session_id)


def chain_order(events: Iterable[Event]) -> list[Event]:
    """``events`` (a store lists them session by session) with each session's run put in the order of its
    ``NEXT`` chain (:func:`chain_key`); the order of the sessions is kept."""
    out: list[Event] = []
    for _, run in itertools.groupby(events, key=lambda e: e.session):
        out.extend(sorted(run, key=event_chain_key))
    return out


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, place, thing or topic."""

    namespace: str
    id: str
    name: str
    type: str = "Thing"
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """An edge from an event to an entity it names; ``role="speaker"`` is the SPOKEN_BY edge."""

    namespace: str
    event_id: str
    entity_id: str
    role: str = "mention"

    @property
    def edge_type(self) -> EdgeType:
        """The graph edge this mention becomes."""
        return EdgeType.SPOKEN_BY if self.role == "speaker" else EdgeType.MENTIONS


@dataclass(frozen=True, slots=True)
class Fact:
    """A predicate between two entities with two time axes.

    ``valid_from``/``valid_to``: when it was true in the world (``None`` = unbounded).
    ``recorded_at``/``expired_at``: when memory learned it and when it was retired (``None`` = still held).
    ``evidence``: ids of the events that support it. ``revised_by``: the events whose statements made
    memory record this version (a closing, a newer value; empty for a first version): retracting them
    restores the version before (see :mod:`graphmem.store.versions`).
    """

    namespace: str
    id: str
    subject_id: str
    predicate: str
    object_id: str
    recorded_at: datetime
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    expired_at: datetime | None = None
    evidence: tuple[str, ...] = ()
    time_phrase: str | None = None
    confidence: float = 1.0
    revised_by: tuple[str, ...] = ()

    def valid_at(self, when: datetime) -> bool:
        """Whether the fact held in the world at ``when``."""
        if self.valid_from is not None and when < self.valid_from:
            return False
        return self.valid_to is None or when < self.valid_to

    @property
    def never_held(self) -> bool:
        """Whether memory now believes it held for no time: a corrected slip (``valid_to`` = ``valid_from``,
        see :mod:`graphmem.extract.corrections`)."""
        return self.valid_from is not None and self.valid_to == self.valid_from

    def known_at(self, when: datetime) -> bool:
        """Whether memory held the fact at ``when`` (recorded and not yet expired)."""
        if when < self.recorded_at:
            return False
        return self.expired_at is None or when < self.expired_at


#: The ``time_phrase`` of a state told as over ("I worked at Acme"): it held before it was said, so it has
#: no start and an end (:mod:`graphmem.extract.facts`), unlike a fact of undated input that something ended.
OVER_PHRASE = "before it was said"

#: The predicate of a correction that names only its new value ("Sorry, I meant Globex."): whichever state
#: the subject's statement it corrects said (bound when written, :mod:`graphmem.extract.correction_targets`).
ANY_STATE = ""


@dataclass(frozen=True, slots=True)
class FactClosing:
    """A statement that a fact stopped holding in the world ("I quit", "we broke up", "Max passed away").

    It names the fact it ends by ``subject_id``, ``predicate`` and ``object_id``; an end left ``None``
    matches any value ("I quit my job" ends whichever ``works_at`` held; "my cat died" ends whoever's
    ``has_pet`` the cat was). ``at`` is when it stopped holding (``None``: unknown, the statement's time is
    used), ``recorded_at`` when memory learned it, ``evidence`` the events that say so. ``at_latest`` is the
    latest it can have stopped, when a period dates it: the period's end, no later than it was said ("I quit
    my job last month": the month's end), which ends a fact memory learned within that period. Temporal
    maintenance (:mod:`graphmem.extract.temporal`) applies closings to the facts they match.

    With ``correction`` the statement says memory had the value wrong ("Sorry, I meant Globex"), not that
    it changed (:mod:`graphmem.extract.corrections`). As extracted, ``value`` is the new object and
    ``object_id`` the value it denies (``None``: whichever the subject's latest statement said); temporal
    maintenance turns it into one closing per corrected fact (``value`` ``None``, ``object_id`` that
    fact's object, ``at`` its ``valid_from``: it never held). A correction that names only its value has
    the predicate :data:`ANY_STATE` until the writer binds it. A correction of a time ("Sorry, I meant
    2021.") has ``at`` the new start and, once bound, ``value`` the object it keeps. ``near``: its only
    cue was an apology opening the turn ("Oh sorry, my bad. I work at Globex."), which may answer the other
    speaker instead, so it corrects only a statement of the speaker's previous turn. ``denied``: the time
    a correction of a time says was the slip ("Sorry, I meant January, not December."), which finds the
    statement it corrects wherever the speaker made it.
    """

    namespace: str
    predicate: str
    recorded_at: datetime
    subject_id: str | None = None
    object_id: str | None = None
    at: datetime | None = None
    evidence: tuple[str, ...] = ()
    phrase: str | None = None
    correction: bool = False
    value: str | None = None
    near: bool = False
    at_latest: datetime | None = None
    denied: TimeRef | None = None


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """Bookkeeping for an ingested input, so unchanged content is not ingested twice."""

    namespace: str
    key: str
    content_hash: str
    ingested_at: datetime


@dataclass(frozen=True, slots=True)
class Batch:
    """A set of writes applied all-or-nothing to one namespace.

    Records are upserted by id. ``embeddings`` maps node ids to float vectors; ``embedding_model`` names
    the model that made them and ``embedding_scheme`` the embedded-text scheme of event vectors
    (:func:`graphmem.embed_text.embedding_scheme`; ``None``: unknown). ``retract`` lists event ids
    deleted first, in the same transaction, as :meth:`~graphmem.store.base.GraphStore.delete_event`
    would (their mentions, the facts only they supported, and entities left unused unless this batch
    uses them), and with them the sessions left without an event that this batch does not write or
    write events into: re-ingesting an edited file
    retracts what its earlier version wrote and writes the new version atomically. ``closings`` are the
    ending statements extraction found (:class:`FactClosing`); temporal maintenance applies them.
    ``positions`` are ``(session id, position)`` marks: the highest position each session has given an
    event, forgotten events and deleted sessions included (what
    :class:`~graphmem.store.base.KeepsPositions` stores; a store also marks the positions of the events it
    writes, and never lowers a mark). A copy of a namespace (export, sync) carries them, so live ingestion
    goes on numbering after them there. ``forgotten_live`` are ``(session id, position)`` places given to a
    message added live and forgotten since (what :meth:`~graphmem.store.base.KeepsPositions.forgotten_live`
    returns; a store adds the places of the live events it forgets, and never drops one but with its
    namespace): an ingested file never gives their event ids again. A copy carries them too.
    ``versioned`` says the facts are whole versions already (archived ones under their
    :func:`~graphmem.store.versions.archive_id`): the store writes them as given instead of versioning
    them against what it holds (:func:`~graphmem.store.versions.version_batch`). The writer sets it on a
    batch of statements made at several moments, whose versions it derived statement by statement, and a
    copy (``graphmem sync``) on the versions of facts the target does not hold.
    """

    namespace: str
    sessions: tuple[Session, ...] = ()
    events: tuple[Event, ...] = ()
    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    facts: tuple[Fact, ...] = ()
    embeddings: tuple[tuple[str, Sequence[float]], ...] = ()
    embedding_model: str | None = None
    embedding_scheme: str | None = None
    sources: tuple[SourceRecord, ...] = field(default=())
    retract: tuple[str, ...] = ()
    closings: tuple[FactClosing, ...] = ()
    positions: tuple[tuple[str, int], ...] = ()
    forgotten_live: tuple[tuple[str, int], ...] = ()
    versioned: bool = False

    def __len__(self) -> int:
        return (
            len(self.sessions)
            + len(self.events)
            + len(self.entities)
            + len(self.mentions)
            + len(self.facts)
            + len(self.embeddings)
            + len(self.positions)
            + len(self.forgotten_live)
        )

    def marks(self) -> dict[str, int]:
        """Session id → the highest position this batch marks in it: its events' positions and its
        ``positions`` and its ``forgotten_live`` places (given, so never above the mark), whichever is higher."""
        highs: dict[str, int] = {}
        for session, high in (*((e.session, e.seq) for e in self.events), *self.positions, *self.forgotten_live):
            highs[session] = max(highs.get(session, high), high)
        return highs
