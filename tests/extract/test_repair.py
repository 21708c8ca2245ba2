"""Tagger repairs: the small model's slips ("married" as an adjective, "work" as a noun) put right."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.repair import repair
from graphmem.models import Batch

from .conftest import make_transcript

SAID = datetime(2023, 5, 8, 13, 56)


def facts_of(extractor: SpacyExtractor, *texts: str) -> dict[tuple[str, str, str], Any]:
    """The facts of Caroline's turns (Melanie speaks first, so "you" is Melanie)."""
    turns = [("Melanie", "Hi!"), *(("Caroline", t) for t in texts)]
    batch = extractor.extract(make_transcript([(SAID, turns)]))
    return _named(batch)


def _named(batch: Batch) -> dict[tuple[str, str, str], Any]:
    n = {e.id: e.name for e in batch.entities}
    return {(n[f.subject_id], f.predicate, n[f.object_id]): f for f in batch.facts}


def test_married_to_as_an_adjective_becomes_the_passive_the_parser_gives_otherwise(nlp: Any) -> None:
    doc = nlp("I'm married to Omar. We met in Lisbon.")
    assert doc[2].pos_ == "ADJ" and doc[2].dep_ == "acomp"  # the slip this repairs
    sentences = [s.text for s in doc.sents]
    repair(doc)
    married, be, me = doc[2], doc[1], doc[0]
    assert (married.pos_, married.tag_, married.lemma_, married.dep_) == ("VERB", "VBN", "marry", "ROOT")
    assert (be.dep_, be.head.i) == ("auxpass", married.i)
    assert (me.dep_, me.head.i) == ("nsubjpass", married.i)
    assert [s.text for s in doc.sents] == sentences
    assert repair(doc) is doc and doc[2].dep_ == "ROOT"  # once only


@pytest.mark.parametrize("text", ["I'm married.", "She is a married woman.", "The work is hard.", "I love my work."])
def test_other_uses_are_left_alone(nlp: Any, text: str) -> None:
    doc = nlp(text)
    before = [(t.pos_, t.tag_, t.lemma_, t.dep_, t.head.i) for t in doc]
    repair(doc)
    assert [(t.pos_, t.tag_, t.lemma_, t.dep_, t.head.i) for t in doc] == before


@pytest.mark.parametrize(
    ("text", "valid_from"),
    [
        ("I'm married to Omar.", SAID),
        ("I'm happily married to Omar.", SAID),
        ("I got married to Omar in 2019.", datetime(2019, 1, 1)),
    ],
)
def test_married_to_a_person_is_a_married_to_fact(extractor: SpacyExtractor, text: str, valid_from: datetime) -> None:
    fact = facts_of(extractor, text)[("Caroline", "married_to", "Omar")]
    assert fact.valid_from.replace(second=0) == valid_from and fact.valid_to is None


def test_work_tagged_a_noun_after_its_subject_is_a_job(extractor: SpacyExtractor, nlp: Any) -> None:
    assert nlp("lol u work at Starbucks")[2].pos_ == "NOUN"  # the slip this repairs
    assert ("Melanie", "works_at", "Starbucks") in facts_of(extractor, "lol u work at Starbucks")


def test_work_tagged_a_noun_as_the_second_verb_of_a_coordination_is_a_job(extractor: SpacyExtractor, nlp: Any) -> None:
    text = "I live in Lisbon and work at Acme."
    assert nlp(text)[5].pos_ == "NOUN"  # the slip this repairs ("I work at Acme and live in Lisbon" is right)
    facts = facts_of(extractor, text)
    assert ("Caroline", "works_at", "Acme") in facts and ("Caroline", "lives_in", "Lisbon") in facts
    # a noun "work" joined to a noun stays a noun
    assert not any(p == "works_at" for _s, p, _o in facts_of(extractor, "I love my family and my work at Acme."))


def _ended(extractor: SpacyExtractor, *texts: str) -> Any:
    """Caroline's married_to Omar fact after her turns (each a second after the one before)."""
    return facts_of(extractor, *texts)[("Caroline", "married_to", "Omar")]


def test_was_married_to_is_a_marriage_told_as_over(extractor: SpacyExtractor) -> None:
    fact = _ended(extractor, "I was married to Omar.")
    assert fact.valid_from is None and fact.valid_to is not None


@pytest.mark.parametrize("ending", ["I got divorced.", "We're divorced now.", "I'm divorced.", "We're separated."])
def test_a_passive_divorce_ends_the_marriage(extractor: SpacyExtractor, ending: str) -> None:
    fact = _ended(extractor, "I'm married to Omar.", ending)
    assert fact.valid_to is not None and fact.valid_to > fact.valid_from


def test_separated_from_a_spouse_ends_that_marriage(extractor: SpacyExtractor) -> None:
    facts = facts_of(extractor, "I'm married to Omar.", "I'm separated from Omar.")
    assert facts[("Caroline", "married_to", "Omar")].valid_to is not None
    assert ("Caroline", "said_about", "Omar") not in facts


