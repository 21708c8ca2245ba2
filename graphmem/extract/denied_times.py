"""A correction of a time stored before the slip it corrects reaches that slip when memory learns it.

"Sorry, I meant I'm moving to Lisbon in January, not December." corrects the speaker's statement dated in
December that memory holds when the correction is written (:mod:`graphmem.extract.correction_targets`,
``_Binding.bind_time``). When the slip reaches memory after the correction (an earlier file read later, an
older chat ingested after a live message), that binding has passed: closings are not stored. What is
stored is the fact the correction stated (Ana ``lives_in`` Lisbon from January, its evidence the correcting
turn) and the turn's text, which denies the time (", not December") right after the phrase that dates that
fact, in the clause "I meant" restates: the fact's object is named between the two in one sentence (by any
name the entity is known by: its name or an alias resolution gave it, "NYC" for New York City; the names are
matched as whole words, not inside a longer capitalised name, an alias only where capitalised: :func:`_names`),
as the forward binding takes the restated clause's object ("I meant
I start at Globex in January, not December, and I'm moving to Lisbon in January." denies Globex's time,
not Lisbon's).
:func:`stored_time_corrections` reads the denial back from them and gives, for each new statement it
reaches, the correction request the forward binding would have made, which
:func:`graphmem.extract.temporal.apply_corrections` applies as any other: the slip held for no time, a
version recorded when the correction was told, so ``AS OF`` between the two still reads the slip.

The rules are the forward binding's: the correcting fact is the speaker's own (its subject is the turn's
speaker), of the same predicate and object as the slip and dated otherwise; the sentence denying the time
says what the speaker meant ("I meant …", as the extractor's restated correction does); no other speaker
asked a question in the turns just before it; the slip was told before the correction and still held then,
points ahead or names no year (:func:`loose`), and starts within the denied time, read the way the slip's
own time pointed. When another state of the speaker's with that value (another predicate) starts within
the denied time too, which one slipped is not said, and nothing is corrected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from graphmem.extract.names import event_id, name_key, slug
from graphmem.extract.temporal import told_at, told_times
from graphmem.extract.times import TimeResolver
from graphmem.extract.vocabulary import is_single_valued
from graphmem.models import OVER_PHRASE, Batch, Event, Fact, FactClosing

if TYPE_CHECKING:
    from graphmem.embed_text import EventLookup

__all__ = ["REACH", "NameLookup", "loose", "resolver", "stored_time_corrections", "turns_before"]

#: How many turns back a correction looks for its speaker's previous turn and the turns between
#: (:func:`turns_before`; :mod:`graphmem.extract.correction_targets` binds with the same reach).
REACH = 3

_YEAR = re.compile(r"\b\d{4}\b|'\d{2}\b")

_RESOLVERS: list[TimeResolver] = []

#: The names an entity is known by (its name and aliases), by id; none for an entity not found.
NameLookup = Callable[[str], Iterable[str]]


def resolver() -> TimeResolver:
    """One time resolver, made on first use (none at import)."""
    if not _RESOLVERS:
        _RESOLVERS.append(TimeResolver())
    return _RESOLVERS[0]


def turns_before(
    said: Event, events: MutableMapping[str, Event], lookup: EventLookup | None
) -> tuple[list[str], list[Event]]:
    """The ids of ``said``'s speaker's last run of messages before it (one turn said in several messages)
    within :data:`REACH` turns of its session, and the other speakers' turns before ``said`` up to that run,
    reading up to a turn that is missing (forgotten: what stood there is unknown). Turns not in ``events``
    are looked up and added to it."""
    before = [event_id(said.session, said.seq - k) for k in range(1, REACH + 1) if said.seq - k > 0]
    missing = [e for e in before if e not in events]
    if missing and lookup is not None:
        events.update((e.id, e) for e in lookup(missing))
    own: list[str] = []
    between: list[Event] = []
    for e in before:
        turn = events.get(e)
        if turn is None:
            break
        if turn.speaker == said.speaker:
            own.append(e)
        elif own:
            break
        else:
            between.append(turn)
    return own, between


def loose(fact: Fact) -> bool:
    """Whether a later bare month may have been meant for ``fact``'s time: a plan pointing ahead ("I'm
    moving next month") or a time naming no year ("I moved in December"). "I moved to Lisbon in December
    2025." said in the past with its year is no slip a later "not December" corrects."""
    assert fact.valid_from is not None
    return fact.valid_from > fact.recorded_at or not _YEAR.search(fact.time_phrase or "")


