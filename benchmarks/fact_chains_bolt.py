"""Time the Bolt store's event → fact lookups used by re-ingest, on a local ArcadeDB, as facts grow.

``python benchmarks/fact_chains_bolt.py 1000 5000`` writes that many facts (one per event) into a fresh
ArcadeDB database (tests/support/bolt_server.py, 127.0.0.1) and times ``fact_chains_of_events`` and
``fact_groups_of_events`` for 10, 100 and 1,000 event ids, beside the earlier statement that unwound the
event ids first (a row per event and fact), in the same run.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta

from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.neo4j import connect
from tests.support.bolt_server import start_server, wipe_database

UNWOUND_CHAINS = (
    "UNWIND $ids AS e MATCH (:Entity)-[r:FACT {namespace: $ns}]->(:Entity) "
    "WHERE e IN coalesce(r.evidence, []) OR e IN coalesce(r.revised_by, []) "
    "WITH DISTINCT split(r.id, '@')[0] AS fid WITH collect(fid) AS chains "
    "MATCH (a:Entity)-[v:FACT {namespace: $ns}]->(b:Entity) "
    "WITH v, a, b, chains, split(v.id, '@')[0] AS fid WHERE fid IN chains "
    "RETURN properties(v) AS p, a.id AS s, b.id AS o"
)


def day(n: int) -> datetime:
    return datetime(2024, 1, 1) + timedelta(days=n)


def fill(store: object, ns: str, start: int, stop: int) -> None:
    for w in range(start, stop, 2000):
        n = min(2000, stop - w)
        session = Session(ns, f"s{w}", w, day(0), "")
        events = tuple(
            Event(ns, f"e{w + i}", f"s{w}", i, "Ana", f"text {w + i}", day(0) + timedelta(seconds=i)) for i in range(n)
        )
        things = tuple(Entity(ns, f"x{w + i}", f"X{w + i}", "Topic") for i in range(n))
        facts = tuple(
            Fact(ns, f"f{w + i}", "ana", "likes", f"x{w + i}", recorded_at=day(0), evidence=(f"e{w + i}",))
            for i in range(n)
        )
        store.write(Batch(ns, (session,), events, (*things, Entity(ns, "ana", "Ana", "Person")), (), facts))  # type: ignore[attr-defined]


def main(sizes: list[int]) -> None:
    server = start_server(heap="2g")
    try:
        target = server.target
        wipe_database(target)
        store = connect(target.uri, auth=target.auth, database=target.database)
        ns, written = "p", 0
        for size in sizes:
            fill(store, ns, written, size)
            written = max(written, size)
            for k in (10, 100, 1000):
                ids = [f"e{i}" for i in range(0, written, max(1, written // k))][:k]
                t0 = time.perf_counter()
                chains = store.fact_chains_of_events(ns, ids)
                t1 = time.perf_counter()
                groups = store.fact_groups_of_events(ns, ids)
                t2 = time.perf_counter()
                unwound = store._read(UNWOUND_CHAINS, ns=ns, ids=ids)
                t3 = time.perf_counter()
                print(
                    f"facts {written:6d} ids {k:5d}: chains {t1 - t0:7.3f} s ({len(chains)}), "
                    f"groups {t2 - t1:7.3f} s ({len(groups)}), unwound chains {t3 - t2:7.3f} s ({len(unwound)})",
                    flush=True,
                )
        store.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000])
