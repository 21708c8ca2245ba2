"""Stand-ins for the extractor and the embedder, so orchestration tests run fast and in worker processes.

They live in a module (not a conftest) so spawned worker processes can import them by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

import numpy as np

from graphmem.extract.events import TURN_OFFSET, event_text
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session
from graphmem.transcript import Transcript


class FakeExtractor:
    """One event per turn and one Person entity per speaker; raises on a turn saying ``EXPLODE``."""

    name = "fake"
    version = "1"

    def __init__(self, fail_on: str = "EXPLODE", interrupt_on: str = "INTERRUPT") -> None:
        self.fail_on = fail_on
        self.interrupt_on = interrupt_on
        self.calls = 0

    def extract_many(self, transcripts: Iterable[Transcript]) -> list[Batch]:
        # through ``extract``, so subclasses that change ``extract`` change this too
        return [self.extract(t) for t in transcripts]

    def extract(self, transcript: Transcript) -> Batch:
        self.calls += 1
        ns = transcript.namespace
        sessions, events, entities, mentions = [], [], {}, []
        for s in transcript.sessions:
            sessions.append(Session(ns, s.id, s.index, s.started_at, s.date_text))
            for seq, turn in enumerate(s.turns, s.first_seq):
                if self.fail_on in turn.text:
                    raise ValueError(f"cannot extract {turn.text!r}")
                if self.interrupt_on in turn.text:
                    raise KeyboardInterrupt
                eid = f"ev:{s.id}:{seq}"
                text = event_text(turn)  # as the real extractor gives it: stripped, a caption kept in it
                events.append(
                    Event(
                        ns,
                        eid,
                        s.id,
                        seq,
                        turn.speaker,
                        text,
                        # as extraction dates a turn without a time: the session start plus a second per turn
                        occurred_at=turn.timestamp
                        or (s.started_at + TURN_OFFSET * (seq - 1) if s.started_at else None),
                        source_id=turn.source_id,
                        source_file=transcript.source_file,
                        source_line=turn.line,
                    )
                )
                pid = f"ent:person:{turn.speaker.lower()}"
                entities[pid] = Entity(ns, pid, turn.speaker, "Person")
                mentions.append(Mention(ns, eid, pid, "speaker"))
        return Batch(
            ns,
            sessions=tuple(sessions),
            events=tuple(events),
            entities=tuple(entities.values()),
            mentions=tuple(mentions),
        )


class FakeEmbedder:
    """Deterministic unit vectors from a hash of the text."""

    name = "fake-embedder"
    dim = 8

    def __init__(self) -> None:
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        rows = []
        for text in texts:
            digest = hashlib.sha256(text.encode()).digest()[: self.dim]
            rows.append(np.frombuffer(digest, dtype=np.uint8).astype(np.float32) + 1.0)
        arr = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return arr / np.linalg.norm(arr, axis=1, keepdims=True)


class FakeSpanEmbedder(FakeEmbedder):
    """A :class:`~graphmem.embed.SpanEmbedder`: the span's row is the fake vector of the span's text
    plus a little of the whole text's (so it depends on the context, as a model's would)."""

    name = "fake-span-embedder"

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def embed_spans(self, texts: Sequence[str], spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        self.calls += 1
        whole = self.embed(texts)
        part = self.embed([t[a:b] for t, (a, b) in zip(texts, spans, strict=True)]) + 0.25 * whole
        return whole, part / np.linalg.norm(part, axis=1, keepdims=True)


def keep(batch: Batch, existing: list[Entity]) -> Batch:
    """A resolver that changes nothing."""
    return batch


class HomeExtractor(FakeExtractor):
    """Like :class:`FakeExtractor`, plus a ``lives_in`` fact for every turn saying ``home: <place>``."""

    name = "fake-home"

    def extract(self, transcript: Transcript) -> Batch:
        batch = super().extract(transcript)
        places, facts = [], []
        for ev in batch.events:
            if ev.text.startswith("home: ") and ev.speaker:
                place = ev.text.removeprefix("home: ").strip()
                pid = f"ent:place:{place.lower()}"
                places.append(Entity(batch.namespace, pid, place, "Place"))
                subject = f"ent:person:{ev.speaker.lower()}"
                when = ev.occurred_at or datetime(2000, 1, 1)
                facts.append(
                    Fact(
                        batch.namespace,
                        f"fact:{subject}:{pid}",
                        subject,
                        "lives_in",
                        pid,
                        when,
                        when,
                        evidence=(ev.id,),
                    )
                )
        return replace(batch, entities=(*batch.entities, *places), facts=tuple(facts))
