"""Shared fixtures for recall tests: one ONNX embedder for the session, small memories built by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from graphmem.embed import Embedder, Int8OnnxEmbedder
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Mention, Session

NS = "chat-1"
START = datetime(2024, 3, 1, 10, 0)

# (session, speaker, text, mentioned things); sessions a week apart, turns a minute apart.
DIALOGUE: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("s1", "Ana", "Hi Ben! How was your weekend?", ()),
    ("s1", "Ben", "Great, I went hiking in the Alps with my sister.", ("Alps",)),
    ("s1", "Ana", "Sounds lovely. Did you take photos?", ()),
    ("s1", "Ben", "Yes, the glacier view at sunrise was unforgettable.", ("glacier",)),
    ("s1", "Ana", "I have been baking sourdough bread all week.", ("sourdough",)),
    ("s1", "Ben", "Nice, is it hard to keep the starter alive?", ("starter",)),
    ("s2", "Ana", "Ben, I adopted a puppy named Biscuit!", ("Biscuit",)),
    ("s2", "Ben", "Congratulations! What breed is she?", ()),
    ("s2", "Ana", "A beagle. She already chewed my running shoes.", ("Biscuit",)),
    ("s2", "Ben", "Ha, my cousin Lena had the same problem with her beagle.", ("Lena",)),
    ("s3", "Ben", "I started learning the cello last month.", ("cello",)),
    ("s3", "Ana", "That is brave. Are you taking lessons?", ()),
    ("s3", "Ben", "Yes, every Tuesday with a teacher from the conservatory.", ("conservatory",)),
    ("s3", "Ana", "Biscuit finally learned to sit on command.", ("Biscuit",)),
]


def _entity_id(name: str) -> str:
    return "ent:" + name.lower()


def build_batches(namespace: str = NS) -> list[Batch]:
    """The dialogue as one batch per session (events, people, mentions), without embeddings."""
    batches = []
    sessions = sorted({s for s, *_ in DIALOGUE})
    for index, sid in enumerate(sessions):
        started = START + timedelta(days=7 * index)
        events, mentions, entities = [], [], {}
        for seq, (session, speaker, text, things) in enumerate((d for d in DIALOGUE if d[0] == sid), 1):
            eid = f"{sid}:{seq}"
            events.append(
                Event(namespace, eid, session, seq, speaker, text, started + timedelta(minutes=seq), f"{sid}-{seq}")
            )
            entities[_entity_id(speaker)] = Entity(namespace, _entity_id(speaker), speaker, "Person")
            mentions.append(Mention(namespace, eid, _entity_id(speaker), "speaker"))
            mentions.append(Mention(namespace, eid, _entity_id(speaker), "subject"))  # "I" names the speaker
            for thing in things:
                etype = "Person" if thing == "Lena" else ("Place" if thing == "Alps" else "Topic")
                entities[_entity_id(thing)] = Entity(namespace, _entity_id(thing), thing, etype)
                mentions.append(Mention(namespace, eid, _entity_id(thing), "mention"))
        batches.append(
            Batch(
                namespace,
                sessions=(Session(namespace, sid, index, started),),
                events=tuple(events),
                entities=tuple(entities.values()),
                mentions=tuple(mentions),
            )
        )
    return batches


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One embedder for every test that needs real vectors: the default one (int8 ONNX)."""
    return Int8OnnxEmbedder()


def write_dialogue(mem: Memory, namespace: str = NS) -> None:
    """Write the dialogue with embeddings through ``Memory.write`` (as ingestion does)."""
    for batch in build_batches(namespace):
        vectors = mem.embedder.embed([e.text for e in batch.events])
        embeddings = tuple((e.id, v.tolist()) for e, v in zip(batch.events, vectors, strict=True))
        mem.write(
            Batch(
                batch.namespace,
                sessions=batch.sessions,
                events=batch.events,
                entities=batch.entities,
                mentions=batch.mentions,
                embeddings=embeddings,
                embedding_model=mem.embedder.name,
            )
        )


@pytest.fixture
def memory(tmp_path: Path, embedder: Embedder) -> Iterator[Memory]:
    """A memory holding the dialogue, vectors open."""
    mem = Memory.open(tmp_path / "mem", embedder=embedder)
    _ = mem.vectors
    write_dialogue(mem)
    yield mem
    mem.close()
