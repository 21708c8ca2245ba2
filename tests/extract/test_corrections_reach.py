"""Which later-written statements a correction of a time reaches (:mod:`graphmem.extract.denied_times`).

A correction restating its clause by an alias of its value ("Sorry, I meant I'm moving to NYC in January,
not December." where NYC is New York City) stored before the slip it corrects: before, the denial was
bound only when the clause said the words of the value's id, so the slip stayed current. A bare
correction ("Sorry, I meant January, not December.") corrects the statement said before it, never one said
after it, nor one memory learns after it (it stores no fact to read it back from: a documented miss).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from graphmem.models import Batch, Entity
from tests.support.denied_times import BETWEEN, MID_DECEMBER, MID_JANUARY, NS, ingest
from tests.support.talk import write_talk

SLIP_DAY, CORRECTION_DAY = "17 November 2026", "20 November 2026"
# the city named in full first, so the correction's "NYC" is an alias of the entity New York City
INTRO = ("10 November 2026", "[08:00] Ana: My brother lives in New York City, he loves it.\n")
CHAT = (
    "[09:00] Chloé: Ana, how are you?\n"
    "[09:02] Ana: Fine thanks, busy packing.\n"
    "[09:03] Chloé: I'm flying to Tokyo on 10 December with Zoë.\n"
    "[09:05] Ana: Lucky you! {correction}\n"
)


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Memory]:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "mem", embedder=FakeEmbedder()) as opened:  # type: ignore[arg-type]
        yield opened


def _slip(folder: Path, city: str = "New York City") -> Path:
    return write_talk(
        folder / "slip.txt", (SLIP_DAY, f"[19:14] Ana: I'm moving to {city} next month, I signed a lease.\n")
    )


def _correction(folder: Path, correction: str) -> Path:
    return write_talk(folder / "correction.txt", (CORRECTION_DAY, CHAT.format(correction=correction)))


def _named(mem: Memory, when: datetime, as_of: datetime | None) -> set[str]:
    """The starts of Ana's ``lives_in`` facts holding at ``when`` (her brother's home left out)."""
    rows = mem.facts(namespace=NS, entity="Ana", predicate="lives_in", valid_at=when, as_of=as_of)
    return {f"{r.fact.valid_from:%Y-%m}" for r in rows if r.fact.subject_id == "ent:person:ana"}


@pytest.mark.parametrize("live", [False, True], ids=["ingested", "added-live"])
def test_a_correction_naming_its_value_by_an_alias_corrects_a_slip_written_after(
    mem: Memory, extractor: Any, tmp_path: Path, live: bool
) -> None:
    """Before, the December move stayed current beside January's: "NYC" is not the words of the id."""
    ingest(mem, write_talk(tmp_path / "intro.txt", INTRO), extractor)
    correction = "Sorry, I meant I'm moving to NYC in January, not December."
    if live:
        mem.add({"speaker": "Ana", "text": correction, "time": datetime(2026, 11, 20, 9, 5)}, namespace=NS)
    else:
        ingest(mem, _correction(tmp_path, correction), extractor)
    ingest(mem, _slip(tmp_path), extractor)
    assert _named(mem, MID_DECEMBER, None) == set()
    assert _named(mem, MID_JANUARY, None) == {"2027-01"}
    assert _named(mem, MID_DECEMBER, BETWEEN) == {"2026-12"}  # memory between the two still read the slip


