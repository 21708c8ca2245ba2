"""Memory.context: current facts and recalled events with reasons, within a real token budget."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from graphmem.cli.app import cli
from graphmem.context import default_token_counter, reason
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.recall.hit import Seed, Step, Why
from tests.recall.conftest import NS

QUESTION = "What is the name of Ana's puppy?"


def test_current_facts_and_reasoned_events(memory: Memory) -> None:
    ctx = memory.context(QUESTION, namespace=NS)
    assert "Ana" in ctx.entities
    facts = [f.describe() for f in ctx.facts]
    # current and held: in; ended in the world (valid_to passed) or retired by memory (expired): out
    assert "Ana owns Biscuit (from 2024-03-08)" in facts
    assert not any("starter" in f for f in facts)
    assert all(f.fact.id != "f:retired" for f in ctx.facts)
    top = ctx.events[0]
    assert "puppy named Biscuit" in top.event.text
    assert top.reason and top.reason != "recalled"
    line = top.line()
    assert line.startswith("- [2024-03-08 10:01] Ana: Ben, I adopted a puppy named Biscuit!")
    assert line in ctx.text and "Ana owns Biscuit" in ctx.text
    assert ctx.text.index("Facts:") < ctx.text.index("Events (best first):")
    assert ctx.tokens == default_token_counter()(ctx.text)
    assert str(ctx) == ctx.text


def test_facts_about_every_entity_named(memory: Memory) -> None:
    ctx = memory.context("Does Ben still live in the Alps and does he play the cello?", namespace=NS)
    ids = {f.fact.id for f in ctx.facts}
    assert "f:cello" in ids  # current
    assert "f:lived" not in ids  # valid 2020-2023 only


@pytest.mark.parametrize("budget", [40, 80, 160, 400, 1500])
def test_budget_is_respected(memory: Memory, budget: int) -> None:
    count = default_token_counter()
    ctx = memory.context(QUESTION, namespace=NS, budget_tokens=budget, k=14)
    assert ctx.tokens <= budget
    assert count(ctx.text) == ctx.tokens
    assert ctx.budget_tokens == budget
    assert len(ctx.events) + ctx.omitted_events == 14
    if budget == 1500:
        assert ctx.omitted_events == 0 and ctx.omitted_facts == 0


def test_a_smaller_budget_keeps_the_best_events(memory: Memory) -> None:
    big = memory.context(QUESTION, namespace=NS, budget_tokens=1500, k=14)
    small = memory.context(QUESTION, namespace=NS, budget_tokens=120, k=14)
    assert 0 < len(small.events) < len(big.events)
    assert small.events[0].event.id == big.events[0].event.id
    assert small.omitted_events > 0


def test_budget_too_small_for_the_heading(memory: Memory) -> None:
    with pytest.raises(ConfigError, match=r"^a budget of 5 tokens cannot hold the context heading \(\d+ tokens\)"):
        memory.context(QUESTION, namespace=NS, budget_tokens=5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"budget_tokens": "300"}, r"^budget_tokens must be a whole number, not '300' \(str\)$"),
        ({"budget_tokens": 300.0}, r"^budget_tokens must be a whole number, not 300.0 \(float\)$"),
        ({"k": "5"}, r"^k must be a whole number, not '5' \(str\)$"),  # before: TypeError '<' not supported
    ],
)
def test_wrong_types_are_config_errors(memory: Memory, options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        memory.context(QUESTION, namespace=NS, **options)  # type: ignore[arg-type]


def test_time_window_and_nothing_found(memory: Memory) -> None:
    ctx = memory.context(QUESTION, namespace=NS, since=datetime(2030, 1, 1))
    assert ctx.events == ()
    assert ctx.facts  # the facts with no known end: they still hold from 2030 on, as memory knows them now
    empty = memory.context("zzz qqq", namespace=NS, since=datetime(2030, 1, 1))
    assert "(memory holds nothing about this)" in empty.text


def test_a_budget_too_small_for_any_line_does_not_say_memory_holds_nothing(memory: Memory) -> None:
    """With room for the heading only, the block said "(memory holds nothing about this)" although memory
    held facts and events about the question: it must say they did not fit."""
    count = default_token_counter()
    heading = count(f"Memory of {NS!r} for the question (facts current at 2026-01-01):")
    ctx = memory.context(QUESTION, namespace=NS, budget_tokens=heading + 20, k=14)
    assert ctx.events == () and ctx.facts == ()
    assert ctx.omitted_events > 0
    assert "holds nothing" not in ctx.text
    assert "did not fit" in ctx.text and ctx.tokens <= heading + 20


def test_a_budget_between_the_two_notes_keeps_a_note(memory: Memory) -> None:
    """With a budget that held the heading and a short note but not the longer "did not fit" note, the
    trim loop dropped the note and left the heading alone."""
    count = default_token_counter()
    heading = count(f"Memory of {NS!r} for the question (facts current at 2026-01-01):")
    long_note = count("\n(what memory holds about this did not fit the budget)")
    budget = heading + count("\n(nothing fitted the budget)") + 1
    assert budget < heading + long_note
    ctx = memory.context(QUESTION, namespace=NS, budget_tokens=budget, k=14)
    assert ctx.events == () and ctx.facts == () and ctx.tokens <= budget
    assert "\n(" in ctx.text and "fit" in ctx.text.splitlines()[-1]


def test_a_fact_stated_again_is_one_line(memory: Memory) -> None:
    """ "I still work at Globex" stores a second current version of the same fact; the block listed
    the statement twice (with two starts), spending the budget on a repeat."""
    from graphmem.models import Batch, Fact

    again = Fact(
        NS,
        "f:owns2",
        "ent:ana",
        "owns",
        "ent:biscuit",
        datetime(2024, 3, 15),
        datetime(2024, 3, 15),
        evidence=("s3:4",),
    )
    memory.write(Batch(NS, facts=(again,)))
    assert len(memory.facts("Ana", namespace=NS, predicate="owns", coalesce=False)) == 2  # both are kept
    assert len(memory.facts("Ana", namespace=NS, predicate="owns")) == 1  # and read as one holding
    ctx = memory.context(QUESTION, namespace=NS)
    assert [f.describe() for f in ctx.facts if f.fact.predicate == "owns"] == ["Ana owns Biscuit (from 2024-03-08)"]
    assert ctx.text.count("Ana owns Biscuit") == 1
    [owns] = [f for f in ctx.facts if f.fact.predicate == "owns"]
    assert owns.fact.id == "f:owns" and "s3:4" in owns.fact.evidence  # the first version, with both supports


def test_as_dict_is_json(memory: Memory) -> None:
    data = json.loads(json.dumps(memory.context(QUESTION, namespace=NS).as_dict()))
    assert data["facts"][0]["subject"] == "Ana"
    assert data["events"][0]["speaker"] == "Ana" and data["events"][0]["reason"]


def test_reason_reads_why() -> None:
    origin = Seed("dense", "s2:1", 0.7, 1, "s2-1")
    why = Why(
        (Seed("text", "s2:3", 5.0, 2), Seed("entity", "ent:ana", 1.0, 1, "Ana"), origin),
        path=(Step("s2:1", "NEXT", "s2:2"), Step("s2:2", "NEXT", "s2:3")),
        origin=origin,
        parts={"speaker": 0.2, "time": 0.0},
    )
    assert reason(why) == "shares words (#2), names Ana, linked to s2-1 via next, said by someone asked about"
    assert reason(Why(())) == "recalled"


def test_cli_context(memory: Memory) -> None:
    where = str(memory.store.directory)  # type: ignore[attr-defined]
    memory.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["context", QUESTION, "--db", where, "-n", NS, "--budget", "200"])
    assert out.exit_code == 0, out.output
    assert "Ana owns Biscuit" in out.stdout and "puppy named Biscuit" in out.stdout
    out = runner.invoke(cli, ["context", QUESTION, "--db", where, "-n", NS, "--json"])
    data = json.loads(out.stdout)
    assert data["budget_tokens"] == 1500 and data["tokens"] <= 1500
    # too small a budget was reported as "budget_tokens must be at least ...", a name the CLI user never typed
    small = runner.invoke(cli, ["context", QUESTION, "--db", where, "-n", NS, "--budget", "5"])
    assert small.exit_code == 1 and str(small.exception).startswith("a budget of 5 tokens cannot hold")


def test_facts_sharing_the_question_words_come_first() -> None:
    from graphmem.context import _fact_order
    from graphmem.lookup import StatedFact
    from graphmem.models import Fact

    def stated(ident: str, predicate: str, obj: str, day: int, evidence: tuple[str, ...] = ()) -> StatedFact:
        when = datetime(2024, 4, day)
        return StatedFact(Fact(NS, ident, "ent:p", predicate, "ent:o", when, when, evidence=evidence), "Priya", obj)

    facts = [
        stated("hear", "hear", "fado", 28),
        stated("work", "works_at", "Lumen Robotics", 1),
        stated("move", "move_into", "apartment", 27, ("e9",)),
        stated("live", "lives_in", "Alfama", 27),
    ]
    ordered = [f.fact.id for f in _fact_order(facts, {"e9"}, ["work", "now", "live"])]
    assert ordered == ["live", "work", "move", "hear"]  # words shared, then backed by a hit, then recent


def test_word_piece_counter_remembers_and_adds_up() -> None:
    from graphmem.context import WordPieceCounter

    shared = default_token_counter()
    counter = WordPieceCounter(shared._tokenizer, remember=3)
    lines = ["- Ana owns Biscuit (from 2024-03-08)", "Events (best first):", "- [2024-03-08 10:01] Ana: unforgettable!"]
    counts = counter.many([*lines, lines[0]])
    assert counts[0] == counts[3] and all(c > 0 for c in counts)
    assert counter("\n".join(lines)) == sum(counts[:3])  # additive over newline-joined lines
    assert counter.many(["x y z", *lines]) == [3, *counts[:3]]  # past `remember` the memory starts again


def test_an_event_is_one_line_whatever_its_text_holds() -> None:
    """A message with a list in it ("the plan:\\n- a\\n- b") broke the block into lines that read as
    more events; a speaker from a JSON record could hold a newline too."""
    from graphmem.context import ContextEvent
    from graphmem.models import Event

    ev = Event(NS, "e", "s", 0, "Ana\nEvil", "Here is the plan:\n- pack\n- fly\r\n\tthen rest", datetime(2024, 5, 1, 9))
    line = ContextEvent(ev, 1.0, "recalled").line()
    assert "\n" not in line and "\r" not in line and "\t" not in line
    assert line == "- [2024-05-01 09:00] Ana Evil: Here is the plan: - pack - fly then rest (why: recalled)"
