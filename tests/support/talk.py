"""Talk written to a transcript file and read back from memory, for the extraction tests that ingest
what a speaker said and ask which values hold."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter


class NoEmbedder:
    """An embedder for memories that ingest with ``embed=False``: it is never asked."""

    def embed(self, texts: Any) -> Any:  # pragma: no cover - everything runs with embed=False
        raise AssertionError("not used")


def sessions_file(path: Path, sessions: int = 4, turns: int = 3) -> Path:
    """Write a JSONL file of ``sessions`` labelled sessions (``s00``, ``s01``…) of ``turns`` turns each, A and B
    in turn, for the tests that ingest a file of several units."""
    lines = [
        json.dumps({"speaker": "AB"[i % 2], "text": f"turn {i} of session {s}", "session": f"s{s:02d}"})
        for s in range(sessions)
        for i in range(turns)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_talk(path: Path, *sessions: tuple[str, str]) -> Path:
    """Write a transcript file of ``(date, "[hh:mm] Speaker: text" lines)`` sessions, numbered from 1."""
    text = "".join(f"## Session {n} — {date}\n{lines}" for n, (date, lines) in enumerate(sessions, start=1))
    path.write_text(text, encoding="utf-8")
    return path


def say(mem: Memory, extractor: Any, path: Path, lines: str, *, namespace: str, date: str = "10 January 2024") -> None:
    """Ingest ``lines`` as one session of ``date`` written to ``path``, without embedding."""
    summary = mem.ingest(write_talk(path, (date, lines)), namespace=namespace, extractor=extractor, embed=False)
    assert summary.ok, summary.errors


def held(mem: Memory, predicate: str, *, namespace: str, **time: Any) -> set[str]:
    """The names of the objects of the ``predicate`` facts holding at ``time`` (:class:`TimeFilter`'s
    fields; ``valid_at`` is now unless given)."""
    names = {e.id: e.name for e in mem.store.iter_entities(namespace)}
    time.setdefault("valid_at", datetime.now())
    found = mem.store.iter_facts(namespace, time=TimeFilter(**time))
    return {names[f.object_id] for f in found if f.predicate == predicate}
