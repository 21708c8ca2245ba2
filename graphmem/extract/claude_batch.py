"""Turning the Claude extractor's tool answers into a batch (the half of :mod:`graphmem.extract.claude`
that does no I/O).

Each answer holds entities and, per turn, mentions, facts, closings and times. Entities go through the
same :class:`~graphmem.extract.entities.EntityRegistry` as the spaCy extractor's, so both give the same
kind of batch. Predicates are mapped onto the fact vocabulary (:func:`graphmem.extract.vocabulary.
canonical`): a spelling of a declared predicate ("work for") is that predicate, a negation asserts
nothing, and anything else is the generic ``said_about``. A fact's ``time_phrase`` dates its start, its
``until_phrase`` its end; each closing becomes a :class:`~graphmem.models.FactClosing`, dated as the spaCy
extractor dates one (:func:`graphmem.extract.bounds.ending_at`: an ending told as past ended by the time
it was said). Each correction ("Sorry, I meant Globex") becomes the closing the spaCy extractor makes of
one (``correction`` set, ``value`` the corrected object), which the writer applies
(:func:`graphmem.extract.temporal.apply_corrections`); the value it denies is its subject's own first
(:meth:`AnswerBuilder._denied`). A turn's times are read in turn order with the time the session talked of
before (:mod:`graphmem.extract.antecedents`), so "later that month" is dated as on the spaCy path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from graphmem.extract.antecedents import can_lead, on_clock
from graphmem.extract.bounds import Bounds, done_ahead, ending_at, own_state_start, plan_window, until_bound
from graphmem.extract.claude_answer import DEFAULT_TYPE, entity_type
from graphmem.extract.claude_checks import Saying, holds, listing, pronoun_of, request_place, request_text, voiced
from graphmem.extract.entities import EntityRegistry
from graphmem.extract.events import EventPlan
from graphmem.extract.names import fact_id, name_key, normalize_name, words
from graphmem.extract.relations import FAMILY_ROLES
from graphmem.extract.times import from_utc
from graphmem.extract.vocabulary import canonical, is_single_valued, past_state
from graphmem.models import OVER_PHRASE, Batch, Event, Fact, FactClosing, Mention, TimeRef

__all__ = ["AnswerBuilder", "normalise_predicate"]

ROLES = ("subject", "object", "mention")

_log = logging.getLogger("graphmem.extract.claude")

#: ``(item, reference time, offset from UTC, antecedent on that clock)`` → a resolved time (naive UTC).
TimeReader = Callable[[dict[str, Any], datetime | None, timedelta | tzinfo | None, TimeRef | None], TimeRef]

#: The score (rapidfuzz ``token_set_ratio``, 0-100) at which a denied name is one of its subject's values.
WRONG_MATCH = 90.0
# Words that open a description, never a name ("my old job", "that company", "a startup")
_DESCRIPTION_LEADS = words("my your his her its our their this that these those a an some another any")
# Lower-case words a name may hold between its capitalised ones ("University of Porto", "Banco do Brasil")
_NAME_LINKS = words("of the and for on upon de da do dos das del della di du la le les van von der den y e &")


def normalise_predicate(text: str) -> str | None:
    """The vocabulary predicate Claude's predicate names; ``None`` for a negation (it asserts nothing)."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    name = canonical(key)
    if name is not None:
        return name
    return None if key.startswith(("not_", "no_", "never_")) else "said_about"


def _family_role(predicate: str) -> bool:
    """Whether ``predicate`` gives a family role (``sister_of``: :data:`~graphmem.extract.relations.
    FAMILY_ROLES`), which holds with no start date."""
    return predicate.endswith("_of") and predicate[: -len("_of")] in FAMILY_ROLES


def _key(name: Any) -> str:
    return " ".join(str(name).lower().split())


def _rank(role: str | None) -> int:
    return {"mention": 0, "object": 1, "subject": 2}.get(role or "", -1)


