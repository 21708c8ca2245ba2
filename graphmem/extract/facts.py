"""Stage 3: subject–predicate–object facts in the fact vocabulary, from the dependency parse.

For every verb whose subject and object both resolve to entities of the turn (pronouns included: "I"
is the speaker), the verb is read as a :class:`~graphmem.extract.readings.Clause` (verb lemma with its
particle, the object's preposition, the verbs it complements, negation, "no longer") and mapped onto
the declared vocabulary of :mod:`graphmem.extract.vocabulary` by :func:`graphmem.extract.readings.read`:
"I joined Globex" is ``works_at`` Globex, "I adopted a puppy" ``has_pet`` puppy, "I want to visit
Paris" ``plans`` Paris; a verb the vocabulary does not cover links the two ends with the generic
``said_about`` when both are specific, and is dropped otherwise ("creativity keeps me at peace", "I'm a
mom"). Conjoined subjects and objects each get a fact; a verb without its own subject borrows the
subject of the verb it is conjoined to or complements. :mod:`graphmem.extract.relations` adds role
facts (``sister_of``, "my dog Max" → ``has_pet``), states read off nouns ("an analyst at X",
"got the job at X") and the household's pets ("our dog Max", "we adopted a cat": the speaker's). A verb
that reads ``works_at`` of an organisation reads it of a name NER took for a person that says it is a
workplace ("working for Greenleaf Bakery", :func:`~graphmem.extract.relations.workplace_name`), and the
generic ``said_about`` of a verb is dropped where a fact of the same verb links the same ends.

Ending statements ("I quit my job", "we broke up", "Max passed away", "I don't play guitar anymore")
become :class:`~graphmem.models.FactClosing` records, applied by :mod:`graphmem.extract.temporal`, unless a
later clause of the turn undoes the loss ("Pepper ran away yesterday, we found her this morning",
:mod:`graphmem.extract.recoveries`). A closing is dated by the start of its clause's time phrase, or by its
end when the phrase names the late part of a period: "I left Acme at the end of February" (or "in late
February") ends the job on 1 March, as "until the end of February" does.

A plan holds from when it is told until its planned time has passed (:func:`~graphmem.extract.bounds.plan_bounds`:
"Next month I will visit Rome" said on 14 June holds from then to 1 August, the phrase naming its target), or
until it is carried out (:func:`graphmem.extract.temporal.carried_out_ends`). Other valid-time bounds come
from the time phrases of the fact's own clause (:mod:`graphmem.extract.bounds`:
"since 2020", "until June", "for three years"); a state fact without one takes the start of a dated
clause of the turn that begins it ("I work at Globex. I started there on 1 March.",
:mod:`graphmem.extract.inceptions`); else the event time, except a state told as over ("I worked at
Acme"): no start, ending when said (:meth:`TurnFacts.end_past_states`). A fact stated twice in a turn keeps the
statement that dates it. ``recorded_at`` is the event time: what memory learned, when.

The triples are read by :mod:`graphmem.extract.triples`; whether a verb asserts, tells of the past or of
what is ahead, or of a state as over, by :mod:`graphmem.extract.telling`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphmem.extract import relations
from graphmem.extract.bounds import Bounds, bounds_for, clause_time, done_ahead, plan_bounds
from graphmem.extract.cancellations import cancellations
from graphmem.extract.corrections import corrections
from graphmem.extract.dismissals import dismissals
from graphmem.extract.firms import JOB_NOUNS, office_title
from graphmem.extract.held_jobs import held_jobs
from graphmem.extract.inceptions import inception_start, inceptions, own_clause
from graphmem.extract.moves import RETURNS, known_mover, speaker_movers
from graphmem.extract.names import entity_id, name_key
from graphmem.extract.readings import Reading, intransitive_closings, not_done, read
from graphmem.extract.recoveries import undone_losses
from graphmem.extract.repair import repair
from graphmem.extract.telling import (
    begins_state,
    hypothetical,
    is_question,
    progressive,
    state_over,
    told_ahead,
    told_as_past,
)
from graphmem.extract.triples import Triple, triples, verbs_of
from graphmem.extract.turn_facts import TurnFacts
from graphmem.extract.vocabulary import JOBS, PARTNERS, SPOUSES, by_name, role_predicate
from graphmem.models import Event, Fact, FactClosing, TimeRef

__all__ = ["Extracted", "build_facts", "may_tell_start", "start_times"]

_PRONOUNS = frozenset({"PRON"})
_START_WORDS = re.compile(r"\b(?:start|begin|began|begun)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Extracted:
    """The facts and closings of one turn."""

    facts: list[Fact] = field(default_factory=list)
    closings: list[FactClosing] = field(default_factory=list)
    #: the facts among ``facts`` that tell of coming back to a place ("I'm back in Munich", ``went_to``)
    returns: list[Fact] = field(default_factory=list)


def _name(eid: str) -> str:
    """The words of an entity's name, from its id (``ent:organization:harvard-university``)."""
    return name_key(eid).replace("-", " ")


