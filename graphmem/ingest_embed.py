"""Embedding ahead of the writer in :mod:`graphmem.ingest`: with one extraction process, a helper process
(:mod:`graphmem.embed_pool`) embeds each unit's texts while this process extracts the next unit."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphmem.errors import GraphmemError
from graphmem.ingest_extract import Extracted, Parts, for_workers
from graphmem.models import Batch
from graphmem.writer import with_embeddings

if TYPE_CHECKING:
    from graphmem.embed_pool import EmbedPool, Ticket
    from graphmem.embed_text import EmbeddingRequest
    from graphmem.ingest import IngestSummary, IngestTarget
    from graphmem.store.base import GraphStore

__all__ = ["LazyPool", "embedding_ahead", "space_mismatch"]


def embedding_ahead(parts: Parts, pool: EmbedPool, store: GraphStore) -> Parts:
    """Queue each unit's texts for embedding as soon as it is extracted and hand the units on one behind,
    their vectors attached: the helper process embeds a unit while this process extracts the next one.

    A unit whose extraction failed is handed on at once and nothing after it is extracted: the writer
    stops there (see :func:`graphmem.ingest._write_job`), so a unit extracted ahead of it would only wait in the queue.
    When the writer stops at a unit for another reason (its embedding or write failed), the unit after
    it was already queued: closing this generator discards its tickets
    (:meth:`~graphmem.embed_pool.EmbedPool.discard`), so it is not embedded.
    """
    pending: deque[tuple[Extracted, list[tuple[Ticket, EmbeddingRequest]]]] = deque()
    interrupted: BaseException | None = None
    try:
        while True:
            try:
                part = next(parts)
            except StopIteration:
                break
            except BaseException as exc:  # Ctrl-C while extracting: the unit extracted before is handed on
                interrupted = exc
                break
            tickets = [] if part.error is not None else [_request(pool, store, b) for b in part.batches]
            pending.append((part, tickets))
            if part.error is not None:
                break
            if len(pending) > 1:
                yield _attach_pooled(*pending.popleft(), pool)
        while pending:
            yield _attach_pooled(*pending.popleft(), pool)
    finally:  # the writer stopped early: the units queued after the one it stopped at are not wanted
        for _part, tickets in pending:
            for ticket, _ in tickets:
                pool.discard(ticket)
        if interrupted is not None:  # raised here, so a writer closing this early cannot swallow it
            raise interrupted


def _request(pool: EmbedPool, store: GraphStore, batch: Batch) -> tuple[Ticket, EmbeddingRequest]:
    """Queue what :func:`graphmem.writer.attach_embeddings` would embed for ``batch``."""
    from graphmem.embed import pools_spans
    from graphmem.embed_text import embedding_request

    namespace = batch.namespace
    one_pass = pools_spans(pool.embedder)
    request = embedding_request(batch.events, lambda ids: store.get_events(namespace, ids), one_pass=one_pass)
    return pool.submit(request.texts, request.spans), request


def _pooled_vectors(rows: Any, request: EmbeddingRequest) -> Any:
    if request.spans is None:
        return request.vectors(rows)
    dim = rows.shape[1] // 2
    return request.vectors(rows[:, :dim], rows[:, dim:])


def _attach_pooled(part: Extracted, tickets: list[tuple[Ticket, EmbeddingRequest]], pool: EmbedPool) -> Extracted:
    if part.error is not None:
        return part
    started = time.perf_counter()
    try:
        part.batches = [
            with_embeddings(batch, _pooled_vectors(pool.result(ticket), request), pool.name, request.scheme)
            if batch.events
            else batch
            for batch, (ticket, request) in zip(part.batches, tickets, strict=True)
        ]
    except GraphmemError as exc:
        part.batches, part.error = [], str(exc)
        for ticket, _ in tickets:  # the unit is not written: its batches not collected yet are not embedded
            pool.discard(ticket)
    except BaseException:  # not a unit's failure (a bug, Ctrl-C): still nothing left queued for this unit
        for ticket, _ in tickets:
            pool.discard(ticket)
        raise
    part.embed_seconds += time.perf_counter() - started
    return part


class LazyPool:
    """The run's :class:`~graphmem.embed_pool.EmbedPool`, made when the first unit is ready to embed."""

    def __init__(self, target: IngestTarget) -> None:
        self._target = target
        self.pool: EmbedPool | None = None

    def get(self) -> EmbedPool:
        """The pool, made on the first call."""
        if self.pool is None:
            from graphmem.embed_pool import EmbedPool

            embedder = self._target.embedder
            self.pool = EmbedPool(embedder, for_workers(embedder))
        return self.pool

    def close(self, summary: IngestSummary) -> None:
        """Stop the pool's helper, if one was made, and count it in ``summary``."""
        if self.pool is not None:
            self.pool.close()
            summary.helpers += int(self.pool.started)


def space_mismatch(target: IngestTarget) -> Callable[[str], str | None]:
    """Per namespace (remembered for the run), why ``target.embedder`` must not add vectors there: the
    stored ones are another model's, and a namespace of two models cannot be searched (``None``: fine)."""
    from graphmem.vector_models import REEMBED_HINT, same_space

    seen: dict[str, str | None] = {}

    def check(namespace: str) -> str | None:
        if namespace not in seen:
            models = {model for model, _scheme in target.store.embedding_origins(namespace) if model}
            other = sorted(m for m in models if not same_space(m, target.embedder))
            seen[namespace] = (
                f"namespace {namespace!r} holds vectors of {', '.join(other)}, not of the embedder "
                f"{target.embedder.name!r}: adding to it would leave two models that recall cannot search "
                f"together; nothing was written. Either {REEMBED_HINT}, then ingest again, or ingest with "
                "the embedder that made the stored vectors"
                if other
                else None
            )
        return seen[namespace]

    return check
