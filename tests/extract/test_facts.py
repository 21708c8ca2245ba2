"""Stage 3: subject–verb–object facts with negation, particles, prepositions and times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.extract.facts import build_facts
from graphmem.extract.times import TimeResolver, direction
from graphmem.models import Event

REF = datetime(2023, 5, 8, 13, 56)


def facts_of(
    nlp: Any, text: str, *, full: bool = False, ref: datetime = REF
) -> list[tuple[str, str, str, datetime | None, str | None]]:
    """The facts of one turn by Caroline to Melanie; ``full`` adds state and role facts and resolves
    times in the direction of their verb, as the extractor does."""
    registry = EntityRegistry("t")
    me = registry.add_speaker("Caroline")
    you = registry.add_speaker("Melanie")
    doc = nlp(text)
    ann = annotate(doc, registry, speaker_id=me, addressee_id=you)
    resolver = TimeResolver()
    times = [(span, resolver.resolve(span.text, ref, prefer=direction(span) if full else "past")) for span in ann.times]
    event = Event("t", "ev:s:1", "s", 1, "Caroline", text, occurred_at=ref)
    names = {e.id: e.name for e in registry.entities()}
    extra: dict[str, Any] = {"type_of": registry.type_of, "roles": ann.roles} if full else {}
    facts = build_facts(doc, event, ann.tokens, times, recorded_at=ref, **extra)
    for f in facts:
        assert f.evidence == ("ev:s:1",) and f.recorded_at == ref and f.namespace == "t"
    return [(names[f.subject_id], f.predicate, names[f.object_id], f.valid_from, f.time_phrase) for f in facts]


def triples(nlp: Any, text: str) -> set[tuple[str, str, str]]:
    return {(s, p, o) for s, p, o, _, _ in facts_of(nlp, text)}


def test_subject_verb_object(nlp: Any) -> None:
    assert ("Caroline", "adopt", "dog") in triples(nlp, "I adopted a dog.")


def test_negation_is_kept(nlp: Any) -> None:
    assert ("Caroline", "not_like", "pottery") in triples(nlp, "I don't like pottery.")


def test_particle_is_kept(nlp: Any) -> None:
    assert ("Caroline", "give_up", "painting") in triples(nlp, "I gave up painting.")


def test_prepositional_object(nlp: Any) -> None:
    assert ("Caroline", "go_to", "Paris") in triples(nlp, "I went to Paris.")


def test_open_complement_joins_the_predicate(nlp: Any) -> None:
    assert ("Caroline", "want_to_adopt", "kids") in triples(nlp, "I want to adopt kids.")


def test_conjoined_objects_each_get_a_fact(nlp: Any) -> None:
    found = triples(nlp, "I visited London and Paris.")
    assert {("Caroline", "visit", "London"), ("Caroline", "visit", "Paris")} <= found


def test_second_person_subject_is_the_addressee(nlp: Any) -> None:
    assert ("Melanie", "paint", "sunset") in triples(nlp, "You painted a sunset.")


def test_questions_assert_nothing(nlp: Any) -> None:
    assert triples(nlp, "Did you paint a sunset?") == set()


def test_time_in_the_sentence_sets_valid_from(nlp: Any) -> None:
    (fact,) = [f for f in facts_of(nlp, "I went to a support group yesterday.") if f[1] == "go_to"]
    assert fact[3] == datetime(2023, 5, 7)
    assert fact[4] == "yesterday"


def test_without_a_time_valid_from_is_the_event_time(nlp: Any) -> None:
    (fact,) = facts_of(nlp, "I adopted a dog.")
    assert fact[3] == REF and fact[4] is None


def test_unresolved_time_is_not_used(nlp: Any) -> None:
    (fact,) = [f for f in facts_of(nlp, "I adopted a dog a few days ago.") if f[1] == "adopt"]
    assert fact[3] == REF and fact[4] is None


@pytest.mark.parametrize("text", ["Wow!", "That is so cool.", "It was raining."])
def test_no_entity_pair_no_fact(nlp: Any, text: str) -> None:
    assert facts_of(nlp, text) == []


def test_passive_with_agent_is_turned_around(nlp: Any) -> None:
    assert ("Melanie", "bake", "cake") in triples(nlp, "The cake was baked by Melanie.")
    assert ("painting", "be_sell_to", "gallery") in triples(nlp, "My painting was sold to a gallery.")


def test_time_of_another_clause_is_not_taken(nlp: Any) -> None:
    found = {f[1]: f for f in facts_of(nlp, "I'll bring the basil seedlings my mum gave me last week.", full=True)}
    assert found["bring"][3] == REF and found["bring"][4] is None  # "last week" dates the giving
    assert found["give"][3] == datetime(2023, 5, 1) and found["give"][4] == "last week"


def test_time_of_a_subjectless_participle_belongs_to_its_clause(nlp: Any) -> None:
    text = "I got a job teaching guitar at the Hackney Music School, starting in November."
    found = {(s, p, o): (when, phrase) for s, p, o, when, phrase in facts_of(nlp, text, full=True)}
    assert found[("Caroline", "works_at", "Hackney Music School")] == (datetime(2023, 11, 1), "November")


@pytest.mark.parametrize(
    ("text", "subject", "role", "timeless"),
    [
        ("My sister Clara is driving me to the airport.", "Clara", "sister", True),
        ("My manager, Keiko Tanaka, gave me the routing dashboard.", "Keiko Tanaka", "manager", False),
        ("Keiko Tanaka, my manager, gave me the routing dashboard.", "Keiko Tanaka", "manager", False),
    ],
)
def test_apposition_makes_the_name_the_subject(nlp: Any, text: str, subject: str, role: str, timeless: bool) -> None:
    facts = facts_of(nlp, text, full=True)
    verbs = {(s, p) for s, p, o, _, _ in facts if o == "Caroline" and not p.endswith("_of")}
    assert verbs and all(s == subject for s, _ in verbs)  # not "sister drive Caroline"
    (kin,) = [f for f in facts if f[1] == f"{role}_of"]
    assert kin[0] == subject and kin[2] == "Caroline"
    assert kin[3] is None if timeless else kin[3] == REF  # a sister always was one; a manager from now


def test_a_participant_beside_a_noun_is_addressed_not_described(nlp: Any) -> None:
    facts = facts_of(nlp, "Hey Melanie, my favorite dairy-free treat is this amazing chocolate tart.", full=True)
    assert not any(p.endswith("_of") for _, p, _, _, _ in facts)


def test_a_compound_role_keeps_its_words(nlp: Any) -> None:
    facts = facts_of(nlp, "And yes, my guinea pig Oscar loves carrots.", full=True)
    assert ("Oscar", "guinea_pig_of", "Caroline") in {(s, p, o) for s, p, o, _, _ in facts}


def test_apposition_without_an_owner_gives_no_role(nlp: Any) -> None:
    facts = facts_of(nlp, "Our band, The Paper Lanterns, got asked to open for Juniper Skye.", full=True)
    assert not any(p.endswith("_of") for _, p, _, _, _ in facts)
    assert ("Paper Lanterns", "ask_to_open_for", "Juniper Skye") in {(s, p, o) for s, p, o, _, _ in facts}


@pytest.mark.parametrize(
    ("text", "state", "obj", "start"),
    [
        ("I've been an analyst at Northwind Bank since 2019.", "works_at", "Northwind Bank", "2019-01-01"),
        ("I got the job at Lumen Robotics!", "works_at", "Lumen Robotics", None),
        ("I work for Google.", "works_at", "Google", None),
        ("I was hired by Acme Corp in 2020.", "works_at", "Acme Corp", "2020-01-01"),
        ("I moved into a new apartment in Alfama yesterday.", "lives_in", "Alfama", "2023-05-07"),
        ("My company is moving me to Berlin in June.", "lives_in", "Berlin", "2023-06-01"),
        ("I live in a small flat in Porto.", "lives_in", "Porto", None),
        ("I'm getting married to Rui in June.", "married_to", "Rui", "2023-06-01"),
    ],
)
def test_state_facts(nlp: Any, text: str, state: str, obj: str, start: str | None) -> None:
    found = {(s, p, o): when for s, p, o, when, _ in facts_of(nlp, text, full=True)}
    assert ("Caroline", state, obj) in found, found
    assert found[("Caroline", state, obj)] == (datetime.fromisoformat(start) if start else REF)


@pytest.mark.parametrize(
    "text",
    [
        "I'm a student at Harvard.",  # not a job
        "I didn't get the job at Google.",  # negated
        "Did you get the job at Google?",  # a question
        "I went to Paris in June.",  # a visit is not a home
        "I live in a small flat.",  # a home, but no place named
        "I had an interview for a design internship yesterday!",  # the internship is no workplace
        "I had a career-high in assists last week.",
    ],
)
def test_no_state_fact(nlp: Any, text: str) -> None:
    states = {"works_at", "lives_in", "married_to"}
    assert not [f for f in facts_of(nlp, text, full=True) if f[1] in states]