def build_facts(
    doc: Any,
    event: Event,
    entity_of: dict[int, str],
    times: list[tuple[Any, TimeRef]],
    *,
    recorded_at: datetime,
    type_of: Callable[[str], str | None],
    roles: Sequence[tuple[str, str, str, int]] = (),
    speaker_id: str | None = None,
    is_role: Callable[[str], bool] = lambda eid: False,
    is_pet: Callable[[str], bool] = lambda eid: False,
) -> Extracted:
    """The facts and closings of one parsed turn (stage 3), each with the turn as evidence.

    Args:
        doc: the parsed turn.
        event: its event.
        entity_of: token index → entity id, from stage 2.
        times: the DATE/TIME spans of the turn with their resolved :class:`TimeRef`.
        recorded_at: when memory learned the facts (the event time, or ingestion time without one).
        type_of: entity id → type, for the vocabulary's type constraints.
        roles: ``(named entity, role, whose, token index)`` from stage 2's appositions; each becomes a
            ``<role>_of`` fact ("Clara ``sister_of`` Jon"), or the vocabulary predicate the role noun
            states ("my dog Max": the owner ``has_pet`` Max).
        speaker_id: the speaker's entity ("we broke up" ends the speaker's relationship).
        is_role: whether a topic is a person's role noun ("my sister", "Jon's boss", "Mom"): a person
            named by their relation, who takes the facts a named person takes ("my sister lives in Lisbon").
        is_pet: whether an entity is a named pet ("I adopted Miso" after "a cat named Miso": of an animal).
    """
    repair(doc)  # a no-op on the extractor's docs, repaired before stage 2
    turn = TurnFacts(event, recorded_at)
    verbs = verbs_of(doc)
    movers = speaker_movers(verbs, entity_of, speaker_id)  # "We moved to Munich", "Moved to Munich!"
    keepers = relations.household_keepers(verbs, entity_of, speaker_id)  # "We adopted a kitten"
    entity_of = {**entity_of, **relations.job_holders(verbs, entity_of, speaker_id)}  # "We quit our jobs"
    with_movers = {**entity_of, **keepers, **movers}
    came_back: set[tuple[str, str]] = set()
    for triple in triples(doc, with_movers, verbs, subjectless=[i for i in movers if doc[i].pos_ == "VERB"]):
        household = triple.subject in keepers and triple.subject not in movers
        _add_triple(turn, doc, triple, with_movers, type_of, times, is_role, household, is_pet)
        if triple.clause.inner in RETURNS:
            came_back.add((with_movers[triple.subject], with_movers[triple.object]))
    for subject, predicate, obj, verb in relations.states(doc, entity_of, type_of, verbs, people=is_role):
        if not is_question(verb.sent) and not hypothetical(verb):
            over = state_over(verb)
            bounds = bounds_for(verb, times, event.occurred_at, over=over)
            if predicate == "plans":  # "I'm going camping next month"
                bounds = plan_bounds(verb, times, event.occurred_at, bounds)
            turn.fact(entity_of[subject.i], predicate, obj, bounds, verb.i, over=over)
    _add_held_jobs(turn, doc, entity_of, type_of, times, is_role)  # "I hate my job at Tesco", "my boss at Tesco"
    asserting = [v for v in verbs if not is_question(v.sent) and not hypothetical(v)]
    for who, ended, what, verb in intransitive_closings(asserting, entity_of, speaker_id):
        turn.closing(who, ended, what, clause_time(verb, times), back=told_as_past(verb), position=verb.i)
    for who, ended, what, verb in dismissals(asserting, entity_of, type_of, is_role=is_role):
        turn.closing(who, ended, what, clause_time(verb, times), back=told_as_past(verb), position=verb.i)
    for who, ended, what, verb, dated in cancellations(asserting, entity_of, speaker_id):  # "I cancelled the trip"
        when = clause_time(verb, times) if dated else None  # "not going to Rome in May": May is the trip's
        turn.closing(who, ended, what, when, back=dated and told_as_past(verb), position=verb.i)
    turn.drop_closings_at(undone_losses(verbs, entity_of))  # "Pepper ran away, we found her": nothing ended
    begun = inceptions(asserting, entity_of, times, speaker_id)
    if begun:
        names = {i: e for i, e in entity_of.items() if doc[i].pos_ in ("PROPN", "NOUN")}
        turn.date_states(
            lambda s, p, o, at, others: inception_start(
                s, p, o, begun, at=at, others=others, mentions=names, own=own_clause(doc[at]) if at is not None else ()
            )
        )
    for noun in relations.household_pets(doc, entity_of, type_of):
        if speaker_id is not None and not is_question(noun.sent) and not hypothetical(noun.head):
            turn.fact(speaker_id, "has_pet", entity_of[noun.i], Bounds(event.occurred_at), role=True)  # "Our dog Rex"
    for named, role, owner, index in roles:
        if is_question(doc[index].sent):
            continue
        stated = role_predicate(role)
        if stated is not None:
            turn.fact(owner, stated, named, Bounds(event.occurred_at), role=True)
        else:
            timeless = role in relations.FAMILY_ROLES
            turn.fact(named, f"{role}_of", owner, Bounds(None if timeless else event.occurred_at))
    turn.bind_endings_to_past_states()
    turn.end_past_states()
    turn.end_own_states()
    turn.end_states_ended_before(
        lambda i: int(doc[i].sent.start), _endings_of_another(doc, turn.closing_positions.values())
    )
    said_wrong = corrections(doc, event, entity_of, turn.facts.values(), recorded_at, speaker_id)
    found = list(turn.facts.values())
    # "I landed a job at X": the job its verb states says what the generic link of "land ... at X" would, and more
    at = turn.positions
    linked = {(f.subject_id, f.object_id, at.get(k)) for k, f in turn.facts.items() if f.predicate != "said_about"}
    found = [
        f
        for k, f in turn.facts.items()
        if f.predicate != "said_about" or at.get(k) is None or (f.subject_id, f.object_id, at.get(k)) not in linked
    ]
    returns = [f for f in found if f.predicate == "went_to" and (f.subject_id, f.object_id) in came_back]
    return Extracted(found, [*turn.closings.values(), *said_wrong], returns)


