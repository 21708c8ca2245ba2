"""How much one query may do: hops, rows, work, memory and time.

A query that would go past a limit stops with a :class:`~graphmem.errors.QueryLimitError` that names
the limit and how to stay under it. Limits found while planning (a hop range or ``LIMIT`` over the
maximum) raise :class:`PlanLimitError`, which is both a semantic error (it points at the span) and a
limit error.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from graphmem.errors import QueryLimitError, QuerySemanticError

__all__ = ["DEFAULT_LIMITS", "PlanLimitError", "QueryLimits", "resident_memory"]


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """Bounds on one query.

    Attributes:
        max_hops: the longest hop range an edge pattern may ask for (``*1..6``).
        max_rows: the most rows a query may return; asking for more needs a ``LIMIT``.
        max_work: the most intermediate rows (bindings) a query may build before it is stopped.
        max_memory_mb: how many MiB the process may grow while a query runs (rows gathered for
            ``ORDER BY``, ``DISTINCT`` or aggregation of a cross product) before the query is stopped.
        timeout: seconds a query may run.
        about_k: how many events ``ABOUT "text"`` seeds when no ``TOP n`` is given.
        max_about_k: the largest ``TOP n`` allowed.
        fuzzy_cutoff: the lowest rapidfuzz score (0–100) a ``~"name"`` match may have.
        max_fuzzy: the most entities one ``~"name"`` may match.
    """

    max_hops: int = 6
    max_rows: int = 10_000
    max_work: int = 2_000_000
    max_memory_mb: int = 200
    timeout: float = 10.0
    about_k: int = 10
    max_about_k: int = 1_000
    fuzzy_cutoff: float = 80.0
    max_fuzzy: int = 50


#: The limits used when none are given.
DEFAULT_LIMITS = QueryLimits()


class PlanLimitError(QuerySemanticError, QueryLimitError):
    """A limit found while planning: a hop range, ``LIMIT`` or ``TOP`` over the maximum."""


def resident_memory() -> int | None:
    """The process's resident memory in bytes (its peak where the current size cannot be read), or ``None``.

    Linux reads ``/proc/self/statm`` (the current size, so a query's growth is seen as it happens);
    other POSIX systems fall back to the peak from ``getrusage``; Windows has neither.
    """
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    else:
        import os

        return pages * os.sysconf("SC_PAGE_SIZE")
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024
