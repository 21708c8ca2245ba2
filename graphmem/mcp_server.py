"""graphmem as a Model Context Protocol server (``graphmem mcp``), on the official ``mcp`` SDK.

Tools (each with a JSON schema from its signature and a docstring an agent can follow):
``add_messages``, ``recall``, ``query``, ``timeline``, ``facts``, ``forget``. Resources: the DSL
reference (``graphmem://docs/dsl``) and the namespace list (``graphmem://namespaces``). Each tool takes
the options of its Python and CLI twins with the same meanings (``recall``: those of ``graphmem recall``;
``facts``: ``predicate``, ``valid_at``, ``as_of``, ``all_time``, as :meth:`~graphmem.Memory.facts`), dates
as ISO text read as the CLI reads them (:func:`parse_when`).

Every tool runs on an :class:`~graphmem.aio.AsyncMemory`, so blocking work stays off the server's event
loop and writes are serialised. A :class:`~graphmem.errors.GraphmemError` becomes an MCP tool error
whose text is what the CLI prints (``error: …``, a DSL error with its caret line), never a crash; so
do arguments a tool's schema rejects (:func:`argument_errors`: ``error: k: must be greater than or equal
to 1, not 0 (int)``, not pydantic's report).

Transports: ``stdio`` (what desktop clients spawn) and streamable HTTP, bound to 127.0.0.1 unless a
host is given. The SDK is the optional extra ``graphmem[mcp]``.
"""

from __future__ import annotations

import difflib
import gc
import importlib.resources
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from graphmem.dates import DateTextError, parse_date_argument
from graphmem.errors import ConfigError, GraphmemError, MissingDependencyError
from graphmem.models import Event
from graphmem.recall.config import MAX_HOPS

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.tools import Tool

    from graphmem.aio import AsyncMemory

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "TOOLS",
    "GraphmemTools",
    "argument_errors",
    "build_server",
    "dsl_reference",
    "parse_when",
    "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

_INSTRUCTIONS = """\
graphmem is a long-term memory of conversations, kept per namespace (one conversation, user or agent).
Store what is said with add_messages; before answering a question about the past, call recall and paste
its text into your reasoning: it lists the facts about the people and things the question names (the
current ones; with since/until, those that held at some time in that window: its first line says which)
and the best-matching past messages, each with its date, speaker and why it was picked. Use timeline for
everything about one person or thing in time order, facts for what is true about it, query for exact
questions in the graphmem query language (read the resource graphmem://docs/dsl first), and forget to
delete. Dates are ISO: 2024-05-01, 2024-05-01T14:30 or 2024-05-01T14:30Z (a zone is read as UTC; a
date without one is read on the server's clock, UTC unless it runs with --zone); 2024-05 and May 2024
name the whole month."""


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("mcp", extra="mcp", purpose="the MCP server") from exc


def dsl_reference() -> str:
    """The DSL reference (``docs/dsl.md``): shipped inside the package, else read from the repository."""
    packaged = importlib.resources.files("graphmem") / "docs" / "dsl.md"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[1] / "docs" / "dsl.md").read_text(encoding="utf-8")


def parse_when(value: str | None, name: str, *, until: bool = False, zone: tzinfo | None = None) -> datetime | None:
    """A date argument, read as the query language and the CLI read dates (:func:`graphmem.dates.parse_date_text`:
    ``2024-05-01``, ``2024-05``, ``May 2024``, ``2024-05-01T14:30``, ``2024-05-01T14:30Z``, ``…+02:00`` as UTC).

    The start of that date, or with ``until`` (an inclusive upper bound: ``until``, ``as_of``) the end of a
    date without a time of day, as the CLI's options read them. A date without an offset is read on
    ``zone``'s clock (the memory's: ``graphmem --zone``, ``GRAPHMEM_ZONE``), UTC when ``None``.

    Raises:
        ConfigError: the text is not such a date; the message names the argument and the forms accepted
            (:data:`~graphmem.dates.DATE_FORMS`, as the CLI's message names them).
    """
    if value is None or not value.strip():
        return None
    try:
        return parse_date_argument(value, until=until, zone=zone)
    except DateTextError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _cli_message(exc: GraphmemError) -> str:
    """What ``graphmem`` prints for this error (see :func:`graphmem.cli.app.main`)."""
    return f"error: {exc}"


