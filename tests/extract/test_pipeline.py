"""The spaCy extractor end to end: transcript → batch, pickling, the registry of extractors."""

from __future__ import annotations

import json
import pickle
from datetime import datetime
from typing import Any

import pytest

from graphmem.errors import ConfigError
from graphmem.extract import Extractor, get_extractor
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.models import Batch, TimeRef
from graphmem.transcript import Transcript

from .conftest import LOCOMO_DEV, NOW


def names(batch: Batch) -> dict[str, str]:
    return {e.id: e.name for e in batch.entities}


def test_batch_holds_every_kind_of_record(extractor: SpacyExtractor, transcript: Transcript) -> None:
    batch = extractor.extract(transcript)
    assert batch.namespace == "t"
    assert [s.id for s in batch.sessions] == ["session_1", "session_2"]
    assert len(batch.events) == 6
    by_name = {e.name: e for e in batch.entities}
    assert by_name["Caroline"].type == by_name["Melanie"].type == "Person"
    assert by_name["London"].type == "Place"
    ids = {e.id for e in batch.entities}
    events = {e.id for e in batch.events}
    assert all(m.entity_id in ids and m.event_id in events for m in batch.mentions)
    assert all(f.subject_id in ids and f.object_id in ids for f in batch.facts)
    assert all(set(f.evidence) <= events for f in batch.facts)


def test_every_turn_is_spoken_by_its_speaker(extractor: SpacyExtractor, transcript: Transcript) -> None:
    batch = extractor.extract(transcript)
    n = names(batch)
    spoken = {m.event_id: n[m.entity_id] for m in batch.mentions if m.role == "speaker"}
    assert spoken == {e.id: e.speaker for e in batch.events}


def test_facts_and_times(extractor: SpacyExtractor, transcript: Transcript) -> None:
    batch = extractor.extract(transcript)
    n = names(batch)
    facts = {(n[f.subject_id], f.predicate, n[f.object_id]): f for f in batch.facts}
    went = facts[("Caroline", "went_to", "LGBTQ support group")]
    assert went.valid_from == datetime(2023, 5, 7) and went.time_phrase == "yesterday"
    assert went.recorded_at == datetime(2023, 5, 8, 13, 56)
    assert not any(o == "pottery" for _, _, o in facts)  # "I didn't give up pottery" asserts nothing
    assert facts[("Melanie", "went_to", "London")].valid_from == datetime(2023, 4, 24)
    assert ("Caroline", "has_pet", "dog") in facts or ("Caroline", "has_pet", "Oscar") in facts
    dated = {e.source_id: [t.phrase for t in e.times] for e in batch.events if e.times}
    assert dated["D1:2"] == ["last Saturday"] and dated["D1:4"] == ["two weeks ago"]


def test_caption_is_extracted_too(extractor: SpacyExtractor, transcript: Transcript) -> None:
    batch = extractor.extract(transcript)
    event = next(e for e in batch.events if e.source_id == "D1:2")
    assert event.text.endswith("[shares a photo: a photo of a painting of a sunset over a lake]")
    n = names(batch)
    assert "lake" in {n[m.entity_id] for m in batch.mentions if m.event_id == event.id}


def test_extraction_is_deterministic(extractor: SpacyExtractor, transcript: Transcript) -> None:
    assert extractor.extract(transcript) == extractor.extract(transcript)


def test_extract_many_matches_extract(extractor: SpacyExtractor, transcript: Transcript) -> None:
    other = Transcript("u", transcript.sessions[1:])
    many = extractor.extract_many([transcript, other])
    assert [b.namespace for b in many] == ["t", "u"]
    assert many[0] == extractor.extract(transcript)
    assert many[1] == extractor.extract(other)


def test_ner_gating_keeps_the_entities(nlp: Any, transcript: Transcript) -> None:
    gated = SpacyExtractor(nlp, now=NOW, gate_ner=True).extract(transcript)
    full = SpacyExtractor(nlp, now=NOW, gate_ner=False).extract(transcript)
    assert gated == full


