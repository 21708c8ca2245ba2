"""Stage 3: subject–verb–object facts with negation, particles, prepositions and times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.extract.facts import build_facts
from graphmem.extract.times import TimeResolver
from graphmem.models import Event

REF = datetime(2023, 5, 8, 13, 56)


def facts_of(nlp: Any, text: str) -> list[tuple[str, str, str, datetime | None, str | None]]:
    registry = EntityRegistry("t")
    me = registry.add_speaker("Caroline")
    you = registry.add_speaker("Melanie")
    doc = nlp(text)
    ann = annotate(doc, registry, speaker_id=me, addressee_id=you)
    resolver = TimeResolver()
    times = [(span, resolver.resolve(span.text, REF)) for span in ann.times]
    event = Event("t", "ev:s:1", "s", 1, "Caroline", text, occurred_at=REF)
    names = {e.id: e.name for e in registry.entities()}
    facts = build_facts(doc, event, ann.tokens, times, recorded_at=REF)
    for f in facts:
        assert f.evidence == ("ev:s:1",) and f.recorded_at == REF and f.namespace == "t"
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
    assert ("Caroline", "want_to_adopt", "kid") in triples(nlp, "I want to adopt kids.")


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
