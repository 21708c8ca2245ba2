"""The graphmem error tree.

Every error graphmem raises on purpose derives from :class:`GraphmemError`, so a caller can catch one
class; every class below is importable from ``graphmem`` itself (``from graphmem import
UnknownNamespaceError``). Third-party exceptions are wrapped where they enter (``raise ... from exc``)::

    GraphmemError
    ├── ConfigError                 bad settings: path, namespace, URI, option values
    │   ├── UnknownNamespaceError   a named namespace holds no data (the closest one suggested)
    │   ├── UnknownSpeakerError     a speaker filter names nobody who speaks in the namespace
    │   └── ServerLoginError        the server refused the credentials (also a ServerAccessError)
    ├── MissingDependencyError      an optional package is not installed (names the pip line)
    ├── StoreError                  the store cannot be opened, read or written
    │   ├── ServerAccessError       a server store's server cannot be reached (down, refused) or refused the login
    │   │   └── ServerLoginError    the server refused the credentials (also a ConfigError)
    │   ├── SchemaVersionError      the store was written by a newer graphmem
    │   ├── SchemaUpgradeError      an older store opened read-only: open it once for writing to upgrade it
    │   ├── CorruptStoreError       the store's database file is damaged (corrupt or truncated); nothing is written
    │   ├── MalformedNodeError      a server's node or FACT holds a value graphmem cannot read (hand edit, foreign node)
    │   ├── NotFoundError           a node asked for by id does not exist
    │   ├── StoreLockedError        another writer held the store's write lock past the timeout
    │   ├── WriteConflictError      other writers kept changing a server's namespace while this one wrote
    │   └── ReadOnlyStoreError      a write was asked of a store opened read-only, or the server refused it
    ├── ExtractionError             an extractor failed on some input
    │   └── ExtractorUnavailableError  its service is unreachable, refuses the key or keeps failing: an ingest stops
    ├── IngestError                 an input file is unreadable or malformed (path, line)
    │   └── EmptyInputError         it holds nothing but whitespace: ingest skips it with a note
    ├── QueryError
    │   ├── QuerySyntaxError        the query text does not parse (line, column, context)
    │   ├── QuerySemanticError      it parses but means nothing valid (span, suggestion)
    │   │   ├── QueryNamespaceError the namespace it runs in holds no data (also an UnknownNamespaceError)
    │   │   ├── QueryPinnedNamespaceError  it names another namespace than the one its caller fixed
    │   │   └── QuerySpeakerError   BY names no speaker of the namespace (also an UnknownSpeakerError)
    │   └── QueryLimitError         it exceeds a hop, result or time limit
    └── VectorIndexError            the vector index is unusable and could not be rebuilt

One warning, for input that is read but loses something on the way (the warning names ``path:line``)::

    UserWarning
    ├── IngestWarning               e.g. a ``[10:32]`` turn time in a session with no date: not kept
    └── StoreUpgradedWarning        a store of an older schema was upgraded in place: older graphmem refuses it
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CorruptStoreError",
    "EmptyInputError",
    "ExtractionError",
    "ExtractorUnavailableError",
    "GraphmemError",
    "IngestError",
    "IngestWarning",
    "MalformedNodeError",
    "MissingDependencyError",
    "NotFoundError",
    "QueryError",
    "QueryLimitError",
    "QueryNamespaceError",
    "QueryPinnedNamespaceError",
    "QuerySemanticError",
    "QuerySpeakerError",
    "QuerySyntaxError",
    "ReadOnlyStoreError",
    "SchemaUpgradeError",
    "SchemaVersionError",
    "ServerAccessError",
    "ServerLoginError",
    "StoreError",
    "StoreLockedError",
    "StoreUpgradedWarning",
    "UnknownNamespaceError",
    "UnknownSpeakerError",
    "VectorIndexError",
    "WriteConflictError",
]


class GraphmemError(Exception):
    """Root of every error graphmem raises on purpose."""


class ConfigError(GraphmemError):
    """A setting, path, namespace or option value is not valid."""


class UnknownNamespaceError(ConfigError):
    """A namespace named by the caller holds no data; ``suggestion`` is the closest one that does."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        self.reason = message
        self.suggestion = suggestion
        super().__init__(f"{message} (did you mean {suggestion!r}?)" if suggestion else message)


class UnknownSpeakerError(ConfigError):
    """A speaker filter names someone who never speaks in the namespace (it would find nothing).

    Attributes:
        speaker: the name as given.
        namespace: the namespace searched.
        suggestion: the closest speaker's name, or ``None``.
    """

    def __init__(self, message: str, *, speaker: str, namespace: str, suggestion: str | None = None) -> None:
        self.speaker = speaker
        self.namespace = namespace
        self.suggestion = suggestion
        self.reason = message
        super().__init__(f"{message} (did you mean {suggestion!r}?)" if suggestion else message)


