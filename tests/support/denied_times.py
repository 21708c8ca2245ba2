"""A slip of a date memory learns after its correction ("Sorry, I meant I'm moving to Lisbon in January, not
December." stored before "I'm moving to Lisbon next month." of three days earlier), for the embedded and the
Bolt tests of :mod:`graphmem.extract.denied_times`.

:func:`tell` tells the two in a given order, each as a transcript file or the correction as a live message;
:func:`open_memory` is the embedded memory these tests tell it to, :func:`homes` what it reads back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder
from tests.support.talk import held, write_talk

NS = "t"
SLIP = (
    "[19:10] Bruno: Ana, I got the job at Nordlicht Energy!\n"
    "[19:11] Ana: Congratulations! When do you start?\n"
    "[19:12] Bruno: I start on 1 December.\n"
    "[19:14] Ana: Amazing. I'm moving to Lisbon next month, I signed a lease in Alfama.\n"
)
CORRECTION = "Sorry, I meant I'm moving to Lisbon in January, not December."
CORRECTING_CHAT = (
    "[09:00] Chloé: Ana, are you still planning to drive to Lisbon?\n"
    "[09:02] Ana: Actually I changed my mind, I'll take the train to Lisbon instead of driving.\n"
    "[09:03] Chloé: Good call. I'm flying to Tokyo on 10 December with Zoë.\n"
    f"[09:05] Ana: Lucky you! {CORRECTION}\n"
)
SLIP_DAY, CORRECTION_DAY = "17 November 2026", "20 November 2026"
CORRECTED_AT, SLIP_AT = datetime(2026, 11, 20, 9, 5), datetime(2026, 11, 17, 19, 14)
MID_DECEMBER, MID_JANUARY = datetime(2026, 12, 15), datetime(2027, 1, 15)
BEFORE_SLIP, BETWEEN = datetime(2026, 11, 16), datetime(2026, 11, 18)


def write_slip(folder: Path, name: str = "slip.txt", chat: str = SLIP) -> Path:
    """The chat of 17 November holding the slip, as a transcript file in ``folder``."""
    return write_talk(folder / name, (SLIP_DAY, chat))


def write_correction(folder: Path, name: str = "correction.txt", chat: str = CORRECTING_CHAT) -> Path:
    """The chat of 20 November holding the correction, as a transcript file in ``folder``."""
    return write_talk(folder / name, (CORRECTION_DAY, chat))


def ingest(mem: Memory, path: Path, extractor: Any) -> None:
    summary = mem.ingest(path, namespace=NS, extractor=extractor, embed=False)
    assert summary.ok, summary.errors


def add_correction(mem: Memory, text: str = CORRECTION, speaker: str = "Ana") -> None:
    """The correction said live on 20 November."""
    mem.add({"speaker": speaker, "text": text, "time": CORRECTED_AT}, namespace=NS)


#: How one step of :func:`tell` tells its part: the slip's file ingested, the correction's file ingested, or
#: the correction said live.
Step = Literal["slip", "correction", "live"]
#: The two orders of the files, for a test run each way (its parameter ``order``).
FILE_ORDERS: list[Sequence[Step]] = [("slip", "correction"), ("correction", "slip")]
FILE_ORDER_IDS = ["slip-first", "correction-first"]


def open_memory(path: Path) -> Memory:
    """An embedded memory at ``path`` with the fake embedder (a live message is embedded)."""
    return Memory.open(path, embedder=FakeEmbedder())


def tell(
    mem: Memory,
    folder: Path,
    extractor: Any,
    order: Sequence[Step],
    *,
    slip: str = SLIP,
    correction: str = CORRECTING_CHAT,
    live: str = CORRECTION,
    speaker: str = "Ana",
) -> None:
    """Tell the slip and the correction in ``order``: the chat ``slip`` (17 November) and the chat
    ``correction`` (20 November) as files written into ``folder`` and ingested, ``live`` said by ``speaker``
    on 20 November as a live message."""
    folder.mkdir(parents=True, exist_ok=True)
    for step in order:
        if step == "live":
            add_correction(mem, live, speaker)
        else:
            ingest(
                mem,
                write_slip(folder, chat=slip) if step == "slip" else write_correction(folder, chat=correction),
                extractor,
            )


def homes(mem: Memory, speaker: str, when: datetime) -> list[datetime | None]:
    """The starts of ``speaker``'s ``lives_in`` facts holding at ``when``."""
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=when))
    return sorted(
        (f.valid_from for f in found if f.predicate == "lives_in" and names[f.subject_id] == speaker),
        key=lambda d: d or datetime.min,
    )


def assert_corrected(mem: Memory) -> None:
    """The slip held for no time, memory as of between the two statements still reads it, and as of before
    the slip nothing: Lisbon from 1 January only."""
    assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER) == set()
    assert held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY) == {"Lisbon"}
    assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER, as_of=BETWEEN) == {"Lisbon"}
    assert held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY, as_of=BEFORE_SLIP) == set()
    assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER, as_of=BEFORE_SLIP) == set()
    rows = mem.facts(namespace=NS, entity="Ana", predicate="lives_in", valid_at=MID_JANUARY)
    assert [r.fact.valid_from for r in rows] == [datetime(2027, 1, 1)]


def lives_in_history(mem: Memory) -> list[tuple[Any, ...]]:
    """Every version of every ``lives_in`` fact, as the store holds it."""
    found = mem.store.iter_facts(NS, time=TimeFilter(history=True))
    return sorted(
        (f.id, f.subject_id, f.object_id, f.valid_from, f.valid_to, f.recorded_at, f.expired_at, f.revised_by)
        for f in found
        if f.predicate == "lives_in"
    )