def _add_held_jobs(
    turn: TurnFacts,
    doc: Any,
    entity_of: dict[int, str],
    type_of: Callable[[str], str | None],
    times: list[tuple[Any, TimeRef]],
    is_role: Callable[[str], bool],
) -> None:
    """``works_at`` of each job told by a possessed noun (:func:`~graphmem.extract.held_jobs.held_jobs`), of a
    person at a place of a workplace's type (or a name NER took for a person that is said as one)."""
    works = by_name("works_at")
    for job in held_jobs(doc, entity_of):
        verb = job.verb
        if works is None or is_question(verb.sent) or hypothetical(verb):
            continue
        holder, place = entity_of[job.holder.i], entity_of[job.place.i]
        if type_of(holder) != "Person" and not is_role(holder):
            continue
        kind = type_of(place)
        fits = works.fits(kind, job.place.lemma_.lower(), _name(place))
        if fits or (kind == "Person" and relations.workplace_name(job.place)):
            bounds = bounds_for(verb, times, turn.event.occurred_at, over=job.over)
            turn.fact(holder, "works_at", place, bounds, verb.i, over=job.over)


def _add_triple(
    turn: TurnFacts,
    doc: Any,
    triple: Triple,
    entity_of: dict[int, str],
    type_of: Callable[[str], str | None],
    times: list[tuple[Any, TimeRef]],
    is_role: Callable[[str], bool],
    household: bool = False,
    is_pet: Callable[[str], bool] = lambda eid: False,
) -> None:
    s_tok, o_tok, verb = doc[triple.subject], doc[triple.object], doc[triple.verb]
    s_id, o_id = known_mover(verb, entity_of[triple.subject], type_of), entity_of[triple.object]
    kind = doc[triple.kind] if triple.kind >= 0 else None
    topic = type_of(s_id) == "Topic"
    person = topic and is_role(s_id)  # "my sister lives in Lisbon": whose sister makes her a person
    kin = topic and not person and _kin(s_tok)  # "your brother is married to Lena", whose-ever he is

    def reading_as(object_type: str | None) -> list[Reading]:
        return read(
            triple.clause,
            "Person" if kin or person else type_of(s_id),
            object_type,
            "pet" if kind is None and is_pet(o_id) else (kind if kind is not None else o_tok).lemma_.lower(),
            _name(o_id),
            pronouns=s_tok.pos_ in _PRONOUNS and o_tok.pos_ in _PRONOUNS,
            definite=any(c.dep_ == "det" and c.lower_ == "the" for c in o_tok.children),
        )

    readings = reading_as("Topic" if kind is not None else type_of(o_id))
    if kind is None and type_of(o_id) == "Person" and relations.workplace_name(o_tok):
        # "I'm now working for Greenleaf Bakery", the bakery taken for a person: a job there, if the verb says one
        employed = [r for r in reading_as("Organization") if r.predicate == "works_at"]
        # "I work at Globex Corp. I joined Globex Corp in May": the workplace of that name the turn knows
        known = (entity_id(t, name_key(o_id)) for t in _WORKPLACE_TYPES)
        o_id = next((k for k in known if type_of(k) in _WORKPLACE_TYPES), o_id) if employed else o_id
        readings = employed or readings
    if office_title(o_tok):  # "I work for the Minister of the Interior": a person's office, no workplace
        readings = [r for r in readings if r.predicate not in _WORKPLACE_PREDICATES]
    if household:  # "we adopted a kitten": only the household's pet is the speaker's
        readings = [r for r in readings if r.predicate == "has_pet"]
    said = turn.event.occurred_at
    for reading in readings:
        if kin and reading.predicate not in _KIN_PREDICATES:
            continue
        if reading.predicate in _HELD_STATES and _done_to_another(verb, o_tok):
            continue  # "dad signed me up for a league": I am the member, not dad
        if reading.closing:
            if not not_done(verb) and not _left_somewhere(verb, o_tok):  # "I almost left Acme": nothing ended
                turn.closing(
                    s_id,
                    reading.predicate,
                    None if reading.any_object else o_id,
                    clause_time(verb, times),
                    back=told_as_past(verb),
                    position=verb.i,
                )
            continue
        over = state_over(verb)
        bounds = bounds_for(verb, times, said, over=over)
        # something done once, dated after it is said, is a plan; so is "I'm going to a conference"
        going = reading.predicate == "went_to" and progressive(verb)
        predicate = "plans" if going else done_ahead(reading.predicate, bounds.valid_from, said)
        if bounds.phrase is None and begins_state(verb, predicate) and told_ahead(verb):
            # "I'm moving to Osaka", "I'll join Acme", with no time ahead: a plan, not a state that holds
            plan = by_name("plans")
            if plan is None or not plan.fits(type_of(o_id), o_tok.lemma_.lower(), _name(o_id)):
                continue
            predicate = "plans"
        if predicate == "plans":
            bounds = plan_bounds(verb, times, said, bounds)
        turn.fact(s_id, predicate, o_id, bounds, verb.i, over=over)


