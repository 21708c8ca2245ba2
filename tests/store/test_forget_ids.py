"""``forget`` leaves no forgotten name in an entity's id: an entity is made under an id of its first name
(``ent:person:helena-quokkaberg-marsh``), so one still mentioned elsewhere moves to an id of a name it
keeps, with its mentions, facts and their versions; on every backend."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.export import export_graph
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, Mention, Session
from graphmem.store.base import Direction, GraphStore, RunsCypher
from tests.store.conftest import Backend

T0 = datetime(2024, 1, 1, 9, 0)
DANA, MARSH, CAMDEN = "ent:person:dana", "ent:person:helena-quokkaberg-marsh", "ent:place:camden"
FORGOTTEN = ("quokkaberg", "helena")  # words only the forgotten message says


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def _write_talk(store: GraphStore, ns: str, *, marsh_too: bool = False) -> None:
    """Dana names her therapist in full once, then only as "Dr. Marsh"; Marsh has a fact with two versions
    (a move to Camden, told to have ended later). ``marsh_too``: another person is called Marsh already."""
    events = (
        Event(
            ns, "ev:s:1", "s", 1, "Dana", "My therapist is Dr. Helena Quokkaberg Marsh, I see her on Tuesdays.", day(0)
        ),
        Event(ns, "ev:s:2", "s", 2, "Dana", "Dr. Marsh moved her office to Camden.", day(1)),
        Event(ns, "ev:s:3", "s", 3, "Dana", "Dr. Marsh left Camden last week.", day(2)),
    )
    other = (Entity(ns, "ent:person:marsh", "Marsh", "Person"),) if marsh_too else ()
    moved = Fact(ns, "fact:moved", MARSH, "lives_in", CAMDEN, day(1), day(1), evidence=("ev:s:2",))
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s", 0, day(0)),),
            events=events,
            entities=(
                Entity(ns, DANA, "Dana", "Person"),
                Entity(ns, MARSH, "Dr. Helena Quokkaberg Marsh", "Person", ("Marsh", "Helena")),
                Entity(ns, CAMDEN, "Camden", "Place"),
                *other,
            ),
            mentions=(
                *(Mention(ns, ev.id, DANA, "speaker") for ev in events),
                Mention(ns, "ev:s:1", MARSH, "object"),
                Mention(ns, "ev:s:2", MARSH, "subject"),
                Mention(ns, "ev:s:2", CAMDEN, "object"),
                Mention(ns, "ev:s:3", MARSH, "subject"),
                Mention(ns, "ev:s:3", CAMDEN, "object"),
            ),
            facts=(moved,),
            embeddings=tuple((ev.id, [1.0, float(i), 0.0]) for i, ev in enumerate(events)),
            embedding_model="fake",
        )
    )
    ended = Fact(ns, "fact:moved", MARSH, "lives_in", CAMDEN, day(2), day(1), day(2), evidence=("ev:s:2", "ev:s:3"))
    store.write(Batch(ns, facts=(ended,)))  # a new version: the first is archived


def _everything(store: GraphStore, ns: str) -> str:
    """What a reader of the store finds of ``ns``: its exports (with vectors), and on a Cypher server every
    node and relationship of the namespace as the server holds it; lower case."""
    parts = []
    for fmt in ("json", "cypher", "graphml"):
        out = io.StringIO()
        export_graph(store, out, fmt, namespace=ns, embeddings=fmt != "graphml")
        parts.append(out.getvalue())
    if isinstance(store, RunsCypher):
        parts.append(repr(store.run_cypher("MATCH (n) WHERE n.namespace = $ns RETURN n", {"ns": ns})))
        parts.append(repr(store.run_cypher("MATCH ()-[r]->() WHERE r.namespace = $ns RETURN r", {"ns": ns})))
    return "\n".join(parts).lower()


def _refreshed(store: GraphStore) -> GraphStore:
    from graphmem.store.base import Refreshing

    if isinstance(store, Refreshing):
        store.refresh()
    return store


def test_an_entity_still_mentioned_moves_to_an_id_of_a_name_it_keeps(backend: Backend, tmp_path: Path) -> None:
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    ns = backend.ns()
    store = backend.open()
    _write_talk(store, ns)
    other = backend.open()  # another process's view, loaded before the forget
    assert other.get_entity(ns, MARSH) is not None
    assert all(word in _everything(store, ns) for word in FORGOTTEN)  # the test can see them
    versions_before = sorted(f.id for f in store.iter_facts(ns, history=True))
    assert len(versions_before) == 2

    mem = Memory(store, embedder=FakeEmbedder(), index_dir=tmp_path / "vectors")
    mem.forget(ns, "ev:s:1")

    new = "ent:person:marsh"
    for s in (store, _refreshed(other), _refreshed(backend.open())):
        found = _everything(s, ns)
        for word in FORGOTTEN:
            assert word not in found, f"{word!r} is still in the store"
        assert s.get_entity(ns, MARSH) is None
        assert s.get_entity(ns, new) == Entity(ns, new, "Marsh", "Person")
        assert [e.id for e in s.find_entities(ns, "Marsh")] == [new]
        assert sorted((e, x, r) for e, x, r in s.iter_mentions(ns) if x == new) == [
            ("ev:s:2", new, "subject"),
            ("ev:s:3", new, "subject"),
        ]
        versions = sorted(s.iter_facts(ns, history=True), key=lambda f: f.id)
        assert [f.id for f in versions] == versions_before  # an id not made of its ends stays, and so do chains
        assert {(f.subject_id, f.object_id) for f in versions} == {(new, CAMDEN)}
        hops = {(h.node_id, h.edge) for h in s.neighbors(ns, new, direction=Direction.BOTH)}
        assert hops >= {("ev:s:2", EdgeType.MENTIONS), ("ev:s:3", EdgeType.MENTIONS), (CAMDEN, EdgeType.FACT)}
        assert s.stats(ns).entities == 3
    assert {(f.subject, f.object) for f in mem.facts(namespace=ns, all_time=True)} == {("Marsh", "Camden")}
    assert [e.id for e in mem.timeline("Marsh", namespace=ns)] == ["ev:s:2", "ev:s:3"]

    mem.forget(ns, "ev:s:2")
    mem.forget(ns, "ev:s:3")  # no mention left: the entity goes, and its facts with it
    for s in (store, _refreshed(other)):
        assert s.get_entity(ns, new) is None and list(s.iter_facts(ns, history=True)) == []


def test_the_new_id_is_one_no_other_entity_has(backend: Backend, tmp_path: Path) -> None:
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    ns = backend.ns()
    store = backend.open()
    _write_talk(store, ns, marsh_too=True)  # ent:person:marsh is someone else
    Memory(store, embedder=FakeEmbedder(), index_dir=tmp_path / "vectors").forget(ns, "ev:s:1")
    for word in FORGOTTEN:
        assert word not in _everything(store, ns)
    assert store.get_entity(ns, "ent:person:marsh") == Entity(ns, "ent:person:marsh", "Marsh", "Person")
    moved = {x for _e, x, _r in store.iter_mentions(ns)} - {DANA, CAMDEN}
    assert len(moved) == 1 and moved != {"ent:person:marsh"}
    assert {(f.subject_id, f.object_id) for f in store.iter_facts(ns, history=True)} == {(*moved, CAMDEN)}


def test_an_entity_left_without_a_name_gets_an_id_of_none(backend: Backend, tmp_path: Path) -> None:
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    ns = backend.ns()
    store = backend.open()
    said = ("Ann", "My cousin Zyxwerth Plimbottom lives in Oslo.")
    events = (
        Event(ns, "ev:s:1", "s", 1, *said, day(0)),
        Event(ns, "ev:s:2", "s", 2, "Ann", "My cousin visited me today.", day(1)),
    )
    cousin = "ent:person:zyxwerth-plimbottom"
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s", 0, day(0)),),
            events=events,
            entities=(
                Entity(ns, "ent:person:ann", "Ann", "Person"),
                Entity(ns, cousin, "Zyxwerth Plimbottom", "Person"),
            ),
            mentions=(
                *(Mention(ns, ev.id, "ent:person:ann", "speaker") for ev in events),
                Mention(ns, "ev:s:1", cousin, "subject"),
                Mention(ns, "ev:s:2", cousin, "subject"),  # "my cousin", resolved to him
            ),
        )
    )
    Memory(store, embedder=FakeEmbedder(), index_dir=tmp_path / "vectors").forget(ns, "ev:s:1")
    found = _everything(store, ns)
    assert "zyxwerth" not in found and "plimbottom" not in found
    (left,) = [x for x in store.iter_entities(ns) if x.type == "Person" and x.name != "Ann"]
    assert left.name == "unnamed person" and left.id == "ent:person:unnamed-person"
    assert [e for e, x, _r in store.iter_mentions(ns) if x == left.id] == ["ev:s:2"]


def test_an_id_another_writer_takes_before_the_move_is_picked_again(
    backend: Backend, tmp_path: Path, monkeypatch: Any
) -> None:
    """Between picking ``ent:person:marsh`` and moving there, another client of a server writes that id: the
    move picks the next free one instead of failing with the forgotten name left in the id."""
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    ns = backend.ns()
    store = backend.open()
    _write_talk(store, ns)
    rename = store.rename_entity  # type: ignore[attr-defined]
    taken: list[str] = []

    def racing(namespace: str, old_id: str, new_id: str) -> bool:
        if not taken:  # the other writer, just before this one's move
            taken.append(new_id)
            # a server's other client; the embedded store's lock keeps other writers out, so its own write stands in
            writer = backend.open() if isinstance(store, RunsCypher) else store
            writer.write(Batch(namespace, entities=(Entity(namespace, new_id, "Marsh", "Person"),)))
            _refreshed(store)
        return bool(rename(namespace, old_id, new_id))

    monkeypatch.setattr(store, "rename_entity", racing)
    Memory(store, embedder=FakeEmbedder(), index_dir=tmp_path / "vectors").forget(ns, "ev:s:1")
    assert taken == ["ent:person:marsh"]
    for word in FORGOTTEN:
        assert word not in _everything(store, ns)
    moved = {x for _e, x, _r in store.iter_mentions(ns)} - {DANA, CAMDEN}
    assert len(moved) == 1 and moved != {"ent:person:marsh"}


@pytest.mark.parametrize("step", ["move", "names", "deletion"])
def test_a_forget_the_store_failed_during_is_finished_by_forgetting_again(
    backend: Backend, tmp_path: Path, monkeypatch: Any, step: str
) -> None:
    """The store fails (a server gone) at one write of the forget: the error is raised, and forgetting the same
    message again leaves what one forget that did not fail leaves, with no forgotten name in any id."""
    from graphmem.errors import StoreError
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    ns = backend.ns()
    store = backend.open()
    _write_talk(store, ns)
    name, fails = {
        "move": ("rename_entity", lambda *_a: True),
        "names": ("write", lambda batch, **_k: bool(batch.entities)),
        "deletion": ("delete_event", lambda *_a: True),
    }[step]
    real = getattr(store, name)
    failed: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        if not failed and fails(*args, **kwargs):
            failed.append(name)
            raise StoreError("the server went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, name, failing)
    mem = Memory(store, embedder=FakeEmbedder(), index_dir=tmp_path / "vectors")
    with pytest.raises(StoreError, match="the server went away"):
        mem.forget(ns, "ev:s:1")
    assert failed == [name]
    mem.forget(ns, "ev:s:1")

    new = "ent:person:marsh"
    for s in (store, _refreshed(backend.open())):
        found = _everything(s, ns)
        for word in FORGOTTEN:
            assert word not in found, f"{word!r} is still in the store"
        assert s.get_event(ns, "ev:s:1") is None
        assert s.get_entity(ns, new) == Entity(ns, new, "Marsh", "Person")
        assert sorted(e for e, x, _r in s.iter_mentions(ns) if x == new) == ["ev:s:2", "ev:s:3"]
        assert {(f.subject_id, f.object_id) for f in s.iter_facts(ns, history=True)} == {(new, CAMDEN)}


def test_a_fact_id_made_of_the_moved_entity_is_made_again_of_its_new_id(backend: Backend) -> None:
    # A fact's id is made of the turn that stated it and its ends (fact_id); a later statement by that turn
    # finds the fact by it (tests/live/test_forget_fact_ids.py). Moving an end makes it again, every version
    # keeping its archive suffix and revised_by; an id made otherwise ("fact:moved") stays.
    from graphmem.extract.names import fact_id
    from graphmem.store.versions import logical_id

    ns = backend.ns()
    store = backend.open()
    _write_talk(store, ns)
    clinic = "ent:organization:city-clinic"
    works = Fact(ns, fact_id("ev:s:2", MARSH, "works_at", clinic), MARSH, "works_at", clinic, day(1), day(1))
    works = replace(works, evidence=("ev:s:2",))
    knows = Fact(ns, fact_id("ev:s:3", DANA, "knows", MARSH), DANA, "knows", MARSH, day(2), evidence=("ev:s:3",))
    store.write(Batch(ns, entities=(Entity(ns, clinic, "City Clinic", "Organization"),), facts=(works, knows)))
    store.write(Batch(ns, facts=(replace(works, valid_to=day(2), recorded_at=day(2), revised_by=("ev:s:3",)),)))
    other = backend.open()  # another process's view, loaded before the move
    assert len(list(other.iter_facts(ns, history=True))) == 5

    new = "ent:person:marsh"
    assert store.rename_entity(ns, MARSH, new)  # type: ignore[attr-defined]

    want = {
        fact_id("ev:s:2", new, "works_at", clinic): (new, clinic, 2),
        fact_id("ev:s:3", DANA, "knows", new): (DANA, new, 1),
        "fact:moved": (new, CAMDEN, 2),
    }
    for s in (store, _refreshed(other), _refreshed(backend.open())):
        versions = list(s.iter_facts(ns, history=True))
        chains: dict[str, list[Fact]] = {}
        for f in versions:
            chains.setdefault(logical_id(f.id), []).append(f)
        assert {k: (v[0].subject_id, v[0].object_id, len(v)) for k, v in chains.items()} == want
        ends = {(f.valid_to, f.revised_by) for f in chains[fact_id("ev:s:2", new, "works_at", clinic)]}
        assert ends == {(day(2), ("ev:s:3",)), (None, ())}
        current = {f.id for f in s.iter_facts(ns)}
        assert current == set(want)
        assert {h.fact.id for h in s.neighbors(ns, new, edge_types=[EdgeType.FACT]) if h.fact} == set(want)
