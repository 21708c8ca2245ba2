"""The ingest benchmark's extract-only pass reads files as ingestion does: a date alone is resolved on the
memory's clock before extraction, which never sees a CalendarDay (task zonedate2, 6 Dec 2026)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.bench import ingest as bench_ingest
from graphmem.dates import CalendarDay


class _Mem:
    zone: Any = None


def test_extract_only_resolves_a_day_alone_on_the_memory_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    path = tmp_path / "kai.txt"
    path.write_text("## 5 March 2024\n\nKai: I moved to Oslo yesterday.\n", encoding="utf-8")
    seen: list[datetime | None] = []

    def stream(jobs: Iterator[Any], *args: Any) -> Iterator[Any]:
        for job in jobs:
            seen.extend(s.started_at for t in job.todo for s in t.transcript.sessions)
        return iter(())

    monkeypatch.setattr(bench_ingest, "extract_stream", stream)
    mem = _Mem()
    mem.zone = ZoneInfo("America/New_York")
    bench_ingest._extract_only(mem, [str(path)], None, "spacy", 1)  # type: ignore[arg-type]
    assert seen and not any(isinstance(when, CalendarDay) for when in seen)
    assert seen[0] is not None and seen[0].astimezone(ZoneInfo("UTC")).replace(tzinfo=None) == datetime(2024, 3, 5, 5)
