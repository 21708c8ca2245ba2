"""Ana's job, told in a file and by live messages out of order, for the tests of changes told before a
stored version was recorded (``tests/ingest/test_told_before_recorded*.py`` and their Bolt twins).

Her job at Initech is told in January (the file's first session); a live "I left Initech last week" in June
records its version anew. The file then grows by a job at Globex told in March and a move told in April.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

FIRST = """\
## Session 1 — 10 January 2024
[09:00] Ana: I work at Initech in Lisbon.
[09:01] Bob: Nice! How long have you been there?
"""

GROWN = """
## Session 2 — 12 March 2024
[10:00] Ana: Big news, I work at Globex Corporation now. I started there on 1 March.
[10:01] Bob: Congrats!

## Session 3 — 20 April 2024
[10:00] Ana: I live in Porto now.
[10:01] Bob: Lovely!
"""

LIVE = {"speaker": "Ana", "time": "2024-06-01T10:00", "text": "I left Initech last week."}
QUIT = {"speaker": "Ana", "time": "2024-03-12T10:00", "text": "I quit Initech on 1 March."}
JULY = {"speaker": "Ana", "time": "2024-07-01T10:00", "text": "Actually I left Initech on 25 February."}
MOMENTS = [datetime(2024, m, d, 12) for m, d in [(2, 1), (3, 13), (4, 1), (5, 25), (6, 1), (6, 2), (7, 2), (8, 1)]]


def tell(memory: Memory, folder: Path, extractor: Any, parts: list[Any]) -> None:
    """Tell ``parts`` in order into the namespace ``ana``: a string is the whole of the file
    ``folder/ana.txt``, ingested (again); a dict is a live message."""
    path = folder / "ana.txt"
    for part in parts:
        if isinstance(part, str):
            path.write_text(part, encoding="utf-8")
            assert ingest(memory, path, namespace="ana", extractor=extractor).ok
        else:
            memory.add(part, namespace="ana")


def told_live(memory: Memory, folder: Path, extractor: Any) -> None:
    """The file's first session, then the live June message ending the job."""
    tell(memory, folder, extractor, [FIRST, LIVE])


def grown(memory: Memory, folder: Path, extractor: Any) -> None:
    """:func:`told_live`, then the file grown by the March and April sessions."""
    tell(memory, folder, extractor, [FIRST, LIVE, FIRST + GROWN])


def jobs(memory: Memory, tf: TimeFilter) -> dict[str, Any]:
    """Ana's ``works_at`` facts the filter reads, by the employer's name."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    return {name[f.object_id]: f for f in memory.store.iter_facts("ana", time=tf) if f.predicate == "works_at"}


def initech(memory: Memory) -> list[Any]:
    """Initech's versions, oldest first."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    rows = memory.store.iter_facts("ana", time=TimeFilter(history=True))
    found = (f for f in rows if name.get(f.object_id) == "Initech")
    return sorted(found, key=lambda f: (f.recorded_at, f.expired_at is None))


def told(memory: Memory) -> list[tuple[Any, ...]]:
    """Initech's versions as times and causes."""
    return [(v.recorded_at, v.expired_at, v.valid_from, v.valid_to, v.revised_by) for v in initech(memory)]


def reads(memory: Memory) -> dict[str, Any]:
    """What memory says of jobs now and ``AS OF`` each moment (names and valid times, not statement ids)."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}

    def of(tf: TimeFilter | None) -> list[tuple[Any, ...]]:
        rows = memory.store.iter_facts("ana", time=tf) if tf else memory.store.iter_facts("ana")
        return sorted((name[f.object_id], f.valid_from, f.valid_to) for f in rows if f.predicate == "works_at")

    return {"now": of(None), **{str(t): of(TimeFilter(as_of=t, valid_at=t)) for t in MOMENTS}}


#: A four-session file: Initech, then Globex from 1 February, back at Initech from 1 March, then the
#: fourth session (a key of :data:`FOURTH`); the live June :data:`LIVE` ends the job held then.
BACK = [
    FIRST,
    """
## Session 2 — 12 February 2024
[10:00] Ana: Big news, I work at Globex Corporation now. I started there on 1 February.
[10:01] Bob: Congrats!
""",
    """
## Session 3 — 12 March 2024
[10:00] Ana: Big news, I work at Initech again now. I started there on 1 March.
[10:01] Bob: Welcome back!
""",
]

#: The fourth session's turn: one ending the second Initech job before the live message, one ending nothing.
FOURTH = {"quit": "I quit Initech on 15 April.", "porto": "I live in Porto now."}


def back(fourth: str | None = None, *, edit: tuple[str, str] | None = None) -> str:
    """The text of :data:`BACK`'s file: with ``FOURTH[fourth]`` told on 20 April when given, and the
    second session's ``edit`` (old, new) applied when given."""
    second = BACK[1].replace(*edit) if edit else BACK[1]
    text = BACK[0] + second + BACK[2]
    if fourth is not None:
        text += f"\n## Session 4 — 20 April 2024\n[10:00] Ana: {FOURTH[fourth]}\n[10:01] Bob: I see.\n"
    return text


def versions(memory: Memory) -> list[tuple[Any, ...]]:
    """Every ``works_at`` version by employer, both time axes and the texts of the turns that revised it
    (ids differ between stores told in another order: a live session is numbered after the file's)."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    text = {e.id: e.text for e in memory.store.iter_events("ana")}
    rows = memory.store.iter_facts("ana", time=TimeFilter(history=True))
    return sorted(
        (
            (name[f.object_id], f.valid_from, f.valid_to, f.recorded_at, f.expired_at, [text[e] for e in f.revised_by])
            for f in rows
            if f.predicate == "works_at"
        ),
        key=repr,
    )