def _left_somewhere(verb: Any, obj: Any) -> bool:
    """Whether ``obj`` is only where an ending verb's own object was left: "I left the party at Tesco" leaves
    the party, not a job at Tesco (unlike "I quit my job at Tesco", the parser hanging "at" on the verb)."""
    if obj.dep_ != "pobj" or obj.head.lower_ != "at" or obj.head.head.i != verb.i:
        return False
    return any(c.dep_ == "dobj" and c.lemma_.lower() not in _JOB_OBJECTS for c in verb.children)


#: Objects that are a job: "I quit my job at X" ends the job at X.
_JOB_OBJECTS = JOB_NOUNS | JOBS
#: Predicates whose object is a workplace or a body one belongs to, which no office held by a person is.
_WORKPLACE_PREDICATES = frozenset({"works_at", "member_of", "studies_at"})
#: The types of a named workplace, the one NER most often gets right first.
_WORKPLACE_TYPES = ("Organization", "Place", "Thing")
#: States the subject holds, which a verb acting on another person gives that person ("signed me up for a league",
#: "enrolled her in a school", "moved us to Berlin").
_HELD_STATES = frozenset({"member_of", "studies_at", "works_at", "lives_in"})


def _done_to_another(verb: Any, obj: Any) -> bool:
    """Whether ``obj`` is a preposition's object of a verb that also has a person pronoun as its direct object:
    what the preposition leads to is that person's ("signed me up for a local league")."""
    return obj.dep_ == "pobj" and any(c.dep_ == "dobj" and c.tag_ == "PRP" for c in verb.children)


