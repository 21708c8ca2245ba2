"""One answer for a namespace that holds nothing: every command that takes one checks it here.

``graphmem recall "job" -n priya`` once printed an empty table and ``forget -n chatt`` printed zeros:
a mistyped namespace looked like an empty result. :func:`require_namespace` turns it into
``namespace 'priya' holds no data (did you mean 'priya-tomas'?)`` for forget, stats, export, sync, viz
and queries alike. Recall, context and facts answer such a namespace empty instead (an agent's first turn
with a new user reads it before anything is added); the CLI then notes it, naming the closest ones.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from graphmem.errors import GraphmemError, UnknownNamespaceError
from graphmem.models import validate_namespace

__all__ = ["closest_namespace", "namespace_spelling", "require_namespace"]


def namespace_spelling(namespace: str, existing: Sequence[str] | Callable[[], Sequence[str]]) -> str:
    """``namespace`` as the store spells it: the one of ``existing`` (or of what calling it returns) that is
    canonically equal to it (``José`` typed in NFD for a stored NFC ``José``, or the other way round), else
    ``namespace`` in NFC.

    Namespaces are normalised to NFC where they enter (API, CLI, MCP, the DSL's ``IN``), so one name typed
    two ways is one namespace; a store that already holds a namespace in another form keeps answering to
    it under either form rather than splitting it. ``existing`` is only read for a name with a letter
    that has two forms.
    """
    if not isinstance(namespace, str) or namespace.isascii():
        return namespace
    nfc = unicodedata.normalize("NFC", namespace)
    if nfc == namespace and unicodedata.is_normalized("NFD", namespace):
        return namespace  # no letter of it has two forms ("日記")
    held = existing() if callable(existing) else existing
    if namespace in held:
        return namespace
    same = [ns for ns in held if unicodedata.normalize("NFC", ns) == nfc]
    return nfc if nfc in same or not same else same[0]


def closest_namespace(namespace: str, existing: Sequence[str]) -> str | None:
    """The existing namespace most like ``namespace`` (``priya`` → ``priya-tomas``), or ``None``."""
    from graphmem.query.schema import closest

    if not existing:
        return None
    prefixed = [ns for ns in existing if ns.lower().startswith(namespace.lower())]
    if len(prefixed) == 1:
        return prefixed[0]
    return closest(namespace, existing)


def require_namespace(
    namespace: str,
    existing: Sequence[str],
    *,
    where: str | None = None,
    error: Callable[..., GraphmemError] = UnknownNamespaceError,
) -> str:
    """Return ``namespace`` (as ``existing`` spells it: :func:`namespace_spelling`) if it is legal and among
    ``existing``; else raise ``error`` saying so.

    Args:
        namespace: the namespace a caller named.
        existing: the namespaces the store holds (``store.namespaces()``).
        where: the store, named in the message (``in /data/graphmem``).
        error: the error class, called as ``error(message, suggestion=closest)``; the query layer passes
            :class:`~graphmem.errors.QueryNamespaceError` (with the place in the query).

    Raises:
        ConfigError: the namespace is not legal.
        UnknownNamespaceError: (or ``error``) it holds no data; the closest existing one is suggested.
    """
    validate_namespace(namespace)
    spelled = namespace_spelling(namespace, existing)
    if spelled in existing:
        return spelled
    place = f" in {where}" if where else ""
    raise error(f"namespace {namespace!r} holds no data{place}", suggestion=closest_namespace(namespace, existing))
