"""A forgotten message's vector leaves the vector index's files, even when the forgetting process never
searched the namespace (``graphmem forget`` from the command line); a forgotten namespace's files go.

Found by an operator: after ``forget --event`` the saved index still listed the event and held its vector,
and after forgetting a whole namespace its folder kept every vector, so a backup of the store directory
taken after the forget still held what was forgotten.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from graphmem.cli import main
from graphmem.memory import Memory
from graphmem.vector_index import space_folder
from tests.ingest.fakes import FakeEmbedder

NS = "dana"
MESSAGES = [
    {"speaker": "Dana", "text": "My bank password hint is the name of my first cat."},
    {"speaker": "Eli", "text": "You should not say that here."},
    {"speaker": "Dana", "text": "Fine, I will keep it to myself."},
]


def _stored(db: Path, nlp: Any) -> list[str]:
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = mem.add(MESSAGES, namespace=NS)
        assert mem.recall("password hint", namespace=NS, k=1)  # the index is built and saved on close
    assert (space_folder(db, NS) / "ids.json").is_file()
    return list(ids)


def _saved_ids(db: Path) -> list[str | None]:
    return list(json.loads((space_folder(db, NS) / "ids.json").read_text())["ids"])


def test_a_forgotten_event_leaves_the_saved_vectors(tmp_path: Path, nlp: Any) -> None:
    db = tmp_path / "db"
    ids = _stored(db, nlp)
    assert ids[0] in _saved_ids(db)
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:  # no recall: the index is never searched
        mem.forget(NS, ids[0])
    saved = _saved_ids(db)
    assert ids[0] not in saved and ids[2] in saved
    matrix = np.load(space_folder(db, NS) / "vectors.npy")
    for row, node in enumerate(saved):
        assert (node is None) == (not np.any(matrix[row])), (row, node)  # the forgotten row holds zeros
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert ids[0] not in {h.event.id for h in mem.recall("password hint", namespace=NS, k=5)}


def test_a_forgotten_namespace_leaves_no_vector_files(tmp_path: Path, nlp: Any) -> None:
    db = tmp_path / "db"
    _stored(db, nlp)
    assert main(["--db", str(db), "forget", "-n", NS, "--yes"]) == 0
    folder = space_folder(db, NS)
    assert not any(p.name != ".save.lock" for p in folder.glob("*")) if folder.exists() else True