#: What a family member or partner named by their role and no one's known ("your brother" among several, a plain
#: topic) may be the subject of; one whose they are (:meth:`EntityRegistry.is_role`) takes any predicate.
_KIN_PREDICATES = frozenset({"married_to", "dating"})
_KIN_NOUNS = relations.FAMILY_ROLES | PARTNERS | SPOUSES


def _kin(token: Any) -> bool:
    """ "my brother", "Jon's sister", "Mom" (alone, as a name): a family member or partner named by their role
    and whose they are."""
    return (token.lemma_.lower() in _KIN_NOUNS and any(c.dep_ == "poss" for c in token.children)) or relations.kin_name(
        token
    )


def _endings_of_another(doc: Any, positions: Iterable[int]) -> set[int]:
    """The positions of ending verbs whose object is qualified as another one ("I quit my old job", "I left my
    previous job"): not the state the turn tells as holding."""
    return {
        i
        for i in positions
        if any(
            t.dep_ in ("amod", "det")
            and t.lower_ in _ANOTHER
            and t.head.dep_ in ("dobj", "pobj")
            and t.head.ent_type_ not in ("DATE", "TIME")
            for t in doc[i].subtree
        )
    }


#: Words that make an ended thing another one than the state held now.
_ANOTHER = frozenset({"old", "previous", "former", "last", "first", "other", "another", "earlier", "prior"})


def may_tell_start(text: str) -> bool:
    """Whether a turn's ``text`` may say "I start on 1 April" (:func:`start_times` finds none otherwise)."""
    return _START_WORDS.search(text) is not None


def start_times(doc: Any, entity_of: dict[int, str], times: list[tuple[Any, TimeRef]]) -> list[tuple[str, TimeRef]]:
    """``(subject, time)`` for each dated "I start on 1 April" of the turn (see
    :func:`graphmem.extract.relations.start_times`): the start of the job the subject last talked of."""
    out: list[tuple[str, TimeRef]] = []
    if not times or not may_tell_start(doc.text):
        return out
    for subject, verb in relations.start_times(doc, entity_of):
        when = clause_time(verb, times)
        if when is not None and not is_question(verb.sent):
            out.append((subject, when))
    return out