def test_no_session_date_uses_now_for_recorded_at(extractor: SpacyExtractor) -> None:
    from .conftest import make_transcript

    batch = extractor.extract(make_transcript([(None, [("Ann", "I adopted a dog yesterday.")])]))
    assert batch.events[0].occurred_at is None
    assert batch.events[0].times[0].start is None  # no date to resolve against: kept as text
    (fact,) = batch.facts
    assert fact.recorded_at == NOW and fact.valid_from is None


def test_extractor_pickles_without_the_pipeline(extractor: SpacyExtractor, transcript: Transcript) -> None:
    clone = pickle.loads(pickle.dumps(extractor))
    assert isinstance(clone, SpacyExtractor)
    assert clone._nlp is None  # loaded lazily in the receiving process
    assert len(pickle.dumps(extractor)) < 2000
    assert clone.extract(transcript) == extractor.extract(transcript)


def test_get_extractor(nlp: Any) -> None:
    ex = get_extractor("spacy", batch_size=8)
    assert isinstance(ex, Extractor) and ex.name == "spacy" and ex.version
    assert get_extractor("SPACY").name == "spacy"
    with pytest.raises(ConfigError, match="unknown extractor 'gpt'"):
        get_extractor("gpt")
    with pytest.raises(ConfigError, match="bad option"):
        get_extractor("spacy", colour="red")
    with pytest.raises(ConfigError, match="batch_size"):
        get_extractor("spacy", batch_size=0)


def test_get_extractor_reuses_a_loaded_pipeline(nlp: Any) -> None:
    assert get_extractor("spacy", nlp=nlp).nlp is nlp
    assert get_extractor("spacy").nlp is nlp  # loaded once per process


@pytest.mark.skipif(not LOCOMO_DEV.is_file(), reason="LoCoMo dev file not present at ../shared/data/locomo")
def test_locomo_conversation(extractor: SpacyExtractor) -> None:
    from graphmem.extract.vocabulary import by_name as declared
    from graphmem.formats import read_transcripts

    def by_name_p(predicate: str) -> bool:
        return declared(predicate) is not None or predicate.endswith("_of")

    transcripts = read_transcripts(str(LOCOMO_DEV))
    sample = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))[0]
    conv = sample["conversation"]
    turns = [t for k, v in conv.items() if k.startswith("session_") and isinstance(v, list) for t in v]
    t26 = next(t for t in transcripts if t.namespace == sample["sample_id"])
    batch = resolve_batch(extractor.extract(t26), [])
    assert [e.source_id for e in batch.events] == [t["dia_id"] for t in turns]
    starts = [s.started_at for s in batch.sessions]
    assert starts == sorted(starts) and all(starts)
    by_name = {e.name: e for e in batch.entities}
    assert by_name["Caroline"].type == by_name["Melanie"].type == "Person"
    assert "Mel" in by_name["Melanie"].aliases  # "Hey Mel!" resolved to the speaker
    assert sum(1 for e in batch.events if any(t.resolved for t in e.times)) > 40
    assert len(batch.facts) > 20  # facts in the vocabulary only: the rest of what is said is no fact
    assert all(by_name_p(f.predicate) for f in batch.facts)
    spoken = sum(1 for m in batch.mentions if m.role == "speaker")
    assert spoken == len(turns)


def test_empty_transcript_gives_an_empty_batch(extractor: SpacyExtractor) -> None:
    batch = extractor.extract(Transcript("empty", ()))
    assert batch.namespace == "empty" and len(batch) == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "🙂🙂🙂 !!! ???",
        "x" * 30_000,
        "Ça va? Très bien, merci! 東京に行きました。",
        "\x00\x07 control \u200b characters",
        "I I I you you you my my",
        "Yesterday yesterday last last Saturday Saturday 2022 2022",
        "[shares a photo: ]",
    ],
)
def test_odd_text_gives_a_batch(extractor: SpacyExtractor, text: str) -> None:
    from .conftest import make_transcript

    batch = extractor.extract(make_transcript([(datetime(2023, 5, 8), [("A", text), ("B", "ok")])]))
    assert len(batch.events) == 2 and batch.events[0].text == text.strip()
    ids = {e.id for e in batch.entities}
    assert all(m.entity_id in ids for m in batch.mentions)


