"""Which backend opens a location: a table from URI scheme to opener, and the directory store otherwise.

A location with a scheme (``neo4j://host:7687``) is opened by the opener of its scheme in
:data:`OPENERS`; a location without one is a directory holding an embedded store. Adding a backend
reachable by a new scheme is one row here. Openers import their backend when called, so an optional
driver is needed only by those who use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from graphmem.errors import ConfigError
from graphmem.store.base import GraphStore

__all__ = ["OPENERS", "Opener", "open_location", "scheme_of"]

#: Opens a store at a location with backend options (``create``, ``auth``, ``database``…).
Opener = Callable[..., GraphStore]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _embedded(location: str, **options: Any) -> GraphStore:
    from graphmem.store.embedded import EmbeddedStore

    return EmbeddedStore.open(location, **options)


def _bolt(location: str, **options: Any) -> GraphStore:
    from graphmem.store.neo4j import connect

    return connect(location, **options)


#: URI scheme (lower case) → opener. Every Bolt server (Neo4j, ArcadeDB's Bolt plugin…) shares one
#: opener; its dialect is read from the server when it connects.
OPENERS: Mapping[str, Opener] = {
    "neo4j": _bolt,
    "neo4j+s": _bolt,
    "neo4j+ssc": _bolt,
    "bolt": _bolt,
    "bolt+s": _bolt,
    "bolt+ssc": _bolt,
}


def scheme_of(location: str) -> str | None:
    """The URI scheme of ``location`` in lower case, or ``None`` for a path."""
    found = _SCHEME.match(location)
    return found.group(1).lower() if found else None


def open_location(location: str, **options: Any) -> GraphStore:
    """Open the store at ``location`` with the opener of its scheme (a directory when it has none).

    Raises:
        ConfigError: the scheme is not one of :data:`OPENERS`.
    """
    scheme = scheme_of(location)
    if scheme is None:
        return _embedded(location, **options)
    opener = OPENERS.get(scheme)
    if opener is None:
        known = " or ".join(f"{s}://" for s in sorted(OPENERS) if "+" not in s)
        raise ConfigError(
            f"unsupported store location {location!r}: use a directory path or a {known} URI (not {scheme}://)"
        )
    return opener(location, **options)
