"""``reembed``, ``settle`` and a ``sync`` into a Bolt database while another client writes the namespace: each
runs inside the store's guard (:mod:`graphmem.write_retry`), so what it decided from a namespace the other
client changed is not written, and it starts over from what the namespace holds now.

Each test lets the other client write just before the operation's first write of the kind that races
(``_before_first``), as a second process would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.embed_text import embed_events
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Fact, Mention
from graphmem.settle import settle
from graphmem.sync import sync_stores
from tests.ingest.fakes import FakeEmbedder
from tests.support.bolt_memory import two_bolt_memories
from tests.support.bolt_server import BoltTarget

pytestmark = pytest.mark.neo4j

NS = "notes"
T = "2024-05-02T10:0{}:00"


@pytest.fixture
def memories(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[tuple[Memory, Memory]]:
    """Two memories on one emptied database, each with its own driver (as two processes have)."""
    with two_bolt_memories(bolt_server, tmp_path) as pair:
        yield pair


def _before_first(
    monkeypatch: pytest.MonkeyPatch, memory: Memory, when: Callable[[Batch], bool], other: Callable[[], object]
) -> list[int]:
    """``memory.store.write`` runs ``other`` (another client's write) before the first batch ``when`` picks;
    the list returned holds the number of that write's attempts so far (one per call of such a batch)."""
    real = memory.store.write
    calls: list[int] = []

    def racing(batch: Batch, *args: Any, **kwargs: Any) -> Any:
        if when(batch):
            calls.append(len(calls) + 1)
            if len(calls) == 1:
                other()
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(memory.store, "write", racing)
    return calls


def test_a_turn_reembedded_while_its_previous_turn_is_forgotten_does_not_keep_the_forgotten_text(
    memories: tuple[Memory, Memory], monkeypatch: pytest.MonkeyPatch
) -> None:
    # reembed reads the turn and the turn it replies to, embeds, then writes; the other client forgets the
    # turn replied to in between (embedding the reply again without it): the vector reembed made holds it.
    mem, other = memories
    said = ["I adopted a cat.", "My bank PIN is 4921.", "Anyway, see you tomorrow."]
    first, secret, reply = mem.add(
        [{"speaker": "Dana", "text": t, "time": T.format(i)} for i, t in enumerate(said)], namespace=NS
    )
    events = {first, secret, reply}
    old = tuple((i, v) for i, v, _m in mem.store.iter_embeddings(NS) if i in events)
    mem.store.write(Batch(NS, embeddings=old, embedding_model=FakeEmbedder.name, embedding_scheme="old"))
    assert mem.vector_status(NS)[0].stale == 3
    gone = mem.store.get_event(NS, secret)
    assert gone is not None
    attempts = _before_first(
        monkeypatch,
        mem,
        lambda batch: any(node == reply for node, _v in batch.embeddings),
        lambda: other.forget(NS, secret),
    )

    mem.reembed(NS, batch=1)

    assert mem.store.get_event(NS, secret) is None
    [turn] = mem.store.get_events(NS, [reply])
    remaining = embed_events(FakeEmbedder(), [turn], lambda ids: mem.store.get_events(NS, ids))
    leaking = embed_events(FakeEmbedder(), [turn], lambda ids: [gone] if gone.id in ids else [])
    assert not np.allclose(remaining[0], leaking[0])  # the test can tell them apart
    stored = {i: np.asarray(v) for i, v, _model in mem.store.iter_embeddings(NS)}
    assert np.allclose(stored[reply], remaining[0]), "the turn's vector was made replying to the forgotten one"
    assert attempts == [1, 2]  # refused once, then made again from what the namespace held
    assert mem.vector_status(NS)[0].stale == 0


def _works_at(event: Event, company: str, recorded: datetime) -> Fact:
    return Fact(
        NS,
        f"fact:{company}",
        "ent:person:ana",
        "works_at",
        f"ent:organization:{company}",
        recorded,
        valid_from=event.occurred_at,
        evidence=(event.id,),
    )


def test_settling_while_another_client_closes_a_fact_keeps_the_closing(
    memories: tuple[Memory, Memory], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two jobs, the first left open (a forget whose second step failed leaves such ends for settle): settle
    # reads them and ends Acme when Globex began. The other client closes Acme earlier in between ("I left
    # Acme on 1 February"): settle's end, decided without it, would replace that closing.
    mem, other = memories
    jan, mar = datetime(2024, 1, 10, 18), datetime(2024, 3, 12, 19)
    e1 = Event(NS, "ev:chat:1", "chat", 1, "Ana", "I work at Acme.", jan)
    e2 = Event(NS, "ev:chat:2", "chat", 2, "Ana", "I work at Globex now.", mar)
    people = [
        Entity(NS, "ent:person:ana", "Ana", "Person"),
        Entity(NS, "ent:organization:acme", "Acme", "Organization"),
        Entity(NS, "ent:organization:globex", "Globex", "Organization"),
    ]
    mentions = [Mention(NS, e.id, "ent:person:ana", "speaker") for e in (e1, e2)]
    acme, globex = _works_at(e1, "acme", jan), _works_at(e2, "globex", mar)
    mem.add_events([e1, e2], namespace=NS, entities=people, mentions=mentions, facts=[acme, globex])
    closed = replace(acme, valid_to=datetime(2024, 2, 1), recorded_at=datetime(2024, 4, 1))
    attempts = _before_first(
        monkeypatch, mem, lambda batch: bool(batch.facts), lambda: other.store.write(Batch(NS, facts=(closed,)))
    )

    settle(mem.store, NS)

    assert attempts == [1]  # refused once; from what the namespace holds then, there is nothing to settle
    ends = {f.id: f.valid_to for f in mem.store.iter_facts(NS)}
    assert ends == {"fact:acme": datetime(2024, 2, 1), "fact:globex": None}, ends


def test_a_sync_into_a_server_never_overwrites_a_message_another_client_added_meanwhile(
    memories: tuple[Memory, Memory], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server is a copy of the local memory; both then take a message at the same place. A merge refuses
    # to overwrite one with the other (sync_check.check_merge); the server's message comes after that check
    # and before the sync writes: the sync must not write over it either.
    mem, other = memories
    said = [{"speaker": "Dana", "text": t, "time": T.format(i)} for i, t in enumerate(["Hello.", "I moved to Porto."])]
    with Memory.open(tmp_path / "local", embedder=FakeEmbedder()) as local:
        local.add(said, namespace=NS, session="chat")
        sync_stores(local.store, mem.store)
        [mine] = local.add(
            {"speaker": "Dana", "text": "My sister visits in May.", "time": T.format(5)}, namespace=NS, session="chat"
        )
        added: list[str] = []
        theirs = {"speaker": "Bo", "text": "Welcome to Porto!", "time": T.format(6)}
        _before_first(
            monkeypatch, mem, lambda batch: True, lambda: added.extend(other.add(theirs, namespace=NS, session="chat"))
        )

        refused: list[ConfigError] = []
        try:
            sync_stores(local.store, mem.store)
        except ConfigError as exc:
            refused.append(exc)

    assert added == [mine]  # the same place: the sync would write its own message there
    [kept] = mem.store.get_events(NS, added)
    assert (kept.speaker, kept.text) == ("Bo", "Welcome to Porto!"), "the sync wrote over the other client's message"
    assert len(list(mem.store.iter_events(NS))) == 3
    [error] = refused  # as when the message was there before the sync began
    assert f"event {mine!r} is another message" in str(error)


def test_a_sync_started_over_after_another_clients_write_copies_everything_once(
    memories: tuple[Memory, Memory], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other client adds a message of its own session after the sync wrote part of the namespace: the sync
    # starts the namespace over and the target holds every record once, as a sync without the other write does.
    mem, other = memories
    said = [{"speaker": "Dana", "text": t, "time": T.format(i)} for i, t in enumerate(["Hello.", "I moved to Porto."])]
    with Memory.open(tmp_path / "local", embedder=FakeEmbedder()) as local:
        local.add(said, namespace=NS, session="chat")
        sync_stores(local.store, mem.store)
        local.add(
            {"speaker": "Dana", "text": "My sister Eva visits in May.", "time": T.format(5)},
            namespace=NS,
            session="chat",
        )
        local.add(
            {"speaker": "Dana", "text": "Eva works at Globex.", "time": T.format(7)}, namespace=NS, session="chat"
        )
        theirs = {"speaker": "Bo", "text": "Welcome back, see you soon.", "time": T.format(6)}
        attempts = _before_first(
            monkeypatch, mem, lambda b: bool(b.embeddings), lambda: other.add(theirs, namespace=NS, session="bo")
        )
        summary = sync_stores(local.store, mem.store)
        want = local.store.stats(NS)
        facts = sorted(f.id for f in local.store.iter_facts(NS, history=True))

    assert len(attempts) >= 2 and summary.events == want.events
    got = mem.store.stats(NS)
    assert (got.events, got.sessions) == (want.events + 1, want.sessions + 1)
    assert (got.entities, got.mentions, got.spoken_by) == (
        want.entities + 1,
        want.mentions,
        want.spoken_by + 1,
    )  # Bo speaks
    assert sorted(f.id for f in mem.store.iter_facts(NS, history=True)) == facts
    assert got.embeddings == want.embeddings + 1  # Bo's turn