def argument_errors(exc: ValidationError, tool: str = "the tool", takes: Sequence[str] = ()) -> str:
    """The CLI's ``error: …`` line for arguments a tool's schema rejected: each argument named with what is
    wrong (``error: k: must be greater than or equal to 1, not 0``), not pydantic's report (its model's
    class name, error types and a pydantic.dev link). An argument the tool does not take is named with the
    closest one it does and the list of them (``takes``): ``error: event: not an argument of forget (did
    you mean 'event_id'? it takes namespace, event_id, session, about, all)``."""
    parts = []
    for err in exc.errors(include_url=False):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".") or "arguments"
        if err["type"] == "missing":
            parts.append(f"{where}: missing (a required argument)")
            continue
        if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
            close = difflib.get_close_matches(where, takes, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            parts.append(f"{where}: not an argument of {tool} ({hint}it takes {', '.join(takes)})")
            continue
        msg = str(err["msg"]).removeprefix("Value error, ")
        what = "must be " + msg.removeprefix("Input should be ") if msg.startswith("Input should be ") else msg
        shown = repr(err.get("input"))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        parts.append(f"{where}: {what[:1].lower()}{what[1:]}, not {shown} ({type(err.get('input')).__name__})")
    return "error: " + "; ".join(parts)


@cache
def _server_class() -> type[MCPServer]:
    """The SDK's server with arguments its tool schemas reject reported as :func:`argument_errors` (the SDK
    raises them as a ``ToolError`` whose cause is pydantic's ``ValidationError``; its text would reach the
    agent as it is)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError

    class Server(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as exc:
                cause = exc.__cause__
                if isinstance(exc, UnexpectedToolError) or not isinstance(cause, ValidationError):
                    raise
                # the cause stays pydantic's: the SDK logs the fields it names
                takes = [a for t in await self.list_tools() if t.name == name for a in t.input_schema["properties"]]
                raise ToolError(f"Error executing tool {name}: {argument_errors(cause, name, takes)}") from cause

    return Server


@contextmanager
def _as_tool_error() -> Iterator[None]:
    """Turn a graphmem error into an MCP tool error carrying the CLI's message."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        yield
    except GraphmemError as exc:
        raise ToolError(_cli_message(exc)) from exc


def _event_dict(ev: Event) -> dict[str, Any]:
    return {
        "event_id": ev.id,
        "time": ev.occurred_at.isoformat() if ev.occurred_at else None,
        "session": ev.session,
        "speaker": ev.speaker,
        "text": ev.text,
        "source_id": ev.source_id,
    }


_NS = "The namespace: one conversation, user or agent, e.g. 'conv-26'."
_SINCE = "Only messages at or after this date (2024-05-01, 2024-05-01T14:30Z, 2024-05: from its start)."
_UNTIL = "Only messages at or before this date or date-time (a date alone: that whole day; 2024-05: all May)."
_ENTITY = "A person, place or thing by name, e.g. 'Riley'."
_AS_OF = "Answer from what memory held at this ISO date or date-time (a date alone: at the end of that day)."
_VALID_AT = "Only facts true at this ISO date or date-time (default: now)."
_ALL_TIME = "Every version of every fact, whatever its times (not with valid_at or as_of)."
_PREDICATE = "Only facts with this predicate, e.g. 'works_at'."
_HOPS = f"How far recall follows the graph from the best matches: 0 (matches only) to {MAX_HOPS}."
_SPEAKERS = "Only messages said by one of these people (names as they speak in the namespace)."
_TIME_AXIS = (
    "What since/until bound: when a message was 'said', when what it tells of 'happened', or 'either' (default)."
)
_SESSION = (
    "The session id of messages that name none, as stored (e.g. 'session_3', as recall shows it; a message's "
    "own 'session': '3' is named as in a file, session_3; an export's messages are recognised under either, "
    "only in the session named or joined, and without an id only when unambiguous: same speaker, time and "
    "text, said once there). Default: the namespace's latest session."
)
_MESSAGES = (
    "Messages in the order they were said. Each is an object with 'speaker' and 'text' (or a chat API's "
    "'role' and 'content'), and optionally "
    "'time' (ISO date-time; without an offset, UTC; default now), 'session', 'id' (your own "
    "id) and 'caption' (a description of "
    "a shared image)."
)
_PARTICIPANTS = (
    "Maps the 'role' or 'speaker' the messages give to the name memory should know that person by, e.g. "
    '{"user": "Dana", "assistant": "Aide"}; without it a message with role "user" is said by "user".'
)
_QUERY = "A graphmem query, e.g. 'FIND (e:Event) WHERE e.speaker = $who RETURN e.text LIMIT 5'."
_PARAMS = 'Values for the query\'s $name parameters, e.g. {"who": "Sam"}.'
#: The default of a required argument after an optional one (``facts(entity=None, namespace)``, the order
#: the tool had when entity was required): the tool's schema requires it all the same.
_REQUIRED: Any = Field(...)
_EVENT_ID = "The event to delete (an id from add_messages or recall)."
_FORGET_SESSION = "Delete every message of this session (a session id, e.g. session_3) and what only they supported."
_ABOUT = (
    "Delete everything about this person or thing (its whole name or an alias; part of a name is refused):"
    " every message they said or that mentions them or says their name, so that nothing stored holds the name"
    " afterwards."
)
_ALL = "true to delete the whole namespace, every message and what was learnt from them (nothing else with it)."


class GraphmemTools:
    """The MCP tools over one :class:`~graphmem.aio.AsyncMemory` (each method is one tool)."""

    def __init__(self, memory: AsyncMemory) -> None:
        self.memory = memory

    def _when(self, value: str | None, name: str, *, until: bool = False) -> datetime | None:
        """A date argument read on this memory's clock (:func:`parse_when`)."""
        return parse_when(value, name, until=until, zone=self.memory.memory.zone)

    async def add_messages(
        self,
        namespace: Annotated[str, Field(description=_NS)],
        messages: Annotated[list[dict[str, Any]], Field(description=_MESSAGES)],
        session: Annotated[str | None, Field(description=_SESSION)] = None,
        participants: Annotated[dict[str, str] | None, Field(description=_PARTICIPANTS)] = None,
    ) -> dict[str, Any]:
        """Remember messages of a conversation: store them as events, with the people, things and facts they name.

        Call it after each exchange you want remembered. Returns the ids of the stored events (use an id
        with forget to delete that message), and warnings about message fields that were not read.
        """
        from graphmem.live_messages import unread_fields

        with _as_tool_error():
            ids = await self.memory.add(messages, namespace=namespace, session=session, participants=participants)
        out: dict[str, Any] = {"namespace": namespace, "event_ids": ids}
        notes = [f"messages[{i}]: {note}" for i, m in enumerate(messages) for note in unread_fields(m)]
        if notes:
            out["warnings"] = notes
        return out

    async def recall(
        self,
        question: Annotated[str, Field(description="The question in plain words, e.g. 'Where does Riley work?'.")],
        namespace: Annotated[str, Field(description=_NS)],
        k: Annotated[int, Field(ge=1, le=100, description="How many past messages to consider.")] = 10,
        since: Annotated[str | None, Field(description=_SINCE)] = None,
        until: Annotated[str | None, Field(description=_UNTIL)] = None,
        # the bounds are shown in the schema, not enforced by it: Memory's error says why 6
        hops: Annotated[int, Field(description=_HOPS, json_schema_extra={"minimum": 0, "maximum": MAX_HOPS})] = 2,
        as_of: Annotated[str | None, Field(description=_AS_OF)] = None,
        speakers: Annotated[list[str] | None, Field(description=_SPEAKERS)] = None,
        time_axis: Annotated[Literal["said", "happened", "either"], Field(description=_TIME_AXIS)] = "either",
    ) -> str:
        """Recall what memory holds about a question, as a block of text ready to use in your answer.

        The block lists the facts about the people and things the question names, then the
        best-matching past messages, best first, each as [date time] speaker: text (why: the reason it
        was picked). The facts are the current ones; with since and/or until, those that held at some
        time in that window (until alone: up to it; since alone: from it to now), as memory knew them at
        as_of (default: now); the first line says which ("facts valid up to 2024-07-01"). It fits
        about 1500 tokens. Answer from it; say so when it does not hold the answer.
        The options mean what ``graphmem recall``'s do; a speaker nobody is in the namespace is an error.
        A namespace that holds nothing yet (a new user) gives a block that says memory holds nothing.
        """
        from graphmem.recall import RecallRequest

        with _as_tool_error():
            request = RecallRequest.of(
                question,
                namespace=namespace,
                k=k,
                hops=hops,
                since=self._when(since, "since"),
                until=self._when(until, "until", until=True),
                speakers=speakers or None,
                as_of=self._when(as_of, "as_of", until=True),
                time_axis=time_axis,
            )
            return (await self.memory.context_for(request)).text

    async def query(
        self,
        query: Annotated[str, Field(description=_QUERY)],
        namespace: Annotated[str | None, Field(description='The namespace (or name it in the query: IN "ns").')] = None,
        params: Annotated[dict[str, Any] | None, Field(description=_PARAMS)] = None,
    ) -> dict[str, Any]:
        """Run a query in the graphmem query language and return its rows (columns and one object per row).

        Read the resource graphmem://docs/dsl for the language. Pass user values as params, never pasted
        into the query text. A syntax error comes back with the line, the column and a caret under the
        fault: fix the query and try again.
        """
        bound = dict(params or {})
        if namespace is not None:
            bound["namespace"] = namespace
        with _as_tool_error():
            result = await self.memory.query(query, **bound)
        return {
            "namespace": result.namespace,
            "columns": list(result.columns),
            "rows": result.to_json(),
            "row_count": len(result),
        }

    async def timeline(
        self,
        entity: Annotated[str, Field(description=_ENTITY)],
        namespace: Annotated[str, Field(description=_NS)],
        since: Annotated[str | None, Field(description=_SINCE)] = None,
        until: Annotated[str | None, Field(description=_UNTIL)] = None,
    ) -> dict[str, Any]:
        """List, in time order, every message that mentions the named person or thing or that they said.

        A name that is part of one name only ('Caro' for Caroline) is taken as that name, and 'name' and
        'note' in the result say so; part of several names, it is an error listing them; an unknown name
        is an error that suggests the closest names memory holds.
        """
        with _as_tool_error():
            match = await self.memory.match_entity(entity, namespace=namespace)
            events = await self.memory.timeline(
                match,
                namespace=namespace,
                since=self._when(since, "since"),
                until=self._when(until, "until", until=True),
            )
        found = {"entity": entity, "name": match.name, "namespace": namespace}
        if note := match.note():
            found["note"] = note
        return {**found, "events": [_event_dict(ev) for ev in events]}

    async def facts(
        self,
        entity: Annotated[str | None, Field(description=_ENTITY + " Omit for every fact of the namespace.")] = None,
        namespace: Annotated[str, Field(description=_NS)] = _REQUIRED,
        valid_at: Annotated[str | None, Field(description=_VALID_AT)] = None,
        predicate: Annotated[str | None, Field(description=_PREDICATE)] = None,
        as_of: Annotated[str | None, Field(description=_AS_OF)] = None,
        all_time: Annotated[bool, Field(description=_ALL_TIME)] = False,
    ) -> dict[str, Any]:
        """List the facts memory holds about the named person or thing (subject predicate object, with dates).

        Each fact has when it became true (valid_from), when it stopped (valid_to), when memory recorded
        it (recorded_at) and retired it (expired_at), and the ids of the messages it came from (evidence).
        By default the facts true now, as memory holds them now; valid_at asks what was true on a date,
        as_of what memory believed then, all_time every version (as Memory.facts and graphmem facts).
        """
        if not isinstance(namespace, str):  # a Python caller left it out (the schema requires it)
            raise TypeError("GraphmemTools.facts() needs a namespace")
        with _as_tool_error():
            match = None if entity is None else await self.memory.match_entity(entity, namespace=namespace)
            found = await self.memory.facts(
                match,
                namespace=namespace,
                predicate=predicate,
                valid_at=self._when(valid_at, "valid_at"),
                as_of=self._when(as_of, "as_of", until=True),
                all_time=all_time,
            )
        named: dict[str, Any] = {"entity": entity, "namespace": namespace}
        if match is not None:
            named["name"] = match.name
            if note := match.note():
                named["note"] = note
        return {**named, "facts": [f.as_dict() for f in found]}

    async def forget(
        self,
        namespace: Annotated[str, Field(description=_NS)],
        event_id: Annotated[str | None, Field(description=_EVENT_ID)] = None,
        session: Annotated[str | None, Field(description=_FORGET_SESSION)] = None,
        about: Annotated[str | None, Field(description=_ABOUT)] = None,
        all: Annotated[bool, Field(description=_ALL)] = False,
    ) -> dict[str, Any]:
        """Delete one stored message by event_id, every message of a session, everything about a person or
        thing (about: a name), or with all: true a whole namespace; give exactly one of them.

        This cannot be undone. Returns how many events, entities, facts, mentions and sessions went; an
        event_id, session or name the namespace does not hold is an error naming the closest (a name that is
        part of a name or of several names lists them; a name already forgotten says nothing is called that),
        and deletes nothing; so is a call naming none of them, or more than one (a whole namespace goes only
        when asked for by name). A name is looked for as a name ("did you mark it" does not name Mark).
        """
        with _as_tool_error():
            asked = [k for k, v in (("event_id", event_id), ("session", session), ("about", about)) if v is not None]
            asked += ["all"] if all else []
            if not asked:
                raise ConfigError(
                    "forget: name an event_id, a session or who or what it is about, or give all: true to delete"
                    f" the whole namespace {namespace!r}"
                )
            if len(asked) > 1:
                raise ConfigError(f"forget: give one of event_id, session, about and all, not {' and '.join(asked)}")
            result = await self.memory.forget(namespace, event_id, session=session, about=about)
        deleted = {
            "events": result.events,
            "entities": result.entities,
            "facts": result.facts,
            "mentions": result.mentions,
            "sessions": result.sessions,
            "spoken_by": result.spoken_by,
        }
        return {"namespace": namespace, "deleted": deleted}

    async def namespaces(self) -> list[str]:
        """The namespaces this memory holds."""
        return await self.memory.namespaces()


#: The tools, in the order they are listed.
TOOLS = ("add_messages", "recall", "query", "timeline", "facts", "forget")


def _strict_tool(fn: Callable[..., Any], name: str) -> Tool:
    """The SDK's tool for ``fn``, refusing arguments it does not take: the SDK's argument model ignores
    them, so a misspelled ``event_id`` made ``forget`` delete a whole namespace. The schema says so too
    (``additionalProperties: false``)."""
    from mcp.server.mcpserver.tools import Tool

    tool = Tool.from_function(fn, name=name)
    loose = tool.fn_metadata.arg_model
    tool.fn_metadata.arg_model = type(loose.__name__, (loose,), {"model_config": ConfigDict(extra="forbid")})
    tool.parameters = {**tool.parameters, "additionalProperties": False}
    return tool


def build_server(memory: AsyncMemory, *, name: str = "graphmem") -> MCPServer:
    """An MCP server whose tools and resources read and write ``memory``.

    Raises:
        MissingDependencyError: the ``mcp`` package is not installed.
    """
    _require_sdk()
    from graphmem import __version__

    tools = GraphmemTools(memory)
    strict = [_strict_tool(getattr(tools, tool), tool) for tool in TOOLS]
    server = _server_class()(name, instructions=_INSTRUCTIONS, version=__version__, log_level="WARNING", tools=strict)
    server.resource("graphmem://docs/dsl", name="dsl", title="graphmem query language", mime_type="text/markdown")(
        dsl_reference
    )
    server.resource("graphmem://namespaces", name="namespaces", mime_type="application/json")(tools.namespaces)
    return server


def serve(
    db: str | None,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    **open_options: Any,
) -> None:
    """Open the memory at ``db`` and serve it over ``transport`` until the client goes away.

    ``open_options`` go to :meth:`Memory.open <graphmem.Memory.open>`: ``extractor=`` is what ``add_messages``
    extracts with (``graphmem mcp --extractor``; default ``GRAPHMEM_EXTRACTOR``, else spaCy).

    The server owns its process: once the memory is open and the server built, what the process holds
    until it ends (modules, the SDK, the open memory) is collected once and then frozen (``gc.freeze``),
    so that the full garbage collections recall's caches cause later visit only what was made since
    (measured in docs/scale.md: a full collection after 100 recalls at 1M events took half the time).
    When serving ends, everything is unfrozen again. No other library call does this; an application
    serving recall can do the same.

    Raises:
        MissingDependencyError: the ``mcp`` package is not installed.
        StoreError: the store cannot be opened.
    """
    _require_sdk()
    import anyio

    from graphmem.aio import AsyncMemory
    from graphmem.memory import Memory

    memory = Memory.open(db, **open_options)

    async def main() -> None:
        async with AsyncMemory(memory) as amem:
            server = build_server(amem)
            gc.collect()  # nothing frozen is garbage
            gc.freeze()
            try:
                if transport == "stdio":
                    await server.run_stdio_async()
                else:
                    await server.run_streamable_http_async(host=host, port=port)
            finally:  # serve() returns: what it held can be collected again (a second serve() starts afresh)
                gc.unfreeze()

    anyio.run(main)
