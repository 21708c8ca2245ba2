"""A sync or a restore checks every namespace before it writes anything: a bad record anywhere, or a
merge that would overwrite a message, changes nothing at the target (on every backend)."""

from __future__ import annotations

import io
import json
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ConfigError
from graphmem.export import batches_from_json, dump_namespace, dumps_from_json, export_graph
from graphmem.models import Batch, Event
from graphmem.store.base import GraphStore
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync import read_export, restore_export, sync_stores
from tests.store.test_contract import conversation, day


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The store written into: a directory, or the Bolt server's database (emptied first)."""
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
        return
    store = EmbeddedStore.open(tmp_path / "target")
    yield store
    store.close()


def _export(store: GraphStore, path: Path, **edits: Callable[[dict[str, Any]], None]) -> Path:
    """``store`` exported with its vectors to ``path``, each namespace passed to its edit first."""
    out = io.StringIO()
    export_graph(store, out, "json", embeddings=True)
    data = json.loads(out.getvalue())
    for space in data["namespaces"]:
        if space["namespace"] in edits:
            edits[space["namespace"]](space)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _source(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore.open(tmp_path / "source")
    for ns in ("alpha", "beta"):
        store.write(replace(conversation(ns), embeddings=(("e1", [0.5, -0.25, 1.0]),), embedding_model="test-model"))
    return store


def _later(ns: str, text: str, minutes: int = 5) -> Batch:
    """A live message added after the backup was made, at the next place of session s2."""
    return Batch(ns, events=(Event(ns, "e5", "s2", 1, "Melanie", text, day(10) + timedelta(minutes=minutes)),))


def _state(store: GraphStore) -> dict[str, Any]:
    return {ns: dump_namespace(store, ns) for ns in sorted(store.namespaces())}


def _bad_fact(space: dict[str, Any]) -> None:
    space["facts"][0]["subject"] = "nobody"


def _bad_mention(space: dict[str, Any]) -> None:
    space["mentions"].append({"event": "e9", "entity": "caroline", "role": "mention"})


def _bad_session(space: dict[str, Any]) -> None:
    space["events"][1]["session"] = "s9"


def _bad_text(space: dict[str, Any]) -> None:
    space["events"][1]["text"] = 42


def _bad_embedding(space: dict[str, Any]) -> None:
    space["embeddings"].append({"node": "e9", "model": "test-model", "vector": [1.0, 0.0, 0.0]})


def _bad_speaker(space: dict[str, Any]) -> None:
    space["events"][1]["speaker"] = {"name": "Mel"}  # SQLite refused it mid-write, after 'alpha' was replaced


def _unhashable_mention(space: dict[str, Any]) -> None:
    space["mentions"][0]["entity"] = ["caroline"]


BROKEN = [
    (_bad_fact, "namespaces[1].facts[0].subject (namespace 'beta'): names entity 'nobody'"),
    (_bad_mention, "namespaces[1].mentions[7].event (namespace 'beta'): names event 'e9'"),
    (_bad_session, "namespaces[1].events[1].session (namespace 'beta'): names session 's9'"),
    (_bad_text, "namespaces[1].events[1].text (namespace 'beta'): is not a string: 42"),
    (_bad_embedding, "namespaces[1].embeddings[1].node (namespace 'beta'): names node 'e9'"),
    (_bad_speaker, "namespaces[1].events[1].speaker (namespace 'beta'): is not a string or null: {'name': 'Mel'}"),
    (_unhashable_mention, "namespaces[1].mentions[0].entity (namespace 'beta'): names entity ['caroline']"),
]


@pytest.mark.parametrize("replace_", [True, False], ids=["replace", "merge"])
@pytest.mark.parametrize(("edit", "message"), BROKEN, ids=[e.__name__ for e, _ in BROKEN])
def test_a_bad_record_in_a_later_namespace_changes_no_namespace(
    tmp_path: Path, target: GraphStore, edit: Callable[[dict[str, Any]], None], message: str, replace_: bool
) -> None:
    # tester: a --replace restore failing in namespace 'beta' had already replaced 'alpha'; a merge
    # dropped a dangling mention silently, or wrote a position row before failing on a missing session
    source = _source(tmp_path)
    backup = _export(source, tmp_path / "backup.json")
    restore_export(read_export(backup), target, source=str(backup))
    target.write(_later("alpha", "I bought a kayak."))  # learned after the backup
    broken = _export(source, tmp_path / "broken.json", beta=edit)
    before = _state(target)
    with pytest.raises(ConfigError, match="^" + re.escape(f"{broken}: {message}")):
        read_export(broken)
    dumps = dumps_from_json(json.loads(broken.read_text()))  # the API, without read_export
    with pytest.raises(ConfigError, match="namespaces\\[1\\]"):
        restore_export(dumps, target, source=str(broken), replace=replace_)
    with pytest.raises(ConfigError, match="namespaces\\[1\\]"):
        restore_export(dumps, target, source=str(broken), namespaces=["alpha", "beta"], replace=replace_)
    assert _state(target) == before
    assert target.get_event("alpha", "e5") is not None


def test_batches_from_json_checks_every_namespace_before_the_first_batch(tmp_path: Path) -> None:
    broken = _export(_source(tmp_path), tmp_path / "broken.json", beta=_bad_fact)
    batches = batches_from_json(json.loads(broken.read_text()))
    with pytest.raises(ConfigError, match=r"namespaces\[1\]\.facts\[0\]\.subject"):
        next(batches)  # not after the batches of namespace 'alpha' were given (and written)


def test_an_event_id_given_twice_is_refused_naming_both_entries(tmp_path: Path, target: GraphStore) -> None:
    # tester: the later text was stored with the first text's vector
    def twice(space: dict[str, Any]) -> None:
        space["events"].append({**space["events"][0], "text": "Something else entirely."})

    broken = _export(_source(tmp_path), tmp_path / "dup.json", alpha=twice)
    with pytest.raises(ConfigError, match=r"namespaces\[0\]\.events\[4\]\.id .*'e1' is the id of events\[0\] too"):
        read_export(broken)
    with pytest.raises(ConfigError, match="is the id of"):
        restore_export(dumps_from_json(json.loads(broken.read_text())), target, source=str(broken))
    assert target.namespaces() == []


def test_a_namespace_given_twice_is_refused(tmp_path: Path) -> None:
    path = _export(_source(tmp_path), tmp_path / "two.json", beta=lambda space: space.update(namespace="alpha"))
    with pytest.raises(ConfigError, match=r"namespaces\[1\] \(namespace 'alpha'\): is namespaces\[0\] again"):
        read_export(path)


def test_a_merge_never_overwrites_a_message_the_target_took_since_the_copies_parted(
    tmp_path: Path, target: GraphStore
) -> None:
    # tester: two copies of one backup each took a live message, given the same id; merging one into the
    # other replaced the target's message, exit 0
    source = _source(tmp_path)
    backup = _export(source, tmp_path / "backup.json")
    restore_export(read_export(backup), target, source=str(backup))
    source.write(_later("alpha", "My sister Mia visits on Friday."))
    target.write(_later("alpha", "My car broke down on the highway.", minutes=6))
    before = _state(target)
    with pytest.raises(ConfigError, match=r"namespace 'alpha': event 'e5' is another message at .*car.*Mia"):
        sync_stores(source, target)
    after = _export(source, tmp_path / "after.json")
    with pytest.raises(ConfigError, match="event 'e5' is another message"):
        restore_export(read_export(after), target, source=str(after))
    assert _state(target) == before
    # the same message on both sides merges; so does a replace, which keeps the source's by request
    target.write(_later("alpha", "My sister Mia visits on Friday."))
    sync_stores(source, target)
    sync_stores(source, target, replace=True)
    event = target.get_event("alpha", "e5")
    assert event is not None and event.text == "My sister Mia visits on Friday."


def test_a_merge_refuses_a_node_of_another_kind_before_writing(tmp_path: Path, target: GraphStore) -> None:
    source = _source(tmp_path)
    target.write(Batch("beta", sessions=conversation("beta").sessions))
    target.write(
        Batch(
            "alpha",
            sessions=conversation("alpha").sessions[:1],
            events=(Event("alpha", "camping", "s1", 7, "Ann", "x"),),
        )
    )
    before = _state(target)
    with pytest.raises(ConfigError, match=r"namespace 'alpha': 'camping' is an entity at .* but an event at"):
        sync_stores(source, target)
    assert _state(target) == before


def test_the_same_message_with_its_time_written_with_a_zone_merges(tmp_path: Path, target: GraphStore) -> None:
    # review: a naive and an aware time of the same moment compared unequal, so restoring an export whose
    # times carry a zone (hand-edited, or another tool's) into the store it came from was refused
    source = _source(tmp_path)
    source.write(_later("alpha", "My sister Mia visits on Friday."))
    restore_export(read_export(_export(source, tmp_path / "backup.json")), target, source="backup.json")

    def with_zone(space: dict[str, Any]) -> None:
        for event in space["events"]:
            if event["id"] == "e5":
                event["occurred_at"] = event["occurred_at"] + "+00:00"

    zoned = _export(source, tmp_path / "zoned.json", alpha=with_zone)
    assert '+00:00"' in zoned.read_text(encoding="utf-8")
    restore_export(read_export(zoned), target, source=str(zoned))
    event = target.get_event("alpha", "e5")
    assert event is not None and event.text == "My sister Mia visits on Friday."


class _Dangling:
    """A source store whose namespace 'beta' holds a mention of an event it lacks (another writer's damage)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.uri = store.uri

    def iter_mentions(self, namespace: str) -> Iterator[tuple[str, str, str]]:
        yield from self.store.iter_mentions(namespace)
        if namespace == "beta":
            yield ("e9", "caroline", "mention")

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


@pytest.mark.parametrize("replace_", [True, False], ids=["replace", "merge"])
def test_a_store_broken_in_a_later_namespace_syncs_no_namespace(
    tmp_path: Path, target: GraphStore, replace_: bool
) -> None:
    source = _source(tmp_path)
    sync_stores(source, target)
    target.write(_later("alpha", "I bought a kayak."))  # learned since: a replace of 'alpha' would undo it
    before = _state(target)
    with pytest.raises(
        ConfigError, match=re.escape(f"{source.uri}: namespaces[1].mentions[7].event (namespace 'beta')")
    ):
        sync_stores(_Dangling(source), target, replace=replace_)  # type: ignore[arg-type]
    assert _state(target) == before


def _count_live_dumps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make every dump the sync reads count itself while alive; the list gets the number alive as each is read."""
    import graphmem.sync

    alive = [0]
    seen: list[int] = []
    read = graphmem.sync.dump_namespace

    def counted(store: GraphStore, namespace: str, **options: Any) -> Any:
        seen.append(alive[0])
        dump = read(store, namespace, **options)
        alive[0] += 1
        weakref.finalize(dump, lambda: alive.__setitem__(0, alive[0] - 1))
        return dump

    monkeypatch.setattr(graphmem.sync, "dump_namespace", counted)
    return seen


@pytest.mark.parametrize("replace_", [True, False], ids=["replace", "merge"])
def test_a_sync_holds_one_namespace_in_memory_at_a_time(
    tmp_path: Path, target: GraphStore, replace_: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # review: every namespace's dump, vectors included, was held at once to check them all before writing
    source = _source(tmp_path)
    source.write(conversation("gamma"))
    seen = _count_live_dumps(monkeypatch)
    summary = sync_stores(source, target, replace=replace_)
    assert [n.namespace for n in summary.namespaces] == ["alpha", "beta", "gamma"]
    assert len(seen) >= 3 and set(seen) == {0}  # no other dump alive when one is read
    monkeypatch.undo()
    assert _state(target) == _state(source)


def test_a_sync_from_an_export_file_checks_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # review: `sync --from FILE.json` checked every namespace in read_export and again in restore_export
    import graphmem.sync_check
    from graphmem.cli import main

    backup = _export(_source(tmp_path), tmp_path / "backup.json")
    checked: list[str] = []
    check = graphmem.sync_check.check_dump
    monkeypatch.setattr(graphmem.sync_check, "check_dump", lambda dump: (checked.append(dump.namespace), check(dump)))
    assert main(["sync", "--from", str(backup), "--to", str(tmp_path / "restored")]) == 0, capsys.readouterr().err
    assert checked == ["alpha", "beta"]
    checked.clear()  # the API given dumps it did not read itself checks them
    other = EmbeddedStore.open(tmp_path / "other")
    try:
        restore_export(dumps_from_json(json.loads(backup.read_text())), other, source=str(backup))
    finally:
        other.close()
    assert checked == ["alpha", "beta"]


def _on_second_read(monkeypatch: pytest.MonkeyPatch, namespace: str, change: Callable[[Any], Any]) -> None:
    """Make the sync's second read of ``namespace`` (the one it writes) go through ``change`` first."""
    import graphmem.sync

    reads: list[str] = []
    read = graphmem.sync.dump_namespace

    def changed(store: GraphStore, ns: str, **options: Any) -> Any:
        reads.append(ns)
        if ns == namespace and reads.count(ns) == 2:
            return change(lambda: read(store, ns, **options))
        return read(store, ns, **options)

    monkeypatch.setattr(graphmem.sync, "dump_namespace", changed)


def test_a_namespace_written_to_at_the_source_after_its_check_is_checked_again(
    tmp_path: Path, target: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphmem.sync_check

    source = _source(tmp_path)
    checked: list[str] = []
    check = graphmem.sync_check.check_dump
    monkeypatch.setattr(graphmem.sync_check, "check_dump", lambda dump: (checked.append(dump.namespace), check(dump)))

    def write_first(read: Callable[[], Any]) -> Any:
        source.write(_later("alpha", "I bought a kayak."))  # another writer, between the check and the copy
        return read()

    _on_second_read(monkeypatch, "alpha", write_first)
    sync_stores(source, target, replace=True)
    assert checked == ["alpha", "beta", "alpha"]  # an unchanged namespace is not checked twice
    event = target.get_event("alpha", "e5")
    assert event is not None and event.text == "I bought a kayak."


@pytest.mark.parametrize("replace_", [True, False], ids=["replace", "merge"])
def test_a_namespace_broken_at_the_source_after_its_check_is_not_written(
    tmp_path: Path, target: GraphStore, monkeypatch: pytest.MonkeyPatch, replace_: bool
) -> None:
    source = _source(tmp_path)
    sync_stores(source, target)
    target.write(_later("beta", "I bought a kayak."))
    before = dump_namespace(target, "beta")

    def break_it(read: Callable[[], Any]) -> Any:
        dump = read()
        dump.mentions.append(replace(dump.mentions[0], event_id="e9"))
        return dump

    _on_second_read(monkeypatch, "beta", break_it)
    message = (
        f"{source.uri}: namespaces[1].mentions[7].event (namespace 'beta'): names event 'e9', which is not in the "
        f"namespace; namespace 'beta' changed at {source.uri} after it was checked; 'alpha' copied before it, "
        "nothing of 'beta' or after it (run the sync again)"
    )
    with pytest.raises(ConfigError, match="^" + re.escape(message) + "$"):
        sync_stores(source, target, replace=replace_)
    assert dump_namespace(target, "beta") == before


def test_two_reads_of_an_unchanged_namespace_digest_alike(target: GraphStore) -> None:
    # what lets a sync copy a namespace without checking it a second time, on either backend as the source
    target.write(replace(conversation("alpha"), embeddings=(("e1", [0.5, -0.25, 1.0]),), embedding_model="test-model"))
    first = dump_namespace(target, "alpha").digest()
    assert dump_namespace(target, "alpha").digest() == first
    target.write(Batch("alpha", embeddings=(("e1", [0.5, -0.25, 1.5]),), embedding_model="test-model"))
    assert dump_namespace(target, "alpha").digest() != first
