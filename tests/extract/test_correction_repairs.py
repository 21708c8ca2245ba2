"""Repair forms a speaker uses after a slip ("I meant to say Lyon.", "Not Globex, I meant Hooli.", "Actually,
make that Hooli.", "Scratch that, Hooli.", "Correction: Hooli.", "I misspoke, it's Hooli.", "I said Paris but
I meant Lyon."): each revises the slip's fact as "Sorry, I meant Hooli." does, whether both turns come in one
``add`` or one at a time; their look-alikes ("I meant to say thank you", "make that a double") correct
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from graphmem.models import Fact
from tests.support.talk import held

NS = "c"


def t(hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"2024-01-10 {hh_mm}")


def _both_ways(tmp_path: Path, *turns: tuple[str, str]) -> Iterator[Memory]:
    """A memory given Ana's ``(hh:mm, text)`` turns in one ``add``, then one given them one at a time."""
    from tests.ingest.fakes import FakeEmbedder

    messages = [{"speaker": "Ana", "text": text, "time": t(hh_mm)} for hh_mm, text in turns]
    with Memory.open(tmp_path / "one", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        mem.add(messages, namespace=NS)
        yield mem
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for message in messages:
            mem.add(message, namespace=NS)
        yield mem


def _facts(mem: Memory, predicate: str) -> dict[str, Fact]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    return {names[f.object_id]: f for f in mem.store.iter_facts(NS) if f.predicate == predicate}


@pytest.mark.parametrize(
    ("slip", "repair", "predicate", "meant"),
    [
        # before, read as news: Globex ended at 18:02 and Hooli started then
        ("I work at Globex now.", "I meant to say I work at Hooli.", "works_at", "Hooli"),
        ("I work at Globex now.", "Sorry, I meant to say that I work at Hooli.", "works_at", "Hooli"),
        # before, nothing changed: Globex stayed current
        ("I work at Globex now.", "Not Globex, I meant Hooli.", "works_at", "Hooli"),
        ("I live in Paris now.", "Sorry, I meant to say Lyon.", "lives_in", "Lyon"),
        ("I work at Globex now.", "Actually, make that Hooli.", "works_at", "Hooli"),
        ("I work at Globex now.", "Scratch that, Hooli.", "works_at", "Hooli"),
        ("I work at Globex now.", "Correction: Hooli.", "works_at", "Hooli"),
        ("I work at Globex now.", "Oh, correction: Hooli.", "works_at", "Hooli"),
        ("I work at Globex now.", "I misspoke, it's Hooli.", "works_at", "Hooli"),
        ("I live in Paris now.", "I said Paris but I meant Lyon.", "lives_in", "Lyon"),
        # a restated clause denying the value just stated by name is a repair (no news word beside it)
        ("I work at Globex now.", "Wait, I work at Hooli, not Globex.", "works_at", "Hooli"),
    ],
)
def test_a_repair_form_revises_the_slip_as_i_meant_does(
    tmp_path: Path, slip: str, repair: str, predicate: str, meant: str
) -> None:
    for mem in _both_ways(tmp_path, ("18:00", slip), ("18:02", repair)):
        facts = _facts(mem, predicate)
        [old] = [name for name in facts if name != meant]
        wrong, right = facts[old], facts[meant]
        assert wrong.never_held and wrong.valid_from == t("18:00")  # never true: no job that ended at 18:02
        assert [e.rsplit(":", 1)[-1] for e in wrong.revised_by] == ["2"]  # revised by the correcting turn
        assert right.valid_from == t("18:00") and right.valid_to is None
        assert held(mem, predicate, namespace=NS, valid_at=t("18:01")) == {meant}
        # what memory believed before the correction is still readable
        assert held(mem, predicate, namespace=NS, as_of=t("18:01"), valid_at=t("18:01")) == {old}


@pytest.mark.parametrize(
    ("slip", "repair", "predicate", "kept"),
    [
        ("I work at Globex now.", "I meant to say thank you.", "works_at", "Globex"),
        ("I work at Globex now.", "I meant to call you.", "works_at", "Globex"),
        ("I work at Globex now.", "I meant to say hi to Tom.", "works_at", "Globex"),
        ("I work at Globex now.", "Not Globex, though.", "works_at", "Globex"),
        ("I work at Globex now.", "Hooli, not Globex, though.", "works_at", "Globex"),
        ("I live in Lyon now.", "Actually, I love Paris.", "lives_in", "Lyon"),
        ("I work at Globex now.", "Make that a double.", "works_at", "Globex"),
        # a listener addressed after an apology is no value
        ("I work at Globex now.", "I misspoke, Tom.", "works_at", "Globex"),
    ],
)
def test_a_look_alike_of_a_repair_corrects_nothing(
    tmp_path: Path, slip: str, repair: str, predicate: str, kept: str
) -> None:
    for mem in _both_ways(tmp_path, ("18:00", slip), ("18:02", repair)):
        assert held(mem, predicate, namespace=NS, valid_at=t("18:03")) == {kept}
        assert not any(f.never_held for f in mem.store.iter_facts(NS))


def test_make_that_with_nothing_stated_before_corrects_nothing(tmp_path: Path) -> None:
    for mem in _both_ways(tmp_path, ("18:00", "Make that a double."), ("18:02", "Actually, make that Hooli.")):
        assert not list(mem.store.iter_facts(NS))


def test_a_denial_beside_news_is_a_change(tmp_path: Path) -> None:
    """ "Now" tells news whatever the denial: Globex held until the change was said."""
    for mem in _both_ways(tmp_path, ("18:00", "I work at Globex."), ("18:02", "I work at Hooli now, not Globex.")):
        assert held(mem, "works_at", namespace=NS, valid_at=t("18:01")) == {"Globex"}
        assert held(mem, "works_at", namespace=NS, valid_at=t("18:03")) == {"Hooli"}
        assert not any(f.never_held for f in mem.store.iter_facts(NS))


@pytest.mark.parametrize(
    ("slip", "repair", "start"),
    [
        # before, the time of nothing: the move kept its Monday
        ("I'm moving to Porto on Monday.", "Sorry, I meant to say Tuesday.", datetime(2024, 1, 16)),
        ("I moved to Porto in 2020.", "I meant to say 2021.", datetime(2021, 1, 1)),
        ("I'm moving to Porto in July.", "Actually, make that August.", datetime(2024, 8, 1)),
    ],
)
def test_a_repair_form_of_a_time_redates_the_statement(tmp_path: Path, slip: str, repair: str, start: datetime) -> None:
    for mem in _both_ways(tmp_path, ("18:00", slip), ("18:02", repair)):
        homes = [f for f in mem.store.iter_facts(NS) if f.predicate == "lives_in"]
        assert [f.valid_from for f in homes if not f.never_held] == [start]
        assert sum(f.never_held for f in homes) == 1


@pytest.mark.parametrize(
    ("said", "start"),
    [
        ("I'm moving to Porto on Monday, I meant to say Tuesday.", datetime(2024, 1, 16)),
        ("I'm moving to Porto in July, make that August.", datetime(2024, 8, 1)),
    ],
)
def test_a_repair_form_of_a_time_in_its_own_turn_is_read_in_place_of_the_slip(
    tmp_path: Path, said: str, start: datetime
) -> None:
    for mem in _both_ways(tmp_path, ("18:00", said)):
        homes = [f for f in mem.store.iter_facts(NS) if f.predicate == "lives_in"]
        assert [(f.valid_from, f.never_held) for f in homes] == [(start, False)]


@pytest.mark.parametrize(
    "said",
    [
        "I work at Globex. Actually, make that Hooli.",
        "I work at Globex. Scratch that, Hooli.",
        "I work at Globex. Not Globex, I meant Hooli.",
        "I work at Globex. I meant to say Hooli.",
    ],
)
def test_a_repair_form_in_the_slips_own_turn_states_only_the_value(tmp_path: Path, said: str) -> None:
    for mem in _both_ways(tmp_path, ("18:00", said)):
        assert [(name, f.valid_to) for name, f in _facts(mem, "works_at").items()] == [("Hooli", None)]


@pytest.mark.parametrize("repair", ["Sorry, I meant two coffees.", "Make that two coffees."])
def test_a_common_noun_after_a_repair_form_corrects_nothing_and_loses_no_message(tmp_path: Path, repair: str) -> None:
    """A topic is no name a slip is repaired with; before, "Sorry, I meant two coffees." bound the topic as the
    employer after salience had dropped it, and the write failed (StoreError: the fact named an entity that did
    not exist), losing the message."""
    for mem in _both_ways(tmp_path, ("18:00", "I work at Globex."), ("18:02", repair)):
        assert held(mem, "works_at", namespace=NS, valid_at=t("18:03")) == {"Globex"}
        assert not any(f.never_held for f in mem.store.iter_facts(NS))
        assert len(list(mem.store.iter_events(NS))) == 2
