"""``forget`` leaves nothing of a forgotten message in the store's file: no word, no id of what went with it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem import Memory
from graphmem.ingest import ingest
from graphmem.store.embedded import DB_FILENAME
from tests.ingest.fakes import FakeEmbedder, FakeExtractor, keep

SECRET = "My password is hunter2zebra, my brother Quentaro keeps it in Vladivostok."
# words only the secret message holds, as written and as indexed, and its entities' names (and ids)
ITS_OWN = (b"hunter2zebra", b"Quentaro", b"quentaro", b"Vladivostok", b"vladivostok", b"password")


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def _check_gone(where: Path) -> None:
    for name, data in _files(where).items():
        for word in ITS_OWN:
            assert word not in data, f"{word!r} is still in {name}"


def test_forget_removes_the_words_from_every_table_and_page(tmp_path: Path, nlp: Any) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = mem.add(
            [
                {"speaker": "Ann", "text": "I love hiking in the Alps."},
                {"speaker": "Ann", "text": SECRET},
                {"speaker": "Ann", "text": "Hiking keeps me sane."},
            ],
            namespace="a",
        )
        stored = b"".join(_files(where).values())
        assert all(word in stored for word in (b"hunter2zebra", b"Quentaro"))  # the test can see them
        mem.forget("a", ids[1])
        assert mem.store.search_text("a", "hunter2zebra") == []
        assert {h.event_id for h in mem.store.search_text("a", "hiking")} == {ids[0], ids[2]}
        assert {h.event.id for h in mem.recall("Where does Ann go hiking?", namespace="a", k=5)} == {ids[0], ids[2]}
        _check_gone(where)  # while the store is open: the write-ahead log was emptied too
    _check_gone(where)
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:  # what is left reads as before
        assert {h.event_id for h in mem.store.search_text("a", "hiking sane")} == {ids[0], ids[2]}
        assert mem.stats("a").events == 2


def test_forgetting_a_namespace_leaves_no_word_while_the_store_is_open(tmp_path: Path, nlp: Any) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.add([{"speaker": "Ann", "text": "I love hiking."}], namespace="keep")
        mem.add([{"speaker": "Ann", "text": SECRET}], namespace="secret")
        assert b"hunter2zebra" in b"".join(_files(where).values())
        mem.forget("secret")
        _check_gone(where)
        assert mem.stats("keep").events == 1


def test_forget_succeeds_while_another_connection_reads_an_older_snapshot(tmp_path: Path, nlp: Any) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = mem.add([{"speaker": "Ann", "text": SECRET}, {"speaker": "Ann", "text": "Hi."}], namespace="a")
        reader = sqlite3.connect(where / DB_FILENAME)
        try:
            reader.execute("BEGIN")
            assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 2  # holds its snapshot
            assert mem.forget("a", ids[0]).events == 1  # the log cannot be emptied now: no error, no wait
            assert mem.store.search_text("a", "hunter2zebra") == []
        finally:
            reader.close()
        mem.forget("a", ids[1])  # the next forget empties the log
        _check_gone(where)


def test_a_reingest_that_edits_a_turn_leaves_no_word_of_its_old_text(tmp_path: Path) -> None:
    where, talk = tmp_path / "db", tmp_path / "talk.txt"
    talk.write_text(f"## Session 1 — 1 March 2024\nAnn: Hello.\nAnn: {SECRET}\nBob: Nice.\n", encoding="utf-8")
    with Memory.open(where, embedder=FakeEmbedder()) as mem:
        assert ingest(mem, talk, extractor=FakeExtractor(), resolver=keep).ok
        assert b"hunter2zebra" in b"".join(_files(where).values())
        talk.write_text("## Session 1 — 1 March 2024\nAnn: Hello.\nAnn: [redacted]\nBob: Nice.\n", encoding="utf-8")
        summary = ingest(mem, talk, extractor=FakeExtractor(), resolver=keep)
        assert summary.ok and summary.events_retracted == 2
        assert mem.store.search_text("talk", "hunter2zebra") == []
        assert [e.text for e in mem.store.iter_events("talk")] == ["Hello.", "[redacted]", "Nice."]
        _check_gone(where)


def test_forget_overwrites_the_vector_in_a_saved_hnsw_graph(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``EXACT_SEARCH_MAX`` vectors a namespace is an hnswlib graph, where a deleted element keeps its
    data until its label is reused: forget writes a vector made of nothing said over it first."""
    from graphmem import vector_space

    monkeypatch.setattr(vector_space, "EXACT_SEARCH_MAX", 2)
    where = tmp_path / "db"
    talk = [{"speaker": "Ann", "text": t} for t in ("Hi.", SECRET, "Hiking keeps me sane.", "Bye.", "Later!")]
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = mem.add(talk, namespace="a")
        assert mem.vectors._ensure("a") is not None and mem.vectors._ensure("a").mode == "hnsw"  # type: ignore[union-attr]
        secret = mem.vectors.vectors("a", [ids[1]])[0].astype(np.float32).tobytes()
        mem.vectors.flush()
        assert any(secret in data for data in _files(where).values())  # the test can see it
        mem.forget("a", ids[1])
        assert ids[1] not in {h.event.id for h in mem.recall("password", namespace="a", k=5, hops=0)}
    assert not any(secret in data for data in _files(where).values())
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:  # the saved graph still loads and searches
        kept = mem.vectors.vectors("a", [ids[2]])[0]
        assert [h.node_id for h in mem.vectors.search("a", kept, 1)] == [ids[2]]
        assert mem.vectors.count("a") == 4 and mem.vectors.repairs == 0


