"""Corrections worded as testers saw them: a denied short name, a denial after a question that asks what
someone does, a slip restated as a full clause ("Sorry, I meant I started at Hooli, not Globex."), each
read alike in one file and message by message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.talk import held, say

NS = "c"


def t(hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"2024-01-10 {hh_mm}")


def _both_ways(extractor: Any, tmp_path: Path, body: str) -> Iterator[Memory]:
    """A memory holding ``body`` ingested as one file, then one holding its lines added one by one."""
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        say(mem, extractor, tmp_path / "c.txt", body, namespace=NS)
        yield mem
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in body.splitlines():
            stamp, rest = line[1:6], line[8:]
            speaker, text = rest.split(": ", 1)
            mem.add({"speaker": speaker, "text": text, "time": t(stamp)}, namespace=NS)
        yield mem


def _held_both_ways(extractor: Any, tmp_path: Path, body: str, predicate: str) -> tuple[set[str], set[str]]:
    """What holds at 18:01 after ``body`` ingested as one file, and after its lines added one by one."""
    in_file, live = (
        held(mem, predicate, namespace=NS, valid_at=t("18:01")) for mem in _both_ways(extractor, tmp_path, body)
    )
    return in_file, live


@pytest.mark.parametrize(
    ("body", "predicate", "meant"),
    [
        # the denied value is a short form of the name stated (NER typed the two apart)
        (
            "[18:00] Ana: I work at Globex Corporation.\n[18:02] Ana: Sorry, I meant Initech, not Globex.\n",
            "works_at",
            "Initech",
        ),
        (
            "[18:00] Ana: I work at Globex Corporation.\n[18:01] Ben: Nice!\n"
            "[18:02] Ana: Sorry, I meant Initech, not Globex.\n",
            "works_at",
            "Initech",
        ),
        # in the slip's own turn
        ("[18:00] Ana: I work at Globex Corporation. Sorry, I meant Initech, not Globex.\n", "works_at", "Initech"),
        # "what do you do there?" asks for an activity, not a name
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: Great, what do you do there?\n"
            "[18:02] Ana: Oops, I meant Globex, not Acme.\n",
            "works_at",
            "Globex",
        ),
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: What do you do there?\n[18:02] Ana: Sorry, I meant Globex.\n",
            "works_at",
            "Globex",
        ),
        # a question asking for a name, but the turn owns its slip and denies the value stated
        (
            "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Which city should we visit next?\n"
            "[18:02] Ana: Sorry, I meant Porto, not Lisbon.\n",
            "lives_in",
            "Porto",
        ),
        # no comma before "not": the tagger takes "Leeds" for a verb ("leads"), the name it is set against says
        # it is one
        ("[18:00] Ana: I live in Bristol.\n[18:02] Ana: Sorry, Leeds not Bristol.\n", "lives_in", "Leeds"),
        (
            "[18:00] Ana: I live in Bristol.\n[18:01] Ben: Nice!\n[18:02] Ana: Sorry, Leeds not Bristol.\n",
            "lives_in",
            "Leeds",
        ),
        # after "moved to"; a name the tagger takes for a verb with the denied name its object ("Reading not
        # London"): before, London stayed
        ("[18:00] Ana: I just moved to Bristol.\n[18:02] Ana: Sorry, Leeds not Bristol.\n", "lives_in", "Leeds"),
        ("[18:00] Ana: I just moved to London.\n[18:02] Ana: Sorry, Reading not London.\n", "lives_in", "Reading"),
        (
            "[18:00] Ana: I live in London.\n[18:01] Ben: Nice!\n[18:02] Ana: Sorry, Reading not London.\n",
            "lives_in",
            "Reading",
        ),
    ],
)
def test_a_correction_binds_in_one_file_and_message_by_message(
    extractor: Any, tmp_path: Path, body: str, predicate: str, meant: str
) -> None:
    assert _held_both_ways(extractor, tmp_path, body, predicate) == ({meant}, {meant})


@pytest.mark.parametrize(
    ("body", "predicate", "kept"),
    [
        # a bare name answering a question that asks for one is no correction, denial or not
        (
            "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Which city should we visit next?\n"
            "[18:02] Ana: Porto, not Lisbon.\n",
            "lives_in",
            "Lisbon",
        ),
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: What company is your sister at?\n[18:02] Ana: Globex.\n",
            "works_at",
            "Acme",
        ),
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: Who do you mean?\n[18:02] Ana: I meant Maria.\n",
            "works_at",
            "Acme",
        ),
        # a turn just before the correction names either value: a reply to it, commas or none
        (
            "[18:00] Ana: I live in Bristol.\n[18:01] Ben: Is the match in Leeds?\n"
            "[18:02] Ana: Sorry, Leeds not Bristol.\n",
            "lives_in",
            "Bristol",
        ),
        (
            "[18:00] Ana: I live in Bristol.\n[18:01] Ben: Are you flying from Bristol?\n"
            "[18:02] Ana: Sorry, Leeds not Bristol.\n",
            "lives_in",
            "Bristol",
        ),
        # no cue, or a sentence of its own: "Leeds" opening a sentence is not read as a name set against one
        ("[18:00] Ana: I live in Bristol.\n[18:02] Ana: Leeds not Bristol.\n", "lives_in", "Bristol"),
        ("[18:00] Ana: I live in Bristol.\n[18:02] Ana: Leeds not Bristol is the answer.\n", "lives_in", "Bristol"),
        # a denied name that is no short form of the state stated
        (
            "[18:00] Ana: I work at Globex Corporation.\n[18:01] Ben: Nice!\n"
            "[18:02] Ana: Sorry, I meant Initech, not Corporation.\n",
            "works_at",
            "Globex Corporation",
        ),
    ],
)
def test_an_answer_or_another_denial_leaves_the_state(
    extractor: Any, tmp_path: Path, body: str, predicate: str, kept: str
) -> None:
    assert _held_both_ways(extractor, tmp_path, body, predicate) == ({kept}, {kept})


@pytest.mark.parametrize(
    "body",
    [
        # the tester's finding: the clause restates the predicate, with the slip's own verb of change
        "[18:00] Ana: I started at Globex last month.\n[18:02] Ana: Sorry, I meant I started at Hooli, not Globex.\n",
        "[18:00] Ana: I work at Globex.\n[18:02] Ana: I meant I work at Hooli instead of Globex.\n",
        "[18:00] Ana: I work at Globex.\n[18:02] Ana: Not Globex, I meant I work at Hooli.\n",
        "[18:00] Ana: I started at Globex last month.\n[18:01] Ben: Nice!\n"
        "[18:02] Ana: Sorry, I meant that I started at Hooli.\n",
        # the name alone, denying with "instead of"
        "[18:00] Ana: I started at Globex last month.\n[18:02] Ana: I meant Hooli instead of Globex.\n",
        # in the slip's own turn, its time between the slip and the repair
        "[18:00] Ana: I started at Globex last month — sorry, I mean Hooli.\n",
        "[18:00] Ana: I work at Globex. Sorry, I meant I work at Hooli.\n",
        "[18:00] Ana: I started at Globex — sorry, I meant I started at Hooli.\n",
    ],
)
def test_a_slip_restated_in_a_clause_is_corrected(extractor: Any, tmp_path: Path, body: str) -> None:
    assert _held_both_ways(extractor, tmp_path, body, "works_at") == ({"Hooli"}, {"Hooli"})


@pytest.mark.parametrize(
    "body",
    [
        "[18:00] Ana: I work at Globex.\n[18:02] Ana: I meant to call you. I started at Hooli.\n",
        "[18:00] Ana: I work at Globex.\n[18:02] Ana: I meant to tell you I started at Hooli.\n",
        # a denial without "meant" beside a verb of change is news
        "[18:00] Ana: I work at Globex.\n[18:02] Ana: I started at Hooli, not Globex, though.\n",
        # "I mean, <clause>" is a filler before news
        "[18:00] Ana: I work at Globex.\n[18:02] Ana: I mean, I started at Hooli.\n",
    ],
)
def test_news_beside_meant_stays_news(extractor: Any, tmp_path: Path, body: str) -> None:
    for mem in _both_ways(extractor, tmp_path, body):
        assert held(mem, "works_at", namespace=NS, valid_at=t("18:01")) == {"Globex"}
        assert held(mem, "works_at", namespace=NS, valid_at=t("18:03")) == {"Hooli"}
        assert not any(f.never_held for f in mem.store.iter_facts(NS))


def test_a_restated_clause_revises_the_slip_as_a_name_alone_does(extractor: Any, tmp_path: Path) -> None:
    """The slip's fact is revised by the correcting turn and held for no time; the value holds from the slip's
    start ("last month"), as after "Sorry, I meant Hooli." (the README's slip example)."""
    said = "[18:00] Ana: I started at Globex last month.\n[18:02] Ana: {}\n"
    seen = []
    for text in ("Sorry, I meant Hooli.", "Sorry, I meant I started at Hooli, not Globex."):
        for mem in _both_ways(extractor, tmp_path / str(len(seen)), said.format(text)):
            names = {e.id: e.name for e in mem.store.iter_entities(NS)}
            facts = {names[f.object_id]: f for f in mem.store.iter_facts(NS) if f.predicate == "works_at"}
            globex, hooli = facts["Globex"], facts["Hooli"]
            assert globex.never_held and globex.valid_from == globex.valid_to
            assert [e.rsplit(":", 1)[-1] for e in globex.revised_by] == ["2"]  # the correcting turn
            assert hooli.valid_from == globex.valid_from < t("18:00")
            seen.append((globex.valid_from, hooli.valid_to))
    assert len(set(seen)) == 1


def test_a_clause_restating_a_slip_of_its_own_turn_keeps_its_own_date(extractor: Any, tmp_path: Path) -> None:
    """One fact of the value, dated as the slip was ("last month") unless its own clause dates it."""
    body = "[18:00] Ana: I started at Globex last month — sorry, I meant I started at Hooli{}.\n"
    starts = []
    for when in ("", " in March"):  # the slip's start ended the March one in the extractor's own pass
        for mem in _both_ways(extractor, tmp_path / str(len(starts)), body.format(when)):
            names = {e.id: e.name for e in mem.store.iter_entities(NS)}
            facts = [f for f in mem.store.iter_facts(NS) if f.predicate == "works_at"]
            assert [names[f.object_id] for f in facts] == ["Hooli"] and facts[0].valid_to is None
            starts.append(facts[0].valid_from)
    assert starts[0] == starts[1] == datetime(2023, 12, 1)  # last month
    assert starts[2] == starts[3] == datetime(2023, 3, 1)  # its own clause's March


def test_a_corrected_value_starts_when_the_slip_said_the_old_one_did(extractor: Any, tmp_path: Path) -> None:
    """The slip dated its value by another sentence ("I start on 1 February"); the correction started the
    corrected value when it was said and ended the old job then, so at 18:05 memory answered the new job
    although the change was weeks ahead (docs/extraction.md: "the new value starts when the slip said the old
    one did"; a corrected slip never ends the value before it)."""
    body = (
        "[17:00] Ana: I work at Brightwave.\n"
        "[18:00] Ana: I got a job at Cobalt Health! I start on 1 February.\n"
        "[18:02] Ana: Sorry, I meant Cobalt Care.\n"
    )
    held_then = []
    for mem in _both_ways(extractor, tmp_path, body):
        care = [s.fact for s in mem.facts(namespace=NS) if s.object == "Cobalt Care"]
        assert [(f.valid_from, f.valid_to) for f in care] == [(datetime(2024, 2, 1), None)]
        held_then.append(
            (
                held(mem, "works_at", namespace=NS, valid_at=t("18:05")),
                held(mem, "works_at", namespace=NS, valid_at=datetime(2024, 2, 2)),
            )
        )
    # Brightwave until then, Cobalt Care after; in one session "I start on 1 February" dated Brightwave too
    # (the job of the turn before), so the correction found two statements to correct and bound neither
    assert held_then == [({"Brightwave"}, {"Cobalt Care"})] * 2


def test_a_slip_denied_by_name_after_other_turns_is_corrected(extractor: Any, tmp_path: Path) -> None:
    """The correction named the stored value it denies, but another statement of the speaker stood between
    (the slip had to be in their last run of turns): Cobalt Health stayed, with no word of it. A turn that owns
    a slip and denies a value by name now corrects the speaker's current statement of that value."""
    body = (
        "[17:00] Ana: I got a job at Cobalt Health!\n"
        "[17:01] Ben: Congratulations! Will you stay in Leeds?\n"
        "[17:02] Ana: No, I'm moving to York next month.\n"
        "[17:03] Ana: Sorry, I meant Cobalt Care, not Cobalt Health.\n"
    )
    assert _held_both_ways(extractor, tmp_path, body, "works_at") == ({"Cobalt Care"}, {"Cobalt Care"})
    # a denied value the speaker never stated corrects nothing
    other = body.replace("not Cobalt Health", "not Cobalt Labs")
    assert _held_both_ways(extractor, tmp_path / "other", other, "works_at") == ({"Cobalt Health"}, {"Cobalt Health"})
