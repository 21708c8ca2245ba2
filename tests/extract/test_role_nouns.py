"""Role nouns ("my brother", "your boss") belong to the person whose relation they name."""

from __future__ import annotations

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.models import Batch

from .conftest import one_session_batch


def _named(batch: Batch, name: str) -> list[str]:
    return [e.id for e in batch.entities if e.name == name]


def test_two_speakers_brothers_are_two_entities(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [
            ("Ana", "My brother is married to Lena."),
            ("Ben", "My brother lives in Porto."),
            ("Ana", "My brother loves hiking."),
        ],
    )
    anas, bens = _named(batch, "Ana's brother"), _named(batch, "Ben's brother")
    assert len(anas) == 1 and len(bens) == 1 and anas != bens
    assert not _named(batch, "brother")  # no brother shared by everyone
    # Ana's second "my brother" is the same entity as her first
    said = {m.event_id for m in batch.mentions if m.entity_id == anas[0]}
    assert len(said) == 2


def test_a_divorce_ends_only_the_speakers_brothers_marriage(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "My brother is married to Lena."), ("Ben", "My brother got divorced.")]
    )
    (marriage,) = [f for f in batch.facts if f.predicate == "married_to"]
    assert marriage.subject_id == _named(batch, "Ana's brother")[0]
    assert marriage.valid_to is None  # Ben's brother's divorce is not Ana's brother's
    (ending,) = [c for c in batch.closings if c.predicate == "married_to"]
    assert ending.subject_id != marriage.subject_id


def test_the_speakers_own_later_divorce_still_ends_it(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "My brother is married to Lena."), ("Ben", "Nice!"), ("Ana", "My brother got divorced.")]
    )
    (marriage,) = [f for f in batch.facts if f.predicate == "married_to"]
    assert marriage.valid_to is not None


def test_your_brother_is_the_other_speakers_in_a_dialogue(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ben", "How is your brother?"), ("Ana", "My brother is great.")])
    assert len(_named(batch, "Ana's brother")) == 1
    assert not _named(batch, "Ben's brother")


def test_your_brother_stays_a_topic_when_the_addressee_is_a_guess(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [("Ana", "Hi all."), ("Cleo", "Hello!"), ("Ben", "How is your brother?")],
    )
    assert _named(batch, "brother")
    assert not [e for e in batch.entities if e.name.endswith("'s brother")]


def test_a_named_brother_is_the_entity_and_the_speakers_brother(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "My brother Tom is married to Lena."), ("Ben", "Cool.")])
    assert not [e for e in batch.entities if "brother" in e.name]
    facts = {(f.subject_id, f.predicate, f.object_id) for f in batch.facts}
    assert ("ent:person:tom", "brother_of", "ent:person:ana") in facts
    assert ("ent:person:tom", "married_to", "ent:person:lena") in facts


def test_my_best_friend_and_my_boss_are_the_speakers(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [("Ana", "My best friend and my boss are coming."), ("Ben", "My boss is away."), ("Ana", "My boss is kind.")],
    )
    assert len(_named(batch, "Ana's best friend")) == 1
    assert len(_named(batch, "Ana's boss")) == 1 and len(_named(batch, "Ben's boss")) == 1


def test_mom_said_alone_is_the_speakers_mom(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [("Ana", "My mom works at Google."), ("Ben", "Cool."), ("Ana", "Mom said she will retire next year.")],
    )
    (moms,) = [e.id for e in batch.entities if e.name.lower() == "ana's mom"]
    assert {m.event_id for m in batch.mentions if m.entity_id == moms} == {"ev:session_1:1", "ev:session_1:3"}
    assert not [e for e in batch.entities if e.name.lower() == "mom"]


def test_a_kin_word_used_as_a_name_is_each_speakers_own(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [("Ana", "Dad is married to Lena."), ("Ben", "I visited Grandma in Porto."), ("Ana", "I called dad.")],
    )
    (marriage,) = [f for f in batch.facts if f.predicate == "married_to"]
    names = {e.id: e.name.lower() for e in batch.entities}
    assert names[marriage.subject_id] == "ana's dad"
    assert "ben's grandma" in names.values()
    assert not {"dad", "grandma"} & set(names.values())
    dads = {m.event_id for m in batch.mentions if m.entity_id == marriage.subject_id}
    assert dads == {"ev:session_1:1", "ev:session_1:3"}


@pytest.mark.parametrize("text", ["Brother, that is wild.", "Being a mom is hard.", "I want to be a dad someday."])
def test_a_kin_word_not_used_as_a_name_is_no_ones_relative(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Sure.")])
    assert not [e for e in batch.entities if e.name.startswith("Ana's")]


def test_a_name_owning_a_role_is_a_person_even_where_ner_missed_it(extractor: SpacyExtractor) -> None:
    owner = "Ana"  # not a participant, and NER sees no name in "Ana's brother Tom lives in Porto."
    batch = one_session_batch(
        extractor,
        [
            ("Ben", f"{owner}'s brother Tom lives in Porto."),
            ("Cleo", "Oh nice."),
            ("Ben", f"{owner}'s sister is married to Rui."),
        ],
    )
    names = {e.id: e.name for e in batch.entities}
    facts = {(names[f.subject_id], f.predicate, names[f.object_id]) for f in batch.facts}
    assert ("Tom", "brother_of", owner) in facts
    assert (f"{owner}'s sister", "married_to", "Rui") in facts
    assert [e.type for e in batch.entities if e.name == owner] == ["Person"]
