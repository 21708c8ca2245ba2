"""Re-extracting a file of several units with another extractor (or another version of it) rewrites
every session; each unit must be written as a fresh ingest writes it, not against the earlier
version's later sessions still stored (those would end its facts with versions recorded before the
statements that caused them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory

from .fakes import FakeEmbedder
from .test_reingest_ends import versions

TEXT = """\
## Session 1 — 10 January 2024
[18:00] Ana: I live in Lisbon with my sister.
[18:01] Ben: Nice.

## Session 2 — 12 March 2024
[19:00] Ana: I moved to Berlin last month.
[19:01] Ben: How is it?

## Session 3 — 20 June 2024
[20:00] Ana: I work at Acme Analytics now.
[20:01] Ben: Great.

## Session 4 — 1 September 2024
[21:00] Ana: I left Acme Analytics last week.
[21:01] Ben: Oh.
"""


def newer(extractor: Any) -> Any:
    """The same extractor under the next version (what an upgrade of the model or rules looks like)."""
    from graphmem.extract.pipeline import SpacyExtractor

    class Newer(SpacyExtractor):
        version = f"{SpacyExtractor.version}-next"

    return Newer(nlp=extractor.nlp)


def _in_session_1(fact: Any) -> bool:
    return all("/session_1:" in e for e in fact.evidence)


def older(extractor: Any) -> Any:
    """An earlier version that missed what the first session says (the newer one finds facts it did not)."""
    from dataclasses import replace

    from graphmem.extract.pipeline import SpacyExtractor

    class Older(SpacyExtractor):
        version = f"{SpacyExtractor.version}-old"

        def extract_many(self, transcripts: Any) -> list[Any]:
            out = super().extract_many(transcripts)
            first = [replace(b, facts=tuple(f for f in b.facts if not _in_session_1(f))) for b in out]
            return first

    return Older(nlp=extractor.nlp)


@pytest.mark.parametrize("before", ["same facts", "fewer facts"])
def test_reextraction_of_a_file_of_several_units_equals_a_fresh_ingest(
    tmp_path: Path, spacy_extractor: Any, monkeypatch: pytest.MonkeyPatch, before: str
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 2)  # one session per unit
    path = tmp_path / "ana.txt"
    path.write_text(TEXT, encoding="utf-8")
    first = spacy_extractor if before == "same facts" else older(spacy_extractor)
    other = newer(spacy_extractor)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        ingest(memory, path, namespace="ana", extractor=first)
        again = ingest(memory, path, namespace="ana", extractor=other)
        assert again.ok and again.events_retracted == 8 and again.turns == 8
        got = versions(memory, "ana")
        said = {e.id: e.occurred_at for e in memory.store.iter_events("ana")}
        for f in memory.store.iter_facts("ana", history=True):
            caused = [said[e] for e in (f.revised_by or f.evidence) if said.get(e) is not None]
            assert all(f.recorded_at >= when for when in caused), f  # recorded no earlier than its cause
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        ingest(fresh, path, namespace="ana", extractor=other)
        want = versions(fresh, "ana")
    assert got == want
    assert [v[2] for v in got].count("Lisbon") == 2  # open until the move was told, then closed