class AnswerBuilder:
    """Accumulates the answers for one transcript into one batch."""

    def __init__(
        self,
        plan: EventPlan,
        namespace: str,
        now: datetime,
        read_time: TimeReader,
        *,
        antecedents: Sequence[tuple[str, TimeRef]] = (),
        forgotten: frozenset[str] = frozenset(),
    ) -> None:
        """Start a batch for ``plan``'s events in ``namespace``; ``antecedents`` and ``forgotten`` are the
        transcript's (:class:`~graphmem.transcript.Transcript`): the time a stored session's turns talked
        of last, and the turns that are not written (so date nothing)."""
        self.plan = plan
        self.namespace = namespace
        self.now = now
        self.read_time = read_time
        self.registry = EntityRegistry(namespace)
        self.speaker_ids = {name: self.registry.add_speaker(name) for name in plan.speakers}
        self.events = list(plan.events)
        self.mentions: list[Mention] = []
        self.facts: dict[str, Fact] = {}
        self.closings: list[FactClosing] = []
        self._types: dict[str, str] = {}
        self._listed: dict[str, str] = {}  # normalised name or alias of an entity an answer listed -> id
        self._stored = dict(antecedents)  # session -> the time its stored turns talked of last (naive UTC)
        self._told: dict[str, TimeRef | None] = {}  # session -> the time it talked of last, on its speaker's clock
        self._forgotten = forgotten
        #: Entries of the answers whose turn id named no turn of their request (logged, not used).
        self.dropped_turns = 0
        #: Entries and entities of the answers not used: those of ``dropped_turns``, those naming what their
        #: request never says, and those naming "you" in a turn addressed to no one (each warned about).
        self.dropped = 0
        #: Entities of the answers whose type spells no declared type (taken for ``Thing``, warned about).
        self.untyped = 0
        self._answer_names: dict[str, str] = {}  # normalised name or alias listed by the current answer -> id

    def entity(self, name: str) -> str:
        """The id of the entity ``name``: a participant's name is the participant, and a name an answer
        does not list that is part of exactly one name it lists is that entity ("Acme" beside "Acme
        Analytics")."""
        speaker = self.registry.speaker_for(name)
        if speaker is not None:
            return speaker
        short = self._short_for(normalize_name(name))
        return short or self.registry.add(name.strip(), self._types.get(_key(name), "Thing"))

    def _short_for(self, key: str) -> str | None:
        """The entity of the current answer whose listed name holds ``key``'s words in a row, when ``key``
        is no listed name itself and exactly one does."""
        if not key or key in self._answer_names:
            return None
        said = key.split()
        hits = {eid for name, eid in self._answer_names.items() if eid and holds(name.split(), said)}
        return hits.pop() if len(hits) == 1 else None

    def add(self, data: dict[str, Any], group: Sequence[int], *, context: str = "") -> None:
        """Add one validated answer about the events at indices ``group`` (``context``: the text of the
        turns the request showed before them, read-only: a name said there is said by the request).

        Pronouns given as names are the turn's speaker or addressee; a name the request never says is
        dropped with every entry naming it (:mod:`graphmem.extract.claude_checks`); both are counted in
        :attr:`dropped` and warned about once per request, naming its file, session and turns."""
        events = [self.events[i] for i in group]
        place = request_place(events, self.namespace)
        text = request_text(events, [self.plan.addressees[i] for i in group], context)
        found = [(self._turn(item["turn"], group), item) for item in data["events"]]
        # a turn id outside this request has nothing to attach it to: counted and logged, never silent
        lost = [item["turn"] for i, item in found if i is None]
        if lost:
            self.dropped_turns += len(lost)
            self.dropped += len(lost)
            _log.warning(
                "warning: %s: %d entr%s of Claude's answer named no turn of the request (%s): dropped",
                place,
                len(lost),
                "y" if len(lost) == 1 else "ies",
                listing(lost),
            )
        told = [(i, self.events[i], item) for i, item in found if i is not None]
        spoken = [(i, voiced(item, e.speaker, self.plan.addressees[i])) for i, e, item in told]
        unaddressed = sum(n for _, (_, n) in spoken)
        if unaddressed:
            self.dropped += unaddressed
            _log.warning(
                "warning: %s: %d entr%s of Claude's answer named 'you' in a turn addressed to no one (or 'I' in a "
                "turn of no speaker): dropped",
                place,
                unaddressed,
                "y" if unaddressed == 1 else "ies",
            )
        listed = [e for e in data["entities"] if pronoun_of(e["name"]) is None]
        saying = Saying(self.registry, text, listed)
        kept = [(i, saying.keep(item)) for i, (item, _) in spoken]
        if saying.unsaid:
            self.dropped += saying.dropped + saying.unsaid_listed
            n = saying.dropped
            entries = f", with the {n} entr{'y' if n == 1 else 'ies'} naming it" if n else ""
            _log.warning(
                "warning: %s: Claude's answer names what the request never says (%s): dropped%s",
                place,
                listing(sorted(saying.unsaid)),
                entries,
            )
        self._types = {_key(e["name"]): entity_type(e.get("type")) or DEFAULT_TYPE for e in listed}
        untyped = [e.get("type") for e in listed if entity_type(e.get("type")) is None]
        if untyped:
            self.untyped += len(untyped)
            _log.warning(
                "warning: %s: %d entit%s of Claude's answer had a type that is none of the declared ones (%s): "
                "taken for %s",
                place,
                len(untyped),
                "y" if len(untyped) == 1 else "ies",
                listing(untyped),
                DEFAULT_TYPE,
            )
        said = [e for e in listed if saying.grounded(e)]
        # every listed name first, so no listed name is taken for a part of another
        self._answer_names = {normalize_name(n): "" for e in said for n in (e["name"], *(e.get("aliases") or ()))}
        for item in said:
            eid = self.entity(item["name"])
            for name in (item["name"], *(item.get("aliases") or ())):
                if name.strip():
                    if not self._answer_names.get(normalize_name(name)):
                        self._answer_names[normalize_name(name)] = eid
                    self._listed.setdefault(normalize_name(name), eid)
            for alias in item.get("aliases") or ():
                if alias.strip():
                    self.registry.add_alias(eid, alias.strip())
        # in turn order, as "later that month" is of the time talked of before
        for index, item in sorted(kept, key=lambda p: p[0]):
            self._event(item, index)

    def _turn(self, turn: Any, group: Sequence[int]) -> int | None:
        """The index of the event of ``group`` an answer's turn id names: as sent (``T3``), or as Claude
        may also give it, a number (``3``, ``"3"``, ``"t 3"``) or the input's own id (``"D1:3"``)."""
        if isinstance(turn, bool):
            return None
        text = str(turn).strip()
        seq = re.fullmatch(r"(?:[Tt]\s*)?(\d+)", text)
        for i in group:
            event = self.events[i]
            if (seq is not None and int(seq.group(1)) == event.seq) or (event.source_id and text == event.source_id):
                return i
        return None

    def _event(self, item: dict[str, Any], index: int) -> None:
        event = self.events[index]
        times = self._times([*(item.get("times") or ()), *_undated(item)], index)
        roles: dict[str, str] = {}

        def mention(eid: str, role: str) -> None:
            if _rank(role) > _rank(roles.get(eid)):
                roles[eid] = role

        for m in item.get("mentions") or ():
            mention(self.entity(m["entity"]), m.get("role") if m.get("role") in ROLES else "mention")
        for f in item.get("facts") or ():
            ends = self._fact(f, event, times)
            if ends is not None:
                mention(ends[0], "subject")
                mention(ends[1], "object")
        for c in item.get("closings") or ():
            self._closing(c, event, times)
        for c in item.get("corrections") or ():
            made = self._correction(c, event, times)
            named = ((made.subject_id, "subject"), (made.value, "object"), (made.object_id, "mention")) if made else ()
            for eid, role in named:
                if eid is not None:
                    mention(eid, role)
        self.mentions.extend(Mention(self.namespace, event.id, eid, role) for eid, role in roles.items())
        if times:
            self.events[index] = replace(event, times=(*event.times, *times))

    def _times(self, items: Sequence[dict[str, Any]], index: int) -> list[TimeRef]:
        """The times of the turn at ``index``, in the order the turn says them, each read with the time the
        session talked of before it ("in May ... later that month"), as the spaCy extractor reads them
        (:mod:`graphmem.extract.antecedents`): from the turns before, in this request, an earlier one or the
        store (the transcript's ``antecedents``), so a file, a file read again and messages added one by
        one date them alike. Within one extraction the antecedent keeps the wall clock of the turn that
        said it exactly; only one from the store is put back on a clock (:func:`~graphmem.extract.
        antecedents.on_clock`)."""
        event, offset = self.events[index], self.plan.offset(index)
        if event.session not in self._told:
            self._told[event.session] = on_clock(self._stored.get(event.session), offset)
        topic = self._told[event.session]
        times = []
        clock = self.plan.clock(index)
        for item in sorted(items, key=lambda t: _place(event.text, t["phrase"])):
            ref = self.read_time(item, self.plan.references[index], clock, topic)
            topic = from_utc(ref, clock) if can_lead(event.text, ref) else topic
            times.append(ref)
        if event.id not in self._forgotten:  # a turn not written dates nothing
            self._told[event.session] = topic
        return times

    def _fact(
        self, f: dict[str, Any], event: Event, times: list[TimeRef], object_id: str | None = None
    ) -> tuple[str, str] | None:
        s_id, o_id = self.entity(f["subject"]), object_id or self.entity(f["object"])
        predicate = normalise_predicate(f["predicate"])
        if s_id == o_id or predicate is None:
            return None
        when = _time_named(times, f.get("time_phrase"))
        until = _time_named(times, f.get("until_phrase"))
        said = event.occurred_at
        # something done once, dated after it is said, is a plan ("a visit next month"), as on the spaCy path
        predicate = done_ahead(predicate, when.start if when else None, said)
        fid = fact_id(event.id, s_id, predicate, o_id)
        # a family role always held ("my sister Clara"): no start unless a phrase dates one, as on the spaCy path
        valid_from = when.start if when else None if _family_role(predicate) else said
        valid_to = until_bound(until, to_its_end=_to_its_end(until.phrase), said_at=said) if until else None
        over = past_state(str(f["predicate"])) is not None and until is None and valid_to is None
        if over:  # "worked_at": the state held before it was said and is over, as on the spaCy path
            valid_from, valid_to = (when.start if when else None), said
        if valid_to is not None and valid_from is not None and valid_to <= valid_from:
            valid_to = None  # an end before the start is a misreading, never a state
        phrase = when.phrase if when else until.phrase if until else OVER_PHRASE if over else None
        if predicate == "plans":  # from its telling until its planned time has passed, as on the spaCy path
            plan = plan_window(when, said, Bounds(valid_from, valid_to, phrase))
            valid_from, valid_to, phrase = plan.valid_from, plan.valid_to, plan.phrase
        self.facts[fid] = Fact(
            namespace=self.namespace,
            id=fid,
            subject_id=s_id,
            predicate=predicate,
            object_id=o_id,
            recorded_at=event.occurred_at or self.now,
            valid_from=valid_from,
            valid_to=valid_to,
            evidence=(event.id,),
            time_phrase=phrase,
        )
        return s_id, o_id

    def _closing(self, c: dict[str, Any], event: Event, times: list[TimeRef]) -> None:
        predicate = canonical(str(c["predicate"]))
        if predicate is None:
            return
        subject = self.entity(c["subject"]) if _named(c.get("subject")) else None
        obj = self.entity(c["object"]) if _named(c.get("object")) else None
        when = _time_named(times, c.get("time_phrase"))
        # "I worked at Acme, but I left at the end of the month": the turn's own fact of the state starts
        # when said, so the ending told as past is not brought down to that time (it would end nothing)
        own = [f for f in self.facts.values() if f.evidence == (event.id,)]
        held_from = own_state_start(own, subject, predicate, obj)
        self.closings.append(
            FactClosing(
                namespace=self.namespace,
                predicate=predicate,
                recorded_at=event.occurred_at or self.now,
                subject_id=subject,
                object_id=obj,
                at=ending_at(
                    when,
                    event.occurred_at,
                    told_as_past=c.get("past") is True,
                    held_from=held_from,
                ),
                evidence=(event.id,),
                phrase=when.phrase if when else None,
            )
        )

    def _correction(self, c: dict[str, Any], event: Event, times: list[TimeRef]) -> FactClosing | None:
        """A correction the turn makes ("Sorry, I meant Globex"), as the spaCy extractor's
        (:mod:`graphmem.extract.corrections`): a closing with ``correction`` set, ``value`` the corrected
        object and ``object_id`` the value it denies (``None``: whichever the subject last said). The turn
        states the corrected fact, so it is added when Claude left it out of the turn's facts; a fact of
        the turn with the value it denies was the slip, said and taken back at once, and is dropped. Only
        a single-valued predicate is corrected; another is dropped, as a closing's unknown predicate is.

        Names are those of the batch: the corrected value is the object of the turn's own fact of that
        subject and predicate, or an entity an answer listed, named in full or by some of its words
        ("Globex" for "Globex Corporation"). The value denied is found by :meth:`_denied`.
        Returns the closing, or ``None`` when nothing was made."""
        predicate = canonical(str(c["predicate"]))
        if predicate is None or not is_single_valued(predicate):
            return None
        subject = self.entity(c["subject"])
        stated = [
            f.object_id
            for f in self.facts.values()
            if f.evidence == (event.id,) and (f.subject_id, f.predicate) == (subject, predicate)
        ]
        value = self._known(c["corrected"], stated) or self.entity(c["corrected"])
        if subject == value:
            return None
        if fact_id(event.id, subject, predicate, value) not in self.facts:
            self._fact({"subject": c["subject"], "predicate": predicate, "object": c["corrected"]}, event, times, value)
        wrong = self._denied(c["wrong"], subject, predicate, value) if _named(c.get("wrong")) else None
        if wrong in (subject, value):
            wrong = None
        if wrong is not None:  # said and taken back in this turn: the turn states the value instead
            self.facts.pop(fact_id(event.id, subject, predicate, wrong), None)
        closing = FactClosing(
            namespace=self.namespace,
            predicate=predicate,
            recorded_at=event.occurred_at or self.now,
            subject_id=subject,
            object_id=wrong,
            evidence=(event.id,),
            correction=True,
            value=value,
        )
        if closing not in self.closings:  # the same correction said twice is one
            self.closings.append(closing)
        return closing

    def _denied(self, name: str, subject: str, predicate: str, value: str) -> str | None:
        """The entity a correction of ``subject``'s ``predicate`` to ``value`` denies, named ``name``.

        The subject's own values are those of the predicate said in this turn or an earlier one the
        extractor has read; another subject's entity is never found by a likeness. In order:

        1. the own value bearing the name (normalised, or an alias);
        2. the own value whose words hold the name's or are held in them (rapidfuzz ``token_set_ratio``
           100: "Acme" for "Acme Analytics", "IBM Research Zurich" for "IBM Research"); of several, the
           one sharing the most words with the name ("IBM Research", not "IBM"); none when two share as
           many ("Acme" of "Acme Analytics" and "Acme Labs" is ambiguous: ``None``, not a new "Acme",
           which resolution would join to one of them by chance);
        3. a participant or a listed entity of exactly that name or alias; but an alias of another
           subject's value the subject never had is not it (Ben's "Acme Labs", listed as "Acme", is not
           Ana's stored "Acme Analytics", and resolution would join a new "Acme" to it): step 4, else
           ``None``;
        4. the own value spelt alike (``token_set_ratio`` at least :data:`WRONG_MATCH`, best by the same
           rule: a slip, "Acme Analytcs"). It comes after step 3 so a name the batch knows exactly wins
           over a one-letter likeness ("Globe" is "Globex" only when nothing is named "Globe");
        5. a name (:func:`_is_name`) is an entity of the corrected value's type (not a ``Thing``), for
           resolution to find among the stored ones by name, alias or short form; a description ("my
           old job") is no entity: ``None``.

        ``None`` makes the correction deny whichever value the subject last stated, as the spaCy
        extractor's correction naming no old value does.
        """
        key = normalize_name(name)
        own = list(
            dict.fromkeys(
                f.object_id
                for f in reversed(self.facts.values())
                if (f.subject_id, f.predicate) == (subject, predicate) and f.object_id != value
            )
        )
        alike: str | None = None
        if own and key:
            names = {e.id: {normalize_name(n) for n in (e.name, *e.aliases)} for e in self.registry.entities()}
            exact = [eid for eid in own if key in names.get(eid, ())]
            if exact:
                return exact[0]
            alike, score = _alike(key, {eid: names.get(eid, set()) for eid in own})
            if score == 100.0:
                return alike  # None: two own values alike, which resolution would pick one of by chance
        found = self.registry.speaker_for(name)
        if found is not None:
            return found
        found = self._listed.get(key)
        if found is not None and self.registry.named(name) != found and self._theirs(found, subject):
            # an alias of another subject's value names nothing of the subject's safely (resolution would
            # take a new entity of that name for it too): the correction denies the current value
            return alike
        if found is not None:
            return found
        if alike is not None:
            return alike
        if not _is_name(name):
            return None
        return self.registry.add(name.strip(), self.registry.type_of(value) or "Thing")

    def _theirs(self, eid: str, subject: str) -> bool:
        """Whether ``eid`` is the value of some other subject's fact in the batch, and of no fact of ``subject``."""
        holders = {f.subject_id for f in self.facts.values() if f.object_id == eid}
        return bool(holders) and subject not in holders

    def _known(self, name: str, stated: Sequence[str]) -> str | None:
        """The id of an entity the batch knows ``name`` for: a participant, an entity listed under that
        name or alias, else the one of ``stated`` (then of the listed entities) whose name's words hold
        the name's words or are held in them, when exactly one does."""
        key = normalize_name(name)
        found = self.registry.speaker_for(name) or self._listed.get(key)
        if found is not None or not key:
            return found
        said = set(key.split())
        for pool in (stated, self._listed.values()):
            hits = {
                eid for eid in pool if (names := set(name_key(eid).split("-"))) and (said <= names or names <= said)
            }
            if len(hits) == 1:
                return hits.pop()
        return None

    def batch(self) -> Batch:
        """The batch of everything added (before temporal maintenance)."""
        for event in self.events:
            speaker_id = self.speaker_ids.get(event.speaker or "")
            if speaker_id is not None:
                self.mentions.append(Mention(self.namespace, event.id, speaker_id, "speaker"))
        # an entity listed but named by no mention, fact or closing is not stored, as on the spaCy path
        used = {m.entity_id for m in self.mentions} | set(self.speaker_ids.values())
        used.update(eid for f in self.facts.values() for eid in (f.subject_id, f.object_id))
        used.update(eid for c in self.closings for eid in (c.subject_id, c.object_id, c.value) if eid is not None)
        return Batch(
            self.namespace,
            sessions=self.plan.sessions,
            events=tuple(self.events),
            entities=tuple(e for e in self.registry.entities() if e.id in used),
            mentions=tuple(self.mentions),
            facts=tuple(self.facts.values()),
            closings=tuple(self.closings),
        )


