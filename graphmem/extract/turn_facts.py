"""The facts and closings of one turn as stage 3 collects them, one per key, and the dating done once the
turn's statements are all in (:class:`TurnFacts`, used by :func:`graphmem.extract.facts.build_facts`).

A fact stated twice in a turn keeps the statement that dates it; a lasting state told in the simple past
("I worked at Acme") has no start and ends when said (:meth:`TurnFacts.end_past_states`); an ending naming no
value binds to the one state the turn tells of (:meth:`TurnFacts.bind_endings_to_past_states`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from graphmem.extract.bounds import Bounds, ending_at, own_state_start
from graphmem.extract.names import fact_id
from graphmem.extract.vocabulary import MUTUAL, is_single_valued
from graphmem.models import OVER_PHRASE, Event, Fact, FactClosing, TimeRef

__all__ = ["TurnFacts"]


class TurnFacts:
    """Collects the facts and closings of one turn, one per key."""

    def __init__(self, event: Event, recorded_at: datetime) -> None:
        self.event = event
        self.recorded_at = recorded_at
        self.facts: dict[tuple[str, str, str], Fact] = {}
        self.positions: dict[tuple[str, str, str], int] = {}  # the token each fact was stated at
        self.closings: dict[tuple[str | None, str, str | None], FactClosing] = {}
        self.told_back: dict[tuple[str | None, str, str | None], TimeRef] = {}  # endings told as past
        self.over: set[tuple[str, str, str]] = set()  # lasting states told in the simple past
        self.closing_positions: dict[tuple[str | None, str, str | None], int] = {}  # the token each ending is at
        self.past_endings: set[tuple[str | None, str, str | None]] = set()  # endings told as past, dated or not
        self.named: set[tuple[str, str, str]] = set()  # facts stated only by a role noun ("my dog Rex")
        self._held: set[tuple[str, str]] | None = None  # _present(), until the next fact

    def fact(
        self,
        subject: str,
        predicate: str,
        obj: str,
        bounds: Bounds,
        at: int | None = None,
        *,
        over: bool = False,
        role: bool = False,
    ) -> None:
        """Record a fact; ``over``: its verb tells of the state as over ("I worked at Acme", see
        :meth:`end_past_states`); ``role``: only a role noun states it ("my dog Rex", see
        :meth:`end_states_ended_before`)."""
        key = (subject, predicate, obj)
        known = self.facts.get(key)
        self._held = None
        if role and known is None:
            self.named.add(key)
        elif not role:
            self.named.discard(key)  # a verb states it too ("I have a dog, my dog Rex")
        if not over:
            self.over.discard(key)  # "I lived in Porto as a kid, and I live in Porto now": it holds
        elif known is None and is_single_valued(predicate):
            self.over.add(key)
        if subject == obj or (known is not None and (known.time_phrase is not None or bounds.phrase is None)):
            return  # the first statement stands, unless only a later one dates it
        if at is not None:
            self.positions[key] = at
        event = self.event
        self.facts[key] = Fact(
            namespace=event.namespace,
            id=fact_id(event.id, subject, predicate, obj),
            subject_id=subject,
            predicate=predicate,
            object_id=obj,
            recorded_at=self.recorded_at,
            valid_from=bounds.valid_from,
            valid_to=bounds.valid_to,
            evidence=(event.id,),
            time_phrase=bounds.phrase,
        )

    def closing(
        self,
        subject: str | None,
        predicate: str,
        obj: str | None,
        when: TimeRef | None,
        *,
        back: bool = False,
        position: int | None = None,
    ) -> None:
        """Record an ending dated by ``when``, said at token ``position``; ``back``: it is told as past, so it ended
        by the time it was said ("I left Acme at the end of February" said on 25 February ended by the 25th). An
        ending of a state of two people ("Tom left me") is recorded both ways round."""
        key = (subject, predicate, obj)
        if key in self.closings or (subject is not None and subject == obj):
            return
        if position is not None:
            self.closing_positions[key] = position
        said = self.event.occurred_at
        at = ending_at(when, said, told_as_past=back)
        if back:
            self.past_endings.add(key)
        if back and when is not None:
            self.told_back[key] = when
        latest = when.end if when is not None else None
        if latest is not None and back and said is not None:
            latest = min(latest, said)
        self.closings[key] = FactClosing(
            namespace=self.event.namespace,
            predicate=predicate,
            recorded_at=self.recorded_at,
            subject_id=subject,
            object_id=obj,
            at=at,
            evidence=(self.event.id,),
            phrase=when.phrase if when is not None else None,
            at_latest=latest if latest is not None and at is not None and latest > at else None,
        )
        if predicate in MUTUAL and subject is not None and obj is not None:  # "Tom left me": my marriage ends too
            self.closing(obj, predicate, subject, when, back=back, position=position)

    def drop_closings_at(self, positions: set[int]) -> None:
        """Drop the endings said at token ``positions``: losses the turn undoes ("Pepper ran away yesterday, we
        found her this morning", :func:`graphmem.extract.recoveries.undone_losses`)."""
        for key, at in list(self.closing_positions.items()):
            if at in positions:
                self.closings.pop(key, None)
                self.told_back.pop(key, None)
                self.past_endings.discard(key)
                del self.closing_positions[key]

    def _present(self) -> set[tuple[str, str]]:
        """(subject, predicate) of the turn's states told as holding (not as over); worked out once, when the
        turn's facts are all recorded (only :meth:`fact` changes them)."""
        if self._held is None:
            self._held = {(s, p) for (s, p, o) in self.facts if (s, p, o) not in self.over}
        return self._held

    def _later(self) -> set[tuple[str | None, str]]:
        """(subject, predicate) of the turn's endings dated after it was said ("I'll quit next month")."""
        said = self.event.occurred_at
        return {
            (c.subject_id, c.predicate)
            for c in self.closings.values()
            if c.at is not None and said is not None and c.at > said and not c.correction
        }

    def _past_states(self) -> list[tuple[str, str, str]]:
        """The keys of the turn's state facts told as over that nothing in the turn dates and that the turn
        does not tell to end later ("I worked at Acme for years and I'll quit next month": it still holds;
        unless the turn tells a state of the kind that holds now, which the ending is of)."""
        said = self.event.occurred_at
        present, later = self._present(), self._later()
        return [
            key
            for key in self.over
            if key in self.facts
            and self.facts[key].time_phrase is None
            and self.facts[key].valid_from == said
            and (key[:2] in present or key[:2] not in later)
        ]

    def bind_endings_to_past_states(self) -> None:
        """An ending naming no value ("I quit my job") beside the one state of its predicate the turn tells as
        over ("I worked at Acme, but I quit my job at the end of February") ends that state, not another."""
        told: dict[tuple[str, str], set[str]] = {}
        for subject, predicate, obj in self._past_states():
            told.setdefault((subject, predicate), set()).add(obj)
        present, said = self._present(), self.event.occurred_at
        for key, closing in list(self.closings.items()):
            who, predicate, named = key
            values = told.get((who, predicate), set()) if who is not None and named is None else set()
            if len(values) != 1 or closing.correction or (who, predicate) in present:
                continue  # "I lived in Lisbon before. I live in Porto, but I'm moving out.": Porto's ending
            if closing.at is not None and said is not None and closing.at > said:
                continue
            stated = self.positions.get((who, predicate, next(iter(values)))) if who is not None else None
            ended = self.closing_positions.get(key)
            if stated is None or ended is None or ended < stated:
                continue  # "I quit my job yesterday! I worked at Acme before.": the job held before Acme
            (value,) = values
            bound = (who, predicate, value)
            if bound in self.closings:
                continue
            del self.closings[key]
            self.closings[bound] = replace(closing, object_id=value)
            if key in self.told_back:
                self.told_back[bound] = self.told_back.pop(key)

    def end_past_states(self) -> None:
        """A lasting state told in the simple past with no date of its own ("I worked at Acme", "we lived in
        Porto") held before it was said and is over: no start, and an end when said, or when the turn's
        ending of it dates it earlier ("…, but I quit my job last week": that week's start)."""
        said = self.event.occurred_at
        for key in self._past_states():
            subject, predicate, obj = key
            ending = self.closings.get((subject, predicate, obj))
            dated = ending is not None and ending.at is not None and (said is None or ending.at < said)
            end = ending.at if dated and ending is not None else said  # told as over: ended by then
            self.facts[key] = replace(self.facts[key], valid_from=None, valid_to=end, time_phrase=OVER_PHRASE)
            if ending is not None and not dated and said is not None:
                self.closings[key] = replace(ending, at=said)  # the ending of a state told as over, too

    def end_own_states(self) -> None:
        """Date again each ending told as past that its turn's own present fact of the state makes start no
        earlier than the turn (the fact starts when said; a state told as over has no start and is dated
        by :meth:`end_past_states`), so the ending keeps its phrase's date and still ends it
        (:func:`graphmem.extract.bounds.ending_at`)."""
        for key, when in self.told_back.items():
            start = own_state_start(self.facts.values(), *key)
            if start is not None:
                at = ending_at(when, self.event.occurred_at, told_as_past=True, held_from=start)
                if at != self.closings[key].at:
                    self.closings[key] = replace(self.closings[key], at=at)

    def end_states_ended_before(self, sentence_of: Callable[[int], int], of_another: set[int]) -> None:
        """A state the turn tells of as holding and, after it in the same sentence, as ended before it was said
        ("My girlfriend Sara and I broke up yesterday", "I work at Acme, but I quit yesterday") held before it
        was said and ended then. An ending naming no value that is told before the state ("I left my job last
        year, now I work at Acme"), in another sentence, or of another one (``of_another``, the positions of
        endings of "my old job", "my previous job") is of another.

        A state only a role noun states ("my dog Rex", "my wife Mia") names what ended: "My dog Rex died last
        Saturday" ends whoever's pet Rex is (an ending of the pet names no owner), "My wife Mia left me" the
        marriage either way round, and told as past with no date ("My dog Rex died.") it held until it was
        said, as a state told as over does.

        Args:
            sentence_of: a token position → the start of its sentence.
            of_another: positions of endings whose object is qualified as another one.
        """
        said = self.event.occurred_at
        if said is None:
            return
        for (who, predicate, named), closing in self.closings.items():
            if closing.correction or closing.at is None or closing.at > said:
                continue
            ending = (who, predicate, named)
            now = closing.at == said  # told as past with no date: only what a role noun named ends then
            if now and ending not in self.past_endings:
                continue
            ended = self.closing_positions.get(ending)
            keys = [
                key
                for key, f in self.facts.items()
                if _ends(ending, key)
                and f.valid_from == said
                and f.time_phrase is None
                and (key in self.named or (not now and who is not None))
                and (named is not None or self._before_in_sentence(key, ended, sentence_of, of_another))
            ]
            if len(keys) == 1:
                (key,) = keys
                phrase = closing.phrase if closing.phrase is not None else OVER_PHRASE
                self.facts[key] = replace(self.facts[key], valid_from=None, valid_to=closing.at, time_phrase=phrase)

    def _before_in_sentence(
        self, key: tuple[str, str, str], ended: int | None, sentence_of: Callable[[int], int], of_another: set[int]
    ) -> bool:
        stated = self.positions.get(key)
        if ended is None or ended in of_another:
            return False
        return stated is None or (stated < ended and sentence_of(stated) == sentence_of(ended))

    def date_states(self, started: Callable[[str, str, str, int | None, list[str]], TimeRef | None]) -> None:
        """Give each state fact without a time phrase of its own the start ``started`` finds for it, from
        its subject, predicate, object, position and the subject's other predicates stated in the turn."""
        for key, f in self.facts.items():
            if f.time_phrase is not None or f.valid_from != self.event.occurred_at:
                continue
            others = [p for (s, p, o) in self.facts if s == f.subject_id and (p, o) != key[1:]]
            when = started(f.subject_id, f.predicate, f.object_id, self.positions.get(key), others)
            if when is not None and when.start is not None:
                self.facts[key] = replace(f, valid_from=when.start, time_phrase=when.phrase)


def _ends(ending: tuple[str | None, str, str | None], key: tuple[str, str, str]) -> bool:
    """Whether the ending ``(subject, predicate, object)`` (``None``: any) is of the fact ``key``."""
    who, predicate, named = ending
    subject, stated, obj = key
    if stated != predicate:
        return False
    if who is None:
        return named is not None and obj == named  # "Rex died": whoever's pet Rex is
    return (subject == who and named in (None, obj)) or (predicate in MUTUAL and (obj, subject) == (who, named))