def _dated(fact: Fact, *, slipped: bool = False) -> bool:
    """A current, single-valued state dated by a phrase of its statement, held for some time unless
    ``slipped`` (a correction corrected in turn, "…in February, not January", still denied its time)."""
    return (
        is_single_valued(fact.predicate)
        and fact.valid_from is not None
        and fact.time_phrase not in (None, OVER_PHRASE)
        and fact.expired_at is None
        and (slipped or not fact.never_held)
    )


def _capital(word: str) -> bool:
    """Whether ``word`` starts a name (a capital or a digit; "I" and "I'm" do not)."""
    return (word[:1].isupper() or word[:1].isdigit()) and re.split(r"['’]", word)[0] != "I"


def _names(words: list[str], keys: set[str], own: str) -> bool:
    """Whether some run of ``words`` is a whole name whose slug is one of ``keys``.

    The run is not part of a longer name: the words either side of it do not continue a capitalised run
    ("New York" is not said in "the New York Times"), unless punctuation parts them ("Lisbon, Portugal").
    A key other than ``own`` (the id's name part) is an alias, matched only where the run is capitalised,
    so an alias that is also an ordinary word ("the city") is not read in its lower-case use.
    """

    def joined(left: str, right: str) -> bool:
        return _capital(left) and _capital(right) and left[-1:] not in ",;:"

    for i in range(len(words)):
        if i and joined(words[i - 1], words[i]):
            continue  # inside a longer capitalised run
        for j in range(i + 1, min(i + 7, len(words) + 1)):
            key = slug(" ".join(words[i:j]))
            if key not in keys or (j < len(words) and joined(words[j - 1], words[j])):
                continue
            if key == own or any(_capital(w) for w in words[i:j]):
                return True
    return False


def _denied_phrases(text: str, phrase: str, keys: set[str], own: str = "") -> list[str]:
    """The words after ", not" that follow ``phrase`` in a sentence of ``text`` where the speaker says what
    they meant of an entity, one of its names (``keys``, slugs; ``own`` its id's name part; :func:`_names`)
    said as a whole name between "I meant" and ``phrase``
    ("Sorry, I meant I'm moving to Lisbon in January, not December." → ``["December"]`` for Lisbon; none
    for Lisbon in "I meant I start at Globex in January, not December, and I'm moving to Lisbon in
    January.": the denial restates Globex's clause), longest reading first, each shorter by a word."""
    out: list[str] = []
    pattern = rf"\bI\s+mean(?:t)?\b(?P<clause>[^.!?]*?)(?<!\w){re.escape(phrase)}\s*,?\s*not\s+(?P<denied>[^,.;:!?]+)"
    for m in re.finditer(pattern, text, re.IGNORECASE):
        if not _names([w.strip("\"'‘’“”()") for w in m.group("clause").split()], keys, own):
            continue  # the denial restates another clause of the sentence
        words = m.group("denied").split()
        out += [" ".join(words[:n]) for n in range(min(len(words), 6), 0, -1)]
    return out


def _within(start: datetime, found_start: datetime | None, found_end: datetime | None) -> bool:
    return found_start is not None and found_start <= start < (found_end or found_start + timedelta(days=1))


class _Reader:
    """The stored events a batch's time corrections are read from, each looked up once."""

    def __init__(self, batch: Batch, lookup: EventLookup | None, names: NameLookup | None) -> None:
        self.events = {e.id: e for e in batch.events}
        self.lookup = lookup
        self.names = names
        # the batch's entities first: resolution may have given one an alias the store does not hold yet
        self.known = {e.id: (e.name, *e.aliases) for e in batch.entities}
        self.keys: dict[str, set[str]] = {}

    def keys_of(self, entity: str) -> set[str]:
        """The slugs of the names ``entity`` is known by, its id's name part among them."""
        if entity not in self.keys:
            found = self.known.get(entity)
            if found is None and self.names is not None:
                found = tuple(self.names(entity))
            self.keys[entity] = {name_key(entity), *(slug(n) for n in found or ())}
        return self.keys[entity]

    def get(self, ids: list[str]) -> None:
        missing = [i for i in ids if i not in self.events]
        if missing and self.lookup is not None:
            self.events.update((e.id, e) for e in self.lookup(missing))

    def asked_before(self, said: Event) -> bool:
        """Whether another speaker asked something in the turns just before ``said`` (:func:`turns_before`):
        the correction may answer it."""
        return any("?" in turn.text for turn in turns_before(said, self.events, self.lookup)[1])

    def denies(self, correcting: Fact, slip: Fact) -> bool:
        """Whether the turn that stated ``correcting`` is the speaker's correction of a time denying the
        time ``slip`` starts within (module docs)."""
        said = self.events.get(correcting.evidence[0]) if correcting.evidence else None
        if said is None or said.speaker is None or name_key(correcting.subject_id) != slug(said.speaker):
            return False
        assert slip.valid_from is not None and correcting.time_phrase is not None
        phrases = _denied_phrases(
            said.text, correcting.time_phrase, self.keys_of(correcting.object_id), name_key(correcting.object_id)
        )
        if not phrases or self.asked_before(said):
            return False
        reference = said.occurred_at or correcting.recorded_at
        way = "future" if slip.valid_from > slip.recorded_at else "past"
        for phrase in phrases:
            found = resolver().resolve(phrase, reference, prefer=way)
            if found.start is not None:
                return _within(slip.valid_from, found.start, found.end)
        return False