def _alike(key: str, names: dict[str, set[str]]) -> tuple[str | None, float]:
    """Of ``names`` (entity id -> its normalised names), the entity whose name is most like ``key`` and
    how alike (rapidfuzz ``token_set_ratio``, 0-100): the best score of at least :data:`WRONG_MATCH`, of
    equal scores the one sharing the most words with ``key``; ``(None, 0)`` when none scores enough, and
    ``None`` with the score when two score best alike (a genuine ambiguity is no match)."""
    from rapidfuzz import fuzz

    said = set(key.split())
    scores = {
        eid: max(((fuzz.token_set_ratio(key, n), len(said & set(n.split()))) for n in ns), default=(0.0, 0))
        for eid, ns in names.items()
    }
    best = max(scores.values(), default=(0.0, 0))
    top = [eid for eid, score in scores.items() if score == best]
    if best[0] < WRONG_MATCH:
        return None, 0.0
    return (top[0] if len(top) == 1 else None), best[0]


def _named(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_name(text: str) -> bool:
    """Whether a denied value Claude gave names something ("Initech", "University of Porto", "iPhone")
    rather than describing it ("my old job", "that company", "the old place"): it opens with no
    possessive, demonstrative or indefinite article, and each of its words holds a capital letter or a
    digit, or is a word that links a name's parts ("of", "the", "de" …), with at least one of the first
    kind."""
    found = re.findall(r"[^\s,;:()]+", text)
    if not found or found[0].lower() in _DESCRIPTION_LEADS:
        return False
    marked = [any(ch.isupper() or ch.isdigit() for ch in w) for w in found]
    return any(marked) and all(m or w.lower() in _NAME_LINKS for w, m in zip(found, marked, strict=True))


def _place(text: str, phrase: Any) -> int:
    """Where a time phrase first stands in its turn's text (case aside); past the end when it is not there."""
    at = text.lower().find(str(phrase).lower())
    return at if at >= 0 else len(text)


def _to_its_end(phrase: str) -> bool:
    """Whether an until phrase ends with its period, as :mod:`graphmem.extract.bounds` reads one: "through
    June", "until the end of June" (not "until June")."""
    return re.search(r"\b(?:end|through|thru)\b", phrase.lower()) is not None


def _time_named(times: Sequence[TimeRef], phrase: Any) -> TimeRef | None:
    """The resolved time of ``times`` spelt as ``phrase``, case and spaces aside."""
    if not _named(phrase):
        return None
    return next((t for t in times if _key(t.phrase) == _key(phrase) and t.resolved), None)


def _undated(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The time phrases of an answer's facts and closings that its ``times`` leave out (case and spaces
    aside), each once, as times with no date: they are resolved locally, as Claude's undated times are."""
    listed = {_key(t["phrase"]) for t in item.get("times") or ()}
    phrases = [
        entry.get(field)
        for kind, fields in (("facts", ("time_phrase", "until_phrase")), ("closings", ("time_phrase",)))
        for entry in item.get(kind) or ()
        for field in fields
    ]
    out: list[dict[str, Any]] = []
    for phrase in phrases:
        if _named(phrase) and _key(phrase) not in listed:
            listed.add(_key(phrase))
            out.append({"phrase": phrase.strip()})
    return out
