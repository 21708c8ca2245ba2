"""What a Bolt store's holder knows of each namespace's change counter (store/cypher/changes.py)."""

from __future__ import annotations

from graphmem.store.cypher.changes import ChangeCounters


def test_own_writes_do_not_count_and_a_forgotten_namespace_counts_as_changed() -> None:
    counters = ChangeCounters()
    assert counters.changed("n", 7)  # first look: nothing known
    assert not counters.changed("n", 7)
    counters.wrote("n", 8)  # our own write, right after the value we knew
    assert not counters.changed("n", 8)
    counters.wrote("n", 10)  # another writer's write (9) came in between
    assert counters.changed("n", 10)
    counters.forget("n")  # catching up failed: the next look must say "changed" again
    assert counters.changed("n", 10)
    assert not counters.changed("n", 10)
