"""Corrections: "Sorry, I meant Globex" retracts memory's belief in the old value; a change ends it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.corrections import denied_statements
from graphmem.extract.names import name_key
from graphmem.extract.temporal import update_facts
from graphmem.memory import Memory
from graphmem.models import Batch, Fact, FactClosing
from tests.support.talk import held, say, write_talk

NS = "c"


def _say(mem: Memory, extractor: Any, tmp_path: Path, body: str, name: str = "c.txt") -> None:
    say(mem, extractor, tmp_path / name, body, namespace=NS)


def _held(mem: Memory, predicate: str, **time: Any) -> set[str]:
    return held(mem, predicate, namespace=NS, **time)


def t(hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"2024-01-10 {hh_mm}")


SLIP = (
    "[18:00] Ana: I work at Acme Analytics as a data analyst.\n"
    "[18:01] Ben: Nice!\n"
    "[18:02] Ana: Sorry, I meant Globex Corporation. I work at Globex Corporation.\n"
)


def test_a_slip_never_held_and_the_new_value_holds_from_the_old_start(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    _say(memory, extractor, tmp_path, SLIP)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}  # as memory knows it now
    assert _held(memory, "works_at", valid_at=t("23:00")) == {"Globex Corporation"}
    # what memory believed at 18:01, before the correction
    assert _held(memory, "works_at", as_of=t("18:01"), valid_at=t("18:01")) == {"Acme Analytics"}
    [acme] = [f for f in memory.store.iter_facts(NS) if f.valid_to is not None]
    assert acme.valid_to == acme.valid_from == t("18:00") and acme.revised_by  # the correction caused it


def test_a_change_still_ends_the_old_value_in_the_world(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    body = "[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: I work at Globex Corporation now.\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
    assert _held(memory, "works_at", valid_at=t("18:03")) == {"Globex Corporation"}


def test_a_denied_value_is_corrected_and_actually_alone_is_news(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    body = (
        "[18:00] Ana: I live in Lisbon.\n"
        "[18:01] Ana: Actually, I live in Porto, not Lisbon.\n"
        "[18:02] Ana: I work at Acme Analytics.\n"
        "[18:03] Ana: Actually, I work at Globex Corporation now.\n"
        "[18:04] Ana: I work at Globex Corporation, not Initech.\n"  # denies what memory never held
    )
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "lives_in", valid_at=t("18:00")) == {"Porto"}
    assert _held(memory, "works_at", valid_at=t("18:02")) == {"Acme Analytics"}  # "actually" told news
    assert _held(memory, "works_at", valid_at=t("18:05")) == {"Globex Corporation"}


def test_a_correction_in_a_later_message_corrects_what_is_stored_and_forgetting_it_restores(
    extractor: Any, tmp_path: Path
) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as memory:  # type: ignore[arg-type]
        _say(memory, extractor, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n")
        assert _held(memory, "works_at") == {"Acme Analytics"}
        [event] = memory.add(
            {"speaker": "Ana", "text": "My mistake, I work at Globex Corporation.", "time": t("18:02")}, namespace=NS
        )
        assert _held(memory, "works_at") == {"Globex Corporation"}
        assert _held(memory, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}
        # forgetting the correcting message restores what memory held before it
        memory.forget(NS, event)
        assert _held(memory, "works_at") == {"Acme Analytics"}
        assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}


def _fact(fid: str, obj: str, start: str, said: str, evidence: str) -> Fact:
    return Fact(NS, fid, "ana", "works_at", obj, recorded_at=t(said), valid_from=t(start), evidence=(evidence,))


def test_update_facts_corrects_the_latest_value_only_and_is_idempotent() -> None:
    old_end = replace_end(_fact("f0", "initech", "09:00", "09:00", "e0"), "18:00")
    acme = _fact("f1", "acme", "18:00", "18:00", "e1")
    globex = _fact("f2", "globex", "18:02", "18:02", "e2")
    slip = FactClosing(NS, "works_at", t("18:02"), "ana", evidence=("e2",), correction=True, value="globex")
    batch = Batch(NS, facts=(globex,), closings=(slip,))
    first = update_facts(batch, [old_end, acme])
    by_id = {f.id: f for f in first.facts}
    assert by_id["f1"].valid_to == t("18:00")  # corrected: held for no time
    assert by_id["f2"].valid_from == t("18:00")  # from when the slip said the job started
    assert "f0" not in by_id  # an earlier value that had ended is not what the slip meant
    again = update_facts(first, [old_end, acme])
    assert {f.id: (f.valid_from, f.valid_to) for f in again.facts} == {
        f.id: (f.valid_from, f.valid_to) for f in first.facts
    }
    assert len(again.closings) == len(first.closings) == 2  # the request and one closing per corrected fact


def replace_end(f: Fact, end: str) -> Fact:
    return replace(f, valid_to=t(end))


@pytest.mark.parametrize(
    "said",
    [
        "I meant to tell you, I work at Globex Corporation now.",
        "Sorry I meant to reply earlier! I work at Globex Corporation now.",
        "My bad, I forgot to call you back. I work at Globex Corporation.",
        "Sorry, I meant Tuesday, not Monday. Anyway, I work at Globex Corporation now.",
        "I was wrong about the weather. I work at Globex Corporation.",
        "The market correction hit us hard, so I work at Globex Corporation.",
        "Scratch that idea about the trip. I work at Globex Corporation.",
        "Not Acme Analytics anymore! I work at Globex Corporation now.",
        "Haha, I meant it. I work at Globex Corporation.",
        "I meant well. I work at Globex Corporation.",
        "Sorry, my bad, I was late. I work at Globex Corporation.",
        "I thought it would rain. I was wrong. I work at Globex Corporation.",
        "I meant Tom, not you. I work at Globex Corporation.",
        "When I said the boss, I meant Sarah. I work at Globex Corporation.",
        "My bad for not telling you sooner, I work at Globex Corporation.",
    ],
)
def test_ordinary_talk_is_no_correction(memory: Memory, extractor: Any, tmp_path: Path, said: str) -> None:
    _say(memory, extractor, tmp_path, f"[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: {said}\n")
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


def test_a_slip_replaces_nothing_and_its_correction_keeps_its_own_date(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    body = "[18:00] Ana: I live in Lisbon.\n[18:02] Ana: My mistake, I have lived in Porto since 2019.\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "lives_in", valid_at=t("18:03")) == {"Porto"}  # the slip ends nothing
    assert _held(memory, "lives_in", valid_at=datetime(2020, 6, 1)) == {"Porto"}


CHAIN = (
    "[18:00] Ana: I work at Acme Analytics.\n"
    "[18:02] Ana: Sorry, I meant Globex Corporation. I work at Globex Corporation.\n"
    "[18:04] Ana: My mistake, I meant Initech Systems. I work at Initech Systems.\n"
)


def test_two_corrections_in_one_file_or_message_by_message_agree(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        _say(mem, extractor, tmp_path, CHAIN)
        in_file = (_held(mem, "works_at", valid_at=t("18:01")), _held(mem, "works_at", valid_at=t("18:05")))
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in CHAIN.splitlines():
            stamp, text = line[1:6], line.split("Ana: ", 1)[1]
            mem.add({"speaker": "Ana", "text": text, "time": t(stamp)}, namespace=NS)
        live = (_held(mem, "works_at", valid_at=t("18:01")), _held(mem, "works_at", valid_at=t("18:05")))
    assert in_file == live == ({"Initech Systems"}, {"Initech Systems"})


def test_a_correction_corrects_the_latest_statement_whatever_file_holds_it(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    other = "[18:01] Ana: I work at Initech Systems.\n"
    results = []
    for name, files in (("one", [SLIP.replace("[18:01] Ben: Nice!\n", other)]), ("two", [other, SLIP])):
        with Memory.open(tmp_path / name, embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
            for i, body in enumerate(files):
                _say(mem, extractor, tmp_path, body, f"{name}{i}.txt")
            results.append((_held(mem, "works_at", valid_at=t("18:00")), _held(mem, "works_at", valid_at=t("18:03"))))
    # the slip was the latest statement before the correction, Initech; Acme ended when Globex began
    assert results[0] == results[1] == ({"Acme Analytics"}, {"Globex Corporation"})


def test_a_correction_keeps_the_closings_of_its_turn() -> None:
    quit_ = FactClosing(NS, "works_at", t("18:02"), "ana", evidence=("e2",))
    slip = FactClosing(NS, "works_at", t("18:02"), "ana", evidence=("e2",), correction=True, value="globex")
    acme = _fact("f1", "acme", "18:00", "18:00", "e1")
    out = update_facts(
        Batch(NS, facts=(_fact("f2", "globex", "18:02", "18:02", "e2"),), closings=(quit_, slip)), [acme]
    )
    assert quit_ in out.closings and slip in out.closings and len(out.closings) == 3


def test_the_labelled_dialogues_keep_their_figures(extractor: Any) -> None:
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "correction_eval.py"
    spec = importlib.util.spec_from_file_location("correction_eval", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    result = module.score(module.load(), extractor)
    # 49/49, precision and recall 28/28 when written (main before corrections: 16/34, recall 0; before
    # corrections naming only their value and apologies answering a complaint: 40/45, recall 20/25; before
    # "actually" beside "I meant": 46/49, recall 25/28; 54/54, 31/31 with the "I mean" and "Sorry, Porto, not
    # Lisbon." dialogues, which main read at 51/54, recall 28/31; 59/59, 35/35 with c55-c59, a denied short
    # name and questions that ask what one does or for a city, which main read at 55/59, recall 31/35; 69/69,
    # 38/38 with c60-c69, slips restated as a clause after "I meant" and their look-alikes, which main read
    # at 64/69, recall 35/38; 86/86, 47/47 with c70-c86, repair forms such as "I meant to say Lyon", "Not
    # Globex, I meant Hooli.", "Actually, make that Hooli." and their look-alikes, which main read at 76/85,
    # recall 39/47, and failed to write c85)
    assert result.accuracy >= 0.97, result.misses
    assert result.precision >= 0.95 and result.recall >= 0.95, result.misses


@pytest.mark.parametrize(
    ("said", "held"),
    [
        ("Sorry, I meant New York. I live in New York.", "New York"),  # "new" inside a name is no news
        ("My mistake, I live in New Jersey.", "New Jersey"),
        ("I live in Boston, not New York.", "Boston"),
        ("My bad, I meant Lisbon. I have lived in Lisbon since I started my career.", "Lisbon"),
    ],
)
def test_news_words_inside_names_or_dating_clauses_veto_nothing(
    memory: Memory, extractor: Any, tmp_path: Path, said: str, held: str
) -> None:
    prior = "I live in New York." if "not New York" in said else "I live in Boston."
    _say(memory, extractor, tmp_path, f"[18:00] Ana: {prior}\n[18:02] Ana: {said}\n")
    assert _held(memory, "lives_in", valid_at=t("18:01")) == {held}
    assert any(f.never_held for f in memory.store.iter_facts(NS))


DATED = (
    "[18:00] Ana: I have lived in Lisbon since 2019.\n"
    "[18:02] Ana: Sorry, I meant Porto. I have lived in Porto since 2021.\n"
)


def test_a_dated_correction_reads_alike_in_one_file_and_message_by_message(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    seen = []
    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        _say(mem, extractor, tmp_path, DATED)
        seen.append((_held(mem, "lives_in", valid_at=datetime(2020, 6, 1)), _held(mem, "lives_in")))
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in DATED.splitlines():
            mem.add({"speaker": "Ana", "text": line.split("Ana: ", 1)[1], "time": t(line[1:6])}, namespace=NS)
        seen.append((_held(mem, "lives_in", valid_at=datetime(2020, 6, 1)), _held(mem, "lives_in")))
    # the slip (Lisbon since 2019) never held; Porto holds from 2021 as its own clause says
    assert seen[0] == seen[1] == (set(), {"Porto"})


def test_an_edit_keeps_a_clause_bound_that_a_retracted_fact_met(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    first = (
        "[18:00] Ana: I lived in Lisbon from 2015 until March 2020.\n"
        "[18:01] Ana: I have lived in Porto since March 2020.\n"
    )
    _say(memory, extractor, tmp_path, first)
    _say(
        memory,
        extractor,
        tmp_path,
        "[18:00] Ana: I lived in Lisbon from 2015 until March 2020.\n[18:01] Ana: Nice weather.\n",
    )
    assert _held(memory, "lives_in", valid_at=datetime(2016, 1, 1)) == {"Lisbon"}
    assert _held(memory, "lives_in", valid_at=datetime(2021, 1, 1)) == set()  # Lisbon's own bound stays


@pytest.mark.parametrize("opening", ["Whoops, my bad.", "No wait, my mistake."])
def test_a_bare_slip_may_carry_fillers(memory: Memory, extractor: Any, tmp_path: Path, opening: str) -> None:
    _say(
        memory,
        extractor,
        tmp_path,
        f"[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: {opening} I work at Globex Corporation.\n",
    )
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}


ELLIPTICAL = (
    "[18:00] Ana: I live in Lisbon and I work at Acme Analytics.\n"
    "[18:01] Ben: Lisbon is lovely.\n"
    "[18:02] Ana: Oops, I meant Porto, not Lisbon!\n"
    "[18:02] Ben: Nice!\n"
    "[18:03] Ana: I work at Initech Systems.\n"
    "[18:04] Ana: Sorry, I meant Globex Corporation.\n"
)


def _states(mem: Memory) -> tuple[set[str], set[str], set[str]]:
    return (
        _held(mem, "lives_in", valid_at=t("18:00")),
        _held(mem, "works_at", valid_at=t("18:00")),
        _held(mem, "works_at", valid_at=t("18:05")),
    )


def test_a_correction_naming_only_its_value_reads_alike_in_one_file_and_message_by_message(
    extractor: Any, tmp_path: Path
) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        _say(mem, extractor, tmp_path, ELLIPTICAL)
        in_file = _states(mem)
        porto = {e.name: e.type for e in mem.store.iter_entities(NS)}.get("Porto")
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in ELLIPTICAL.splitlines():
            stamp, rest = line[1:6], line[8:]
            speaker, text = rest.split(": ", 1)
            mem.add({"speaker": speaker, "text": text, "time": t(stamp)}, namespace=NS)
        live = _states(mem)
        # memory believed Initech until the correction
        moment = t("18:03").replace(second=30)
        assert _held(mem, "works_at", as_of=moment, valid_at=moment) == {"Initech Systems"}
    # Porto corrected the home (the job stated beside it stays); Globex the job said just before it, from
    # when that job was said to start
    assert in_file == live == ({"Porto"}, {"Acme Analytics"}, {"Globex Corporation"})
    assert porto == "Place"  # the bare name is the kind of thing it replaces


def test_forgetting_a_correction_naming_only_its_value_restores_the_slip(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        mem.add({"speaker": "Ana", "text": "I work at Acme Analytics.", "time": t("18:00")}, namespace=NS)
        [event] = mem.add(
            {"speaker": "Ana", "text": "Sorry, I meant Globex Corporation.", "time": t("18:02")}, namespace=NS
        )
        assert _held(mem, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}
        mem.forget(NS, event)
        assert _held(mem, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
        assert not any(f.never_held for f in mem.store.iter_facts(NS))


@pytest.mark.parametrize(
    "turns",
    [
        # a session later: news needs its own words
        ["[18:00] Ana: I work at Acme Analytics.\n", "[18:02] Ana: Sorry, I meant Globex Corporation.\n"],
    ],
)
def test_a_correction_naming_only_its_value_reaches_no_other_session(
    memory: Memory, extractor: Any, tmp_path: Path, turns: list[str]
) -> None:
    path = write_talk(tmp_path / "two.txt", ("10 January 2024", turns[0]), ("10 January 2024", turns[1]))
    assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


@pytest.mark.parametrize(
    "said",
    [
        "Sorry, I meant Maria.",  # a person: neither the employer nor the home
        "Oops, I meant Porto!",  # NER reads a bare "Porto" as no place: no guess between job and home
        "When I said the boss, I meant Sarah.",
        "I meant Tom, not you.",
        "I meant Globex Corporation is hiring.",
        "Sorry, I meant Acme Analytics.",  # the value memory holds
    ],
)
def test_a_name_after_a_slip_that_is_more_or_other_than_a_correction_corrects_nothing(
    memory: Memory, extractor: Any, tmp_path: Path, said: str
) -> None:
    body = f"[18:00] Ana: I work at Acme Analytics and I live in Lisbon.\n[18:02] Ana: {said}\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
    assert _held(memory, "lives_in", valid_at=t("18:01")) == {"Lisbon"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


def test_an_apology_for_something_else_corrects_nothing(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    body = (
        "[18:00] Ana: I work at Acme Analytics.\n"
        "[18:01] Ben: How is work?\n"
        "[18:02] Ana: Busy.\n"
        "[18:03] Ben: You forgot to call me back yesterday!\n"
        "[18:04] Ana: Oh sorry, my bad. I work at Globex Corporation and it has been crazy.\n"
    )
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:03")) == {"Acme Analytics"}  # a change, told at 18:04
    assert _held(memory, "works_at", valid_at=t("18:05")) == {"Globex Corporation"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


@pytest.mark.parametrize(
    ("said", "predicate", "held"),
    [
        ("I work at Initech Systems. Oops, I meant Globex Corporation.", "works_at", "Globex Corporation"),
        ("I live in Lisbon, sorry, I meant Porto.", "lives_in", "Porto"),
        ("I live in Lisbon — sorry, I meant Porto!", "lives_in", "Porto"),
    ],
)
def test_a_slip_corrected_in_its_own_turn_is_never_stated(
    memory: Memory, extractor: Any, tmp_path: Path, said: str, predicate: str, held: str
) -> None:
    _say(memory, extractor, tmp_path, f"[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: {said}\n")
    assert _held(memory, predicate, valid_at=t("18:03")) == {held}
    if predicate == "lives_in":  # the job stated before the turn is left alone
        assert _held(memory, "works_at", valid_at=t("18:03")) == {"Acme Analytics"}
    slips = {"Initech Systems", "Lisbon"}
    names = {e.id: e.name for e in memory.store.iter_entities(NS)}
    facts = list(memory.store.iter_facts(NS, history=True))
    assert not {names[f.object_id] for f in facts} & slips  # memory never held the slip, on either axis
    assert not any(f.never_held for f in facts)
    kinds = {e.name: e.type for e in memory.store.iter_entities(NS)}
    assert kinds[held] == ("Place" if predicate == "lives_in" else "Organization")


def test_a_name_meant_after_a_name_that_was_no_statement_corrects_nothing(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    _say(
        memory,
        extractor,
        tmp_path,
        "[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: Tell Tom, sorry, I meant Maria.\n",
    )
    assert _held(memory, "works_at", valid_at=t("18:03")) == {"Acme Analytics"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


@pytest.mark.parametrize(
    ("body", "predicate", "held"),
    [
        # Maria corrects Tom, the name said last, not the job said before it
        (
            "[18:00] Ana: I work at Acme Analytics. Say hi to Tom for me.\n[18:01] Ben: Will do!\n"
            "[18:02] Ana: Sorry, I meant Maria.\n",
            "works_at",
            "Acme Analytics",
        ),
        # "Ben" is someone in the talk
        (
            "[18:00] Ana: I work at Acme Analytics.\n[18:01] Ben: Nice!\n[18:02] Ana: Sorry, I meant Ben.\n",
            "works_at",
            "Acme Analytics",
        ),
        # the denial answers Ben's question
        (
            "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Is the conference in Lisbon too?\n"
            "[18:02] Ana: No, Porto, not Lisbon.\n",
            "lives_in",
            "Lisbon",
        ),
        # a name said after the state in the slip's turn: sentence-initial, not ASCII
        (
            "[18:00] Ana: I work at Acme Analytics. Tom sends his love.\n[18:01] Ben: Will do!\n"
            "[18:02] Ana: Sorry, I meant Maria.\n",
            "works_at",
            "Acme Analytics",
        ),
        (
            "[18:00] Ana: I work at Acme Analytics. Say hi to Émile for me.\n[18:01] Ben: Will do!\n"
            "[18:02] Ana: Sorry, I meant Zoé.\n",
            "works_at",
            "Acme Analytics",
        ),
        # in the slip's own turn: a name after the state, or states of two kinds
        ("[18:00] Ana: I live in Lisbon with Tom, sorry, I meant Maria.\n[18:01] Ben: Ok.\n", "lives_in", "Lisbon"),
        (
            "[18:00] Ana: I work at Acme Analytics. Say hi to Tom for me. Oops, I meant Maria.\n[18:01] Ben: Ok.\n",
            "works_at",
            "Acme Analytics",
        ),
        (
            "[18:00] Ana: I work at Acme Analytics and live in Lisbon. Oops, I meant Globex Corporation.\n"
            "[18:01] Ben: Ok.\n",
            "lives_in",
            "Lisbon",
        ),
        # answers to questions that ask for a name
        (
            "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Where should we go for the weekend?\n"
            "[18:02] Ana: Porto, not Lisbon.\n",
            "lives_in",
            "Lisbon",
        ),
        (
            "[18:00] Ana: I work at Acme Analytics. My boss called again.\n[18:01] Ben: Who do you mean?\n"
            "[18:02] Ana: I meant Maria.\n",
            "works_at",
            "Acme Analytics",
        ),
        # a person another turn of the same file named
        (
            "[17:59] Ben: Maria called me today.\n[18:00] Ana: I work at Acme Analytics.\n[18:01] Ben: Cool.\n"
            "[18:02] Ana: Sorry, I meant Maria.\n",
            "works_at",
            "Acme Analytics",
        ),
        # a slip and its correction in one turn correct that turn, not the one before
        (
            "[18:00] Ana: I live in Lisbon.\n"
            "[18:02] Ana: I work at Acme Analytics. Oops, I meant Globex Corporation.\n",
            "lives_in",
            "Lisbon",
        ),
    ],
)
def test_a_bare_name_that_answers_or_corrects_something_else_leaves_the_state(
    memory: Memory, extractor: Any, tmp_path: Path, body: str, predicate: str, held: str
) -> None:
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, predicate, valid_at=t("18:01")) == {held}
    assert not any(f.never_held for f in memory.store.iter_facts(NS) if f.predicate == predicate)


def test_a_bare_name_a_known_entity_of_another_kind_has_corrects_nothing(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for stamp, text in [
            ("17:00", "My neighbour Kate Spade is visiting."),
            ("17:01", "Spade is great."),
            ("18:00", "I work at Acme Analytics."),
            ("18:02", "Sorry, I meant Spade."),
        ]:
            mem.add({"speaker": "Ana", "text": text, "time": t(stamp)}, namespace=NS)
        assert _held(mem, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
        assert {e.type for e in mem.store.iter_entities(NS) if "Spade" in e.name} == {"Person"}


def test_corrections_said_in_one_minute_apply_in_turn_order_past_turn_nine(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    filler = "".join(f"[18:0{i}] Ben: Line {i}.\n" for i in range(7))
    body = (
        filler + "[18:07] Ana: I work at Acme Analytics.\n"  # turn 8
        "[18:08] Ana: Sorry, I meant Globex Corporation.\n"  # turn 9
        "[18:08] Ana: Oops, I meant Initech Systems.\n"  # turn 10 ("…:10" sorts before "…:9" as text)
    )
    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        _say(mem, extractor, tmp_path, body)
        assert _held(mem, "works_at", valid_at=t("18:09")) == {"Initech Systems"}


def test_a_turn_said_in_two_messages_is_one_turn_for_a_correction(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    body = (
        "[18:00] Ana: I work at Acme Analytics.\n[18:00] Ana: It's a great place.\n"
        "[18:01] Ana: Oh sorry, my bad. I work at Globex Corporation.\n"
    )
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:00").replace(second=30)) == {"Globex Corporation"}


def test_a_name_after_the_state_in_a_live_message_of_two_lines_is_what_a_bare_name_corrects(
    extractor: Any, tmp_path: Path
) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for stamp, who, text in [
            ("18:00", "Ana", "I work at Acme Analytics.\nTom sends his love."),
            ("18:01", "Ben", "Will do!"),
            ("18:02", "Ana", "Sorry, I meant Maria."),
        ]:
            mem.add({"speaker": who, "text": text, "time": t(stamp)}, namespace=NS)
        assert _held(mem, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}


@pytest.mark.parametrize(
    "body",
    [
        "[18:00] Ana: I live in Lisbon.\n[18:01] Ana: Sorry, I meant Porto.\n[18:02] Ben: Porto is lovely, I hear.\n",
        "[18:00] Ana: I live in Lisbon, sorry, I meant Porto.\n[18:02] Ben: Porto is lovely, I hear.\n",
    ],
)
def test_a_retyped_name_is_one_entity_in_a_file_as_message_by_message(
    extractor: Any, tmp_path: Path, body: str
) -> None:
    from tests.ingest.fakes import FakeEmbedder

    kinds = []
    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        _say(mem, extractor, tmp_path, body)
        kinds.append(sorted((e.name, e.type) for e in mem.store.iter_entities(NS) if e.name == "Porto"))
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in body.splitlines():
            who, text = line[8:].split(": ", 1)
            mem.add({"speaker": who, "text": text, "time": t(line[1:6])}, namespace=NS)
        kinds.append(sorted((e.name, e.type) for e in mem.store.iter_entities(NS) if e.name == "Porto"))
    assert kinds[0] == kinds[1] == [("Porto", "Place")]


@pytest.mark.parametrize(
    "body",
    [
        # the speaker's run of messages stated states of two kinds: which one is not said
        "[18:00] Ana: I work at Acme Analytics.\n[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Cool.\n"
        "[18:02] Ana: Sorry, I meant Maria.\n",
        # a person named with the state: Maria corrects Tom
        "[18:00] Ana: Tom and I both work at Acme Analytics.\n[18:01] Ben: Cool.\n[18:02] Ana: Sorry, I meant Maria.\n",
        "[18:00] Ana: Tom and I both work at Acme Analytics, sorry, I meant Maria.\n[18:01] Ben: Cool.\n",
    ],
)
def test_a_bare_name_of_another_kind_than_the_state_corrects_nothing_when_something_else_is_its_kind(
    memory: Memory, extractor: Any, tmp_path: Path, body: str
) -> None:
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


def test_two_corrections_of_one_retyped_name_in_a_file_read_as_message_by_message(
    extractor: Any, tmp_path: Path
) -> None:
    from tests.ingest.fakes import FakeEmbedder

    body = (
        "[18:00] Ana: I work at Acme Analytics.\n[18:01] Ben: Nice.\n[18:02] Ana: Sorry, I meant Globex Corporation.\n"
        "[18:03] Ben: Ok.\n[18:04] Ana: Well, I quit Globex Corporation.\n"
    )
    found = []
    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        _say(mem, extractor, tmp_path, body)
        found.append((_held(mem, "works_at", valid_at=t("18:03")), _held(mem, "works_at", valid_at=t("18:05"))))
        ids = {e.id for e in mem.store.iter_entities(NS)}
        assert all(f.subject_id in ids and f.object_id in ids for f in mem.store.iter_facts(NS, history=True))
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in body.splitlines():
            who, text = line[8:].split(": ", 1)
            mem.add({"speaker": who, "text": text, "time": t(line[1:6])}, namespace=NS)
        found.append((_held(mem, "works_at", valid_at=t("18:03")), _held(mem, "works_at", valid_at=t("18:05"))))
    assert found[0] == found[1] == ({"Globex Corporation"}, set())


@pytest.mark.parametrize(
    "said",
    [
        "Ben, sorry, I meant Globex Corporation.",
        "Sorry Ben, I meant Globex Corporation.",
        "Oh, Ben, I meant Globex Corporation, not Acme Analytics.",
    ],
)
def test_a_correction_addressing_the_listener_by_name_still_corrects(
    memory: Memory, extractor: Any, tmp_path: Path, said: str
) -> None:
    # before, the listener's name was read as the slip's own statement in the turn, so nothing was bound
    body = f"[18:00] Ana: I work at Acme Analytics.\n[18:01] Ben: Nice!\n[18:02] Ana: {said}\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}
    assert "Ben" not in _held(memory, "works_at", valid_at=t("18:03"))


@pytest.mark.parametrize(
    "said",
    [
        "Actually I meant Globex Corporation.",
        "Actually, I meant Globex Corporation, not Acme Analytics.",
        "Oh actually, I meant Globex Corporation.",
        "Wait, I meant Globex Corporation.",
        "No, I meant Globex Corporation.",
    ],
)
def test_a_correction_naming_only_its_value_may_open_with_actually(
    memory: Memory, extractor: Any, tmp_path: Path, said: str
) -> None:
    # "actually" beside "I meant <name>" was read as more than a slip, so the turn made no fact at all
    _say(memory, extractor, tmp_path, f"[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: {said}\n")
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}
    assert _held(memory, "works_at", valid_at=t("18:03")) == {"Globex Corporation"}


def test_actually_alone_is_still_no_cue(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    body = "[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: Actually, I work at Globex Corporation.\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Acme Analytics"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


@pytest.mark.parametrize(
    "body",
    [
        "[18:00] Ana: I live in Lisbon. I mean Porto.\n",
        "[18:00] Ana: I live in Lisbon, I mean Porto.\n",
        "[18:00] Ana: I live in Lisbon.\n[18:02] Ana: I mean Porto.\n",
        "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Nice!\n[18:02] Ana: I mean Porto, not Lisbon.\n",
    ],
)
def test_i_mean_corrects_as_i_meant_does(memory: Memory, extractor: Any, tmp_path: Path, body: str) -> None:
    # before, only "I meant <name>" was a repair: "I mean Porto" left Lisbon the home
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "lives_in", valid_at=t("18:01")) == {"Porto"}
    assert _held(memory, "lives_in", valid_at=t("18:03")) == {"Porto"}


@pytest.mark.parametrize(
    "said",
    ["I mean Porto is lovely.", "I mean, Porto is lovely.", "I love it there, I mean Lisbon."],
)
def test_i_mean_as_a_filler_corrects_nothing(memory: Memory, extractor: Any, tmp_path: Path, said: str) -> None:
    _say(memory, extractor, tmp_path, f"[18:00] Ana: I live in Lisbon.\n[18:02] Ana: {said}\n")
    assert _held(memory, "lives_in", valid_at=t("18:03")) == {"Lisbon"}
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


@pytest.mark.parametrize(
    "body",
    [
        "[18:00] Ana: I live in Lisbon.\n[18:02] Ana: Sorry, Porto, not Lisbon.\n",
        "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Nice!\n[18:02] Ana: Sorry, Porto, not Lisbon.\n",
        "[18:00] Ana: I live in Lisbon. Sorry, Porto, not Lisbon.\n",
    ],
)
def test_a_verbless_correction_after_an_apology_corrects(
    memory: Memory, extractor: Any, tmp_path: Path, body: str
) -> None:
    # before, "Porto" set off by commas after "Sorry" was read as the listener addressed (and NER's "Sorry"
    # as a second name), so the fragment corrected nothing
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "lives_in", valid_at=t("18:01")) == {"Porto"}
    assert _held(memory, "lives_in", valid_at=t("18:03")) == {"Porto"}


def test_a_listener_addressed_before_a_repair_is_still_no_value(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    body = "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Nice!\n[18:02] Ana: Sorry Ben, Porto, not Lisbon.\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "lives_in", valid_at=t("18:03")) == {"Porto"}


def test_a_time_repaired_in_its_own_turn_is_read_in_place_of_the_slip(extractor: Any) -> None:
    from tests.extract.conftest import make_transcript

    said = [
        ("Ana", "I started at Acme Analytics in 2020. Sorry, I meant 2021."),
        ("Ana", "We met on Monday, I mean Tuesday."),
        ("Ana", "I moved to Porto in 2018, not 2017."),
        ("Ana", "I'm moving to Berlin in July, sorry, August."),
        ("Ben", "Nice."),
        ("Ana", "I moved to Lisbon in 2015, sorry, I meant in 2016."),
    ]
    batch = extractor.extract(make_transcript([(datetime(2024, 1, 10, 18, 0), said)]))  # a Wednesday
    starts = {f.predicate: (f.valid_from, f.time_phrase) for f in batch.facts if f.predicate in ("works_at",)}
    # before, the slip "2020" dated the job and the repair was a time of nothing
    assert starts == {"works_at": (datetime(2021, 1, 1), "2021")}
    met = batch.events[1]
    assert [(t.phrase, t.start) for t in met.times] == [("Tuesday", datetime(2024, 1, 9))]  # the past Tuesday
    homes = sorted((f.valid_from, f.time_phrase) for f in batch.facts if f.predicate == "lives_in")
    assert homes == [
        (datetime(2016, 1, 1), "2016"),  # the preposition said again
        (datetime(2018, 1, 1), "2018"),
        (datetime(2024, 8, 1), "August"),  # August ahead, as July was
    ]
    assert not any(c.correction for c in batch.closings)  # repaired in place: nothing left to bind


def test_a_correction_of_a_time_in_a_later_message_redates_the_statement(extractor: Any, tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        mem.add({"speaker": "Ana", "text": "I started at Acme Analytics in 2020.", "time": t("18:00")}, namespace=NS)
        mem.add({"speaker": "Ben", "text": "Cool!", "time": t("18:01")}, namespace=NS)
        [event] = mem.add({"speaker": "Ana", "text": "Sorry, I meant 2021.", "time": t("18:02")}, namespace=NS)
        # before, the correction was ignored: the job held from 2020
        assert _held(mem, "works_at", valid_at=datetime(2020, 6, 1)) == set()
        assert _held(mem, "works_at", valid_at=datetime(2021, 6, 1)) == {"Acme Analytics"}
        assert _held(mem, "works_at") == {"Acme Analytics"}
        moment = t("18:01")
        assert _held(mem, "works_at", as_of=moment, valid_at=datetime(2020, 6, 1)) == {"Acme Analytics"}
        mem.forget(NS, event)
        assert _held(mem, "works_at", valid_at=datetime(2020, 6, 1)) == {"Acme Analytics"}


@pytest.mark.parametrize(
    "repair",
    [
        "Oops, I meant last week.",
        "Oops, I meant last week, not last month.",  # the form docs/extraction.md gives: before, it corrected nothing
    ],
)
def test_a_time_correction_in_one_file_corrects_as_message_by_message(
    memory: Memory, extractor: Any, tmp_path: Path, repair: str
) -> None:
    body = f"[18:00] Ana: I moved to Porto last month.\n[18:01] Ben: Nice!\n[18:02] Ana: {repair}\n"
    _say(memory, extractor, tmp_path, body)
    assert _held(memory, "lives_in", valid_at=datetime(2023, 12, 15)) == set()
    assert _held(memory, "lives_in", valid_at=datetime(2024, 1, 2)) == {"Porto"}  # the week of 1 January


@pytest.mark.parametrize(
    "body",
    [
        "[18:00] Ana: I work at Acme Analytics.\n[18:02] Ana: Sorry, I meant 2021.\n",  # no time was said
        "[18:00] Ana: I started at Acme Analytics in 2020.\n[18:01] Ben: When?\n[18:02] Ana: Sorry, I meant 2021.\n",
        "[18:00] Ana: I started at Acme Analytics in 2020.\n[18:02] Ana: Sorry, 2021 was a hard year.\n",
    ],
)
def test_a_time_after_a_slip_that_is_no_correction_of_a_dated_state_redates_nothing(
    memory: Memory, extractor: Any, tmp_path: Path, body: str
) -> None:
    _say(memory, extractor, tmp_path, body)
    assert not any(f.never_held for f in memory.store.iter_facts(NS))


def test_a_time_said_in_a_correction_of_the_value_does_not_date_the_new_value(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    body = (
        "[18:00] Ana: I work at Acme Analytics.\n"
        "[18:02] Ana: My mistake, I work at Globex Corporation, I told you wrong last week.\n"
    )
    _say(memory, extractor, tmp_path, body)
    # the new value holds from the slip's start, not from "last week" (another clause)
    assert _held(memory, "works_at", valid_at=t("18:01")) == {"Globex Corporation"}
    assert _held(memory, "works_at", valid_at=datetime(2024, 1, 3)) == set()


@pytest.mark.parametrize(
    ("slip", "repair", "start"),
    [
        ("I'm moving to Porto in July.", "Sorry, I meant August.", datetime(2024, 8, 1)),  # ahead, as July was
        ("I moved to Porto in March.", "Oops, I meant May.", datetime(2023, 5, 1)),  # back, as March was
        ("I moved to Porto last month.", "Sorry, I meant last week.", datetime(2024, 1, 1)),  # a phrase's own way
    ],
)
def test_a_corrected_time_points_the_way_the_statement_it_corrects_did(
    memory: Memory, extractor: Any, tmp_path: Path, slip: str, repair: str, start: datetime
) -> None:
    # before, a bare "August" was read as the nearest one: August 2023, a move ahead backdated by a year
    _say(memory, extractor, tmp_path, f"[18:00] Ana: {slip}\n[18:02] Ana: {repair}\n")
    [home] = [f for f in memory.store.iter_facts(NS) if f.predicate == "lives_in" and not f.never_held]
    assert home.valid_from == start


def test_a_denied_value_picks_its_statement_by_name_else_by_a_shorter_name() -> None:
    """One rule for a slip of the correcting turn (names from ids) and of an earlier turn (names and aliases
    of known entities): the denied name, else a name whose first words it is, never a later word of one."""
    corp = _fact("f1", "ent:organization:globex-corporation", "18:00", "18:00", "e1")
    acme = _fact("f2", "ent:organization:acme", "18:00", "18:00", "e1")

    def by_id(entity: str) -> list[list[str]]:
        return [name_key(entity).split("-")]

    assert denied_statements([corp, acme], {"ent:product:globex"}, by_id) == [corp]
    assert denied_statements([corp, acme], {"ent:organization:acme"}, by_id) == [acme]
    assert denied_statements([corp, acme], {"ent:thing:corporation"}, by_id) == []
    known = {
        "ent:organization:acme": [["acme"], ["acme", "analytics", "group"]],  # an alias
        "ent:person:acme-analytics": [["acme", "analytics"]],
    }
    assert denied_statements([corp, acme], {"ent:person:acme-analytics"}, lambda e: known.get(e, [])) == [acme]
    assert denied_statements([corp, acme], {"ent:person:nobody"}, lambda e: known.get(e, [])) == []
