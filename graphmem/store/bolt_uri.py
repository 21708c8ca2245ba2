"""How the Bolt backend reads and shows a server's URI, never quoting a password.

A path in the URI names the database (:func:`database_in_path`; the driver would ignore it), and
:func:`store_uri` names a store the same way back. A URI holding a user or password is refused unquoted,
and an error raised while opening a URI holding an ``@`` never shows what comes before it
(:func:`shown_uri`), nor the driver's message (:func:`opening_detail`).
"""

from __future__ import annotations

import re

from graphmem.errors import ConfigError

__all__ = [
    "carries_credentials",
    "database_in_path",
    "invalid_uri",
    "opening_detail",
    "short_error",
    "shown_uri",
    "store_uri",
]


def short_error(exc: BaseException) -> str:
    """A driver error as one short line."""
    from neo4j.exceptions import Neo4jError

    message = exc.message if isinstance(exc, Neo4jError) and exc.message else str(exc)
    return " ".join(str(message).split())[:300]


def database_in_path(uri: str, database: str | None) -> tuple[str, str | None]:
    """The URI without its path, and the database: the one given, else the path's (``None``: neither).

    A URI carrying credentials is refused without quoting them (see :func:`carries_credentials`).

    The driver ignores a path (and will refuse one), so ``bolt://host:7687/memory`` would reach the
    server's default database; graphmem prints a store as ``<server>/<database>``, so the path names it.
    """
    from urllib.parse import unquote, urlsplit, urlunsplit

    if carries_credentials(uri):  # the driver's own error quotes the URI, password and all
        raise ConfigError(
            "a Neo4j URI must not carry a user or password (it holds '@'; not quoted here): credentials go in "
            "NEO4J_USERNAME and NEO4J_PASSWORD (or auth=)"
        )
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise invalid_uri(uri, exc) from None
    name = unquote(parts.path.strip("/"))
    if not name:
        return uri, database
    shown = shown_uri(uri)
    if "/" in name:
        raise ConfigError(f"the Neo4j URI {shown!r} names the database {name!r}: a path is one database name")
    if database is not None and database != name:
        raise ConfigError(f"the Neo4j URI {shown!r} names the database {name!r}, but database={database!r} was given")
    return urlunsplit(parts._replace(path="")), name


_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.%\w]*\]|[^:\[\]@]*)(?::\d*)?")
_ROUTING_ITEM = re.compile(r"[^=@&]+=[^&]*")


def carries_credentials(uri: str) -> bool:
    """Whether ``uri`` holds a user or password (``scheme://user:password@host``), which must not be quoted.

    An ``@`` in the authority is one. A password holding ``/``, ``?`` or ``#`` moves its ``@`` out of what
    a URI parser calls the authority (``bolt://ann:pa/ss@host``), so an ``@`` anywhere else is one too
    unless the URI reads as a server's: a ``neo4j://`` URI (only those take a routing context; the driver
    refuses any query on ``bolt://``) whose authority is a host and port, the ``@`` only in its routing
    context (``neo4j://host:7687?policy=a@b``, ``key=value`` items joined by ``&``). Database names and
    fragments never hold an ``@``.

    A password holding ``?`` can still read as a server's URI (``neo4j://ann:2024?x=Y7@host``): errors
    raised while opening such a URI never quote it (:func:`shown_uri`).
    """
    scheme, sep, rest = uri.partition("://")
    if not sep:
        scheme, rest = "", uri
    if "@" not in rest:
        return False
    if not scheme.lower().startswith("neo4j"):
        return True
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in authority or not _HOST_PORT.fullmatch(authority):
        return True
    path_and_query, _, fragment = tail.partition("#")
    path, _, query = path_and_query.partition("?")
    if "@" in path or "@" in fragment:
        return True
    return not all(_ROUTING_ITEM.fullmatch(item) for item in query.split("&"))


def shown_uri(uri: str) -> str:
    """``uri`` as errors raised while opening it quote it: as given, but one holding an ``@`` anywhere
    (which may be a password's, see :func:`carries_credentials`) as its scheme and what follows its last
    ``@`` up to a path or query: the host for credentials; nothing before an ``@`` is ever shown."""
    if "@" not in uri:
        return uri
    scheme, sep, rest = uri.partition("://")
    host = re.split(r"[/?#]", rest.rpartition("@")[2], maxsplit=1)[0]  # after the last '@': never a secret
    return f"{scheme}://{host}" if sep else "the URI given (not quoted: it holds '@')"


def opening_detail(uri: str, exc: BaseException) -> str:
    """The driver's message about ``exc``, raised while opening ``uri``: not shown when ``uri`` holds an
    ``@`` (the driver quotes the URI or its routing context, where a password may be)."""
    if "@" in uri:
        return f"{type(exc).__name__} (its message is not shown: the URI holds '@')"
    return short_error(exc)


def invalid_uri(uri: str, exc: BaseException) -> ConfigError:
    """The error for a URI the driver (or ``urlsplit``) cannot parse, never quoting a password."""
    if "@" in uri:
        return ConfigError(f"not a valid Neo4j URI {shown_uri(uri)!r}: {opening_detail(uri, exc)}")
    return ConfigError(f"not a valid Neo4j URI {uri!r}: {exc}")


def store_uri(server_uri: str, database: str | None) -> str:
    """How a store is named: the server's URI with the database as its path (none: the server's default
    database), which :func:`graphmem.store.neo4j.connect` reads back to the same database."""
    from urllib.parse import quote, urlsplit, urlunsplit

    if database is None:
        return server_uri
    parts = urlsplit(server_uri)
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))
