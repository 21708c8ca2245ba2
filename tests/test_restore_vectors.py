"""Restoring a JSON export checks every embedding vector (graphmem/export_vectors.py): a vector cut short,
empty, or holding NaN, infinity or a text is refused with the file and its JSON path, and nothing is stored
(a ``--replace`` keeps the store it would have replaced)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main
from graphmem.errors import ConfigError
from graphmem.export import export_graph
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.sync import read_export
from tests.ingest.conftest import DATA
from tests.ingest.fakes import FakeEmbedder, FakeExtractor

Damage = Callable[[dict[str, Any]], None]


def _vectors(data: dict[str, Any]) -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = data["namespaces"][0]["embeddings"]
    return vectors


def _cut_all(data: dict[str, Any]) -> None:
    for e in _vectors(data):
        e["vector"] = e["vector"][:3]


def _set(i: int, value: Any) -> Damage:
    return lambda data: _vectors(data)[i].update(vector=value)


def _put(i: int, j: int, value: Any) -> Damage:
    return lambda data: _vectors(data)[i]["vector"].__setitem__(j, value)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    with Memory.open(tmp_path / "src", embedder=FakeEmbedder()) as memory:
        assert ingest(memory, DATA / "chat.jsonl", namespace="chat", extractor=FakeExtractor()).files_ok == 1
        path = tmp_path / "export.json"
        with path.open("w", encoding="utf-8") as out:
            export_graph(memory.store, out, "json", embeddings=True)
    return path


def test_an_export_records_each_models_dimension(export: Path) -> None:
    data = json.loads(export.read_text(encoding="utf-8"))
    space = data["namespaces"][0]
    assert space["models"] == [{"model": "fake-embedder", "dimension": 8, "vectors": len(space["embeddings"])}]
    assert read_export(export)[0].embeddings  # and reads back


@pytest.mark.parametrize(
    ("damage", "path", "said"),
    [
        (_cut_all, "embeddings[0].vector", "has 3 numbers, but model 'fake-embedder' has dimension 8 (as the export"),
        (_set(2, [0.5] * 5), "embeddings[2].vector", "has 5 numbers, but model 'fake-embedder' has dimension 8"),
        (_set(1, []), "embeddings[1].vector", "is empty"),
        (_put(1, 4, float("nan")), "embeddings[1].vector[4]", "is nan, not a finite number"),
        (_put(0, 0, float("inf")), "embeddings[0].vector[0]", "is inf, not a finite number"),
        (_put(2, 3, "0.5"), "embeddings[2].vector[3]", "is not a number but str '0.5'"),
        (_put(2, 3, True), "embeddings[2].vector[3]", "is not a number but bool True"),
        (_set(0, "abc"), "embeddings[0].vector", "is not a list of numbers but str 'abc'"),
    ],
    ids=["all-cut", "one-cut", "empty", "nan", "inf", "text", "bool", "not-a-list"],
)
def test_a_malformed_vector_is_refused_naming_file_and_path(
    tmp_path: Path, export: Path, damage: Damage, path: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(export.read_text(encoding="utf-8"))
    damage(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")  # NaN and Infinity as Python's json writes them
    with pytest.raises(ConfigError) as caught:
        read_export(bad)
    assert str(caught.value).startswith(f"{bad}: namespaces[0].{path} (namespace 'chat'): {said}")
    assert main(["sync", "--from", str(bad), "--to", str(tmp_path / "new")]) == 1
    assert f"namespaces[0].{path}" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()  # nothing stored


def test_a_replace_from_a_damaged_export_keeps_the_good_store(
    tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good"
    assert main(["sync", "--from", str(export), "--to", str(good)]) == 0
    data = json.loads(export.read_text(encoding="utf-8"))
    _cut_all(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert main(["sync", "--from", str(bad), "--to", str(good), "--replace"]) == 1
    capsys.readouterr()
    with Memory.open(good, embedder=FakeEmbedder()) as memory:
        assert {len(v) for _, v, _ in memory.store.iter_embeddings("chat")} == {8}
        assert memory.recall("dog", namespace="chat", k=1)


def test_an_export_without_recorded_dimensions_is_checked_by_its_vectors(tmp_path: Path, export: Path) -> None:
    data = json.loads(export.read_text(encoding="utf-8"))
    del data["namespaces"][0]["models"]  # as an export written before graphmem recorded them
    _vectors(data)[3]["vector"] = _vectors(data)[3]["vector"][:7]
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"embeddings\[3\]\.vector .*has 7 numbers.*as embeddings\[0\]\.vector has"):
        read_export(bad)
    _cut_all(data)  # consistent, of an unknown model: nothing tells it was cut
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert read_export(bad)[0].embeddings
    for e in _vectors(data):  # of the all-MiniLM-L6-v2 space, whose dimension is known: 384
        e["model"] = "all-MiniLM-L6-v2-dynint8-v1"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"embeddings\[0\]\.vector .*has 3 numbers.*dimension 384"):
        read_export(bad)


def test_the_known_dimension_is_keyed_by_the_minilm_space() -> None:
    from graphmem.embed import MINILM_SPACE
    from graphmem.export_vectors import KNOWN_DIMENSIONS

    assert KNOWN_DIMENSIONS == {MINILM_SPACE: 384}


def _damaged_source(where: Path, damage: str) -> str:
    """A store of two namespaces whose ``chat`` holds one malformed vector, written as another writer could;
    the id of its node."""
    from graphmem.models import Batch

    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        for ns in ("a-whole", "chat"):
            assert ingest(memory, DATA / "chat.jsonl", namespace=ns, extractor=FakeExtractor()).files_ok == 1
        node, vector, model = list(memory.store.iter_embeddings("chat"))[-1]  # not the first: it sets the dimension
        bad = {"nan": [float("nan"), *vector[1:]], "inf": [*vector[:-1], float("-inf")], "cut": vector[:3]}[damage]
        memory.store.write(Batch("chat", embeddings=((node, bad),), embedding_model=model))
    return node


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("nan", "[0] is nan, not a finite number"),
        ("inf", "[7] is -inf, not a finite number"),
        ("cut", " has 3 numbers, but model 'fake-embedder' has dimension 8 (as embedding of node"),
    ],
)
def test_a_sync_from_a_store_holding_a_malformed_vector_is_refused_and_writes_nothing(
    tmp_path: Path, damage: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Restore refused such vectors, but a store-to-store sync copied them as they were.
    from graphmem.store.embedded import EmbeddedStore
    from graphmem.sync import sync_stores

    source = tmp_path / "src"
    node = _damaged_source(source, damage)
    target = tmp_path / "dst"
    with Memory.open(target, embedder=FakeEmbedder()) as memory:
        assert ingest(memory, DATA / "chat.jsonl", namespace="chat", extractor=FakeExtractor()).files_ok == 1
        before = sorted(memory.store.iter_embeddings("chat"))
    src, dst = EmbeddedStore.open(source, read_only=True), EmbeddedStore.open(target)
    try:
        for replace in (False, True):
            with pytest.raises(ConfigError) as caught:
                sync_stores(src, dst, replace=replace)
            message = str(caught.value)
            assert message.startswith(f"{src.uri}: namespace 'chat': embedding of node {node!r}{said}"), message
            assert "nothing was copied" in message and "reembed -n chat" in message
            assert dst.namespaces() == ["chat"] and sorted(dst.iter_embeddings("chat")) == before
        # without vectors the rest is copied; "chat" holds the file the target ingested, which keeps its version
        copied = sync_stores(src, dst, embeddings=False)
        assert [(n.namespace, n.events, n.events_kept) for n in copied.namespaces] == [
            ("a-whole", len(before), 0),
            ("chat", 0, len(before)),
        ]
    finally:
        src.close()
        dst.close()
    assert main(["sync", "--from", str(source), "--to", str(tmp_path / "new")]) == 1
    assert f"embedding of node {node!r}" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()  # a sync that fails on its source creates no target store (docs/cli.md)
    with Memory.open(source, embedder=FakeEmbedder()) as memory:  # the named repair
        assert memory.reembed("chat").namespaces == {"chat": 1}
    assert main(["sync", "--from", str(source), "--to", str(tmp_path / "new")]) == 0
