"""The stats contract: ``mentions`` counts the MENTIONS links alone, ``spoken_by`` each event's speaker link.

Run on every backend (the embedded store counting from SQLite and from a loaded namespace's mirror, and a
Bolt server), with a dialogue whose speakers are linked more often than anything is named.
"""

from __future__ import annotations

import dataclasses

from graphmem.models import Batch, Event, Mention
from graphmem.store.base import Direction
from graphmem.store.embedded import EmbeddedStore
from graphmem.store.results import DeleteResult, StoreStats
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
    # the whole store's counts (one statement per label or type on a server) agree with each namespace's own
    # (one anchored statement) and with the links read back one by one
    for ns in (a, b):
        assert whole.by_namespace[ns] == store.stats(ns).by_namespace[ns]
        roles = [role for _, _, role in store.iter_mentions(ns)]
        assert (roles.count("speaker"), len(roles) - roles.count("speaker")) == (4, 3)
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


def test_deletes_count_speaker_links_apart_from_mentions(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    store.neighbors(ns, "e1", direction=Direction.OUT)
    gone = store.delete_event(ns, "e1")  # spoken by Caroline, naming the support group
    assert (gone.events, gone.mentions, gone.spoken_by) == (1, 1, 1)
    rest = store.delete_namespace(ns)  # e2 to e4: 3 speaker links, 2 mentions (e2's addressee, e4's camping)
    assert (rest.events, rest.mentions, rest.spoken_by, rest.sessions) == (3, 2, 3, 2)


def test_the_speaker_links_are_the_last_field() -> None:
    # a result built by position before the field was added reads the same
    assert [f.name for f in dataclasses.fields(StoreStats)][-1] == "spoken_by"
    assert [f.name for f in dataclasses.fields(DeleteResult)][-1] == "spoken_by"
    assert StoreStats(None, 1, 2, 3, 4, 5, 6, 7).as_dict()["facts"] == 6
