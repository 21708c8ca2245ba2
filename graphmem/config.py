"""Where things live: resolving the store location from arguments and :class:`~graphmem.settings.Settings`.

Nothing here runs at import.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from graphmem.errors import ConfigError
from graphmem.settings import Settings

__all__ = ["DEFAULT_DB", "is_bolt_uri", "resolve_db"]

#: The store directory used when neither ``--db`` nor ``GRAPHMEM_DB`` nor ``NEO4J_URI`` says otherwise.
DEFAULT_DB = "./graphmem-data"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_BOLT_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def is_bolt_uri(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a Neo4j (Bolt) server rather than a directory."""
    return str(location).lower().startswith(_BOLT_SCHEMES)


def resolve_db(location: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> str:
    """Return the store location: the argument, else ``GRAPHMEM_DB``, else ``NEO4J_URI``, else the default.

    A directory path is returned expanded (``~``) but not resolved, so messages show what the user typed.
    ``settings`` default to :meth:`Settings.from_env`, read only when no location is given.
    """
    if location is None or str(location) == "":
        location = (settings or Settings.from_env()).store_location or DEFAULT_DB
    text = str(location)
    if is_bolt_uri(text):
        return text
    scheme = _SCHEME.match(text)
    if scheme:
        raise ConfigError(
            f"unsupported store location {text!r}: use a directory path or a neo4j:// or bolt:// URI "
            f"(not {scheme.group(1)}://)"
        )
    return str(Path(text).expanduser())
