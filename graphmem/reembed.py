"""Re-embedding stored events in place, when the embedder or the embedded-text scheme changes.

Every stored event vector records what made it: the embedder's name (``Batch.embedding_model``) and the
embedded-text scheme (``Batch.embedding_scheme``, :func:`graphmem.embed_text.embedding_scheme`; stores
written before graphmem recorded it read as an unknown scheme). A vector is **stale** when either differs
from what :meth:`Memory.ingest <graphmem.Memory.ingest>` and :meth:`Memory.add <graphmem.Memory.add>`
would store today with the memory's embedder; an event without a vector (ingested with
``embed=False``) is stale too, and re-embedding gives it one. :func:`vector_status` counts them per
namespace (``graphmem reembed --check``); :func:`reembed` rewrites them (``graphmem reembed``). A vector
holding a number that is not finite (NaN, an infinity: written by another writer, or restored before
restores checked vectors), or of the embedder's vector space but not of its dimension (restored from an
export that cut it short) is **damaged**, and stale too: recall cannot search a namespace holding one, or
ranks its events by nonsense, until it is re-embedded. Finding them reads every stored vector of the
namespace, once per check.

Re-embedding changes vectors only: events, sessions, entities, facts and their versions stay as they
are (re-ingesting would replace the events through retraction, see ``docs/extraction.md``). An event is
embedded exactly as the write path embeds it (:func:`graphmem.writer.attach_embeddings`), its previous
turn read from the store. Work goes in batches of events, each one write transaction under the store's
write lock that also updates the vector index, so an interrupted run keeps what it committed and a
second run continues with what is still stale. On a server store each batch is read, embedded and written
inside the store's guard of the namespace, and made again from what it holds when another client wrote it
meanwhile (:func:`graphmem.write_retry.run_guarded`): a turn whose previous turn that client forgot, or whose
text it replaced, gets the vector of what is stored now. When the new vectors are of another vector space than the
old ones, the namespace's index is dropped while the namespace holds both (its recall fails naming
``graphmem reembed`` until the run completes) and built again from the store on its next use.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from graphmem.embed_text import is_current_scheme, scheme_of
from graphmem.models import Batch
from graphmem.progress import ProgressBar
from graphmem.write_retry import run_guarded

if TYPE_CHECKING:
    from graphmem.embed import Embedder
    from graphmem.models import Event
    from graphmem.store.base import GraphStore

__all__ = [
    "ReembedSummary",
    "ReembedTarget",
    "VectorOrigin",
    "VectorStatus",
    "current_origin",
    "older_schemes",
    "reembed",
    "reply_vector",
    "vector_status",
]

#: Event ids read per page while looking for stale vectors.
PAGE = 1000


@dataclass(frozen=True, slots=True, order=True)
class VectorOrigin:
    """What made a stored vector: the embedder's name and the embedded-text scheme (``""``: unknown)."""

    model: str
    scheme: str

    def __str__(self) -> str:
        return f"{self.model or 'unknown model'} / {self.scheme or 'unknown scheme'}"


def current_origin(embedder: Any) -> VectorOrigin:
    """What ``embedder`` makes today (its name, and the scheme :mod:`graphmem.embed_text` follows with it)."""
    return VectorOrigin(str(embedder.name), scheme_of(embedder))


@dataclass(frozen=True, slots=True)
class VectorStatus:
    """The stored event vectors of one namespace, by what made them.

    Attributes:
        namespace: the namespace.
        current: what the memory's embedder makes today.
        origins: ``(origin, events)`` for every origin found, most events first.
        other_space: some vectors are of another vector space than the embedder's: recall refuses the
            namespace until they are re-embedded.
        missing: events with no stored vector (ingested with ``embed=False``, ``--no-embed``).
        damaged: vectors holding a number that is not finite, or of the embedder's vector space but not of
            its dimension.
        damaged_current: those of them that :attr:`current` made (the others are stale by their origin).
        not_finite: those of :attr:`damaged` holding NaN or an infinity.
    """

    namespace: str
    current: VectorOrigin
    origins: tuple[tuple[VectorOrigin, int], ...]
    other_space: bool
    missing: int = 0
    damaged: int = 0
    damaged_current: int = 0
    not_finite: int = 0

    @property
    def total(self) -> int:
        """Events with a stored vector."""
        return sum(n for _, n in self.origins)

    @property
    def stale(self) -> int:
        """Events whose vector another embedder or scheme made, is damaged, or that have none."""
        return sum(n for origin, n in self.origins if origin != self.current) + self.damaged_current + self.missing

    def as_dict(self) -> dict[str, Any]:
        """The status as plain JSON-ready data."""
        return {
            "namespace": self.namespace,
            "events": self.total + self.missing,
            "vectors": self.total,
            "stale": self.stale,
            "missing": self.missing,
            "damaged": self.damaged,
            "not_finite": self.not_finite,
            "other_space": self.other_space,
            "current": {"model": self.current.model, "scheme": self.current.scheme},
            "origins": [
                {"model": o.model, "scheme": o.scheme or None, "events": n, "current": o == self.current}
                for o, n in self.origins
            ],
        }


