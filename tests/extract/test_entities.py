"""Stage 2: NER entities, speakers, pronouns, topics, mention roles."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate, topic_name
from tests.extract.conftest import make_transcript


def run(nlp: Any, text: str, speakers: tuple[str, ...] = ("Caroline", "Melanie")) -> tuple[dict, EntityRegistry]:
    registry = EntityRegistry("t")
    ids = [registry.add_speaker(s) for s in speakers]
    ann = annotate(nlp(text), registry, speaker_id=ids[0], addressee_id=ids[1] if len(ids) > 1 else None)
    names = {e.id: e for e in registry.entities()}
    found = {names[eid].name: (names[eid].type, role) for eid, role in ann.mentions.items()}
    return found, registry


def test_named_entities_get_types(nlp: Any) -> None:
    found, _ = run(nlp, "I flew from London to Paris with Barack Obama and visited Google.")
    assert found["London"][0] == "Place"
    assert found["Paris"][0] == "Place"
    assert found["Barack Obama"][0] == "Person"
    assert found["Google"][0] == "Organization"


def test_pronouns_map_to_speaker_and_addressee(nlp: Any) -> None:
    found, _ = run(nlp, "I told you about my dog.")
    assert found["Caroline"] == ("Person", "subject")  # "I" is the speaker
    assert found["Melanie"][0] == "Person"  # "you" is the addressee
    assert found["Melanie"][1] in ("object", "mention")


def test_no_addressee_means_no_second_person_mention(nlp: Any) -> None:
    found, _ = run(nlp, "Did you see it?", speakers=("Caroline",))
    assert found == {}


def test_speaker_names_resolve_to_the_speaker_entity(nlp: Any) -> None:
    found, registry = run(nlp, "Thanks, Caroline! Melanie loves it.")
    assert set(found) >= {"Caroline", "Melanie"}
    assert len([e for e in registry.entities() if e.type == "Person"]) == 2


def test_first_name_of_a_full_speaker_name_is_the_speaker(nlp: Any) -> None:
    registry = EntityRegistry("t")
    full = registry.add_speaker("Caroline Smith")
    assert registry.speaker_for("Caroline") == full
    other = EntityRegistry("t")
    other.add_speaker("Ann Lee")
    other.add_speaker("Ann Chen")
    assert other.speaker_for("Ann") is None  # ambiguous first name


def test_topics_are_filtered_and_keep_their_words(nlp: Any) -> None:
    found, registry = run(
        nlp, "I took my two kids to the new pottery class and we had a great time with lots of stuff."
    )
    assert found["Caroline's kids"] == ("Topic", "object")  # "my kids": the speaker's
    # the key is the lemma, with whose kids they are
    assert any(e.id == "ent:topic:caroline-kid" and e.name == "Caroline's kids" for e in registry.entities())
    assert "pottery class" in found
    for generic in ("time", "great time", "lot", "lots", "stuff", "we", "it"):
        assert generic not in found


def test_greetings_are_not_names(nlp: Any) -> None:
    found, _ = run(nlp, "Congrats Caroline! Glad you liked it. Bye!")
    assert "Congrats Caroline" not in found and "congrats Caroline" not in found
    assert "Glad" not in found and "Bye" not in found


def test_dates_are_not_entities(nlp: Any) -> None:
    registry = EntityRegistry("t")
    ann = annotate(nlp("I went there last Saturday and in 2022."), registry, speaker_id=None, addressee_id=None)
    assert [span.text for span in ann.times] == ["last Saturday", "2022"]
    assert all("Saturday" not in e.name and "2022" not in e.name for e in registry.entities())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my kids", "kids"),
        ("the basil seedlings", "basil seedlings"),
        ("poor Bolt", "Bolt"),
        ("the poor dog", "dog"),
        ("Inês congratulations", None),
        ("many thanks", None),
        ("the LGBTQ support group", "LGBTQ support group"),
        ("acceptance and love theme", "love theme"),
        ("a great time", None),
        ("my awesome photos", None),
        ("such a helpful group", "helpful group"),
        ("it", None),
    ],
)
def test_topic_name(nlp: Any, text: str, expected: str | None) -> None:
    doc = nlp(f"I like {text}.")
    assert topic_name(list(doc[2:-1])) == expected


def test_registry_is_idempotent_and_keeps_aliases() -> None:
    r = EntityRegistry("t")
    a = r.add("Paris", "Place")
    assert r.add("PARIS", "Place") == a
    assert r.add("Paris", "Person") != a
    r.add_alias(a, "City of Light")
    entity = next(e for e in r.entities() if e.id == a)
    assert entity.name == "Paris" and set(entity.aliases) == {"PARIS", "City of Light"}
    assert len(r) == 2


@pytest.mark.parametrize(
    ("text", "name", "fact"),
    [
        ("My boyfriend Tom is great.", "Tom", ("Caroline", "dating", "Tom")),
        ("My sister Inês lives in Porto.", "Inês", ("Inês", "sister_of", "Caroline")),
        ("My best friend Sarah moved to Lisbon.", "Sarah", ("Sarah", "friend_of", "Caroline")),
    ],
)
def test_a_name_set_beside_a_role_noun_is_one_entity(
    extractor: Any, text: str, name: str, fact: tuple[str, str, str]
) -> None:
    batch = extractor.extract(make_transcript([(None, [("Melanie", "Hi!"), ("Caroline", text)])]))
    names = {e.id: e.name for e in batch.entities}
    assert {e.name for e in batch.entities if e.type != "Place"} == {"Caroline", "Melanie", name}
    assert fact in {(names[f.subject_id], f.predicate, names[f.object_id]) for f in batch.facts}
    assert set(names) >= {m.entity_id for m in batch.mentions}


def test_a_role_noun_said_on_its_own_too_stays_a_topic(extractor: Any) -> None:
    text = "I love my sister. My sister Inês lives in Porto."
    batch = extractor.extract(make_transcript([(None, [("Melanie", "Hi!"), ("Caroline", text)])]))
    assert {"Caroline's sister", "Inês"} <= {e.name for e in batch.entities}


@pytest.mark.parametrize(
    ("text", "pet"),
    [
        ("I have a dog named Pixel.", "Pixel"),
        ("My cat called Luna is sweet.", "Luna"),
        ("I got a kitten called Miso.", "Miso"),
    ],
)
def test_a_pet_given_a_name_is_one_entity_the_speaker_has(extractor: Any, text: str, pet: str) -> None:
    batch = extractor.extract(make_transcript([(None, [("Melanie", "Hi!"), ("Caroline", text)])]))
    names = {e.id: e.name for e in batch.entities}
    assert set(names.values()) == {"Caroline", "Melanie", pet}
    assert {(names[f.subject_id], f.predicate, names[f.object_id]) for f in batch.facts} == {
        ("Caroline", "has_pet", pet)
    }