def test_forget_leaves_no_forgotten_name_in_the_id_of_an_entity_that_stays(tmp_path: Path, nlp: Any) -> None:
    # The entity was made under an id of the name first said (ent:person:helena-quokkaberg-marsh); forget
    # renamed it "Marsh" but kept that id in the entities, mentions and facts tables and the change log.
    where = tmp_path / "db"
    words = (b"quokkaberg", b"Quokkaberg", b"helena", b"Helena")
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = [
            *mem.add({"speaker": "Dana", "text": "My therapist is Dr. Helena Quokkaberg Marsh."}, namespace="a"),
            *mem.add({"speaker": "Dana", "text": "Dr. Marsh moved her office to Camden."}, namespace="a"),
            *mem.add({"speaker": "Dana", "text": "Dr. Marsh is very kind."}, namespace="a"),
        ]
        assert b"helena-quokkaberg-marsh" in b"".join(_files(where).values())  # the test can see the id
        mem.forget("a", ids[0])
        for name, data in _files(where).items():
            assert not any(word in data for word in words), f"a forgotten name is still in {name}"
        assert [e.id for e in mem.timeline("Marsh", namespace="a")] == ids[1:]
        assert [(f.subject, f.fact.predicate, f.object) for f in mem.facts(namespace="a")] == [
            ("Marsh", "lives_in", "Camden")
        ]
        [later] = mem.add({"speaker": "Dana", "text": "Dr. Marsh called me yesterday."}, namespace="a")
        assert [e.id for e in mem.timeline("Marsh", namespace="a")] == [*ids[1:], later]  # the same entity
        assert sorted(x.name for x in mem.store.iter_entities("a")) == ["Camden", "Dana", "Marsh"]
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert [e.id for e in mem.timeline("Marsh", namespace="a")] == [*ids[1:], later]


def test_a_reingest_after_an_entity_moved_keeps_it_and_its_turn_forgotten(tmp_path: Path, nlp: Any) -> None:
    where, talk = tmp_path / "db", tmp_path / "talk.txt"
    first = "## Session 1 — 1 March 2024\nDana: My therapist is Dr. Helena Quokkaberg Marsh.\nBob: Nice.\n"
    later = "## Session 2 — 8 March 2024\nDana: Dr. Marsh moved her office to Camden.\nDana: Dr. Marsh is very kind.\n"
    talk.write_text(first, encoding="utf-8")
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(talk).ok
        talk.write_text(first + later, encoding="utf-8")  # the file grows: the entity is made before "Dr. Marsh"
        assert mem.ingest(talk).ok
        assert mem.store.get_entity("talk", "ent:person:helena-quokkaberg-marsh") is not None
        mem.forget("talk", "ev:session_1:1")
        kept = ["ev:session_1:2", "ev:session_2:1", "ev:session_2:2"]
        assert mem.ingest(talk).events_retracted == 0  # unchanged: the forgotten turn stays forgotten
        talk.write_text((first + later).replace("is very kind", "is very kind, Marsh helps me a lot"), encoding="utf-8")
        assert mem.ingest(talk).events_retracted == 1  # the edited turn is extracted again, into the moved entity
        assert [e.id for e in mem.store.iter_events("talk")] == kept
        assert [e.id for e in mem.timeline("Marsh", namespace="talk")] == kept[1:]
        assert sorted(x.id for x in mem.store.iter_entities("talk")) == [
            "ent:person:bob",
            "ent:person:dana",
            "ent:person:marsh",
            "ent:place:camden",
        ]
        assert [(f.subject, f.object) for f in mem.facts(namespace="talk")] == [("Marsh", "Camden")]
    _check_gone(where)
    for name, data in _files(where).items():
        assert b"quokkaberg" not in data.lower(), name
