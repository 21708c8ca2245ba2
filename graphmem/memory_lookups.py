"""The entity lookups of :class:`~graphmem.memory.Memory`: :meth:`~MemoryLookups.match_entity`,
:meth:`~MemoryLookups.timeline` and :meth:`~MemoryLookups.facts`, the facade's side of
:mod:`graphmem.lookup` (the namespace spelled as stored and held loaded while it reads; times checked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphmem.errors import UnknownNamespaceError
from graphmem.memory_resources import MemoryResources

if TYPE_CHECKING:
    from graphmem.dates import TimeArg
    from graphmem.lookup import EntityMatch, StatedFact
    from graphmem.models import Event
    from graphmem.recall.request import TimeAxis

__all__ = ["MemoryLookups"]


class MemoryLookups(MemoryResources):
    """What :class:`~graphmem.memory.Memory` finds by entity; use them through a ``Memory``."""

    def match_entity(self, name: str, *, namespace: str) -> EntityMatch:
        """The entities ``name`` stands for: those with it as name or alias (ignoring case and accents), else
        the one name it is part of (``Caro`` for Caroline, ``smith`` for Caroline Smith). What
        :meth:`timeline` and :meth:`facts` use; ``match.note()`` says when a name was read as part of
        another (the CLI and the MCP tools print it). See :func:`graphmem.lookup.match_entity`.

        Raises:
            ConfigError: an illegal namespace.
            UnknownNamespaceError: the namespace holds no data (the closest one is suggested).
            NotFoundError: no entity has that name and it is part of none (the message suggests the
                closest), or it is part of several names (the message lists them).
        """
        from graphmem.lookup import match_entity

        self.refresh()  # what other processes committed (forgotten messages included) counts
        namespace = self._spelled(namespace)

        with self._held(namespace):
            return match_entity(self.store, namespace, name)

    def timeline(
        self,
        entity: str | EntityMatch,
        *,
        namespace: str,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        time_axis: TimeAxis = "either",
    ) -> list[Event]:
        """The events that mention ``entity`` or that it spoke, in time order.

        ``entity`` is a name or alias, or part of one name (``Caro`` for Caroline: :meth:`match_entity`),
        or a match already made (in ``namespace``). ``since``/``until`` are inclusive, each a ``datetime``,
        a ``date`` or date text as ``graphmem timeline --since/--until`` take it (``"2024-03"``,
        ``"March 2024"``, ``"2024-03-14T10:30+02:00"``); a date for ``until`` keeps that whole date
        (``until="2024-03"``: all of March). They bound the time ``time_axis`` names, as in
        :meth:`~graphmem.memory.Memory.recall`: ``"said"``, ``"happened"`` (what the turn tells of), or
        ``"either"`` (the default, as recall's).

        Raises:
            ConfigError: ``since`` is after ``until``, or a time is no ``datetime``, ``date`` or date
                text (the message names the argument and what is wrong); a match made in another namespace.
            UnknownNamespaceError: the namespace holds no data (the closest one is suggested).
            NotFoundError: no entity has that name and it is part of none (the message suggests the
                closest), or it is part of several names (the message lists them).
        """
        from graphmem.errors import ConfigError
        from graphmem.fact_time import as_moment, as_upper_bound
        from graphmem.lookup import timeline

        self.refresh()  # what other processes committed (forgotten messages included) counts
        namespace = self._spelled(namespace)

        start, end = as_moment(since, "since", self.zone), as_upper_bound(until, "until", self.zone)
        if start is not None and end is not None and start > end:
            raise ConfigError(f"since ({start:%Y-%m-%d %H:%M}) is after until ({end:%Y-%m-%d %H:%M}): no time is left")
        with self._held(namespace):
            return timeline(self.store, namespace, entity, since=start, until=end, time_axis=time_axis)

    def facts(
        self,
        entity: str | EntityMatch | None = None,
        *,
        namespace: str,
        predicate: str | None = None,
        valid_at: TimeArg | None = None,
        as_of: TimeArg | None = None,
        all_time: bool = False,
        coalesce: bool = True,
    ) -> list[StatedFact]:
        """Facts of ``namespace`` (about ``entity`` when given: as for :meth:`timeline`), named, oldest first.

        Current facts by default: those valid now, in the version memory holds now. ``valid_at`` asks
        what held then (as memory knows it now), ``as_of`` what memory believed then, ``all_time`` for
        every version (see :mod:`graphmem.fact_time`). Each time is a ``datetime``, a ``date`` or date
        text as ``graphmem facts --valid-at/--as-of`` take it: a date is its start for ``valid_at``
        (``valid_at="2024-03"``: 1 March) and its end for ``as_of`` (``as_of="2024-03"``: memory at the
        end of March). Each
        :class:`~graphmem.lookup.StatedFact` holds the ``fact`` and the names of its two ends.

        Memory stores one fact per statement. A fact said again ("I still work at Globex" after "I work
        at Globex") is listed once, from its earliest start, with every statement in its ``evidence``
        (:func:`graphmem.fact_time.coalesce`); ``coalesce=False`` lists each statement and version as
        stored.

        A namespace that holds no data (a new user's, or one forgotten) has no facts: ``[]``, whatever
        ``entity`` and ``predicate`` ask, as :meth:`~graphmem.memory.Memory.recall` recalls ``[]`` there.

        Raises:
            ConfigError: ``all_time`` with ``valid_at``/``as_of``; a time that is no ``datetime``, ``date``
                or date text (named, with what is wrong); an illegal namespace.
            NotFoundError: ``entity`` stands for no entity or is part of several names (as for
                :meth:`timeline`), or no fact (of any time) has ``predicate`` (the message suggests the closest).
        """
        from graphmem.fact_time import as_moment, as_upper_bound
        from graphmem.lookup import entity_facts

        self.refresh()  # what other processes committed (forgotten messages included) counts
        namespace = self._spelled(namespace)

        valid, believed = as_moment(valid_at, "valid_at", self.zone), as_upper_bound(as_of, "as_of", self.zone)
        try:
            with self._held(namespace):
                return entity_facts(
                    self.store,
                    namespace,
                    entity,
                    predicate=predicate,
                    valid_at=valid,
                    as_of=believed,
                    all_time=all_time,
                    coalesce=coalesce,
                )
        except UnknownNamespaceError:  # raised by _held only when the namespace holds no data: nothing known
            return []