class MissingDependencyError(GraphmemError):
    """An optional dependency is missing; the message names the install line.

    ``install`` replaces the line made of ``extra`` (``pip install 'graphmem[extra]'``) where that alone would
    install the wrong thing (PyTorch from plain PyPI pulls gigabytes of CUDA: :data:`graphmem.embed.TORCH_CPU_INSTALL`).
    """

    def __init__(
        self, package: str, extra: str | None = None, purpose: str = "", *, install: str | None = None
    ) -> None:
        line = install or (f"pip install 'graphmem[{extra}]'" if extra else f"pip install {package}")
        what = f" for {purpose}" if purpose else ""
        super().__init__(f"the package {package!r} is needed{what}; install it with: {line}")
        self.package = package
        self.extra = extra


class StoreError(GraphmemError):
    """The store cannot be opened, read or written."""


class ServerAccessError(StoreError):
    """A server store (Neo4j, any Bolt server) cannot be used from here: the server is down, refuses the
    connection or cannot be reached, or refused the login (:class:`ServerLoginError`). Catch this one class
    for "cannot reach or log in to the server"."""


class ServerLoginError(ServerAccessError, ConfigError):
    """The server refused the credentials given (user or password wrong). A :class:`ConfigError` as before
    (the fix is in the settings) and a :class:`ServerAccessError` (the server cannot be used)."""


class SchemaVersionError(StoreError):
    """The store was written by a newer graphmem schema than this one understands."""


class SchemaUpgradeError(StoreError):
    """A store of an older schema was opened read-only: it must be opened once for writing, which upgrades it."""


class CorruptStoreError(StoreError):
    """The store's database file is damaged (overwritten in part, truncated): SQLite found it malformed.

    The message names the store. The store that raised it writes nothing more (every later write raises
    it again); reads of what is still intact go on working.
    """


class MalformedNodeError(StoreError):
    """A node (or ``FACT`` relationship) of a Cypher server holds a property graphmem cannot read: a value of
    the wrong type (a time set as a string in Neo4j Browser) or one missing (another application's ``:Event``
    without ``seq``). The message names the namespace, the node and the property, says what is wrong and
    gives the Cypher that mends it; nothing was changed by the read that raised it.

    Attributes:
        namespace: the namespace read.
        label: the node's label (``"Event"``), or ``"FACT"`` for a relationship.
        node_id: its ``id`` property (``None`` when it has none).
        prop: the property at fault.
        value: the value found there (``None``: missing).
    """

    def __init__(
        self, message: str, *, namespace: str | None, label: str, node_id: object, prop: str, value: object
    ) -> None:
        super().__init__(message)
        self.namespace = namespace
        self.label = label
        self.node_id = node_id
        self.prop = prop
        self.value = value


class NotFoundError(StoreError):
    """A node asked for by id does not exist in the namespace."""


