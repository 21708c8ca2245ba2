"""``forget`` and ``add_events`` on a namespace of a Bolt database that another client writes meanwhile: each
runs inside the store's guard (:mod:`graphmem.write_retry`), so what it decided from a namespace the other
client changed is not written, and it starts over from what the namespace holds now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.embed_text import embed_events
from graphmem.errors import WriteConflictError
from graphmem.memory import Memory
from graphmem.models import Event
from graphmem.settings import Settings
from tests.ingest.fakes import FakeEmbedder
from tests.support.bolt_memory import open_bolt_memory, two_bolt_memories
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

NS = "notes"
T = "2024-05-02T10:0{}:00"


def _open(bolt: BoltTarget, cache: Path) -> Memory:
    return open_bolt_memory(bolt, cache)


@pytest.fixture
def memories(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[tuple[Memory, Memory]]:
    """Two memories on one emptied database, each with its own driver (as two processes have)."""
    with two_bolt_memories(bolt_server, tmp_path) as pair:
        yield pair


def _first_call_after(monkeypatch: pytest.MonkeyPatch, obj: Any, name: str, other: Callable[[], object]) -> None:
    """``obj.name`` runs ``other`` (another client's write) before its first call goes on."""
    real = getattr(obj, name)
    done: list[bool] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            other()
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, racing)


def test_a_turn_added_while_its_previous_turn_is_forgotten_does_not_keep_the_forgotten_text(
    memories: tuple[Memory, Memory], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The forget finds no turn after the forgotten one (none to embed again); the other client's turn comes
    # next, embedded replying to the forgotten text, before the deletion.
    mem, other = memories
    said = [{"speaker": "Dana", "text": "I adopted a cat.", "time": T.format(0)}]
    secret = {"speaker": "Dana", "text": "My bank PIN is 4921.", "time": T.format(1)}
    _first, forgotten = mem.add([*said, secret], namespace=NS)
    gone = mem.store.get_event(NS, forgotten)
    assert gone is not None
    added: list[str] = []
    reply = {"speaker": "Dana", "text": "Anyway, see you tomorrow.", "time": T.format(2)}
    _first_call_after(monkeypatch, mem.store, "delete_event", lambda: added.extend(other.add(reply, namespace=NS)))

    mem.forget(NS, forgotten)

    assert len(added) == 1 and mem.store.get_event(NS, forgotten) is None
    stored = {i: np.asarray(v) for i, v, _model in mem.store.iter_embeddings(NS)}
    [turn] = mem.store.get_events(NS, added)
    remaining = embed_events(FakeEmbedder(), [turn], lambda ids: mem.store.get_events(NS, ids))
    leaking = embed_events(FakeEmbedder(), [turn], lambda ids: [gone] if gone.id in ids else [])
    assert not np.allclose(remaining[0], leaking[0])  # the test can tell them apart
    assert np.allclose(stored[turn.id], remaining[0]), "the turn's vector was made replying to the forgotten one"


def test_sessions_added_while_add_events_writes_keep_their_own_places(
    memories: tuple[Memory, Memory], monkeypatch: pytest.MonkeyPatch
) -> None:
    # add_events numbers a session it creates after the namespace's last one, read before its write; the other
    # client starts a session in between, which would take the same number.
    mem, other = memories
    mem.add({"speaker": "Dana", "text": "First note.", "time": T.format(0)}, namespace=NS, session="live")
    later = {"speaker": "Dana", "text": "A note of another session.", "time": T.format(5)}
    _first_call_after(monkeypatch, mem.store, "write", lambda: other.add(later, namespace=NS, session="other"))
    when = datetime(2024, 5, 3, 9)
    assert mem.add_events([Event(NS, "ev:imported:1", "imported", 1, "Dana", "Imported.", when)], namespace=NS) == 1

    sessions = {s.id: s.index for s in mem.store.iter_sessions(NS)}
    assert set(sessions) == {"live", "other", "imported"}
    assert len(set(sessions.values())) == 3, sessions  # no two sessions in one place
    assert sessions["imported"] == max(sessions.values())  # after the one written before it
    assert {e.id for e in mem.store.iter_events(NS)} >= {"ev:imported:1"}
    assert len(list(mem.store.iter_events(NS))) == 3


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


def test_a_write_between_the_deletion_and_the_facts_settled_makes_only_the_settling_start_over(
    bolt_server: BoltTarget, tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forgetting the middle statement lets the later one end the first (graphmem.settle): that write comes
    # after the deletion. Another client writes just before it: the settling is refused and made again (from
    # the facts then current), the forget neither starts over (its event is gone) nor fails.
    wipe_database(bolt_server)
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(tmp_path / "one")})
    options: dict[str, Any] = {"auth": bolt_server.auth, "database": bolt_server.database}
    mem = Memory.open(bolt_server.uri, embedder=FakeEmbedder(), settings=settings, nlp=nlp, **options)
    other = _open(bolt_server, tmp_path / "two")
    try:
        said = [
            {"speaker": "Ana", "text": "I work at Acme Analytics.", "time": "2024-01-10T18:00"},
            {"speaker": "Ana", "text": "I work at Globex Corporation now.", "time": "2024-03-12T19:00"},
            {"speaker": "Ana", "text": "I still work at Globex Corporation.", "time": "2024-06-20T20:00"},
        ]
        ids = [i for m in said for i in mem.add(m, namespace=NS)]
        real = mem.store.write
        settling: list[int] = []
        refused: list[int] = []

        def write(batch: Any) -> None:
            if batch.facts and not batch.events:  # the settling: only facts
                settling.append(len(batch.facts))
                if len(settling) == 1:
                    other.add({"speaker": "Bo", "text": "Hello there.", "time": "2024-07-01T09:00"}, namespace=NS)
            try:
                real(batch)
            except WriteConflictError:
                refused.append(len(settling))
                raise

        monkeypatch.setattr(mem.store, "write", write)
        mem.forget(NS, ids[1])

        assert refused == [1]  # the settling was refused once, then made again from what the namespace held
        assert mem.store.get_event(NS, ids[1]) is None
        ends = {
            f.object_id.rsplit(":", 1)[-1]: f.valid_to for f in mem.store.iter_facts(NS) if f.predicate == "works_at"
        }
        assert ends == {"acme-analytics": datetime(2024, 6, 20, 20), "globex-corporation": None}, ends
        assert "Hello there." in {e.text for e in mem.store.iter_events(NS)}
    finally:
        mem.close()
        other.close()


