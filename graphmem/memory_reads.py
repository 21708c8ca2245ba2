"""What :class:`~graphmem.memory.Memory` reads: :meth:`~MemoryReads.recall`, :meth:`~MemoryReads.context`,
the query language (:meth:`~MemoryReads.query`, :meth:`~MemoryReads.explain`), :meth:`~MemoryReads.stats` and
:meth:`~MemoryReads.namespaces`."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphmem.errors import UnknownNamespaceError
from graphmem.memory_lookups import MemoryLookups
from graphmem.namespaces import require_namespace
from graphmem.store.base import ScopesReads
from graphmem.store.results import StoreStats

if TYPE_CHECKING:
    from graphmem.context import Context
    from graphmem.dates import TimeArg
    from graphmem.query import AboutFn
    from graphmem.query.plan import Plan
    from graphmem.query.result import Result
    from graphmem.recall import Hit, RecallConfig, RecallRequest
    from graphmem.recall.request import TimeAxis

__all__ = ["MemoryReads"]


class MemoryReads(MemoryLookups):
    """What :class:`~graphmem.memory.Memory` recalls and queries; use them through a ``Memory``."""

    def recall(
        self,
        text: str,
        *,
        namespace: str,
        k: int = 10,
        hops: int = 2,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        speakers: Sequence[str] | None = None,
        as_of: TimeArg | None = None,
        valid_at: TimeArg | None = None,
        all_time: bool = False,
        time_axis: TimeAxis = "either",
        reference: TimeArg | None = None,
    ) -> list[Hit]:
        """Return the ``k`` events that best answer ``text``, each with why it was returned.

        The arguments are the fields of :class:`~graphmem.recall.RecallRequest`; see
        :func:`graphmem.recall.recall`. A time is a ``datetime``, a ``date`` or date text read as the
        CLI's options read it (``since="2024-03"``, ``until="March 2024"``, ``as_of="2024-03-14T10:30Z"``);
        an aware time is compared in UTC; a date means its start (``until`` and ``as_of``: its end, so
        memory as of a day holds that day's turns, and ``until="2024-03"`` keeps all of March).

        A namespace that holds no data (a new user's first turn, or after :meth:`forget`) recalls ``[]``:
        the loop recall, answer, :meth:`add` works from the first turn. A mistyped name recalls ``[]`` too;
        :meth:`namespaces` lists those that hold data (``graphmem recall`` names the closest on stderr).

        Raises:
            ConfigError: an empty question, an illegal namespace, a non-positive ``k``, ``hops``
                outside 0 to 6 (:data:`~graphmem.recall.config.MAX_HOPS`), a time argument that is no
                ``datetime``, ``date`` or date text (named, with what is wrong), ``speakers`` that is no
                name or sequence of names (bytes included), or ``since`` after ``until``.
        """
        from graphmem.recall import RecallRequest

        request = RecallRequest.of(
            text,
            namespace=namespace,
            k=k,
            hops=hops,
            since=since,
            until=until,
            speakers=speakers,
            as_of=as_of,
            valid_at=valid_at,
            all_time=all_time,
            time_axis=time_axis,
            reference=reference,
            zone=self.zone,
        )
        return self.recall_request(request)

    def recall_request(self, request: RecallRequest, *, config: RecallConfig | None = None) -> list[Hit]:
        """:meth:`recall` for a request already built (what the CLI and the DSL's ``RECALL`` pass).

        ``config`` changes recall's weights and switches (see :class:`~graphmem.recall.RecallConfig`).
        """
        from graphmem.recall import recall

        self.refresh()
        request = replace(request, namespace=self._spelled(request.namespace), zone=request.zone or self.zone)
        with self.store.reading() if isinstance(self.store, ScopesReads) else nullcontext():
            self._catch_up(request.namespace)
            try:
                return recall(
                    request,
                    store=self.store,
                    vectors=self.vectors,
                    embed=self._embed_for(request.namespace),
                    cache=self.recall_cache(request.namespace),
                    config=config,
                )
            except UnknownNamespaceError:
                # an agent's first turn with a new user (or the turn after a forget) reads before it writes:
                # a namespace that holds no data remembers nothing, which is no error (a speaker filter in it
                # names nobody for the same reason); the CLI names the closest namespace for a human's typo
                return []

    def context(
        self,
        question: str,
        *,
        namespace: str,
        budget_tokens: int = 1500,
        k: int = 20,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        all_time: bool = False,
    ) -> Context:
        """What memory holds about ``question`` as a prompt-ready block within ``budget_tokens``.

        The facts about the entities the question names (current ones; with ``since``/``until``, those valid
        at some moment of that window; with ``all_time``, every version, as recall then traverses them; the
        block's heading says which), then the recalled events with their dates, speakers and why each is
        there; see :func:`graphmem.context.build_context`. ``since`` and ``until`` are read as
        :meth:`recall` reads them (a ``datetime``, a ``date`` or date text). A namespace that holds no data
        gives a block with no facts and no events, as :meth:`recall` gives ``[]``.

        Raises:
            ConfigError: as :meth:`recall`.
        """
        from graphmem.recall import RecallRequest

        request = RecallRequest.of(
            question, namespace=namespace, k=k, since=since, until=until, all_time=all_time, zone=self.zone
        )
        return self.context_for(request, budget_tokens=budget_tokens)

    def context_for(self, request: RecallRequest, *, budget_tokens: int = 1500) -> Context:
        """:meth:`context` for a recall request already built (what the CLI and the MCP server pass)."""
        from graphmem.context import build_context

        request = replace(request, namespace=self._spelled(request.namespace), zone=request.zone or self.zone)
        return build_context(request, store=self.store, recall=self.recall_request, budget_tokens=budget_tokens)

    def query(self, text: str, **params: Any) -> Result:
        """Run a DSL query (see ``docs/dsl.md``); ``params`` bind ``$name`` parameters safely."""
        from graphmem.query import run_query

        self.refresh()
        if isinstance(params.get("namespace"), str):
            params["namespace"] = self._spelled(params["namespace"])
        return run_query(
            self.store, text, params, about=self.about_source(), recall=self.recall_request, zone=self.zone
        )

    def about_source(self) -> AboutFn:
        """The DSL's ``ABOUT`` seed source over this memory's vector index and embedder (both loaded on use)."""
        from graphmem.query import about_from_index

        nearest = about_from_index(self.store, lambda: self.vectors, self._embed)

        def about(namespace: str, text: str, k: int) -> Sequence[tuple[str, float]]:
            self._catch_up(namespace)
            self.vectors.require_space(namespace, self.embedder)
            return nearest(namespace, text, k)

        return about

    def explain(self, text: str, **params: Any) -> Plan:
        """Return the plan a DSL query would run, without running it."""
        from graphmem.query import explain_query

        self.refresh()
        if isinstance(params.get("namespace"), str):
            params["namespace"] = self._spelled(params["namespace"])
        return explain_query(self.store, text, params, zone=self.zone)

    def stats(self, namespace: str | None = None) -> StoreStats:
        """Counts of sessions, events, entities, mentions, speaker links, fact versions and embeddings (of one
        namespace, or all): ``mentions`` the links of events to what they name (first-person words such as
        "I" and "my" name the speaker, so they count), ``spoken_by`` each event's link to its speaker.

        Raises:
            CorruptStoreError: the store's file is damaged (:func:`graphmem.store.damage.refuse_damaged`):
                counts read from its intact pages would hide the damage.
            UnknownNamespaceError: ``namespace`` holds no data.
        """
        from graphmem.store.damage import refuse_damaged

        refuse_damaged(self.store)
        self.refresh()
        if namespace is not None:
            namespace = require_namespace(namespace, self.store.namespaces())
        return self.store.stats(namespace)

    def namespaces(self) -> list[str]:
        """Every namespace that holds data."""
        self.refresh()
        return self.store.namespaces()