def test_random_text_never_crashes(extractor: SpacyExtractor) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from .conftest import make_transcript

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.text(max_size=200), min_size=1, max_size=4))
    def check(texts: list[str]) -> None:
        turns = [("A" if i % 2 else "B", t) for i, t in enumerate(texts)]
        batch = resolve_batch(extractor.extract(make_transcript([(datetime(2023, 5, 8), turns)])), [])
        assert len(batch.events) == len(texts)

    check()


def _dated(batch: Batch) -> dict[str, TimeRef]:
    return {t.phrase: t for e in batch.events for t in e.times}


def test_undirected_dates_follow_the_tense(extractor: SpacyExtractor) -> None:
    from .conftest import make_transcript

    batch = extractor.extract(
        make_transcript(
            [
                (datetime(2024, 4, 28, 10, 5), [("Tomás", "It is! She is getting married in June, by the way.")]),
                (
                    datetime(2024, 9, 6, 18, 10),
                    [("Riley", "I got a job teaching guitar at the Hackney Music School, starting in November.")],
                ),
                (
                    datetime(2024, 3, 1, 17, 45),
                    [("Dana", "My brother Kenji will join us in Osaka for the last three days.")],
                ),
            ]
        )
    )
    times = _dated(batch)
    assert times["June"].start == datetime(2024, 6, 1)  # not June 2023
    assert times["November"].start == datetime(2024, 11, 1)  # not November 2023
    assert times["the last three days"].start is None  # the end of the trip ahead, not late February


def test_relative_dates_count_on_the_speakers_wall_clock(extractor: SpacyExtractor) -> None:
    from datetime import timedelta, timezone

    from graphmem.transcript import RawSession, RawTurn

    cest = timezone(timedelta(hours=2))
    said = datetime(2024, 5, 2, 0, 30, tzinfo=cest)  # 22:30 on 1 May in UTC
    turn = RawTurn("Ana", "I visited Porto yesterday.", source_id="m1", timestamp=said)
    batch = extractor.extract(Transcript("tz", (RawSession("s1", 0, (turn,), started_at=said),)))
    (event,) = batch.events
    assert event.occurred_at == datetime(2024, 5, 1, 22, 30)  # stored as naive UTC
    (yesterday,) = event.times
    # 1 May on Ana's calendar, from its start at +02:00, in UTC (resolving in UTC would give 30 April)
    assert (yesterday.start, yesterday.end) == (datetime(2024, 4, 30, 22), datetime(2024, 5, 1, 22))
    (fact,) = [f for f in batch.facts if f.predicate == "went_to"]
    assert fact.valid_from == datetime(2024, 4, 30, 22)


def test_a_later_start_dates_the_job_and_ends_the_old_one(extractor: SpacyExtractor) -> None:
    from .conftest import make_transcript

    batch = extractor.extract(
        make_transcript(
            [
                (datetime(2024, 3, 3, 16, 12), [("Priya", "I've been an analyst at Northwind Bank since 2019.")]),
                (
                    datetime(2024, 3, 24, 19, 30),
                    [
                        ("Priya", "I got the job at Lumen Robotics!"),
                        ("Tomás", "When do you start?"),
                        ("Priya", "I start on 1 April."),
                    ],
                ),
                (datetime(2024, 4, 28, 10, 5), [("Priya", "I start on 2 May.")]),  # another session: no job in it
            ]
        )
    )
    n = names(batch)
    jobs = {n[f.object_id]: f for f in batch.facts if f.predicate == "works_at"}
    lumen, northwind = jobs["Lumen Robotics"], jobs["Northwind Bank"]
    assert lumen.valid_from == datetime(2024, 4, 1) and lumen.time_phrase == "1 April"
    assert lumen.evidence == ("ev:session_2:1", "ev:session_2:3")
    assert lumen.valid_to is None
    assert (northwind.valid_from, northwind.valid_to) == (datetime(2019, 1, 1), datetime(2024, 4, 1))