def test_news_told_on_a_server_ends_the_value_told_before_when_told_whatever_other_clients_write(
    bolt_server: BoltTarget, tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "My sister Ruth works at the BBC.", then "... works at the Scotsman now": the BBC job ends when the news
    # was told, never erased (tester finding 11). Forgetting the news gives the BBC job back open until "Ruth
    # still works at the Scotsman."; another client writes between the deletion and the settling, which
    # records the BBC job's version at its message's time: the rule reads when the job was told from its
    # statement's event, never from that record time (which ended the current job then: reverted in b2a4c96).
    wipe_database(bolt_server)
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(tmp_path / "one")})
    options: dict[str, Any] = {"auth": bolt_server.auth, "database": bolt_server.database}
    mem = Memory.open(bolt_server.uri, embedder=FakeEmbedder(), settings=settings, nlp=nlp, **options)
    other = _open(bolt_server, tmp_path / "two")
    said, news, still = (datetime(2024, 1, 12, 19, m) for m in (0, 2, 10))
    try:

        def tell(text: str, when: datetime, memory: Memory = mem, speaker: str = "Nora") -> str:
            return memory.add({"speaker": speaker, "text": text, "time": when}, namespace=NS)[0]

        def jobs(**time: Any) -> dict[str, Any]:
            return {f.object: f.fact for f in mem.facts(namespace=NS, predicate="works_at", **time)}

        tell("My sister Ruth works at the BBC.", said)
        tell("Hello there.", datetime(2024, 1, 12, 19, 1), other, "Bo")
        news_turn = tell("She moved to Edinburgh last month and works at the Scotsman now.", news)
        bbc = jobs(all_time=True)["BBC"]
        assert (bbc.valid_from, bbc.valid_to) == (said, news) and not bbc.never_held
        assert set(jobs(valid_at=news)) == {"Scotsman"}
        assert set(jobs(as_of=datetime(2024, 1, 12, 19, 1, 30))) == {"BBC"}
        tell("Ruth still works at the Scotsman.", still)

        real = mem.store.write
        settling: list[int] = []

        def write(batch: Any) -> None:
            if batch.facts and not batch.events:  # the settling: only facts
                settling.append(len(batch.facts))
                if len(settling) == 1:
                    tell("Still here.", datetime(2024, 1, 12, 19, 15), other, "Bo")
            try:
                real(batch)
            except WriteConflictError:
                settling.append(-1)
                raise

        monkeypatch.setattr(mem.store, "write", write)
        mem.forget(NS, news_turn)

        assert -1 in settling  # the settling was refused once, then made again from what the namespace held
        ends = {name: (f.valid_from, f.valid_to) for name, f in jobs(valid_at=datetime(2024, 1, 12, 19, 5)).items()}
        assert ends == {"BBC": (said, still)}, ends
        assert set(jobs(valid_at=datetime(2024, 6, 1))) == {"Scotsman"}
    finally:
        mem.close()
        other.close()
