"""What store calls report: full-text hits, catch-ups, deletions, counts and a store's identity.

Plain frozen values that the :class:`~graphmem.store.base.GraphStore` protocol and its capabilities return
(:mod:`graphmem.store.base` names them too, as the protocol's vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CaughtUp", "DeleteResult", "StoreIdentity", "StoreStats", "TextHit"]


@dataclass(frozen=True, slots=True)
class TextHit:
    """A full-text match: an event id and its BM25 score (higher is better)."""

    event_id: str
    score: float


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """What :meth:`Refreshing.refresh` says of one namespace other processes changed.

    Attributes:
        embeddings: the node ids whose stored embeddings changed (``None``: not known, check them all).
        since: the namespace's change counter the catch-up started from (what the holder had seen).
        generation: the namespace's change counter as of the state caught up with (``None``: not known).
    """

    embeddings: frozenset[str] | None
    since: int | None
    generation: int | None

    #: Changed embeddings remembered for one namespace before they count as "not known" (a handle that only
    #: writes catches up before each write but is never asked; it should not hold every id others wrote).
    MAX_IDS = 10_000

    def then(self, later: CaughtUp) -> CaughtUp:
        """This catch-up followed by ``later``: their embeddings together, from this one's counter to ``later``'s."""
        both = None if self.embeddings is None or later.embeddings is None else self.embeddings | later.embeddings
        if both is not None and len(both) > self.MAX_IDS:
            both = None
        return CaughtUp(both, self.since, later.generation)


@dataclass(frozen=True, slots=True)
class DeleteResult:
    """What a delete removed.

    Attributes:
        mentions: links of the deleted events to the entities they name (``MENTIONS`` edges), as
            :attr:`StoreStats.mentions` counts them.
        spoken_by: links of the deleted events to their speakers (``SPOKEN_BY`` edges); last, so a
            result built by position before it was added still reads the same (``mentions`` counted
            both until 6 Dec 2026).
    """

    events: int = 0
    entities: int = 0
    facts: int = 0
    mentions: int = 0
    sessions: int = 0
    spoken_by: int = 0


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts for one namespace, or for the whole store when ``namespace`` is ``None``.

    Attributes:
        mentions: the links of events to the entities they name (``MENTIONS`` edges: any role but the
            speaker's).
        spoken_by: the links of events to their speakers (``SPOKEN_BY`` edges, role ``"speaker"``);
            ``mentions + spoken_by`` is every event-to-entity link (what ``mentions`` counted until
            6 Dec 2026).
        facts: every stored version of every fact.
        by_namespace: the same counts (``namespaces`` aside) per namespace, sorted by name.
    """

    namespace: str | None
    namespaces: int
    sessions: int
    events: int
    entities: int
    mentions: int
    facts: int
    embeddings: int
    by_namespace: dict[str, dict[str, int]] = field(default_factory=dict)
    spoken_by: int = 0

    @classmethod
    def from_counts(cls, namespace: str | None, per: dict[str, dict[str, int]]) -> StoreStats:
        """Stats from per-namespace counts (keys: sessions, events, entities, mentions, spoken_by, facts,
        embeddings)."""

        def total(key: str) -> int:
            return sum(counts.get(key, 0) for counts in per.values())

        return cls(
            namespace,
            len(per),
            total("sessions"),
            total("events"),
            total("entities"),
            total("mentions"),
            total("facts"),
            total("embeddings"),
            per,
            total("spoken_by"),
        )

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return {
            "namespaces": self.namespaces,
            "sessions": self.sessions,
            "events": self.events,
            "entities": self.entities,
            "mentions": self.mentions,
            "spoken_by": self.spoken_by,
            "facts": self.facts,
            "embeddings": self.embeddings,
        }


@dataclass(frozen=True, slots=True)
class StoreIdentity:
    """What makes a store the one it is, whatever the spelling of its URI or path (``graphmem sync``
    refuses to copy a store onto itself by it).

    Attributes:
        place: where the data lives: ``file:<device>:<inode>`` of an embedded store's database file
            (the same through a symlink or a relative path; a copied directory is another), or
            ``bolt:<address>`` of the server a Bolt store reached (``localhost`` resolved).
        database: the database at that place: the name the server reports having used (else the one
            asked for); ``None`` when neither says (a server's default that it does not name); ``""``
            for an embedded store, whose file is its database.
        store_id: the random id written once into the store when its schema is created (by a store of
            an older graphmem: on its next writable open); ``None`` until then. A copy of the store's
            data carries it too, so equal ids are one store only where :meth:`same_as` says.
    """

    place: str
    database: str | None
    store_id: str | None

    def same_as(self, other: StoreIdentity) -> bool:
        """Whether both name one store.

        1. Both store ids known and different: two stores, whatever the place (two servers behind one
           proxy or load-balancer address).
        2. Both store ids known and equal, and one server database name on both sides: one store, whatever
           the address (a server reached at ``127.0.0.1`` and at its LAN address). An embedded store has no
           database name (``""``), so a copied store directory (one id, another file) stays another store.
        3. Otherwise the same place and the same database there; where either database is unnamed (a
           server's default), also the same store id.
        """
        if self.store_id is not None and other.store_id is not None:
            if self.store_id != other.store_id:
                return False
            if self.database and self.database == other.database:
                return True
        if self.place != other.place:
            return False
        if self.database is not None and other.database is not None:
            return self.database == other.database
        return self.store_id is not None and self.store_id == other.store_id