def _status(store: GraphStore, namespace: str, current: VectorOrigin, embedder: Any) -> VectorStatus:
    from graphmem.vector_models import same_space

    counts = store.embedding_origins(namespace)
    origins = sorted(
        ((VectorOrigin(model, scheme), n) for (model, scheme), n in counts.items()), key=lambda p: (-p[1], p[0])
    )
    other = any(not same_space(o.model, embedder) for o, _ in origins)
    missing = max(0, store.stats(namespace).events - sum(counts.values()))
    damaged = damaged_current = not_finite = 0
    bad = _damaged(store, namespace, embedder) if origins else {}
    if bad:
        from graphmem.store.base import iter_event_embedding_origins

        # events only: the vectors of sessions and entities are not re-embedded
        for event_id, model, scheme in iter_event_embedding_origins(store, namespace, page=PAGE):
            if event_id in bad:
                damaged += 1
                damaged_current += int(VectorOrigin(model, scheme) == current)
                not_finite += int(bad[event_id])
    return VectorStatus(namespace, current, tuple(origins), other, missing, damaged, damaged_current, not_finite)


def vector_status(store: GraphStore, embedder: Any, namespaces: Sequence[str]) -> list[VectorStatus]:
    """What made the stored event vectors of each of ``namespaces``, beside what ``embedder`` makes today.

    Raises:
        CorruptStoreError: the store's file is damaged (:func:`graphmem.store.damage.refuse_damaged`).
    """
    from graphmem.store.damage import refuse_damaged

    refuse_damaged(store)  # a damaged file is reported, not read as one with nothing stale
    current = current_origin(embedder)
    return [_status(store, ns, current, embedder) for ns in namespaces]


def older_schemes(store: GraphStore, namespaces: Sequence[str]) -> tuple[int, int, int]:
    """``(events, of, namespaces)``: stored event vectors of an older or unknown embedded-text scheme among
    ``of`` event vectors, in how many namespaces. Reads no vector and loads no embedder (what ingest of
    unchanged files reports; the model is checked by :func:`vector_status`)."""
    stale = total = places = 0
    for ns in namespaces:
        counts = store.embedding_origins(ns)
        old = sum(n for (_model, scheme), n in counts.items() if not is_current_scheme(scheme))
        stale += old
        total += sum(counts.values())
        places += int(old > 0)
    return stale, total, places


class ReembedTarget(Protocol):
    """What :func:`reembed` works on (a :class:`~graphmem.Memory` is one)."""

    @property
    def store(self) -> GraphStore:
        """The store whose vectors are rewritten."""
        ...

    @property
    def embedder(self) -> Embedder:
        """The embedder that makes the new vectors."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """The store's write lock, held across one batch."""
        ...

    def write(self, batch: Batch, *, rebuild_vectors: bool = False) -> None:
        """Apply one batch all-or-nothing and update the vector index (or drop it: ``rebuild_vectors``)."""
        ...