class StoreLockedError(StoreError):
    """Another writer held the store's write lock for longer than the wait allowed.

    ``holder`` describes it as its lock file does (pid, command, since when), or is ``None`` when unknown.
    """

    def __init__(self, message: str, *, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class WriteConflictError(StoreError):
    """Another writer changed a namespace of a server store between this writer's reads and its write.

    A server store has no lock another process can wait on: a writer reads, decides and commits only if
    nobody else wrote the namespace in between (:mod:`graphmem.store.cypher.writers`); nothing of the
    refused write is stored. :func:`graphmem.live.add` (and each unit of a file ingest, ``forget``,
    ``add_events``, each batch of ``reembed``, ``settle``, each namespace of a merging ``sync``) reads again
    and retries (:mod:`graphmem.write_retry`); this error reaches the caller when other writers kept winning.
    Writers of a namespace take turns (:mod:`graphmem.store.cypher.line`), so that happens only to one that
    went ahead out of turn after the line stood still for the lock timeout.
    ``namespace`` names it (``None`` when unknown).
    """

    def __init__(self, message: str, *, namespace: str | None = None) -> None:
        super().__init__(message)
        self.namespace = namespace


class ReadOnlyStoreError(StoreError):
    """A write (ingest, add, forget) was asked of a store opened read-only, or the server refused it (an
    account without write access, a read-only database)."""


class ExtractionError(GraphmemError):
    """An extractor failed on some input."""


class ExtractorUnavailableError(ExtractionError):
    """The extractor's service cannot be used: it cannot be reached (every attempt to connect failed), it
    rejected the key (HTTP 401 or 403), or it kept failing after every retry (server errors, rate limits,
    overload, timeouts, answers cut short). Not a fault of the input, so every later input would fail alike,
    and an ingest stops at it."""


class IngestError(GraphmemError):
    """An input is unreadable or malformed; ``path`` and ``line`` (or ``json_path``) say where."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        json_path: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.json_path = json_path
        self.reason = message
        super().__init__(f"{_input_place(path, line, json_path)}: {message}")


class EmptyInputError(IngestError):
    """An input file is empty or holds only whitespace. Reading it fails with this; :func:`graphmem.ingest.ingest`
    skips such a file with a note instead of failing it (a log created but not written yet)."""


class IngestWarning(UserWarning):
    """An input is read, but something in it is not kept; ``path`` and ``line`` (or ``json_path``) say where."""

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, json_path: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.json_path = json_path
        self.reason = message
        super().__init__(f"{_input_place(path, line, json_path)}: {message}")


def _input_place(path: str | None, line: int | None, json_path: str | None = None) -> str:
    """``path:line`` (``<input>`` without a path), ``at $[i].field`` after it for a JSON value."""
    where = path or "<input>"
    if line is not None:
        where = f"{where}:{line}"
    if json_path:
        where = f"{where} at {json_path}"
    return where


class QueryError(GraphmemError):
    """Base of the errors a query can raise."""


class QuerySyntaxError(QueryError):
    """The query text does not parse.

    Attributes:
        line: 1-based line of the fault.
        column: 1-based column of the fault.
        context: the source line with a caret under the fault.
    """

    def __init__(self, message: str, *, line: int, column: int, context: str = "") -> None:
        self.line = line
        self.column = column
        self.context = context
        self.reason = message
        text = f"line {line}, column {column}: {message}"
        if context:
            text = f"{text}\n{context}"
        super().__init__(text)

    def get_context(self) -> str:
        """Return the source line with a caret under the fault."""
        return self.context


class QuerySemanticError(QueryError):
    """The query parses but names something invalid (unknown label, bad date, unbound parameter)."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        context: str = "",
        suggestion: str | None = None,
    ) -> None:
        self.line = line
        self.column = column
        self.context = context
        self.suggestion = suggestion
        self.reason = message
        super().__init__(self._text(message, line, column, context, suggestion))

    @staticmethod
    def _text(message: str, line: int | None, column: int | None, context: str, suggestion: str | None) -> str:
        text = message
        if suggestion:
            text = f"{text} (did you mean {suggestion!r}?)"
        if line is not None:
            text = f"line {line}, column {column}: {text}"
        if context:
            text = f"{text}\n{context}"
        return text


class QueryNamespaceError(QuerySemanticError, UnknownNamespaceError):
    """The namespace a query runs in holds no data (the closest one suggested).

    Named in the query text (``IN "ns"``, ``IN $ns``), it carries the ``line``, ``column`` and caret
    ``context`` of that string or parameter; named outside it (``namespace=``, ``-n``), none. It is an
    :class:`UnknownNamespaceError`, as ``recall``, ``stats`` and ``forget`` raise for the same fault, and
    a :class:`QuerySemanticError`, as the query's other faults.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        context: str = "",
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message, line=line, column=column, context=context, suggestion=suggestion)
        # UnknownNamespaceError.__init__ ran last in the chain, with the full text: keep the parts
        self.reason = message
        self.suggestion = suggestion


class QueryPinnedNamespaceError(QuerySemanticError):
    """The query names (``IN "ns"``) another namespace than the one its caller fixed with the ``namespace``
    parameter (an agent tool serving one tenant, the REPL after ``.namespace NAME``): a query cannot leave it.

    Attributes:
        named: the namespace the query names (``None`` until the planner sets it).
        pinned: the namespace the caller fixed (``None`` until the planner sets it).
    """

    named: str | None = None
    pinned: str | None = None


class QuerySpeakerError(QuerySemanticError, UnknownSpeakerError):
    """``BY`` names someone who never speaks in the namespace: a :class:`QuerySemanticError` at the speaker's
    place in the query, and the :class:`UnknownSpeakerError` that ``recall`` raises for the same fault."""

    def __init__(
        self,
        message: str,
        *,
        speaker: str,
        namespace: str,
        line: int | None = None,
        column: int | None = None,
        context: str = "",
        suggestion: str | None = None,
    ) -> None:
        self.speaker = speaker
        self.namespace = namespace
        self.line = line
        self.column = column
        self.context = context
        self.suggestion = suggestion
        self.reason = message
        Exception.__init__(self, self._text(message, line, column, context, suggestion))


class QueryLimitError(QueryError):
    """The query exceeds a limit on hops, results or time."""


class VectorIndexError(GraphmemError):
    """The vector index is unusable and could not be rebuilt."""


class StoreUpgradedWarning(UserWarning):
    """A writable open upgraded a store of an older graphmem schema in place (``directory``, ``old`` and
    ``new`` schema numbers): older graphmem versions can no longer open it. The CLI prints it as a note."""

    def __init__(self, directory: str, old: int, new: int) -> None:
        self.directory = directory
        self.old = old
        self.new = new
        super().__init__(
            f"upgraded {directory} from schema {old} to {new}; older graphmem versions can no longer open it"
        )
