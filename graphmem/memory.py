"""The :class:`Memory` facade: the one object users touch."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from graphmem.errors import ConfigError, GraphmemError, NotFoundError, VectorIndexError
from graphmem.memory_reads import MemoryReads
from graphmem.memory_resources import open_memory_store
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session, validate_namespace
from graphmem.namespaces import require_namespace
from graphmem.recall.cache import NamespaceCaches
from graphmem.settings import Settings
from graphmem.store.base import (
    CountsChanges,
    GraphStore,
    HasDirectory,
)
from graphmem.store.budget import CacheBudget
from graphmem.store.results import DeleteResult
from graphmem.write_retry import guarded, retry_conflicts

if TYPE_CHECKING:
    from graphmem.embed import Embedder
    from graphmem.ingest import Extractor, IngestSummary
    from graphmem.reembed import ReembedSummary, VectorStatus
    from graphmem.vector_index import VectorIndex

log = logging.getLogger(__name__)

__all__ = ["Memory"]


class Memory(MemoryReads):
    """Long-term memory for conversational agents, shaped as a temporal knowledge graph.

    Open one with :meth:`Memory.open` and use it as a context manager::

        with Memory.open("./mem") as mem:
            mem.ingest("transcripts/")
            for hit in mem.recall("camping with the kids", namespace="conv-26"):
                print(hit.event.text, hit.why)

    Heavy resources (the spaCy pipeline, the embedding model) load lazily on first use and can be
    injected, so tests and long-running agents share one instance.
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        embedder: Embedder | None = None,
        nlp: Any | None = None,
        index_dir: str | os.PathLike[str] | None = None,
        settings: Settings | None = None,
        read_only: bool = False,
        budget: CacheBudget | None = None,
        extractor: str | Extractor | None = None,
        zone: str | tzinfo | None = None,
    ) -> None:
        """Wrap an open store. Most callers use :meth:`Memory.open` instead.

        ``budget`` is the memory budget the store was opened with; the vector index shares it.
        ``extractor`` is the extractor of :meth:`add` and :meth:`ingest`, ``zone`` the clock dates are read
        on (see :meth:`open`).

        Raises:
            ConfigError: ``zone`` is no time zone (from ``GRAPHMEM_ZONE`` or ``zone=``); ``extractor`` names
                no extractor (a read-only memory, which never extracts, is not stopped by a bad
                ``GRAPHMEM_EXTRACTOR``).
        """
        from graphmem.extract import EXTRACTORS
        from graphmem.fact_time import read_zone

        self.zone = read_zone(zone if zone is not None else (settings.zone if settings is not None else None))
        chosen = extractor if extractor is not None else (settings.extractor if settings is not None else None)
        writable = not (read_only or getattr(store, "read_only", False))
        if isinstance(chosen, str) and chosen.strip().lower() not in EXTRACTORS and writable:
            raise ConfigError(
                f"unknown extractor {chosen!r} (GRAPHMEM_EXTRACTOR or extractor=): "
                f"choose one of {', '.join(EXTRACTORS)}"
            )
        self._extractor: str | Extractor = chosen.strip().lower() if isinstance(chosen, str) else chosen or "spacy"
        self._add_extractor: Extractor | None = None
        self._store = store
        self.read_only = read_only or bool(getattr(store, "read_only", False))
        self._embedder = embedder
        self._nlp = nlp
        self._index_dir = Path(index_dir) if index_dir is not None else None
        self._settings = settings
        self._vectors: VectorIndex | None = None
        self._vectors_lock = threading.Lock()
        self._caches = NamespaceCaches()
        self._refresh_lock = threading.RLock()
        self._caches_lock = threading.Lock()  # recall in one thread fetches what a write in another drops
        self._budget = budget
        self._closed = False

    @classmethod
    def open(
        cls,
        path_or_uri: str | os.PathLike[str] | None = None,
        *,
        embedder: Embedder | None = None,
        nlp: Any | None = None,
        settings: Settings | None = None,
        read_only: bool = False,
        cache_mb: float | None = None,
        extractor: str | Extractor | None = None,
        zone: str | tzinfo | None = None,
        **store_options: Any,
    ) -> Memory:
        """Open (creating if needed) the memory at a directory or a Neo4j URI.

        Args:
            path_or_uri: a store directory or ``neo4j://host:7687``; ``None`` reads ``GRAPHMEM_DB`` or
                ``NEO4J_URI`` and falls back to ``./graphmem-data``.
            embedder: an embedder to use instead of the default sentence-embedding model.
            nlp: a loaded spaCy pipeline to use instead of loading one.
            settings: the environment's settings (default: :meth:`Settings.from_env`, read now).
            read_only: open for reading only: a store the user cannot write opens, and every write
                (ingest, add, forget) raises :class:`~graphmem.errors.ReadOnlyStoreError`; opening writes
                nothing either (a store of an older schema raises
                :class:`~graphmem.errors.SchemaUpgradeError`, and on a server a missing database or one
                without graphmem's schema is an error, never created).
            cache_mb: memory budget in MiB for the namespaces a store directory holds in memory (graphs
                and vectors, least recently used dropped first); default ``GRAPHMEM_CACHE_MB`` or 2048.
                Opening loads no namespace; each loads on its first read.
                A namespace with more events than ``mirror_max_events`` (a store option; default
                ``GRAPHMEM_MIRROR_MAX_EVENTS`` or 200,000) is never loaded: it is read from SQLite.
            extractor: what :meth:`add` and :meth:`ingest` extract with: ``"spacy"`` (offline), ``"claude"``
                (``ANTHROPIC_API_KEY``; made on the first add), or an extractor such as
                ``get_extractor("claude", model=...)``; default ``GRAPHMEM_EXTRACTOR``, else spaCy.
            zone: the clock the dates you give are read on when they give no offset: an IANA name such as
                ``"Europe/Lisbon"`` (default ``GRAPHMEM_ZONE``, else UTC). Query dates (``e.time ON
                2024-10-31``), time arguments (``since="2024-10"``, a ``date``) and a question's own dates
                ("yesterday", "on 31 October") are then days on that calendar, by its rules for each date
                (summer time included). Stored and shown times stay UTC; a naive ``datetime`` is UTC.
            **store_options: backend options, e.g. ``auth=(user, password)`` and ``database`` for Neo4j,
                ``lock_timeout`` (seconds a writer waits for another; default ``GRAPHMEM_LOCK_TIMEOUT``:
                another process on a store directory, another thread of this process on a server).

        Raises:
            StoreError: the store cannot be opened (wrong path, unwritable, corrupt, newer schema).
            ConfigError: the location or an option is not valid.
        """
        settings = settings or Settings.from_env()
        from graphmem.fact_time import read_zone

        zone = read_zone(zone if zone is not None else settings.zone)  # refused before a store is made
        store, budget = open_memory_store(
            path_or_uri, settings, read_only=read_only, cache_mb=cache_mb, store_options=store_options
        )
        index_dir = store.directory if isinstance(store, HasDirectory) else None
        return cls(
            store,
            embedder=embedder,
            nlp=nlp,
            index_dir=index_dir,
            settings=settings,
            read_only=read_only,
            budget=budget,
            extractor=extractor,
            zone=zone,
        )

    # -- lifecycle -----------------------------------------------------------------------------------

    def __enter__(self) -> Memory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Flush the vector index and close the store. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._vectors is not None:
                self._vectors.close(save=not self.read_only)
        except VectorIndexError as exc:  # a cache: the store holds every vector, the next open rebuilds it
            log.warning("%s; the vector index is built again from the store when next opened", exc)
        finally:
            self._store.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Memory {self._store.uri} {state}>"

    # -- writing -------------------------------------------------------------------------------------

    def add(
        self,
        messages: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        session: str | None = None,
        participants: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Append messages to ``namespace`` as an agent talks; return the ids of their events.

        A message is a dict shaped like a JSONL line: ``speaker``, ``text``, and optionally ``time``
        (ISO 8601 text, epoch seconds, a ``datetime`` or a ``date``), ``session``, ``id`` and
        ``caption``. It joins its session (or ``session``, a session id as stored such as ``session_3``,
        while a message's ``"session": "3"`` is named as in a file; or the namespace's latest one unless the
        pause since its last turn exceeds the session gap) at the next position; without a time it
        takes the current time (one timed more than 5 minutes ahead of the clock is added with an
        :class:`~graphmem.errors.IngestWarning`: what it says holds from then). A message a file ingested
        before holds (the same ``id``, or without one the same speaker, time and text) returns the stored
        event instead of being written twice; that counts only in the session the message names or joins,
        and without an id only when the file's turn has a time of its own and nothing else there says the
        same (docs/extraction.md).
        Entities are resolved against what the namespace holds. The turns are extracted with this
        memory's extractor (:meth:`open`: ``extractor=`` or ``GRAPHMEM_EXTRACTOR``; spaCy by default).
        See :func:`graphmem.live.add`.

        A chat API's messages (``{"role": "user", "content": ...}``) are read too; ``participants`` maps
        their roles to the names memory should know the speakers by (``{"user": "Dana", "assistant":
        "Aide"}``), else the speaker is the role itself. Messages whose text is empty or whose role is
        ``system``/``tool`` are left out: no id is returned for them.

        Raises:
            ConfigError: the namespace, session or ``participants`` are not legal.
            IngestError: a message is malformed (its index and field are named).
            ExtractionError: the extractor failed on the messages (with Claude: an API error or a
                malformed answer, led by the namespace, session and turns of the request); nothing of
                them was written.
            ExtractorUnavailableError: the extractor's service cannot be used (Claude's API unreachable,
                overloaded past its retries, or the API key rejected); nothing of them was written.
            ReadOnlyStoreError: this memory is read-only.
            StoreLockedError: another process held the store's write lock for too long.
            WriteConflictError: on a server, other clients kept writing the namespace while this call
                placed its messages (it tries again first); nothing of them was written.
        """
        from graphmem.live import add

        self._refuse_if_read_only()  # before the models load
        return add(
            self,
            messages,
            namespace=self._spelled(namespace),
            session=session,
            participants=participants,
            nlp=self._nlp,
            extractor=self._live_extractor(),
            zone=self.zone,
        )

    @property
    def extractor(self) -> str | Extractor:
        """The extractor :meth:`add` and :meth:`ingest` use (a name, or the extractor given)."""
        return self._extractor

    def _live_extractor(self) -> Extractor | None:
        """The extractor of :meth:`add`, made once; ``None`` for spaCy (:func:`graphmem.live.add` keeps
        one per memory, sharing this memory's pipeline)."""
        if self._extractor == "spacy":
            return None
        if self._add_extractor is None:
            from graphmem.extract import get_extractor

            chosen = self._extractor
            self._add_extractor = get_extractor(chosen) if isinstance(chosen, str) else chosen
        return self._add_extractor

    def write(self, batch: Batch, *, rebuild_vectors: bool = False) -> None:
        """Apply a batch all-or-nothing, then bring the vector index up to date with its embeddings.

        The index is updated under the store's write lock, so it can record which store state its
        files match (and be trusted on the next open without reading the stored vectors). With
        ``rebuild_vectors`` the namespace's index is dropped instead, to be built from the store on its
        next use: for writes that change the model of its vectors (:meth:`reembed`).
        """
        ns = batch.namespace
        with self.writing():
            store = self._store
            counter = store if isinstance(store, CountsChanges) and self._vectors is not None else None
            before = counter.generation(ns) if counter is not None else None
            self.store.write(batch)
            self._drop_cache(ns)
            if self._vectors is not None:
                if rebuild_vectors:
                    self._vectors.discard(ns)
                elif batch.retract:  # retracted events leave the index too
                    self._vectors.sync(ns)
                else:
                    if batch.embeddings:
                        self._vectors.add(ns, batch.embeddings, model=batch.embedding_model)
                    after = counter.generation(ns) if counter is not None else None
                    self._vectors.advance(ns, before, after)

    def add_events(
        self,
        events: Iterable[Event],
        *,
        namespace: str,
        entities: Sequence[Entity] = (),
        mentions: Sequence[Mention] = (),
        facts: Sequence[Fact] = (),
    ) -> int:
        """Add events (and optionally entities, mentions and facts) to a namespace in one batch.

        Sessions the events name that do not exist yet are created, in order of first appearance,
        starting at the earliest event time, after the namespace's last session. Returns the number of
        events written. On a server store the sessions are read and the batch written inside the store's
        guard, and read again when another client wrote the namespace in between
        (:mod:`graphmem.write_retry`).

        Raises:
            ConfigError: the namespace is illegal or an event belongs to another namespace.
            StoreError: the batch was rejected; nothing of it was written.
            WriteConflictError: on a server, other clients kept writing the namespace during each attempt;
                nothing of the batch was written.
        """
        from graphmem.errors import ConfigError

        validate_namespace(namespace)
        asked, namespace = namespace, self._spelled(namespace)
        evs = tuple(ev if ev.namespace != asked else replace(ev, namespace=namespace) for ev in events)
        entities = [e if e.namespace != asked else replace(e, namespace=namespace) for e in entities]
        mentions = [m if m.namespace != asked else replace(m, namespace=namespace) for m in mentions]
        facts = [f if f.namespace != asked else replace(f, namespace=namespace) for f in facts]
        for ev in evs:
            if ev.namespace != namespace:
                raise ConfigError(f"event {ev.id!r} belongs to namespace {ev.namespace!r}, not {namespace!r}")

        def attempt() -> None:
            with self.writing(), guarded(self.store, namespace):
                existing = {s.id: s for s in self.store.iter_sessions(namespace)}
                next_index = max((s.index for s in existing.values()), default=-1) + 1
                new_sessions: dict[str, Session] = {}
                for ev in evs:
                    if ev.session in existing or ev.session in new_sessions:
                        continue
                    times = [e.occurred_at for e in evs if e.session == ev.session and e.occurred_at]
                    started: datetime | None = min(times) if times else None
                    new_sessions[ev.session] = Session(namespace, ev.session, next_index, started)
                    next_index += 1
                batch = Batch(
                    namespace,
                    sessions=tuple(new_sessions.values()),
                    events=evs,
                    entities=tuple(entities),
                    mentions=tuple(mentions),
                    facts=tuple(facts),
                )
                self.write(batch)

        retry_conflicts(
            attempt,
            namespace=namespace,
            failed=lambda attempts: (
                f"could not add {len(evs)} event(s) to namespace {namespace!r}: other writers changed it during "
                f"each of {attempts} attempts; nothing of them was written, try again"
            ),
        )
        return len(evs)

    def ingest(
        self,
        source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Sequence[dict[str, Any]],
        *,
        namespace: str | None = None,
        format: str | None = None,
        extractor: str | Extractor | None = None,
        workers: int = 1,
        progress: bool = False,
        embed: bool = True,
        participants: Mapping[str, str] | None = None,
    ) -> IngestSummary:
        """Ingest transcripts (files, folders, or in-memory records) and return a summary.

        See :func:`graphmem.ingest.ingest` for the formats and options; ``extractor`` defaults to this
        memory's (:meth:`open`). ``participants`` names the roles of JSONL and chat messages
        (``{"user": "Dana", "assistant": "Aide"}``) as :meth:`add` does; by default a role is the speaker's
        name (a chat export's own ``participants`` object aside). What an input's turns say ("yesterday") is
        dated on this memory's clock (:meth:`open`: ``zone=``), as for :meth:`add`.
        """
        from graphmem.ingest import ingest

        return ingest(
            self,
            source,
            namespace=None if namespace is None else self._spelled(namespace),
            format=format,
            extractor=extractor if extractor is not None else self._extractor,
            workers=workers,
            progress=progress,
            embed=embed,
            nlp=self._nlp,
            participants=participants,
            zone=self.zone,
        )

    def reembed(self, namespace: str | None = None, *, batch: int = 256, progress: bool = False) -> ReembedSummary:
        """Re-embed, in place, the events whose vectors another embedder or embedded-text scheme made.

        Each stale event gets the vector :meth:`ingest` and :meth:`add` would store today (its text in
        the context of the previous turn of its session, :mod:`graphmem.embed_text`); events, facts,
        entities and their versions are untouched. Work goes ``batch`` events at a time, each batch one
        write transaction under the store's write lock; an interrupted run keeps the batches it committed,
        and running it again continues with what is still stale. See :func:`graphmem.reembed.reembed`.

        Args:
            namespace: only this namespace (default: every namespace of the store).
            batch: events per write transaction.
            progress: show a progress bar on stderr.

        Raises:
            ReadOnlyStoreError: this memory is read-only.
            UnknownNamespaceError: ``namespace`` holds no data.
        """
        from graphmem.reembed import reembed

        return reembed(self, self._namespaces_of(namespace), batch=batch, progress=progress)

    def vector_status(self, namespace: str | None = None) -> list[VectorStatus]:
        """What made the stored event vectors of each namespace, and how many are stale (made by another
        embedder or embedded-text scheme than this memory's embedder and today's scheme); the Python twin of
        ``graphmem reembed --check``. Loads the embedder (its name and kind decide what is current)."""
        from graphmem.reembed import vector_status

        return vector_status(self.store, self.embedder, self._namespaces_of(namespace))

    def _namespaces_of(self, namespace: str | None) -> list[str]:
        """``[namespace]`` (checked to hold data), or every namespace of the store."""
        held = self.namespaces()
        if namespace is None:
            return held
        return [require_namespace(namespace, held)]

    def forget(
        self, namespace: str, event_id: str | None = None, *, session: str | None = None, about: str | None = None
    ) -> DeleteResult:
        """Delete one event (and what only it supported: its session too when it was the session's last
        event, unless it is the namespace's only session), every event of a ``session``, everything
        ``about`` a person or thing, or a whole namespace when none of them is given.

        ``about`` is a whole name or alias (ignoring case and accents; never part of a name: a deletion does
        not guess): every event its entities said or that mentions them goes (also another speaker's turn
        that mentions them only as "you"), and every event whose text or speaker says one of their names or
        aliases as a name (:mod:`graphmem.forget_names`: "Did you mark the essays?" does not name Mark), so
        that nothing stored holds those names afterwards (:mod:`graphmem.forget_many`;
        :func:`graphmem.forget_many.plan_forget` tells what would go, and which names are searched). Those
        forgets are each message's, as below, each session's turns last first, the embedded store's scrubbing
        of its file made once at the end; interrupted, what was forgotten stays forgotten and the same call
        again finishes the work. The result sums what each deleted.

        Raises:
            ConfigError: more than one of ``event_id``, ``session`` and ``about`` given.
            UnknownNamespaceError: the namespace holds no data (the closest one is suggested).
            NotFoundError: the namespace holds no event ``event_id`` (nothing is deleted); when it is an
                input's turn id (``source_id``, e.g. ``D1:3``), the message names the event that has it. No
                session ``session`` (the closest are named); ``about`` is the name or alias of no entity
                (nothing is called that: already forgotten? the closest, or the names it is part of, are
                named); nothing is deleted.

        What stays keeps nothing of a forgotten message (:mod:`graphmem.forget`): the next turn of its
        session, embedded replying to it, is embedded again first (which loads the embedder), replying to
        the turn before; an entity it named keeps only the names other messages say, and moves to an id
        of the name it keeps when its id was made of a name that went (``ent:person:marsh`` for
        ``ent:person:helena-quokkaberg-marsh``).

        Forgetting an event is then several transactions: the reply's vector, each entity moved, the
        entities renamed, then the deletion and the remaining facts' ends derived again
        (:mod:`graphmem.settle`). Should one before the deletion fail, the event is still there and
        forgetting it again finishes the work; should the last fail, its error is raised with the event
        deleted and the caches dropped, and ``graphmem.settle.settle(memory.store, namespace)`` then derives
        the ends. On a server store, what another client writes to the namespace meanwhile makes the
        forget start over from what it holds then (:mod:`graphmem.write_retry`; ``WriteConflictError``
        when it kept doing so).
        """
        asked = [k for k, v in (("event_id", event_id), ("session", session), ("about", about)) if v is not None]
        if len(asked) > 1:
            raise ConfigError(f"forget: give one of event_id, session and about, not {' and '.join(asked)}")
        with self.writing():  # a read-only memory refuses before the namespace is looked at
            namespace = require_namespace(namespace, self.store.namespaces())
            if session is not None or about is not None:
                return self._forget_many(namespace, session=session, about=about)
            event = None if event_id is None else self.store.get_event(namespace, event_id)
            if event_id is not None and event is None:
                raise NotFoundError(self._no_event(namespace, event_id))
            try:
                if event is None:
                    result = self.store.delete_namespace(namespace)
                else:
                    from graphmem.forget import forget_message  # the reply's vector, names only it gave

                    result = forget_message(self, namespace, event)
            finally:  # the deletion may stand though deriving the ends again failed (see graphmem.settle)
                self._drop_cache(namespace)
                self._forget_vectors(namespace, event)
        return result

    def _forget_many(self, namespace: str, *, session: str | None, about: str | None) -> DeleteResult:
        """:meth:`forget` of a session or of everything about a name (see :mod:`graphmem.forget_many`)."""
        from graphmem.forget_many import forget_planned, plan_forget

        plan = plan_forget(self.store, namespace, session=session, about=about)
        try:
            return forget_planned(self, plan, after_each=lambda ev: self._forget_vectors(namespace, ev))
        finally:
            self._drop_cache(namespace)

    def _forget_vectors(self, namespace: str, event: Event | None) -> None:
        """Make the vector index's files hold nothing forgotten: a whole namespace's folder goes (``event``
        ``None``); for one event its vector and its reply's (the next turn of its session, whose vector held
        its text, :mod:`graphmem.forget`) leave the saved files, even in a process that had not searched them
        (``graphmem forget``), without reading the store's embeddings (:meth:`VectorIndex.remove_saved`)."""
        try:
            vectors = self.vectors
            if event is None:
                vectors.discard(namespace)
                return
            later = (ev for ev in self.store.iter_events(namespace, session=event.session) if ev.seq > event.seq)
            reply = min(later, key=lambda ev: ev.seq, default=None)
            vectors.remove_saved(namespace, [event.id] + ([reply.id] if reply is not None else []))
        except GraphmemError as exc:  # never in place of the forget's own error; the next load verifies
            log.warning("the vector index of namespace %r was not brought up to date after forget: %s", namespace, exc)

    def _no_event(self, namespace: str, event_id: str) -> str:
        """Why :meth:`forget` found nothing to delete, naming the event when ``event_id`` is a turn id."""
        message = f"no event {event_id!r} in namespace {namespace!r}"
        by_source = [ev.id for ev in self.store.find_events_by_source(namespace, event_id)]
        if by_source:
            events = ", ".join(repr(i) for i in by_source)
            message += f" (the input's turn {event_id!r} is event {events})"
        return message
