"""A firm needs evidence of being one: a title quit is no firm ("I quit the Hunger Games"), a name ending in a
firm's word quit alone is a job ended ("I quit Fernwood Labs"), and a possessed job or workmate noun "at X"
says a job at X whatever the verb ("I hate my job at Tesco", "my boss at Tesco"), a third person's as well
("Maria hates her job at Tesco"), negated or not ("I don't like my job at Tesco"), and over when it is
missed ("I miss my job at Tesco")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

from .conftest import make_transcript, named_facts, one_session_batch

JAN = datetime(2025, 1, 5, 10, 0)
APRIL = datetime(2025, 4, 15, 9, 35)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _jobs(memory: Memory, text: str) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Every ``works_at`` of Kofi's, of any time, after Kofi says ``text`` on :data:`APRIL`."""
    memory.add({"speaker": "Kofi", "text": text, "time": APRIL, "session": "s"}, namespace="j")
    return {
        f.object: (f.fact.valid_from, f.fact.valid_to)
        for f in memory.facts(namespace="j", all_time=True)
        if f.fact.predicate == "works_at" and f.subject == "Kofi"
    }


@pytest.mark.parametrize("text", ["I quit the Hunger Games.", "I quit the Hunger Games last year."])
def test_a_title_quit_is_no_firm(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Lena", text)])
    assert [e.type for e in batch.entities if e.name == "Hunger Games"] not in ([], ["Organization"])
    assert not {f for f in named_facts(batch) if f[1] == "works_at"}


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("I joined Northwind Games.", "Northwind Games"),  # joining a trade's name is a job there
        ("I joined Harper Press as an editor.", "Harper Press"),
    ],
)
def test_a_firm_joined_is_still_a_firm(extractor: SpacyExtractor, text: str, firm: str) -> None:
    batch = one_session_batch(extractor, [("Lena", text)])
    assert [e.type for e in batch.entities if e.name == firm] == ["Organization"]
    assert ("Lena", "works_at", firm) in named_facts(batch)


@pytest.mark.parametrize("text", ["I quit Fernwood Labs.", "I left Fernwood Labs.", "I quit my job at Fernwood Labs."])
def test_a_firm_quit_alone_is_a_job_ended_when_said(memory: Memory, text: str) -> None:
    assert _jobs(memory, text) == {"Fernwood Labs": (None, APRIL)}


@pytest.mark.parametrize(
    "text",
    [
        "I quit smoking.",
        "I quit the Hunger Games.",
        "I left the party at Tesco.",  # the party is left, not a job at Tesco
        "I left the party at Fernwood Labs.",
        "I hate my job.",
        "I quit Acme.",  # no firm's word: a job, or a game?
    ],
)
def test_near_misses_give_no_job(memory: Memory, text: str) -> None:
    assert _jobs(memory, text) == {}