def test_a_relative_named_by_their_role_is_married_to_someone(extractor: SpacyExtractor) -> None:
    facts = facts_of(extractor, "My brother is married to Lena.", "My sister works at Acme.")
    assert ("Caroline's brother", "married_to", "Lena") in facts
    assert ("Tom", "married_to", "Lena") in facts_of(extractor, "My brother Tom is married to Lena.")
    # whose sister she is makes her a person, who takes the whole vocabulary (tests/extract/test_role_facts.py)
    assert ("Caroline's sister", "works_at", "Acme") in facts


def test_a_name_parsed_as_a_second_subject_is_the_role_nouns_apposition(extractor: SpacyExtractor, nlp: Any) -> None:
    doc = nlp("My boyfriend Tom lives in Porto.")
    assert [t.dep_ for t in doc[1:3]] == ["nsubj", "nsubj"]  # the slip this repairs
    repair(doc)
    assert (doc[2].dep_, doc[2].head.text) == ("appos", "boyfriend")
    facts = facts_of(extractor, "My boyfriend Tom lives in Porto.")
    assert {("Caroline", "dating", "Tom"), ("Tom", "lives_in", "Porto")} <= set(facts)
    # a name that is a subject of its own is left alone
    assert [t.dep_ for t in repair(nlp("My boyfriend and Tom live in Porto."))][:5] == [
        t.dep_ for t in nlp("My boyfriend and Tom live in Porto.")
    ][:5]


def test_a_capitalised_verb_set_against_a_name_by_not_is_a_name(nlp: Any) -> None:
    doc = nlp("Sorry, Leeds not Bristol.")
    assert doc[2].pos_ == "VERB"  # the slip this repairs: "Leeds" read as "leads"
    repair(doc)
    assert (doc[2].pos_, doc[2].tag_, doc[2].lemma_) == ("PROPN", "NNP", "Leeds")


@pytest.mark.parametrize(
    ("text", "word", "other"),
    [
        ("Sorry, Leeds not Bristol.", "Leeds", "Bristol"),  # NER: Leeds a product
        ("Sorry, Reading not London.", "Reading", "London"),  # NER: no type; "London" the verb's object
        ("I moved to Reading not London.", "Reading", "London"),
    ],
)
def test_a_name_taken_for_a_verb_is_of_the_kind_it_is_set_against(nlp: Any, text: str, word: str, other: str) -> None:
    """Before, the word kept NER's type (a product, or none: read by later rules as a person), or, with the
    name set against it parsed as its object, stayed a verb."""
    doc = repair(nlp(text))
    (tok,) = [t for t in doc if t.text == word]
    (against,) = [t for t in doc if t.text == other]
    assert (tok.pos_, tok.tag_) == ("PROPN", "NNP")
    assert against.ent_type_ and tok.ent_type_ == against.ent_type_
    assert [e.text for e in doc.ents if e.start <= tok.i < e.end] == [word]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Leeds not Bristol is the answer.", "Leeds"),  # a sentence's first word: its capital says nothing
        ("Sorry, leads not Bristol.", "leads"),  # no capital
        ("Sorry, I Need not Bristol.", "Need"),  # a verb of its own clause (its subject)
    ],
)
def test_a_verb_not_set_against_a_name_or_with_a_clause_of_its_own_stays(nlp: Any, text: str, word: str) -> None:
    doc = nlp(text)
    (tok,) = [t for t in doc if t.text == word]
    before = (tok.pos_, tok.tag_, tok.lemma_)
    repair(doc)
    assert (tok.pos_, tok.tag_, tok.lemma_) == before


def test_a_not_before_a_time_denies_the_time_not_the_verb(nlp: Any) -> None:
    doc = nlp("Sorry, I meant I'm moving to Lisbon in February, not January.")
    negation, moving, january = doc[12], doc[6], doc[13]
    assert (negation.dep_, negation.head.i) == ("neg", moving.i)  # the slip this repairs: "not moving"
    repair(doc)
    assert (negation.dep_, negation.head.i) == ("neg", january.i)
    assert not any(c.dep_ == "neg" for c in moving.children)


def test_a_not_of_the_verb_stays_the_verbs(nlp: Any) -> None:
    doc = nlp("I'm not moving in January.")
    before = [(t.dep_, t.head.i) for t in doc]
    repair(doc)
    assert [(t.dep_, t.head.i) for t in doc] == before


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("Sorry, I meant I'm starting at Globex on 4 March, not 1 March.", "1 March"),
        ("In June, not a week after the move, I started at Globex.", "a week"),
    ],
)
def test_a_not_before_a_time_of_several_words_hangs_from_its_head(nlp: Any, text: str, time: str) -> None:
    """Comma, "not", a time of several words: the parser hung "not" from the time's head word, and the
    repair keeps it there (not from the time's first word, not from the verb)."""
    doc = nlp(text)
    span = next(e for e in doc.ents if e.text == time)
    negation = doc[span.start - 1]
    repair(doc)
    assert (negation.lower_, negation.dep_, negation.head.i) == ("not", "neg", span.root.i)
    assert span.root.i != span.start
