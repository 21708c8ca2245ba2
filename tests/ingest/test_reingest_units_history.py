"""Re-ingesting a file of several units after a live message keeps the history memory held, as a file of one
unit does (``test_reingest_history``): a version once archived is never changed, so ``AS OF`` a time before
the re-ingest answers as it did.

The file is longer than :data:`graphmem.ingest_units.UNIT_TURNS`, so it is written in two units, and the job
changes across the boundary (Acme in the first unit, Globex in the second). A live message recorded after
both tells of a third job. Re-ingesting the edited file (or re-extracting it, as an extractor upgrade does)
writes the first unit while the live job is stored and the file's second job not yet written again: ends
derived per unit let the live job end the first one, and the second unit then archived a version bearing
that later end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.ingest_units import UNIT_TURNS
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

from .fakes import FakeEmbedder
from .test_reextract import newer
from .test_reingest_history import LIVE, believed, versions

#: filler turns around the statements, so that the first session alone fills a unit
FILLER = ("Bob: Go on.", "Ana: Well, it rained all day.")


def _session(title: str, hour: int, said: str, turns: int) -> str:
    lines = [f"## {title}"]
    for n in range(turns):
        text = said if n == 10 else FILLER[n % 2]
        lines.append(f"[{hour + n // 60:02d}:{n % 60:02d}] {text}")
    return "\n".join(lines) + "\n"


GLOBEX = "Ana: Big news, I work at Globex Corporation now. I started there on 1 March."

ANA = (
    _session("Session 1 — 10 January 2024", 8, "Ana: I work at Acme Analytics in Lisbon.", UNIT_TURNS + 4)
    + "\n"
    + _session("Session 2 — 12 March 2024", 9, GLOBEX, 40)
)

#: the change made before ingesting again: (old → new) edits of the file, or none (an extractor upgrade)
CHANGES: dict[str, tuple[tuple[str, str], ...]] = {
    "edit unit 1": (("in Lisbon.", "in Lisbon!"),),
    "edit unit 2": (("now. I started", "now! I started"),),
    # the first turn of each session: both units redone, the first retracting both
    "edit both units": (("[08:00] Bob: Go on.", "[08:00] Bob: Go on!"), ("[09:00] Bob: Go on.", "[09:00] Bob: Go on!")),
    "re-extract": (),
}


def _reingest_keeps_history(tmp_path: Path, extractor: Any, text: str, change: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "ana.txt"
    path.write_text(text, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        first = ingest(memory, folder, namespace="ana", extractor=extractor)
        assert first.ok and first.turns == UNIT_TURNS + 44
        memory.add(LIVE, namespace="ana")
        before, held = versions(memory), believed(memory)
        assert held[(datetime(2024, 2, 1), datetime(2024, 7, 1))] == {"Acme Analytics"}
        again_with = extractor if CHANGES[change] else newer(extractor)
        for old, new in CHANGES[change]:
            assert old in text
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        again = ingest(memory, folder, namespace="ana", extractor=again_with)
        assert again.ok and again.events_retracted > 0
        after = versions(memory)
        assert before - after == set(), f"versions changed or lost: {sorted(before - after, key=str)}"
        assert believed(memory) == held


@pytest.mark.parametrize("change", list(CHANGES))
def test_reingest_of_several_units_after_a_live_add_only_adds_versions(
    tmp_path: Path, spacy_extractor: Any, change: str
) -> None:
    _reingest_keeps_history(tmp_path, spacy_extractor, ANA, change)


#: the second session tells of Ana's job, or of other things about her (the last unit names her all the same)
OTHER = "Ana: We adopted a cat named Miso last week. My sister Rita lives in Porto."
BODIES = {"Globex in unit 2": ANA, "no job in unit 2": ANA.replace(GLOBEX, OTHER)}


def jobs(memory: Memory, as_of: datetime, valid_at: datetime) -> set[str]:
    """Where memory believed on ``as_of`` that Ana worked on ``valid_at``."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    found = memory.store.iter_facts("ana", time=TimeFilter(as_of=as_of, valid_at=valid_at))
    return {name[f.object_id] for f in found if f.predicate == "works_at"}


def _in_date_order(memory: Memory, job_in_unit_2: bool) -> None:
    """What memory believed when: as adding the file's turns and then the live message gives."""
    feb, apr, jul = datetime(2024, 2, 1), datetime(2024, 4, 1), datetime(2024, 7, 1)
    assert jobs(memory, feb, feb) == jobs(memory, feb, jul) == jobs(memory, apr, feb) == {"Acme Analytics"}
    in_april = {"Globex Corporation"} if job_in_unit_2 else {"Acme Analytics"}
    assert jobs(memory, apr, apr) == jobs(memory, apr, jul) == in_april  # the live job not yet told
    assert jobs(memory, jul, jul) == {"Initech"}


@pytest.mark.parametrize("body", list(BODIES))
def test_an_older_file_of_several_units_after_a_live_add_reads_as_in_date_order(
    tmp_path: Path, spacy_extractor: Any, body: str
) -> None:
    # a first ingest: no retraction, so no kept end; the last unit ends what the first unit wrote
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ana.txt").write_text(BODIES[body], encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        memory.add(LIVE, namespace="ana")
        assert ingest(memory, folder, namespace="ana", extractor=spacy_extractor).ok
        _in_date_order(memory, body == "Globex in unit 2")


def _failing_once(extractor: Any) -> Any:
    """``extractor`` failing once, at its second unit (a crash part way, the run resumed later)."""

    class FailingOnce(type(extractor)):  # type: ignore[misc]
        units = 0

        def extract_many(self, transcripts: Any) -> list[Any]:
            FailingOnce.units += 1
            if FailingOnce.units == 2:
                raise RuntimeError("the extractor crashed")
            return super().extract_many(transcripts)

    return FailingOnce(nlp=extractor.nlp)


@pytest.mark.parametrize("body", list(BODIES))
def test_an_older_file_interrupted_after_its_first_unit_and_resumed_reads_as_in_date_order(
    tmp_path: Path, spacy_extractor: Any, body: str
) -> None:
    # the first unit leaves the live job to the last; the run stops before it, and the resumed run's last
    # unit catches up what the interrupted run's first unit wrote
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ana.txt").write_text(BODIES[body], encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        memory.add(LIVE, namespace="ana")
        failing = _failing_once(spacy_extractor)
        stopped = ingest(memory, folder, namespace="ana", extractor=failing)
        assert stopped.files_failed == 1 and stopped.turns == UNIT_TURNS + 4, stopped.errors
        resumed = ingest(memory, folder, namespace="ana", extractor=failing)
        assert resumed.ok and resumed.turns == 40
        _in_date_order(memory, body == "Globex in unit 2")
