"""Two processes ingesting the same file into one store at once: the store ends as one ingest leaves it, each
turn stored once, on the embedded store (its file lock) and on a Bolt server (its guard:
:mod:`graphmem.write_retry`).

Each process loads its models first, then both are let go together, so their reads of what the input wrote
before overlap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "data" / "transcript.txt"
NS = "club"

_INGEST = """
import json, sys
from graphmem.extract.nlp import load_nlp
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

target, path, ns, options = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
if "auth" in options:
    options["auth"] = tuple(options["auth"])
mem = Memory.open(target, embedder=FakeEmbedder(), nlp=load_nlp(), **options)
print("ready", flush=True)
sys.stdin.readline()  # the go: both processes ingest from here at once
summary = mem.ingest(path, namespace=ns)
mem.close()
print(json.dumps({"events": summary.events, "skipped": summary.files_skipped, "errors": summary.errors}))
"""


def _everything(mem: Memory, ns: str) -> dict[str, Any]:
    """What the namespace holds, without its name: events, sessions, entities, mentions, every fact version."""
    store = mem.store
    return {
        "sessions": sorted((s.id, s.index) for s in store.iter_sessions(ns)),
        "events": sorted((e.id, e.session, e.seq, e.speaker, e.text) for e in store.iter_events(ns)),
        "entities": sorted((e.id, e.name, e.aliases) for e in store.iter_entities(ns)),
        "mentions": sorted(store.iter_mentions(ns)),
        "facts": sorted(
            (f.id, f.subject_id, f.predicate, f.object_id, str(f.valid_from), str(f.valid_to), str(f.expired_at))
            for f in store.iter_facts(ns, history=True)
        ),
    }


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Where both processes write (an empty store) and the options ``Memory.open`` takes for it."""
    if request.param == "embedded":
        yield str(tmp_path / "store"), {}
        return
    from tests.support.bolt_server import wipe_database

    bolt: Any = request.getfixturevalue("bolt_server")
    wipe_database(bolt)
    yield bolt.uri, {"auth": bolt.auth, "database": bolt.database}
    wipe_database(bolt)


def _reference(tmp_path: Path) -> dict[str, Any]:
    """What one ingest of the file alone stores."""
    from graphmem.extract.nlp import load_nlp

    with Memory.open(tmp_path / "alone", embedder=FakeEmbedder(), nlp=load_nlp()) as mem:
        assert mem.ingest(FILE, namespace=NS).ok
        return _everything(mem, NS)


def test_two_processes_ingesting_one_file_at_once_store_it_once(
    target: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    where, options = target
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    procs = []
    for name in ("one", "two"):
        cache = {"GRAPHMEM_CACHE_DIR": str(tmp_path / f"cache-{name}")}
        args = [sys.executable, "-c", _INGEST, where, str(FILE), NS, json.dumps(options)]
        procs.append(
            subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**env, **cache})
        )
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes = []
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            assert proc.returncode == 0, out
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
    # one of them wrote the file; the other found it written, or on a server, where the other's unit came
    # between its read of the input and its write, wrote nothing of it and said so
    assert sorted(o["events"] for o in outcomes) == [0, 14], outcomes
    for o in outcomes:
        if o["errors"]:
            assert options, o  # the embedded store's lock holds the second off until the first is done
            [(_, message)] = o["errors"]
            assert "another writer wrote ev:transcript/session_1:1" in message, message
            assert "ingesting the same content again resumes there" in message, message
    reference = _reference(tmp_path)
    with Memory.open(where, embedder=FakeEmbedder(), **options) as mem:
        assert _everything(mem, NS) == reference
        again = mem.ingest(FILE, namespace=NS)  # as the message says: nothing left to write
        assert again.ok and again.events == 0
        assert _everything(mem, NS) == reference
