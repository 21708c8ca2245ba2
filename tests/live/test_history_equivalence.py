"""The same messages give the same fact versions on both time axes, ingested as a file or added one by one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.formats import read_transcripts
from graphmem.live import messages_of
from graphmem.models import Fact
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

# a move ends Madrid; a later correction restates the current value
RESTATED = """## Session 1 — 14 June 2023
[10:00] Ana: I live in Madrid.

## Session 2 — 29 February 2024
[09:00] Ana: I moved to Valencia two weeks ago.

## Session 3 — 3 March 2024
[12:02] Ana: Sorry, I meant Valencia. I live in Valencia.
"""

# a slip ends Valencia for two minutes, then is corrected
SLIP = """## Session 1 — 14 June 2023
[10:00] Ana: I live in Madrid.

## Session 2 — 29 February 2024
[09:00] Ana: I moved to Valencia two weeks ago.

## Session 3 — 3 March 2024
[12:00] Ana: I live in {slip} now.
[12:01] Ben: {slip}? I thought Valencia.
[12:02] Ana: Sorry, I meant Valencia. I live in Valencia.
"""

DIALOGUES = {
    "restated": RESTATED,
    "slip_barcelona": SLIP.format(slip="Barcelona"),
    "slip_sevilla": SLIP.format(slip="Sevilla"),
    "job": """## Session 1 — 10 January 2024
[18:00] Ana: I work at Acme.
[18:01] Ben: Nice!
[18:02] Ana: Sorry, I meant Globex. I work at Globex.

## Session 2 — 1 March 2024
[10:00] Ana: I quit Globex last week. I work at Initech now.
""",
}

Version = tuple[Any, ...]


def _versions(mem: Memory, ns: str) -> list[Version]:
    def key(f: Fact) -> Version:
        when = (f.valid_from, f.valid_to, f.recorded_at, f.expired_at)
        return (f.id, f.subject_id, f.predicate, f.object_id, *when, f.evidence, f.revised_by)

    return sorted(key(f) for f in mem.store.iter_facts(ns, history=True))


def _lives(mem: Memory, ns: str, valid_at: datetime | None = None, as_of: datetime | None = None) -> list[str]:
    facts = mem.store.iter_facts(ns, time=TimeFilter(valid_at=valid_at, as_of=as_of))
    return sorted(f.object_id.rsplit(":", 1)[-1] for f in facts if f.predicate == "lives_in")


def _both(tmp_path: Path, nlp: Any, text: str) -> tuple[Memory, Memory, str, list[str]]:
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    (transcript,) = read_transcripts(path)
    ns = transcript.namespace
    batch = Memory.open(tmp_path / "file", embedder=FakeEmbedder(), nlp=nlp)
    live = Memory.open(tmp_path / "live", embedder=FakeEmbedder(), nlp=nlp)
    assert batch.ingest(path).ok
    ids = [i for message in messages_of(transcript) for i in live.add(message, namespace=ns)]
    return batch, live, ns, ids


@pytest.mark.parametrize("name", sorted(DIALOGUES))
def test_file_and_messages_give_the_same_versions(tmp_path: Path, nlp: Any, name: str) -> None:
    batch, live, ns, ids = _both(tmp_path, nlp, DIALOGUES[name])
    with batch, live:
        assert ids == [e.id for e in batch.store.iter_events(ns)]
        assert _versions(batch, ns) == _versions(live, ns)


def test_a_restated_value_corrects_no_ended_fact(tmp_path: Path, nlp: Any) -> None:
    # the correction used to bind to Madrid, ended by the move before: Madrid never held, Valencia from 2023
    batch, live, ns, _ = _both(tmp_path, nlp, RESTATED)
    with batch, live:
        for mem in (batch, live):
            assert _lives(mem, ns, valid_at=datetime(2024, 1, 1)) == ["madrid"]
            # what memory held on 1 March: Madrid ended by the move, Valencia open (learned on 29 February)
            assert _lives(mem, ns, valid_at=datetime(2024, 3, 1), as_of=datetime(2024, 3, 1)) == ["valencia"]
            madrid = [f for f in mem.store.iter_facts(ns, history=True) if f.object_id.endswith("madrid")]
            assert sorted((f.recorded_at, f.valid_to) for f in madrid) == [
                (datetime(2023, 6, 14, 10), None),
                (datetime(2024, 2, 29, 9), datetime(2024, 2, 12)),
            ]
        # forgetting the correcting message leaves Valencia current
        last = next(e.id for e in batch.store.iter_events(ns) if e.text.startswith("Sorry"))
        batch.forget(ns, last)
        assert _lives(batch, ns, valid_at=datetime(2024, 3, 4)) == ["valencia"]


def test_the_moment_between_a_slip_and_its_correction_reads_the_slip(tmp_path: Path, nlp: Any) -> None:
    # ingested whole, the version in which Barcelona ended Valencia at 12:00 was never written: AS OF 12:01
    # read Valencia and Barcelona both open
    batch, live, ns, _ = _both(tmp_path, nlp, DIALOGUES["slip_barcelona"])
    with batch, live:
        between = datetime(2024, 3, 3, 12, 1)
        for mem in (batch, live):
            assert _lives(mem, ns, valid_at=between, as_of=between) == ["barcelona"]
            assert _lives(mem, ns, valid_at=between) == ["valencia"]
