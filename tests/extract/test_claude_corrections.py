"""The Claude extractor's corrections and past endings, end to end through ``Memory`` on recorded answers.

"Sorry, I meant Globex" is a correction (the slip never held, the new value starts when the slip was said
to start), "I work at Globex now" a change, as on the spaCy path (``tests/extract/test_corrections.py``);
an ending told as past ends no later than it was said.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ExtractionError
from graphmem.extract.claude import ClaudeExtractor
from graphmem.live import add
from graphmem.memory import Memory
from graphmem.transcript import RawSession, RawTurn, Transcript
from tests.extract import test_claude
from tests.extract.conftest import claude_extractor
from tests.extract.test_claude import Stub, _answer
from tests.support.talk import NoEmbedder, held, say

stub = test_claude.stub  # the fixture serving recorded answers from a local HTTP server

pytestmark = pytest.mark.llm

NS = "c"
ANSWERS = json.loads((Path(__file__).parent / "data" / "claude_corrections.json").read_text(encoding="utf-8"))
SLIP = (
    "[18:00] Ana: I work at Acme Analytics as a data analyst.\n"
    "[18:01] Ben: Nice!\n"
    "[18:02] Ana: Sorry, I meant Globex Corporation. I work at Globex Corporation.\n"
)


def answer(stub: Stub, name: str, *, first_turn: int = 1) -> None:
    """Queue the recorded answer ``name``, its turns numbered from ``first_turn`` (a message added live to
    a stored session is its next turn)."""
    data = copy.deepcopy(ANSWERS[name])
    for event in data["events"]:
        event["turn"] = f"T{int(event['turn'][1:]) + first_turn - 1}"
    stub.answer(_answer(data["events"], data["entities"]))


def _say(mem: Memory, extractor: Any, tmp_path: Path, body: str, name: str = "c.txt", day: int = 10) -> None:
    say(mem, extractor, tmp_path / name, body, namespace=NS, date=f"{day} January 2024")


def t(hh_mm: str, day: int = 10) -> datetime:
    return datetime.fromisoformat(f"2024-01-{day:02d} {hh_mm}")


def _held(mem: Memory, **time: Any) -> set[str]:
    return held(mem, "works_at", namespace=NS, **time)


def _one_turn(text: str) -> Transcript:
    turns = (RawTurn("Ana", text, timestamp=t("18:02")),)
    return Transcript(NS, (RawSession("session_1", 0, turns, started_at=t("18:02")),))


def _all_time(mem: Memory) -> set[tuple[str, datetime | None, datetime | None]]:
    """Every version of every works_at fact, as ``Memory.facts(all_time=True)`` lists it."""
    return {
        (s.object, s.fact.valid_from, s.fact.valid_to)
        for s in mem.facts(namespace=NS, predicate="works_at", all_time=True, coalesce=False)
    }


def _slip_read_as_a_correction(mem: Memory, said: datetime, corrected: datetime) -> None:
    """Acme (said at ``said``) never held; Globex holds from then; memory believed Acme until ``corrected``."""
    before = corrected - timedelta(minutes=1)
    assert _held(mem, valid_at=before) == {"Globex Corporation"}  # as memory knows it now
    assert _held(mem, valid_at=said.replace(hour=23)) == {"Globex Corporation"}
    assert _held(mem, as_of=before, valid_at=before) == {"Acme Analytics"}  # what it believed then
    [acme] = [f for f in mem.store.iter_facts(NS) if f.never_held]
    assert acme.valid_from == acme.valid_to == said and acme.revised_by
    stated = mem.facts(namespace=NS, predicate="works_at", all_time=True)
    assert ("Acme Analytics", said, None) in {(s.object, s.fact.valid_from, s.fact.valid_to) for s in stated}
    assert ("Acme Analytics", said, said) in _all_time(mem)  # the version the correction made
    assert ("Globex Corporation", said, None) in _all_time(mem)


def test_a_slip_corrected_later_in_the_session_never_held(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    answer(stub, "slip")
    _say(memory, claude, tmp_path, SLIP)
    _slip_read_as_a_correction(memory, t("18:00"), t("18:02"))
    assert (
        "corrections"
        in stub.requests[0]["body"]["tools"][0]["input_schema"]["properties"]["events"]["items"]["properties"]
    )


def test_claude_and_spacy_read_the_slip_alike(
    claude: ClaudeExtractor, extractor: Any, stub: Stub, tmp_path: Path
) -> None:
    answer(stub, "slip")
    found = []
    for name, ex in (("claude", claude), ("spacy", extractor)):
        with Memory.open(tmp_path / name, embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
            _say(mem, ex, tmp_path, SLIP, name=f"{name}.txt")
            found.append(_all_time(mem))
    assert found[0] == found[1]


def test_a_slip_corrected_in_a_later_session(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    answer(stub, "acme")
    answer(stub, "meant_globex")
    body = (
        "[18:00] Ana: I work at Acme Analytics.\n"
        "## Session 2 — 12 January 2024\n"
        "[09:00] Ana: Sorry, I meant Globex Corporation, not Acme Analytics.\n"
    )
    _say(memory, claude, tmp_path, body)
    assert len(stub.requests) == 2  # a call per session
    _slip_read_as_a_correction(memory, t("18:00"), t("09:00", day=12))


def test_a_correction_in_a_later_file_or_message_corrects_what_is_stored(stub: Stub, tmp_path: Path) -> None:
    found = []
    for how in ("file", "add"):
        # each run asks the stub (no answer from the cache)
        claude = claude_extractor(stub.url, tmp_path / f"cache-{how}")
        with Memory.open(tmp_path / how, embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
            answer(stub, "acme")
            _say(mem, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n", name=f"{how}-1.txt")
            answer(stub, "meant_globex", first_turn=1 if how == "file" else 2)
            said = "Sorry, I meant Globex Corporation, not Acme Analytics."
            if how == "file":
                _say(mem, claude, tmp_path, f"[18:02] Ana: {said}\n", name=f"{how}-2.txt")
            else:
                add(
                    mem,
                    {"speaker": "Ana", "text": said, "time": t("18:02")},
                    namespace=NS,
                    extractor=claude,
                    embed=False,
                )
            _slip_read_as_a_correction(mem, t("18:00"), t("18:02"))
            found.append(_all_time(mem))
    assert found[0] == found[1]


def test_news_stays_a_change(memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path) -> None:
    answer(stub, "news")
    _say(
        memory,
        claude,
        tmp_path,
        "[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: I work at Globex Corporation now.\n",
    )
    assert _held(memory, valid_at=t("18:01")) == {"Acme Analytics"}
    assert _held(memory, valid_at=t("18:03")) == {"Globex Corporation"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))
    assert ("Acme Analytics", t("18:00"), t("18:02")) in _all_time(memory)


def test_a_correction_of_a_value_never_stated_leaves_stored_facts_alone(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    answer(stub, "acme")
    _say(memory, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n")
    before = _all_time(memory)
    answer(stub, "never_stated")
    _say(memory, claude, tmp_path, "[18:04] Ana: I work at Acme Analytics, not Initech.\n", name="c2.txt")
    assert _held(memory, valid_at=t("18:01")) == _held(memory, valid_at=t("18:05")) == {"Acme Analytics"}
    assert not any(f.never_held or f.valid_to is not None for f in memory.store.iter_facts(NS))
    assert before <= _all_time(memory)


def test_a_correction_builds_the_spacy_closing(claude: ClaudeExtractor, stub: Stub) -> None:
    twice = copy.deepcopy(ANSWERS["meant_globex"])
    twice["events"][0]["corrections"] *= 2  # the same correction said twice is one
    stub.answer(_answer(twice["events"], twice["entities"]))
    batch = claude.extract(_one_turn("Sorry, I meant Globex Corporation, not Acme Analytics."))
    ids = {e.name: e.id for e in batch.entities}
    [closing] = batch.closings
    assert closing.correction and closing.value == ids["Globex Corporation"]
    assert (closing.subject_id, closing.predicate, closing.object_id) == (ids["Ana"], "works_at", ids["Acme Analytics"])
    assert closing.evidence == ("ev:session_1:1",) and closing.at is None
    # the corrected value is a fact of the turn even when the answer left it out of the facts
    assert [(f.subject_id, f.predicate, f.object_id) for f in batch.facts] == [
        (ids["Ana"], "works_at", ids["Globex Corporation"])
    ]
    roles = {(m.entity_id, m.role) for m in batch.mentions}
    assert {(ids["Globex Corporation"], "object"), (ids["Acme Analytics"], "mention")} <= roles


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"subject": "Ana", "predicate": "works_at"}, r"events\[0\]\.corrections\[0\]: needs non-empty subject"),
        ({"subject": "Ana", "predicate": "works_at", "corrected": " "}, r"events\[0\]\.corrections\[0\]"),
        ("Globex Corporation", r"events\[0\]\.corrections\[0\]"),
    ],
)
def test_a_malformed_correction_is_an_extraction_error(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path, entry: Any, message: str
) -> None:
    bad = copy.deepcopy(ANSWERS["meant_globex"])
    bad["events"][0]["corrections"] = [entry]
    stub.answer(_answer(bad["events"], bad["entities"]))
    with pytest.raises(ExtractionError, match=message):
        claude.extract(_one_turn("Sorry, I meant Globex Corporation."))


def test_a_correction_of_a_predicate_that_is_no_state_is_dropped(claude: ClaudeExtractor, stub: Stub) -> None:
    odd = copy.deepcopy(ANSWERS["meant_globex"])
    odd["events"][0]["corrections"][0]["predicate"] = "likes"  # a fact of many values, as the spaCy path
    stub.answer(_answer(odd["events"], odd["entities"]))
    batch = claude.extract(_one_turn("Sorry, I meant Globex Corporation."))
    assert batch.closings == () and batch.facts == ()


@pytest.mark.parametrize(
    ("past", "ends"),
    [
        (True, datetime(2024, 3, 10, 18)),  # "I left Acme at the end of the month": by the time it was said
        (False, datetime(2024, 4, 1)),  # "I'm leaving Acme at the end of the month": with the month
    ],
)
def test_an_ending_told_as_past_ends_no_later_than_it_was_said(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path, past: bool, ends: datetime
) -> None:
    left = copy.deepcopy(ANSWERS["left"])
    left["events"][1]["closings"][0]["past"] = past
    stub.answer(_answer(left["events"], left["entities"]))
    path = tmp_path / "p.txt"
    path.write_text(
        "## Session 1 — 10 March 2024\n"
        "[17:59] Priya: I joined Acme Analytics in 2019.\n"
        "[18:00] Priya: I left Acme Analytics at the end of the month.\n",
        encoding="utf-8",
    )
    assert memory.ingest(path, namespace=NS, extractor=claude, embed=False).ok
    stated = {(s.object, s.fact.valid_from, s.fact.valid_to) for s in memory.facts(namespace=NS, all_time=True)}
    assert ("Acme Analytics", datetime(2019, 1, 1), ends) in stated


def test_a_correction_naming_values_shorter_than_listed_corrects_the_listed_ones(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # "Sorry, I meant Globex, not Acme": the correction says "Globex" and "Acme", the entities and facts
    # "Globex Corporation" and "Acme Analytics" (no alias declared)
    answer(stub, "short_names")
    _say(memory, claude, tmp_path, SLIP)
    _slip_read_as_a_correction(memory, t("18:00"), t("18:02"))
    names = {(e.name, e.type) for e in memory.store.iter_entities(NS)}
    assert names == {("Ana", "Person"), ("Ben", "Person")} | {
        (name, "Organization") for name in ("Acme Analytics", "Globex Corporation")
    }
    assert len([f for f in memory.store.iter_facts(NS) if f.predicate == "works_at"]) == 2


def test_a_denied_value_the_batch_does_not_know_is_of_the_corrected_kind(claude: ClaudeExtractor, stub: Stub) -> None:
    unknown = copy.deepcopy(ANSWERS["meant_globex"])
    unknown["events"][0]["corrections"][0]["wrong"] = "Initech"  # named in the turn, listed nowhere
    stub.answer(_answer(unknown["events"], unknown["entities"]))
    batch = claude.extract(_one_turn("Sorry, I meant Globex Corporation, not Initech."))
    [closing] = batch.closings
    assert {(e.id, e.type) for e in batch.entities if e.name == "Initech"} == {(closing.object_id, "Organization")}


def test_a_later_correction_denying_a_short_name_corrects_the_stored_value(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # "Sorry, I meant Globex Corporation, not Acme." against "Acme Analytics" stored from an earlier file;
    # the answer lists neither Acme: resolution finds the stored one by its short form
    answer(stub, "acme")
    _say(memory, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n")
    short = copy.deepcopy(ANSWERS["meant_globex"])
    short["entities"] = [e for e in short["entities"] if e["name"] != "Acme Analytics"]
    short["events"][0]["corrections"][0]["wrong"] = "Acme"
    stub.answer(_answer(short["events"], short["entities"]))
    _say(memory, claude, tmp_path, "[18:02] Ana: Sorry, I meant Globex Corporation, not Acme.\n", name="c2.txt")
    _slip_read_as_a_correction(memory, t("18:00"), t("18:02"))


def test_a_slip_taken_back_in_its_own_turn_is_no_fact(claude: ClaudeExtractor, stub: Stub) -> None:
    # "I work at Acme Analytics, sorry, I meant Globex Corporation.": the turn states Globex, as the spaCy
    # path reads it
    answer(stub, "meant_in_turn")
    batch = claude.extract(_one_turn("I work at Acme Analytics, sorry, I meant Globex Corporation."))
    ids = {e.name: e.id for e in batch.entities}
    assert [f.object_id for f in batch.facts] == [ids["Globex Corporation"]]


def test_a_state_and_its_ending_told_as_past_in_one_turn_ends(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # the fact starts when said, so the ending is not brought down to that time: it would end nothing
    answer(stub, "worked_and_left")
    said = "[18:00] Priya: I worked at Acme Analytics, but I left at the end of the month.\n"
    say(memory, claude, tmp_path / "p.txt", said, namespace=NS, date="10 March 2024")
    stated = {(s.object, s.fact.valid_from, s.fact.valid_to) for s in memory.facts(namespace=NS, all_time=True)}
    assert stated == {("Acme Analytics", datetime(2024, 3, 10, 18), datetime(2024, 4, 1))}
    assert _held(memory) == set()


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("wrong", 5, r"events\[0\]\.corrections\[0\]\.wrong: expected a string or null"),
        ("wrong", {}, r"events\[0\]\.corrections\[0\]\.wrong: expected a string or null"),
        ("aliases", "Globex", r"entities\[2\]\.aliases: expected a list of strings"),
        ("aliases", ["Globex", 3], r"entities\[2\]\.aliases: expected a list of strings"),
    ],
)
def test_a_wrongly_typed_field_is_an_extraction_error(
    claude: ClaudeExtractor, stub: Stub, where: str, value: Any, message: str
) -> None:
    bad = copy.deepcopy(ANSWERS["meant_globex"])
    if where == "wrong":
        bad["events"][0]["corrections"][0]["wrong"] = value
    else:
        bad["entities"][2]["aliases"] = value
    stub.answer(_answer(bad["events"], bad["entities"]))
    with pytest.raises(ExtractionError, match=message):
        claude.extract(_one_turn("Sorry, I meant Globex Corporation."))
