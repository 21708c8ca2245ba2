"""Checking a speaker filter: a name no one in the namespace speaks under would make recall find nothing.

:func:`require_known_speakers` is the one check; ``Memory.recall`` (through :func:`graphmem.recall.recall`),
``graphmem recall --speaker``, the MCP ``recall`` tool and the DSL's ``RECALL ... BY`` all raise its
:class:`~graphmem.errors.UnknownSpeakerError` (the DSL as a query error at the speaker's place).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from graphmem.errors import UnknownSpeakerError
from graphmem.namespaces import require_namespace
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.recall.cache import NamespaceCache
    from graphmem.store.base import GraphStore

__all__ = ["require_known_speakers"]

#: How many speakers the error lists.
_SHOWN = 10


def require_known_speakers(
    store: GraphStore, namespace: str, cache: NamespaceCache, wanted: Iterable[str], *, where: str | None = None
) -> None:
    """Refuse a speaker who never speaks in ``namespace`` (names compared as recall does: ignoring case).

    Args:
        store: the store holding the namespace.
        namespace: the namespace searched.
        cache: the namespace's recall cache (its participants are read once and kept).
        wanted: the speaker names a filter gives.
        where: the store, named in the message when the namespace itself holds no data.

    Raises:
        UnknownNamespaceError: a speaker is unknown because the namespace holds no data.
        UnknownSpeakerError: a speaker is unknown; the message lists the speakers and suggests the closest.
    """
    known = sorted(set(cache.load_participants(store, namespace).values()))
    names = {normalise_name(s) for s in known}
    for name in wanted:
        if normalise_name(name) in names:
            continue
        require_namespace(namespace, store.namespaces(), where=where)  # the namespace is the mistake
        from graphmem.query.schema import closest  # only now: it loads the query package

        shown = ", ".join(known[:_SHOWN]) + (", …" if len(known) > _SHOWN else "")
        raise UnknownSpeakerError(
            f"no speaker {name!r} in namespace {namespace!r} (speakers: {shown or 'none'})",
            speaker=name,
            namespace=namespace,
            suggestion=closest(name, known),
        )
