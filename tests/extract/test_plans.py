"""A plan holds from when it is told until its planned time has passed or it is carried out; the time it is
for is its target ("Next month I will visit Rome" said on 14 June 2023: from 14 June to 1 August, for July)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.extract.temporal import carried_out_ends
from graphmem.memory import Memory
from graphmem.models import Fact
from tests.support.talk import NoEmbedder, held, say, write_talk

from .conftest import make_transcript

TOLD = datetime(2023, 6, 14, 10, 0)


def _plans(extractor: SpacyExtractor, text: str) -> dict[str, tuple[datetime | None, datetime | None, str | None]]:
    batch = resolve_batch(extractor.extract(make_transcript([(TOLD, [("Ana", text)])])), (), salience=False)
    names = {e.id: e.name for e in batch.entities}
    return {
        names[f.object_id]: (f.valid_from, f.valid_to, f.time_phrase) for f in batch.facts if f.predicate == "plans"
    }


@pytest.mark.parametrize(
    ("text", "obj", "until", "phrase"),
    [
        ("Next month I will visit Rome.", "Rome", datetime(2023, 8, 1), "Next month"),
        ("I'm going camping next month.", "camping", datetime(2023, 8, 1), "next month"),
        ("I want to visit Paris next year.", "Paris", datetime(2025, 1, 1), "next year"),
        ("I'm going to a conference next week.", "conference", datetime(2023, 6, 26), "next week"),
    ],
)
def test_a_dated_plan_holds_from_its_telling_until_its_time_has_passed(
    extractor: SpacyExtractor, text: str, obj: str, until: datetime, phrase: str
) -> None:
    assert _plans(extractor, text)[obj] == (TOLD, until, phrase)


@pytest.mark.parametrize(
    ("text", "obj"),
    [("I want to visit Paris.", "Paris"), ("I'm moving to Osaka.", "Osaka"), ("I want to adopt a dog.", "dog")],
)
def test_a_plan_with_no_time_holds_from_its_telling(extractor: SpacyExtractor, text: str, obj: str) -> None:
    assert _plans(extractor, text)[obj] == (TOLD, None, None)


def _say(memory: Memory, extractor: SpacyExtractor, path: Path, date: str, line: str) -> None:
    say(memory, extractor, path, f"[10:00] Ana: {line}\n", namespace="p", date=date)


def test_a_told_plan_is_known_and_valid_before_its_time(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path
) -> None:
    _say(memory, extractor, tmp_path / "a.txt", "14 June 2023", "Next month I will visit Rome.")
    june = datetime(2023, 6, 20)
    assert held(memory, "plans", namespace="p", valid_at=june, as_of=june) == {"Rome"}
    assert held(memory, "plans", namespace="p", valid_at=datetime(2023, 7, 20)) == {"Rome"}
    assert held(memory, "plans", namespace="p", valid_at=datetime(2023, 8, 2)) == set()
    assert held(memory, "plans", namespace="p") == set()  # its time has passed: no longer a plan now


@pytest.mark.parametrize("order", ["told order", "reversed"])
@pytest.mark.parametrize(
    ("plan", "done", "ended"),
    [
        ("I want to visit Paris.", "I visited Paris last week.", datetime(2023, 8, 7)),
        ("I'm moving to Lima.", "I moved to Lima in July.", datetime(2023, 7, 1)),
        ("I want to adopt a cat named Miso.", "I adopted a cat named Miso yesterday.", datetime(2023, 8, 19)),
    ],
)
def test_carrying_a_plan_out_ends_it(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path, plan: str, done: str, ended: datetime, order: str
) -> None:
    told = [("a.txt", "14 June 2023", plan), ("b.txt", "20 August 2023", done)]
    for name, date, line in told if order == "told order" else told[::-1]:
        _say(memory, extractor, tmp_path / name, date, line)
    plans = [f.fact for f in memory.facts(namespace="p", predicate="plans", all_time=True) if f.fact.expired_at is None]
    assert [(f.valid_from, f.valid_to) for f in plans] == [(datetime(2023, 6, 14, 10, 0), ended)]
    assert held(memory, "plans", namespace="p", valid_at=datetime(2023, 6, 20), as_of=datetime(2023, 6, 20)) != set()


def test_a_visit_before_the_plan_carries_nothing_out(extractor: SpacyExtractor, memory: Memory, tmp_path: Path) -> None:
    _say(memory, extractor, tmp_path / "a.txt", "14 June 2023", "I went to Rome last year. I want to visit Rome again.")
    assert held(memory, "plans", namespace="p") == {"Rome"}


def test_liking_carries_nothing_out() -> None:
    plan = Fact("p", "f1", "ent:a", "plans", "ent:rome", TOLD, valid_from=TOLD)
    liked = Fact("p", "f2", "ent:a", "likes", "ent:rome", datetime(2023, 7, 1), valid_from=datetime(2023, 7, 1))
    went = Fact("p", "f3", "ent:a", "went_to", "ent:rome", datetime(2023, 8, 1), valid_from=datetime(2023, 7, 10))
    elsewhere = Fact("p", "f4", "ent:a", "went_to", "ent:oslo", datetime(2023, 8, 1), valid_from=datetime(2023, 7, 5))
    assert carried_out_ends([plan, liked, elsewhere]) == {}
    assert carried_out_ends([plan, liked, went, elsewhere]) == {"f1": datetime(2023, 7, 10)}


def test_a_plan_shows_the_time_it_is_for(extractor: SpacyExtractor, memory: Memory, tmp_path: Path) -> None:
    _say(memory, extractor, tmp_path / "a.txt", "14 June 2023", "Next month I will visit Rome.")
    (stated,) = memory.facts(namespace="p", predicate="plans", all_time=True)
    assert stated.describe() == "Ana plans Rome (from 2023-06-14, until 2023-08-01, for 2023-07)"
    assert stated.as_dict()["target"] == {
        "phrase": "Next month",
        "from": "2023-07-01T00:00:00",
        "to": "2023-08-01T00:00:00",
        "grain": "month",
    }


def test_a_plan_with_no_time_has_no_target(extractor: SpacyExtractor, memory: Memory, tmp_path: Path) -> None:
    _say(memory, extractor, tmp_path / "a.txt", "14 June 2023", "I want to visit Paris.")
    (stated,) = memory.facts(namespace="p", predicate="plans")
    assert stated.target is None and stated.as_dict()["target"] is None
    assert stated.describe() == "Ana plans Paris (from 2023-06-14)"


def _plan_ends(memory: Memory) -> list[datetime | None]:
    stated = memory.facts(namespace="p", predicate="plans", all_time=True)
    return [s.fact.valid_to for s in stated if s.fact.expired_at is None]


def test_a_plan_is_open_again_when_its_carrying_out_is_forgotten_or_edited_away(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path
) -> None:
    _say(memory, extractor, tmp_path / "a.txt", "14 June 2023", "I want to visit Paris.")
    _say(memory, extractor, tmp_path / "b.txt", "20 August 2023", "I visited Paris last week.")
    assert _plan_ends(memory) == [datetime(2023, 8, 7)]
    (visit,) = [e.id for e in memory.store.iter_events("p") if "visited" in e.text]
    memory.forget("p", visit)
    assert _plan_ends(memory) == [None]
    _say(memory, extractor, tmp_path / "c.txt", "21 August 2023", "I visited Paris last week.")
    assert _plan_ends(memory) == [datetime(2023, 8, 14)]  # said on a Monday: the week before
    _say(memory, extractor, tmp_path / "c.txt", "21 August 2023", "Paris is lovely.")  # the file edited
    assert _plan_ends(memory) == [None]


def _plan_versions(memory: Memory) -> list[tuple[datetime | None, datetime | None, datetime, datetime | None]]:
    stated = memory.facts(namespace="p", predicate="plans", all_time=True, coalesce=False)
    versions = [(s.fact.valid_from, s.fact.valid_to, s.fact.recorded_at, s.fact.expired_at) for s in stated]
    return sorted(versions, key=lambda v: v[2])


def test_forgetting_one_carrying_out_of_a_plan_leaves_it_ended_by_the_other(
    extractor: SpacyExtractor, tmp_path: Path
) -> None:
    # forgetting the first visit reopened the plan for good, though the second visit still carried it out
    told = [
        ("a.txt", "14 June 2023", "I want to visit Paris."),
        ("b.txt", "20 August 2023", "I visited Paris last week."),
        ("c.txt", "5 September 2023", "I visited Paris yesterday."),
    ]
    with Memory.open(tmp_path / "forgot", embedder=NoEmbedder()) as forgot:  # type: ignore[arg-type]
        for name, date, line in told:
            _say(forgot, extractor, tmp_path / name, date, line)
        (visit,) = [e.id for e in forgot.store.iter_events("p") if "last week" in e.text]
        forgot.forget("p", visit)
        assert _plan_ends(forgot) == [datetime(2023, 9, 4)]
        with Memory.open(tmp_path / "never", embedder=NoEmbedder()) as never:  # type: ignore[arg-type]
            for name, date, line in (told[0], told[2]):
                _say(never, extractor, tmp_path / name, date, line)
            assert _plan_versions(forgot) == _plan_versions(never)  # as if the first visit was never told


@pytest.mark.parametrize(
    ("plan", "done"),
    [
        ("I want to adopt a cat named Miso.", "I adopted a cat named Miso last week."),
        ("Next month I will visit Rome.", "I was in Rome last week."),  # carried out before its time passed
    ],
)
def test_a_plan_carried_out_later_in_the_same_file_was_open_until_then(
    extractor: SpacyExtractor, tmp_path: Path, plan: str, done: str
) -> None:
    # one file holding both statements wrote the plan ended from the start: as of its telling memory
    # already believed it carried out weeks later; two files (or two live messages) gave two versions
    told, later = ("14 June 2023", f"[10:00] Ana: {plan}\n"), ("20 July 2023", f"[10:00] Ana: {done}\n")
    with Memory.open(tmp_path / "one", embedder=NoEmbedder()) as one:  # type: ignore[arg-type]
        assert one.ingest(
            write_talk(tmp_path / "one.txt", told, later), namespace="p", extractor=extractor, embed=False
        ).ok
        with Memory.open(tmp_path / "two", embedder=NoEmbedder()) as two:  # type: ignore[arg-type]
            for name, session in (("a.txt", told), ("b.txt", later)):
                say(two, extractor, tmp_path / name, session[1], namespace="p", date=session[0])
            assert len(_plan_versions(two)) == 2
            assert _plan_versions(one) == _plan_versions(two)
