"""Reading one fact's version chain (current and archived versions, oldest first) for a write to file a
change back into (:func:`graphmem.store.versions.version_batch`).

Each store reads with its own query the versions of the facts some events state or revised (the current
version's ``evidence`` and ``revised_by``: :func:`chain_events`); :func:`fact_versions` turns what it found
into the fact's chain as the write sees it: only that fact's versions, the events the write retracts
first unwound (:func:`graphmem.store.versions.unwound`), the versions the write made so far put over them.
:func:`chain_reader` binds the two into the :data:`~graphmem.store.versions.Chain` the versioning asks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from graphmem.models import Fact
from graphmem.store.versions import Chain, chain_order, logical_id, unwound

__all__ = ["ReadChains", "chain_events", "chain_reader", "fact_versions"]

#: A store's read: every version (current and archived) of each fact one version of which names one of
#: the given event ids in its ``evidence`` or ``revised_by``.
ReadChains = Callable[[Sequence[str]], Iterable[Fact]]


def chain_events(current: Fact) -> list[str]:
    """The events whose fact chains hold ``current``'s: those it states or that revised it (sorted)."""
    return sorted({*current.evidence, *current.revised_by})


def fact_versions(
    current: Fact,
    found: Iterable[Fact],
    *,
    gone: Collection[str] = (),
    written: Mapping[str, Fact] | None = None,
) -> list[Fact]:
    """Every version of ``current``'s fact, oldest first (by record time, the current one last).

    Args:
        current: the fact's current version as the write sees it.
        found: versions a store read (of this fact and maybe of others the same events state).
        gone: events the write retracts before it versions: unwound from the stored chain.
        written: versions the write made since the read, by id (they replace stored ones).
    """
    fid = logical_id(current.id)
    chain = [v for v in found if logical_id(v.id) == fid]
    versions = {v.id: v for v in (unwound(chain, set(gone)) if gone else chain)}
    if written:
        versions.update((i, v) for i, v in written.items() if logical_id(i) == fid)
    versions[current.id] = current
    return chain_order(versions.values())


def chain_reader(read: ReadChains, *, gone: Collection[str] = (), written: Mapping[str, Fact] | None = None) -> Chain:
    """The :data:`~graphmem.store.versions.Chain` of a write: :func:`fact_versions` of what ``read`` finds
    for the current version's events (``written`` is looked at on each call, so it may grow)."""

    def chain(current: Fact) -> list[Fact]:
        ids = chain_events(current)
        return fact_versions(current, read(ids) if ids else (), gone=gone, written=written)

    return chain
