"""The stats contract: ``mentions`` counts the MENTIONS links alone, ``spoken_by`` each event's speaker link.

Run on every backend (the embedded store counting from SQLite and from a loaded namespace's mirror, and a
Bolt server), with a dialogue whose speakers are linked more often than anything is named.
"""

from __future__ import annotations

from graphmem.models import Batch, Event, Mention
from graphmem.store.base import Direction
from graphmem.store.embedded import EmbeddedStore
from tests.store.conftest import Backend
from tests.store.test_contract import conversation, day


def test_stats_count_mentions_and_speakers_apart(backend: Backend) -> None:
    store = backend.open()
    a, b = backend.ns("a"), backend.ns("b")
    store.write(conversation(a))  # 4 events, each spoken by someone; 3 links to something named in them
    store.write(conversation(b))
    want = {
        "namespaces": 1,
        "sessions": 2,
        "events": 4,
        "entities": 4,
        "mentions": 3,
        "spoken_by": 4,
        "facts": 2,
        "embeddings": 0,
    }
    assert store.stats(a).as_dict() == want
    whole = store.stats()
    for ns in (a, b):
        assert whole.by_namespace[ns] == {k: v for k, v in want.items() if k != "namespaces"}
    assert whole.mentions - whole.spoken_by == sum(c["mentions"] - c["spoken_by"] for c in whole.by_namespace.values())
    store.neighbors(a, "e1", direction=Direction.OUT)  # the embedded store now counts `a` from its mirror
    if isinstance(store, EmbeddedStore) and backend.name == "embedded":
        assert a in store.loaded
    assert store.stats(a).as_dict() == want


def test_stats_follow_deletes_and_writes(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    store.neighbors(ns, "e1", direction=Direction.OUT)  # counted from the mirror on the embedded store
    store.delete_event(ns, "e1")  # Caroline spoke it and named the support group (gone with it)
    assert (store.stats(ns).mentions, store.stats(ns).spoken_by) == (2, 3)
    said = Event(ns, "e5", "s2", 1, "Caroline", "Melanie, camping with Caroline sounds fun.", day(10))
    links = (
        Mention(ns, "e5", "caroline", "speaker"),
        Mention(ns, "e5", "melanie", "addressee"),
        Mention(ns, "e5", "camping", "mention"),
        Mention(ns, "e5", "caroline", "mention"),  # she names herself too: a mention beside her speaker link
    )
    store.write(Batch(ns, (), (said,), (), links))
    assert (store.stats(ns).mentions, store.stats(ns).spoken_by) == (5, 4)
    again = backend.open()
    assert (again.stats(ns).mentions, again.stats(ns).spoken_by) == (5, 4)
    assert again.stats().by_namespace[ns]["spoken_by"] == 4
