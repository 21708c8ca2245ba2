"""Where things live: resolving the store location from arguments and :class:`~graphmem.settings.Settings`.

Nothing here runs at import.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from graphmem.settings import Settings

__all__ = ["DEFAULT_DB", "resolve_db"]

#: The store directory used when neither ``--db`` nor ``GRAPHMEM_DB`` nor ``NEO4J_URI`` says otherwise.
DEFAULT_DB = "./graphmem-data"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def resolve_db(location: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> str:
    """Return the store location: the argument, else ``GRAPHMEM_DB``, else ``NEO4J_URI``, else the default.

    A directory path is returned expanded (``~``) but not resolved, so messages show what the user typed;
    a URI is returned as it is (:mod:`graphmem.store.registry` says which schemes open a store).
    ``settings`` default to :meth:`Settings.from_env`, read only when no location is given.
    """
    if location is None or str(location) == "":
        location = (settings or Settings.from_env()).store_location or DEFAULT_DB
    text = str(location)
    if _SCHEME.match(text):
        return text
    return str(Path(text).expanduser())
