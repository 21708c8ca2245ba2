"""Messages of one namespace added live and written to a JSONL export, for the tests where live add and
ingestion meet (the fake extractor, entities kept as extracted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphmem.ingest import IngestSummary, ingest
from graphmem.live import add
from graphmem.memory import Memory
from tests.ingest.fakes import FakeExtractor, keep

NS = "ana"


def said(n: int, session: str | None = "1", **changes: Any) -> dict[str, Any]:
    """Message ``n``: no id, a time of its own."""
    out = {"speaker": "Ana" if n % 2 else "Bot", "text": f"message {n}", "time": f"2024-05-01T10:{n:02d}:00"}
    if session is not None:
        out["session"] = session
    return {**out, **changes}


def live(memory: Memory, messages: list[dict[str, Any]], **kw: Any) -> list[str]:
    """Add ``messages`` to :data:`NS` as an agent would."""
    return add(memory, messages, namespace=NS, extractor=FakeExtractor(), resolver=keep, **kw)


def jsonl(path: Path, messages: list[dict[str, Any]]) -> Path:
    """Write ``messages`` to ``path`` as JSONL, one a line."""
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def run(memory: Memory, path: Path, **kw: Any) -> IngestSummary:
    """Ingest ``path``."""
    return ingest(memory, path, extractor=FakeExtractor(), resolver=keep, **kw)


def texts(memory: Memory) -> list[str]:
    """The texts of :data:`NS`'s events, sorted."""
    return sorted(e.text for e in memory.store.iter_events(NS))
