"""Live add on a Bolt store: a message without an id that a file ingested before holds is found by its time.

The Cypher store answers :meth:`~graphmem.store.cypher.store.CypherStore.events_at` (the
:class:`~graphmem.store.base.FindsEventsAt` capability) in one statement, so live add neither reads the
file's sessions whole nor stores the message a second time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.live.test_file_messages import NS, jsonl, live, run, said
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j


def test_a_files_message_added_live_without_an_id_is_stored_once(bolt_server: BoltTarget, tmp_path: Path) -> None:
    wipe_database(bolt_server)
    (tmp_path / "in").mkdir()
    for f in range(3):
        jsonl(tmp_path / "in" / f"exp{f}.jsonl", [said(n, text=f"f{f} m{n}") for n in range(1, 6)])
    with open_bolt_memory(bolt_server, tmp_path / "cache") as memory:
        run(memory, tmp_path / "in", namespace=NS)
        stored = sorted((e.id, e.text) for e in memory.store.iter_events(NS))
        read: list[str | None] = []
        real = memory.store.iter_events

        def counted(namespace: str, *, session: str | None = None) -> Any:
            read.append(session)
            return real(namespace, session=session)

        memory.store.iter_events = counted  # type: ignore[method-assign]
        try:
            assert live(memory, [said(3, text="f1 m3")], embed=False) == ["ev:exp1/session_1:3"]
        finally:
            memory.store.iter_events = real  # type: ignore[method-assign]
        assert not [s for s in read if s is not None and s.startswith("exp")]  # found by time, not read whole
        assert sorted((e.id, e.text) for e in memory.store.iter_events(NS)) == stored  # stored once