def stored_time_corrections(
    batch: Batch,
    stored: Iterable[Fact],
    told: Mapping[str, datetime],
    lookup: EventLookup | None,
    names: NameLookup | None = None,
) -> tuple[FactClosing, ...]:
    """The correction requests stored corrections of a time make of the batch's statements (module docs).

    Args:
        batch: a resolved batch (its entity ids the stored ones).
        stored: the namespace's current facts as the write finds them (the correcting facts among them).
        told: when facts were told, by id (:func:`graphmem.extract.temporal.told_times`).
        lookup: the stored events among some ids (the correcting turns and the turns before them).
        names: the names a stored entity is known by (name and aliases), so a correction naming the value by
            an alias reaches; without it, only the batch's entities' names and the ids' name parts are known.

    Returns:
        One request per stored correcting fact that reaches a statement of the batch (``correction``
        set, ``at`` the correcting fact's start, ``value`` its object, evidence its turn), to add to the
        batch's closings before its facts' ends are derived.
    """
    slips = [f for f in batch.facts if _dated(f) and loose(f)]
    if not slips:
        return ()
    times = {**told, **told_times(batch.facts, batch.events)}
    own = {f.id for f in batch.facts}
    said = {e.id for e in batch.events}
    keys = {(f.subject_id, f.predicate, f.object_id) for f in slips}
    correcting = [
        f
        for f in stored
        if f.id not in own
        and (f.subject_id, f.predicate, f.object_id) in keys
        and _dated(f, slipped=True)
        and not said & set(f.evidence)
        and f.evidence
    ]
    # the cheap checks first: a slip of the same state dated otherwise and told before the correction (the
    # correction's turn, read next, may only date it earlier)
    correcting = [
        c
        for c in correcting
        if any(
            (s.subject_id, s.predicate, s.object_id) == (c.subject_id, c.predicate, c.object_id)
            and s.valid_from != c.valid_from
            and told_at(s, times) <= told_at(c, times)
            for s in slips
        )
    ]
    if not correcting:
        return ()
    reader = _Reader(batch, lookup, names)
    reader.get([f.evidence[0] for f in correcting if f.evidence])
    out: dict[FactClosing, None] = {}
    for c in correcting:
        turn = reader.events.get(c.evidence[0]) if c.evidence else None
        # when the correction was said: its version may be recorded later (corrected in turn since)
        when = min(told_at(c, times), (turn.occurred_at if turn is not None else None) or c.recorded_at)
        hits = [
            s
            for s in slips
            if (s.subject_id, s.predicate, s.object_id) == (c.subject_id, c.predicate, c.object_id)
            and s.valid_from != c.valid_from
            and told_at(s, times) <= when
            and (s.valid_to is None or s.valid_to >= when)
            and reader.denies(c, s)
        ]
        if not hits:
            continue
        # another state of the speaker's with the value, dated in the denied time: which slipped is not said
        others = [
            f
            for f in (*batch.facts, *stored)
            if (f.subject_id, f.object_id) == (c.subject_id, c.object_id)
            and f.predicate != c.predicate
            and _dated(f)
            and loose(f)
            and told_at(f, times) <= when
            and (f.valid_to is None or f.valid_to >= when)
            and reader.denies(c, f)
        ]
        if others:
            continue
        request = FactClosing(
            namespace=batch.namespace,
            predicate=c.predicate,
            recorded_at=when,
            subject_id=c.subject_id,
            object_id=c.object_id,
            at=c.valid_from,
            evidence=c.evidence[:1],
            phrase=c.time_phrase,
            correction=True,
            value=c.object_id,
        )
        out[request] = None
    return tuple(out)