def test_an_alias_an_earlier_extraction_gave_binds_the_correction(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """New York known as "the Big Apple" (an alias stored before, as an extractor giving aliases writes it):
    the correction restating the move to the Big Apple corrects the December move to New York, in either
    order, with the same versions."""
    known = Entity(NS, "ent:place:new-york", "New York", "Place", ("the Big Apple",))
    correction = "Sorry, I meant I'm moving to the Big Apple in January, not December."
    histories = []
    for order in ("correction-first", "slip-first"):
        folder = tmp_path / order
        folder.mkdir()
        from tests.ingest.fakes import FakeEmbedder

        with Memory.open(folder / "mem", embedder=FakeEmbedder()) as other:  # type: ignore[arg-type]
            other.store.write(Batch(NS, entities=[known]))
            files = [_correction(folder, correction), _slip(folder, "New York")]
            for path in files if order == "correction-first" else reversed(files):
                ingest(other, path, extractor)
            assert _named(other, MID_DECEMBER, None) == set()
            assert _named(other, MID_JANUARY, None) == {"2027-01"}
            found = other.facts(namespace=NS, entity="Ana", predicate="lives_in")
            histories.append(sorted((r.fact.object_id, r.fact.valid_from, r.fact.valid_to) for r in found))
    assert histories[0] == histories[1]


def test_an_alias_in_another_clause_than_the_denial_binds_nothing(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The denial restates Globex's clause; NYC's move, said by its alias in the next clause, is not denied."""
    ingest(mem, write_talk(tmp_path / "intro.txt", INTRO), extractor)
    correction = "Sorry, I meant I start at Globex in January, not December, and I'm moving to NYC in January."
    ingest(mem, _correction(tmp_path, correction), extractor)
    ingest(mem, _slip(tmp_path), extractor)
    assert _named(mem, MID_DECEMBER, None) == {"2026-12"}


def test_a_bare_correction_corrects_the_statement_just_before_it(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The check of the bound case: the slip, then "Sorry, I meant January, not December." two turns on."""
    chat = (
        "[19:14] Ana: I'm moving to Lisbon next month, I signed a lease.\n"
        "[19:15] Bruno: Wow, congratulations!\n"
        "[19:16] Ana: Sorry, I meant January, not December.\n"
    )
    ingest(mem, write_talk(tmp_path / "chat.txt", (SLIP_DAY, chat)), extractor)
    assert _named(mem, MID_DECEMBER, None) == set()
    assert _named(mem, MID_JANUARY, None) == {"2027-01"}


def test_a_bare_correction_leaves_a_statement_said_after_it(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """Nothing before it to bind to, the same speaker names the denied month exactly in her next turn: that
    later statement is her latest word (a plan changed, or the correction was of something memory never
    held), so it stands. A correction is never bound to what is said after it (docs/extraction.md)."""
    chat = (
        "[19:10] Ana: Sorry, I meant January, not December.\n"
        "[19:11] Bruno: Ok!\n"
        "[19:12] Ana: I'm moving to Lisbon in December, I signed a lease.\n"
    )
    ingest(mem, write_talk(tmp_path / "chat.txt", (SLIP_DAY, chat)), extractor)
    assert _named(mem, MID_DECEMBER, None) == {"2026-12"}
    assert _named(mem, MID_JANUARY, None) == {"2026-12"}


def test_a_bare_correction_stored_before_its_slip_leaves_it(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The documented miss: a bare correction states no fact, so a slip said before it that memory learns
    after it is not read against it (the restated form is: test_corrections_before_slips.py)."""
    ingest(mem, _correction(tmp_path, "Sorry, I meant January, not December."), extractor)
    ingest(mem, _slip(tmp_path, "Lisbon"), extractor)
    assert _named(mem, MID_DECEMBER, None) == {"2026-12"}


@pytest.mark.parametrize(
    ("known", "correction", "city"),
    [
        (
            Entity(NS, "ent:place:new-york-city", "New York City", "Place", ("New York",)),
            "Sorry, I meant I start at the New York Times in January, not December, and I'm moving to New York City"
            " in January.",
            "New York City",
        ),
        (
            Entity(NS, "ent:place:london", "London", "Place", ("the City",)),
            "Sorry, I meant I start at Globex in the city in January, not December, and I'm moving to London in"
            " January.",
            "London",
        ),
    ],
    ids=["alias-inside-a-longer-name", "alias-as-an-ordinary-word"],
)
def test_an_alias_said_inside_another_name_or_as_a_word_binds_nothing(
    mem: Memory, extractor: Any, tmp_path: Path, known: Entity, correction: str, city: str
) -> None:
    """The denial restates the job's clause: "New York" inside "the New York Times" and the word "city" are
    not the city's alias said, so the December move said after stays (before, it was wiped)."""
    mem.store.write(Batch(NS, entities=[known]))
    ingest(mem, _correction(tmp_path, correction), extractor)
    ingest(mem, _slip(tmp_path, city), extractor)
    assert _named(mem, MID_DECEMBER, None) == {"2026-12"}


@pytest.mark.parametrize(
    ("clause", "keys", "own", "denied"),
    [
        ("I'm moving to Lisbon, Portugal", {"lisbon"}, "lisbon", True),
        ("I'm moving to NYC", {"new-york-city", "nyc"}, "new-york-city", True),
        ("I start at the New York Times", {"new-york-city", "new-york"}, "new-york-city", False),
        ("I start at Globex in the city", {"london", "city"}, "london", False),
        ("I start yoga", {"yoga"}, "yoga", True),
    ],
)
def test_a_name_is_read_whole(clause: str, keys: set[str], own: str, denied: bool) -> None:
    from graphmem.extract.denied_times import _denied_phrases

    found = _denied_phrases(f"Sorry, I meant {clause} in January, not December.", "in January", keys, own)
    assert bool(found) == denied


def test_a_bare_correction_leaves_a_statement_said_after_it_in_the_same_minute(
    mem: Memory, extractor: Any, tmp_path: Path
) -> None:
    """Turns told at one time keep their order: before, the tie let the correction bind the later statement
    (a January move beside the December one)."""
    chat = (
        "[19:10] Ana: Sorry, I meant January, not December.\n"
        "[19:10] Bruno: Ok!\n"
        "[19:10] Ana: I'm moving to Lisbon in December, I signed a lease.\n"
    )
    ingest(mem, write_talk(tmp_path / "chat.txt", (SLIP_DAY, chat)), extractor)
    assert _named(mem, MID_DECEMBER, None) == {"2026-12"}
    assert _named(mem, MID_JANUARY, None) == {"2026-12"}