@pytest.mark.parametrize(
    ("text", "holder"),
    [
        ("I hate my job at Tesco.", "Lena"),
        ("I love my job at Tesco.", "Lena"),  # the parser hangs "at Tesco" on the verb
        ("My boss at Tesco is mean.", "Lena"),
        ("My coworkers at Tesco are great.", "Lena"),
        ("My colleagues at Tesco threw me a party.", "Lena"),
    ],
)
def test_ones_job_or_workmates_at_a_firm_say_a_job_there(extractor: SpacyExtractor, text: str, holder: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Lena", text)]))
    assert (holder, "works_at", "Tesco") in facts
    assert (holder, "said_about", "Tesco") not in facts  # the job says what the generic link would


@pytest.mark.parametrize(
    "text",
    [
        "I miss my old job at Tesco.",  # another job than the one held
        "Do you like your job at Tesco?",
        "I would love a job at Tesco.",
        "My friend at Tesco is mean.",  # no workmate
    ],
)
def test_no_job_held_is_read_off_other_nouns(extractor: SpacyExtractor, text: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Lena", text)]))
    assert not {f for f in facts if f[1] == "works_at"}


def test_a_job_loved_in_the_past_is_over_when_said(memory: Memory) -> None:
    assert _jobs(memory, "I loved my job at Tesco.") == {"Tesco": (None, APRIL)}


def test_a_job_hated_now_holds_from_when_said(memory: Memory) -> None:
    assert _jobs(memory, "I hate my job at Tesco.") == {"Tesco": (APRIL, None)}


@pytest.mark.parametrize(
    ("text", "holders"),
    [
        # before, "her" named no one: the subject a person by NER
        ("Tom hates his job at Tesco.", {"Tom"}),
        ("Tom doesn't like his job at Tesco.", {"Tom"}),
        ("Tom and Maria hate their jobs at Tesco.", {"Tom", "Maria"}),
        ("My sister hates her job at Tesco.", {"Lena's sister"}),
        ("My dad loves his boss at Tesco.", {"Lena's dad"}),  # "his boss": the topic's word, not the owner
        ("Maria's job at Tesco is boring.", {"Maria"}),
        ("I hate Maria's job at Tesco.", {"Maria"}),
    ],
)
def test_a_third_persons_job_at_a_firm_is_theirs(extractor: SpacyExtractor, text: str, holders: set[str]) -> None:
    facts = named_facts(one_session_batch(extractor, [("Lena", text)]))
    assert {f[0] for f in facts if f[1:] == ("works_at", "Tesco")} == holders


@pytest.mark.parametrize(
    "text",
    [
        "I hate her job at Tesco.",  # not the speaker's, and whose is not said
        "My brother hates her job at Tesco.",  # not his
        "Maria hates their jobs at Tesco.",  # theirs: others'
        "Her job at Tesco is boring.",  # no one in view
        # another referent in the clause: "his" may be his (review of the possessive rule)
        "Lidl offered him his job at Tesco back.",  # NER: Lidl a person
        "Anna kept his job at Tesco for him.",
        "Tom gave Maria her job at Tesco.",
        # a subject not a person by NER nor known as one: a name says no gender, so "his" may be another's
        "Maria hates his job at Tesco.",  # NER: a nationality
        "Maria hates her job at Tesco.",
        "Emma loves her job at Tesco.",  # NER: no type
        "Maria doesn't like her job at Tesco.",  # NER: a firm
        "Nike hates his job at Tesco.",  # NER: firms
        "Amazon loves her job at Tesco.",
    ],
)
def test_a_possessive_that_cannot_stand_for_the_subject_gives_no_job(extractor: SpacyExtractor, text: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Lena", text)]))
    assert not {f for f in facts if f[1] == "works_at"}


@pytest.mark.parametrize(
    "text",
    ["I don't like my job at Tesco.", "I do not like my job at Tesco.", "My job at Tesco isn't great."],
)
def test_a_job_not_liked_is_still_held(memory: Memory, text: str) -> None:
    """Before, any negated verb dropped the job: negating the liking does not negate the job."""
    assert _jobs(memory, text) == {"Tesco": (APRIL, None)}


@pytest.mark.parametrize(
    "text",
    ["I don't have a job at Tesco.", "I never had a job at Tesco.", "I didn't keep my job at Tesco."],
)
def test_a_job_not_had_gives_no_job(memory: Memory, text: str) -> None:
    assert _jobs(memory, text) == {}


@pytest.mark.parametrize(
    "text", ["I miss my job at Tesco.", "I really missed my job at Tesco.", "I don't miss my job at Tesco."]
)
def test_a_job_missed_is_over_when_said(memory: Memory, text: str) -> None:
    """Before, "I miss my job at Tesco" read as the job held from then on."""
    assert _jobs(memory, text) == {"Tesco": (None, APRIL)}


def test_a_job_missed_ends_the_job_held(memory: Memory) -> None:
    memory.add({"speaker": "Kofi", "text": "I work at Tesco.", "time": JAN, "session": "s"}, namespace="j")
    assert _jobs(memory, "I miss my job at Tesco.") == {"Tesco": (JAN, APRIL)}


def test_a_job_to_be_missed_holds(memory: Memory) -> None:
    assert _jobs(memory, "I'll miss my job at Tesco.") == {"Tesco": (APRIL, None)}


@pytest.mark.parametrize(
    "text",
    ["I miss my friends at Tesco.", "I love my work at the shelter.", "I left the party at Tesco."],
)
def test_other_nouns_missed_or_loved_give_no_job(memory: Memory, text: str) -> None:
    assert _jobs(memory, text) == {}


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("Tesco cut her job.", "Tesco"),
        ("Nike hates his job at Tesco.", "Nike"),
        ("Amazon loves her job at Tesco.", "Amazon"),
        ("Maria doesn't like her job at Tesco.", "Maria"),
    ],
)
def test_a_firms_name_before_her_job_stays_a_firm(extractor: SpacyExtractor, text: str, firm: str) -> None:
    """Before, any one-word subject of "her/his job" was made a Person, overriding NER's firm."""
    batch = one_session_batch(extractor, [("Lena", text)])
    assert {e.type for e in batch.entities if e.name == firm} == {"Organization"}


@pytest.mark.parametrize(
    ("turns", "holder"),
    [
        ([("Ben", "Lena hates her job at Tesco."), ("Lena", "Yes.")], "Lena"),  # a speaker: a person
        ([("Lena", "My sister Clara visited."), ("Lena", "She hates her job at Tesco.")], "Clara"),
    ],
)
def test_a_known_person_holds_her_job(extractor: SpacyExtractor, turns: list[tuple[str, str]], holder: str) -> None:
    facts = named_facts(one_session_batch(extractor, turns))
    assert {f[0] for f in facts if f[1:] == ("works_at", "Tesco")} == {holder}


@pytest.mark.parametrize(
    "turns",
    [
        # NER: Maria a nationality, then a firm, in the second turn; a person in the first
        [("Lena", "I met Maria at the gym."), ("Lena", "Maria hates her job at Tesco.")],
        [("Lena", "Maria called me yesterday."), ("Lena", "Maria doesn't like her job at Tesco.")],
        # both subjects: Emma a firm, Maria a nationality
        [("Lena", "I met Emma and Maria at the gym."), ("Ben", "Emma and Maria hate their jobs at Tesco.")],
    ],
)
def test_a_name_met_as_a_person_stays_one_where_ner_misreads_it(
    extractor: SpacyExtractor, turns: list[tuple[str, str]]
) -> None:
    """Before, NER's nationality or firm in the second turn made another Maria, who could hold no job."""
    batch = one_session_batch(extractor, turns)
    assert ("Maria", "works_at", "Tesco") in named_facts(batch)
    assert [e.type for e in batch.entities if e.name == "Maria"] == ["Person"]


def test_a_person_stored_before_stays_one_where_ner_misreads_it(memory: Memory) -> None:
    memory.add({"speaker": "Kofi", "text": "I met Maria at the gym.", "time": JAN, "session": "s"}, namespace="j")
    memory.add(
        {"speaker": "Kofi", "text": "Maria hates her job at Tesco.", "time": APRIL, "session": "t"}, namespace="j"
    )
    jobs = {(f.subject, f.object) for f in memory.facts(namespace="j") if f.fact.predicate == "works_at"}
    assert jobs == {("Maria", "Tesco")}


def test_a_name_met_as_a_person_keeps_what_its_sentence_says(extractor: SpacyExtractor) -> None:
    """A person met before is no reason to overrule a firm's word or a journey's end in the sentence."""
    # the person "Maria Labs" met first (her brother's); "Maria Labs" the subject of "hired me" is the firm
    firm = one_session_batch(extractor, [("Lena", "Maria Labs's brother called me."), ("Lena", "Maria Labs hired me.")])
    assert ("Lena", "works_at", "Maria Labs") in named_facts(firm)
    assert [e.type for e in firm.entities if e.name == "Maria Labs"] == ["Organization"]
    trip = extractor.extract(make_transcript([(JAN, [("Lena", "Jordan called me."), ("Lena", "We flew to Jordan.")])]))
    assert sorted(e.type for e in trip.entities if e.name == "Jordan") == ["Person", "Place"]