@dataclass(slots=True)
class ReembedSummary:
    """What a re-embedding run did: events re-embedded per namespace, batches committed, seconds spent."""

    namespaces: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def events(self) -> int:
        """Events re-embedded."""
        return sum(self.namespaces.values())

    @property
    def events_per_s(self) -> float:
        """Events re-embedded per second of wall time."""
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return {
            "events": self.events,
            "namespaces": dict(self.namespaces),
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "events_per_s": round(self.events_per_s, 1),
            "embed_seconds": round(self.embed_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
        }


def _stale_ids(store: GraphStore, namespace: str, current: VectorOrigin) -> Iterator[str]:
    """Ids of the namespace's events whose vector ``current`` did not make, by id, a page at a time (read
    as the run goes: a batch rewrites only ids before the cursor)."""
    from graphmem.store.base import iter_event_embedding_origins

    for event_id, model, scheme in iter_event_embedding_origins(store, namespace, page=PAGE):
        if VectorOrigin(model, scheme) != current:
            yield event_id


def _damaged(store: GraphStore, namespace: str, embedder: Any) -> dict[str, bool]:
    """The namespace's nodes whose stored vector is damaged (see the module docs), each with whether it holds
    a number that is not finite. Every vector is read, once. The embedder's dimension is asked only when
    some vector is of its vector space: asking may load the model."""
    import numpy as np

    from graphmem.store.base import ReadsVectorBlobs
    from graphmem.vector_models import same_space

    dims: dict[str, int | None] = {}  # model → the dimension its vectors must have (None: not checked)

    def dim_of(model: str) -> int | None:
        if model not in dims:
            dim = getattr(embedder, "dim", None) if same_space(model, embedder) else None
            dims[model] = None if dim is None else int(dim)
        return dims[model]

    rows: Iterator[tuple[str, Any, str]]
    if isinstance(store, ReadsVectorBlobs):
        rows = (
            (node, np.frombuffer(blob, dtype=np.float32) if len(blob) % 4 == 0 else None, model)
            for node, blob, model in store.iter_embedding_blobs(namespace)
        )
    else:
        rows = (
            (node, np.asarray(vector, dtype=np.float64), model)
            for node, vector, model in store.iter_embeddings(namespace)
        )
    out: dict[str, bool] = {}
    for node, vector, model in rows:
        if vector is None:  # bytes that are no float32 numbers
            out[node] = False
        elif not np.isfinite(vector).all():
            out[node] = True
        elif (dim := dim_of(model)) is not None and len(vector) != dim:
            out[node] = False
    return out


def _unembedded_ids(store: GraphStore, namespace: str) -> Iterator[str]:
    """Ids of the namespace's events without a stored vector (read once, when the stale ones are done)."""
    from graphmem.store.base import iter_event_embedding_origins

    embedded = {event_id for event_id, _model, _scheme in iter_event_embedding_origins(store, namespace, page=PAGE)}
    yield from [ev.id for ev in store.iter_events(namespace) if ev.id not in embedded]


def _of_origin(ids: list[str], store: GraphStore, namespace: str, current: VectorOrigin) -> list[str]:
    """Those of ``ids`` that are events whose vector ``current`` made (the others are stale by their origin),
    read before the run rewrites any."""
    from graphmem.store.base import iter_event_embedding_origins

    wanted = set(ids)
    rows = iter_event_embedding_origins(store, namespace, page=PAGE)
    return [i for i, model, scheme in rows if i in wanted and VectorOrigin(model, scheme) == current]


def _batches(ids: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for event_id in ids:
        chunk.append(event_id)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def reembed(
    target: ReembedTarget, namespaces: Sequence[str], *, batch: int = 256, progress: bool = False
) -> ReembedSummary:
    """Give every stale event vector of ``namespaces`` the one ingest would store today (see the module).

    Args:
        target: the memory to re-embed (its store, embedder, write lock and write path).
        namespaces: the namespaces to look through.
        batch: events per write transaction (>= 1).
        progress: show a progress bar on stderr (events done of those stale when the run started).

    Raises:
        ConfigError: ``batch`` is below 1.
        CorruptStoreError: the store's file is damaged, whether or not any vector is stale.
        StoreError: a batch was rejected; the batches before it stay committed.
        WriteConflictError: on a server, other clients wrote the namespace during each attempt of one batch;
            the batches before it stay committed (running it again continues).
    """
    from graphmem.errors import ConfigError
    from graphmem.vector_models import model_space
    from graphmem.writer import attach_embeddings

    if batch < 1:
        raise ConfigError(f"batch must be at least 1 event, not {batch}")
    started = time.perf_counter()
    summary = ReembedSummary()
    embedder = target.embedder
    current = current_origin(embedder)
    store = target.store
    todo = [s for s in vector_status(store, embedder, namespaces) if s.stale]
    text = "events  {task.fields[rate]:,.0f} events/s"
    with ProgressBar("reembed", sum(s.stale for s in todo), text, enabled=progress, rate=0.0) as bar:
        for status in todo:
            ns = status.namespace
            # the index holds one model space: vectors of another are not added to it, it is built anew
            rebuild = status.damaged > 0 or any(
                model_space(o.model) != model_space(current.model) for o, _ in status.origins
            )
            summary.namespaces[ns] = 0
            stale = _stale_ids(store, ns, current)
            if status.damaged_current:  # of the current origin: not among the stale ids above
                damaged = _of_origin(list(_damaged(store, ns, embedder)), store, ns, current)
                stale = itertools.chain(stale, damaged)
            if status.missing:
                stale = itertools.chain(stale, _unembedded_ids(store, ns))
            for ids in _batches(stale, batch):

                def one_batch(ids: list[str] = ids, ns: str = ns, rebuild: bool = rebuild) -> int:
                    t0 = time.perf_counter()
                    events = store.get_events(ns, ids)  # those still there
                    embedded = attach_embeddings(Batch(ns, events=tuple(events)), embedder, _lookup(store, ns))
                    t1 = time.perf_counter()
                    if embedded.embeddings:
                        only_vectors = Batch(
                            ns,
                            embeddings=embedded.embeddings,
                            embedding_model=embedded.embedding_model,
                            embedding_scheme=embedded.embedding_scheme,
                        )
                        target.write(only_vectors, rebuild_vectors=rebuild)
                    summary.embed_seconds += t1 - t0
                    summary.write_seconds += time.perf_counter() - t1
                    return len(events)

                # on a server, the batch read, embedded and written again when another client wrote meanwhile
                # (a turn's previous turn forgotten, a text replaced): its vectors follow what is stored now
                with target.writing():
                    summary.namespaces[ns] += run_guarded(store, ns, one_batch, failed=_failed(ns, summary))
                summary.batches += 1
                seconds = time.perf_counter() - started
                bar.advance(len(ids), rate=summary.events / seconds if seconds > 0 else 0.0)
    summary.seconds = time.perf_counter() - started
    return summary


def _failed(namespace: str, summary: ReembedSummary) -> Callable[[int], str]:
    def message(attempts: int) -> str:
        return (
            f"could not re-embed namespace {namespace!r}: other writers changed it during each of {attempts} attempts "
            f"to write one batch; {summary.namespaces.get(namespace, 0)} events re-embedded before stay, run it "
            "again to continue"
        )

    return message


def reply_vector(target: ReembedTarget, namespace: str, forgotten: Event) -> Batch | None:
    """The vector to write, once ``forgotten`` is deleted, for the turn whose embedded text held it: the
    next turn still stored in its session, which replied to it (:mod:`graphmem.embed_text`) and will
    reply to the turn before it, the vector a fresh ingest of the remaining turns stores. Made before the
    deletion (an embedder that fails deletes nothing), with the memory's embedder, as :func:`reembed` makes it.

    Returns:
        The batch holding only that vector; ``None`` when there is no such turn (the last of its session),
        the namespace stores no vector (``embed=False``), or its vectors are of another model space than
        the embedder's: a vector of this one would leave the namespace unsearchable, and recall already
        asks for ``graphmem reembed``, which re-embeds that turn with the others.
    """
    from graphmem.vector_models import same_space
    from graphmem.writer import attach_embeddings

    store = target.store
    origins = store.embedding_origins(namespace)
    if not origins:
        return None
    later = (ev for ev in store.iter_events(namespace, session=forgotten.session) if ev.seq > forgotten.seq)
    reply = min(later, key=lambda ev: ev.seq, default=None)
    if reply is None:
        return None
    embedder = target.embedder
    if not all(same_space(model, embedder) for model, _scheme in origins):
        return None

    def remaining(ids: list[str]) -> list[Event]:
        return [ev for ev in store.get_events(namespace, ids) if ev.id != forgotten.id]

    embedded = attach_embeddings(Batch(namespace, events=(reply,)), embedder, remaining)
    return Batch(
        namespace,
        embeddings=embedded.embeddings,
        embedding_model=embedded.embedding_model,
        embedding_scheme=embedded.embedding_scheme,
    )


def _lookup(store: GraphStore, namespace: str) -> Any:
    """Stored events by id (a turn's previous turn, when it is not in the batch)."""
    return lambda ids: store.get_events(namespace, ids)
