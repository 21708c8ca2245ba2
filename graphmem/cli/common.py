"""Pieces every CLI command shares: the ``--db`` option, opening memory, printing."""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graphmem.text import clean_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from graphmem.memory import Memory
    from graphmem.query.executor import AboutFn
    from graphmem.query.result import Result
    from graphmem.store.base import GraphStore

__all__ = [
    "DSL_DOC",
    "DateTime",
    "DslHelpCommand",
    "MessageTime",
    "State",
    "UntilDateTime",
    "db_option",
    "dsl_doc_path",
    "explain_text",
    "k_option",
    "may_exit_fast",
    "no_data_note",
    "open_memory",
    "participants_of",
    "plain",
    "print_json",
    "print_plain",
    "print_table",
    "rate_text",
    "render_result",
    "reset_exit",
    "result_summary",
    "stderr_console",
    "stdout_console",
    "time_axis_option",
]

F = TypeVar("F", bound=Callable[..., Any])

_consoles: dict[str, Console] = {}

#: How help texts name the DSL reference; :class:`DslHelpCommand` prints the file's real path in its place.
DSL_DOC = "docs/dsl.md"


def dsl_doc_path() -> str:
    """Where the DSL reference is on this machine, found when asked (no file access at import).

    An installed wheel has it inside the package (``site-packages/graphmem/docs/dsl.md``), a clone or an
    editable install at the repository's ``docs/dsl.md``; if neither is there, the repository path.
    """
    import importlib.resources

    packaged = importlib.resources.files("graphmem") / "docs" / "dsl.md"
    if packaged.is_file():
        return str(packaged)
    in_repo = Path(__file__).resolve().parents[2] / DSL_DOC
    return str(in_repo) if in_repo.is_file() else DSL_DOC


class DslHelpCommand(click.Command):
    """A command whose ``--help`` names the DSL reference by its real path, resolved when help is shown."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help text with :data:`DSL_DOC` replaced by :func:`dsl_doc_path`."""
        original = self.help
        if original is not None and DSL_DOC in original:
            self.help = original.replace(DSL_DOC, dsl_doc_path())
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = original


def stdout_console() -> Console:
    """The rich console on stdout, made on first use (importing rich costs a one-shot call ~0.06 s of CPU,
    and ``graphmem --help`` or ``recall --json`` never print through rich)."""
    console = _consoles.get("stdout")
    if console is None:
        from rich.console import Console

        # Piped output (files, CI logs) gets room for wide tables instead of rich's 80-column fallback.
        tty = _isatty(sys.stdout)
        console = _consoles["stdout"] = _console(
            Console, tty, highlight=False, soft_wrap=True, width=None if tty else 160
        )
        console.on_broken_pipe = _broken_pipe  # type: ignore[method-assign]
    return console


def _broken_pipe() -> None:
    """What the stdout console does when its reader has gone (``| head``): raise, for ``main`` to end the
    command quietly as it does for ``click.echo``'s output (rich's own answer exits 1 from inside)."""
    raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def stderr_console() -> Console:
    """The rich console on stderr, made on first use (see :func:`stdout_console`).

    When stderr is not a terminal (a script's log) lines are not wrapped: the REPL's plans print a step a
    line, as ``query --explain`` prints them, instead of cut at rich's 80-column fallback."""
    console = _consoles.get("stderr")
    if console is None:
        from rich.console import Console

        tty = _isatty(sys.stderr)
        console = _consoles["stderr"] = _console(Console, tty, stderr=True, highlight=False, soft_wrap=not tty)
    return console


def _console(console_type: type[Console], tty: bool, **options: Any) -> Console:
    """A rich console that is a terminal only when its stream is one (``tty``), in the colours rich would
    choose. ``FORCE_COLOR`` (or ``TTY_COMPATIBLE=1``) makes rich take a pipe for a terminal, and then draw
    progress bars and narrow-terminal layouts into it: here it forces colour only, and what asks for a
    terminal (``console.is_terminal``: a progress bar, :mod:`graphmem.cli.narrow`) sees the real stream. On
    a terminal rich decides as it would (``TTY_COMPATIBLE=0`` says the terminal is none)."""
    chosen = console_type(**options).color_system  # forced by FORCE_COLOR, none in a pipe otherwise
    terminal = None if tty else False  # None: rich's own reading of the stream and the environment
    return console_type(force_terminal=terminal, color_system=chosen, **options)  # type: ignore[arg-type]


def _isatty(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (``False`` for a stream closed or without ``isatty``)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def __getattr__(name: str) -> Console:
    # ``stdout`` and ``stderr`` stay importable (graphmem.bench.scale uses one); importing one makes its console.
    if name == "stdout":
        return stdout_console()
    if name == "stderr":
        return stderr_console()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class State:
    """What the top-level group passes down to commands: ``--db`` and the clock of ``--zone``."""

    def __init__(self, db: str | None, zone: tzinfo | None = None) -> None:
        self.db = db
        self.zone = zone


def read_cli_zone(name: str | None) -> tzinfo | None:
    """The clock of ``--zone`` (else ``GRAPHMEM_ZONE``, else UTC: ``None``); a name that is no zone is a
    usage error naming where it came from and the closest zone."""
    from graphmem.dates import DateTextError, zone_named

    where = "--zone"
    if name is None:
        from graphmem.settings import Settings

        name, where = Settings.from_env().zone, "GRAPHMEM_ZONE"
    try:
        return zone_named(name)
    except DateTextError as exc:
        raise click.UsageError(f"{where}: {exc}") from None


def _zone_of(ctx: click.Context | None) -> tzinfo | None:
    state = ctx.find_object(State) if ctx is not None else None
    return state.zone if state is not None else None


class DateTime(click.ParamType[Any, datetime]):
    """A date option (``--since``, ``--valid-at``): ``DATE`` in the help, read as the query language reads a
    date (:func:`graphmem.dates.parse_date_text`): ``2024-05-01``, ``2024-05``, ``2024``,
    ``March 2024``, ``1 May 2024``, ``2024-05-01T14:30``, and a time with a zone (``2024-05-01T14:30+02:00``,
    ``…Z``) converted to naive UTC, as the Python API converts an aware ``datetime``
    (:func:`graphmem.fact_time.as_moment`). The option means the start of that date."""

    name = "date"
    #: an inclusive upper bound: a date without a time of day means its last moment
    until = False

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """``DATE``."""
        return "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The datetime ``value`` names (``2024-05-01``, ``2024-05-01T14:30``, ``2024-05-01 14:30:00``,
        ``2024-05-01T14:30:00+02:00`` as naive UTC, ``2024-03``, ``March 2024``)."""
        if isinstance(value, datetime):
            return value
        from graphmem.dates import DateTextError, parse_date_argument

        try:
            return parse_date_argument(str(value), until=self.until, zone=_zone_of(ctx))
        except DateTextError as exc:
            self.fail(str(exc), param, ctx)


class UntilDateTime(DateTime):
    """An inclusive upper bound (``--until``, ``--as-of``): a date without a time of day means its last
    moment (``2024-03-14`` all of that day, ``2024-03`` all of March), a date with a time that moment."""

    until = True


class MessageTime(DateTime):
    """When a message was said (``add --time``): read as every other time option is (:class:`DateTime`, so
    ``2024-02-30T10:00`` is the same usage error as ``--since 2024-02-30``, naming the days February has),
    or epoch seconds (milliseconds) as a JSONL message's ``time``; a time outside the years memory keeps is
    a usage error too. A time followed by an IANA zone name (``2024-03-31T10:00 Europe/Lisbon``) is read on
    that zone's clock, by its rules for that date, and kept so: what the message says ("yesterday") is
    then dated on the speaker's calendar, as a transcript's zoned times are."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The naive UTC datetime ``value`` names (an aware one on a named zone's clock)."""
        from graphmem.errors import IngestError
        from graphmem.formats._source import parse_timestamp
        from graphmem.formats._times import named_zone

        text = str(value).strip()
        epoch = text.isdigit() and len(text) >= 9  # 2024 is a year, 1714573800 a moment
        try:
            if named_zone(text) is not None:
                return parse_timestamp(text, path="")
            when = parse_timestamp(int(text), path="") if epoch else super().convert(value, param, ctx)
            return parse_timestamp(when, path="")  # the years memory keeps
        except IngestError as exc:
            self.fail(exc.reason, param, ctx)


def time_axis_option(func: Any) -> Any:
    """``--time-axis``: which time of a turn ``--since``/``--until`` bound (recall's and timeline's)."""
    return click.option(
        "--time-axis",
        type=click.Choice(["said", "happened", "either"]),
        default="either",
        show_default=True,
        help="What --since/--until bound: when a turn was said, when what it tells of happened, or either.",
    )(func)


def db_option(func: Any) -> Any:
    """``--db`` on a subcommand, overriding the group's."""
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="PATH|URI",
        help="Store directory or neo4j:// URI (default: $GRAPHMEM_DB, $NEO4J_URI or ./graphmem-data).",
    )(func)


def k_option(*, default: int, maximum: int | None = None, help: str) -> Callable[[F], F]:
    """``-k/--k``: how many results; spelled the same on every command that takes it."""
    return click.option(
        "-k", "--k", "k", type=click.IntRange(1, maximum), default=default, show_default=True, help=help
    )


@contextmanager
def open_memory(
    ctx: click.Context,
    db: str | None = None,
    *,
    create: bool = False,
    read_only: bool = False,
    one_shot: bool = False,
    **options: Any,
) -> Iterator[Memory]:
    """Open the memory named by ``--db`` on the command or the group.

    Only commands that write (``ingest``, ``add``, a ``sync`` target) pass ``create=True``: a mistyped
    path given to a reading command is an error, never a new empty store. Reading commands pass
    ``read_only=True``, so they work on a store the user may read but not write. A command that reads a
    few nodes and exits (``recall``) passes ``one_shot=True``: a store directory's namespaces are then
    read from SQLite, never loaded into memory (loading costs more than the command), unless
    ``GRAPHMEM_MIRROR_MAX_EVENTS`` is set.
    """
    from graphmem.errors import SchemaUpgradeError, StoreError
    from graphmem.memory import Memory  # here, not at import: `graphmem --help` never loads the store

    state = ctx.find_object(State)
    where = db or (state.db if state else None)
    if one_shot:
        from graphmem.config import resolve_db
        from graphmem.settings import Settings
        from graphmem.store.registry import scheme_of

        settings = Settings.from_env()
        if settings.mirror_max_events is None and scheme_of(resolve_db(where, settings)) is None:
            options.setdefault("mirror_max_events", 0)
    if read_only:
        options["read_only"] = True
    if state is not None and state.zone is not None:
        options.setdefault("zone", state.zone)
    # also for reading commands: create=True would make a missing Bolt database (and a store directory)
    options["create"] = create
    try:
        memory = Memory.open(where, **options)
    except SchemaUpgradeError as exc:
        # An older schema is upgraded by a writable open: a reading command run by a user who may write
        # the store does it, as every command did before reading commands opened stores read-only.
        options.pop("read_only")
        try:
            memory = Memory.open(where, **options)  # create is false: a reading command
        except StoreError as failed:
            raise SchemaUpgradeError(f"{exc}; opening it for writing to upgrade it failed: {failed}") from failed
    with memory as mem:
        yield mem
    if one_shot and read_only:
        _exit.fast = True  # closed, nothing written: the process may end without teardown (app.run)


class _Exit:
    fast = False


_exit = _Exit()


def reset_exit() -> None:
    """Forget an earlier command's fast exit (``main`` runs several commands in one process in tests)."""
    _exit.fast = False


def may_exit_fast() -> bool:
    """Whether the command that ran was a one-shot read that closed its store (see ``graphmem.cli.run``)."""
    return _exit.fast


def participants_of(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--participant user=Dana`` options (``add``, ``ingest``) as a dict; a pair without ``=`` or a side is
    a usage error."""
    names: dict[str, str] = {}
    for pair in pairs:
        role, sep, name = pair.partition("=")
        if not sep or not role.strip() or not name.strip():
            raise click.BadParameter(f"expected ROLE=NAME, e.g. user=Dana, not {pair!r}", param_hint="--participant")
        names[role.strip()] = name.strip()
    return names


def no_data_note(mem: Memory, namespace: str) -> str | None:
    """The one-line note for a read of ``namespace`` when it holds no data, else ``None``.

    Such a read answers with an empty result, as the API does (an agent's first turn with a new user), but
    a human's typo must stay visible: the note names the namespace and the closest ones that hold data.
    """
    import difflib

    from graphmem.namespaces import closest_namespace, namespace_spelling

    held = mem.namespaces()
    if namespace_spelling(namespace, held) in held:
        return None
    lowered = namespace.lower()
    near = [ns for ns in held if ns.lower().startswith(lowered) or lowered.startswith(ns.lower())]
    near += [closest_namespace(namespace, held) or ""]
    near += difflib.get_close_matches(namespace, held, n=3, cutoff=0.6)
    closest = list(dict.fromkeys(ns for ns in near if ns))[:3]
    if closest:
        others = "the closest that do: " + ", ".join(closest)
    else:
        others = "namespaces that do: " + (", ".join(held[:5]) + (", …" if len(held) > 5 else "") if held else "none")
    return f"note: namespace {namespace!r} holds no data in {mem.store.uri} ({others})"


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (datetimes as ISO strings, ``2024-03-01T00:00:00``, as the MCP tools
    and ``as_dict`` give them)."""
    click.echo(clean_text(json.dumps(data, indent=2, default=_json_value, ensure_ascii=False)))


def _json_value(value: Any) -> Any:
    """What ``json`` cannot write itself: dates and times in ISO form, anything else as its ``str``."""
    from datetime import date

    return value.isoformat() if isinstance(value, date) else str(value)


#: Control characters other than newline and tab (C0, DEL, C1): a transcript's ESC would clear the screen
#: or set the window title if printed raw.
#: Control characters but newline and tab, and the marks that reorder or break how a line shows (bidi
#: embeddings, overrides and isolates, line and paragraph separators).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def plain(value: Any) -> Text:
    """``value`` as rich text taken literally: no markup (``[b]``), no emoji codes (``:100:``), lone
    surrogates (an argument that was not UTF-8) replaced so the terminal can encode it, and control
    characters but newline and tab shown as escapes (``\\x1b``) rather than sent to the terminal."""
    from rich.text import Text

    text = "" if value is None else clean_text(str(value))
    return Text(_CONTROL.sub(_escape, text))


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def print_plain(console: Console, message: str) -> None:
    """Print ``message`` exactly as it is (paths, user text, error messages), wrapped softly."""
    console.print(plain(message), soft_wrap=True)


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a rich table; the title and cells are printed literally (see :func:`plain`).

    In a terminal too narrow for the table, cells fold onto more lines rather than end in ``…``: a date
    cut to ``2024-03-…`` lost its day.
    """
    from rich.table import Table

    table = Table(title=plain(title) if title is not None else None, show_lines=False)
    for col in columns:
        table.add_column(plain(col), overflow="fold")
    for row in rows:
        table.add_row(*(plain(v) for v in row))
    stdout_console().print(table)


def rate_text(count: float, seconds: float) -> str:
    """``count / seconds`` as a table prints a rate: ``–`` under a second of work (too short to say),
    whole numbers from 10 up, else two significant digits (2 turns in 4.3 s is ``0.47``, not ``0``), and
    ``<0.01`` below that (never scientific notation: 1 turn in a day is not ``1.2e-05``)."""
    if seconds < 1:
        return "–"
    rate = count / seconds
    if rate >= 10:
        return f"{rate:,.0f}"
    return "<0.01" if 0 < rate < 0.01 else f"{rate:.2g}"


def explain_text(
    store: GraphStore,
    text: str,
    params: dict[str, Any],
    *,
    namespace_hint: str,
    about: AboutFn | None = None,
    zone: tzinfo | None = None,
) -> str:
    """The plan of a query as ``EXPLAIN`` prints it: on a store that runs Cypher, with the Cypher it
    compiles to as Neo4j Browser takes it (``:param`` lines, then the query; ``ABOUT`` seeds computed
    with ``about``), or why it runs on the client, as ``query --explain`` and the REPL's
    ``.explain on`` promise.

    A namespace the query names is explained whether or not it holds data yet (the Cypher is the same),
    as on a store directory.

    Raises:
        QuerySyntaxError, QuerySemanticError: the query does not parse or plan (on a Cypher store, no
            namespace named while the store holds several).
    """
    from graphmem.errors import QuerySemanticError
    from graphmem.query import explain_query
    from graphmem.query.executor import resolve_namespace
    from graphmem.query.pushdown import explain_plan
    from graphmem.store.base import RunsCypher

    plan = explain_query(store, text, params, zone=zone)
    if isinstance(store, RunsCypher):
        try:
            namespace = resolve_namespace(plan, store, hint=namespace_hint)
        except QuerySemanticError:
            if plan.namespace is None:
                raise
            namespace = str(plan.namespace.value)
        return explain_plan(store, plan, namespace, about=about)
    return str(plan)


def result_summary(result: Result, *, timing: bool = True) -> str:
    """``3 rows`` (``3 rows in 1.2 ms`` with ``timing``)."""
    rows = f"{len(result)} row{'s' if len(result) != 1 else ''}"
    return f"{rows} in {result.elapsed_ms:.1f} ms" if timing else rows


def render_result(console: Console, result: Result, fmt: str = "table", *, timing: bool = True) -> None:
    """Print a query result on ``console``, as ``graphmem query`` and the REPL show it.

    Args:
        console: where to print.
        result: the result of a query; for an ``EXPLAIN`` query, its rows are the lines of the plan.
        fmt: ``table`` (a rich table and a dim summary line) or ``json`` (rows as a JSON list, or
            ``{"plan": [lines]}`` for ``EXPLAIN``; nothing else is printed, so the output parses).
        timing: whether the summary line says how long the query took.
    """
    from rich.table import Table
    from rich.text import Text

    from graphmem.query.result import format_value

    if fmt == "json":
        data: Any = {"plan": [r[0] for r in result.rows]} if result.plan.explain else result.to_json()
        text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
        console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
        return
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r} (table or json)")
    if result.plan.explain:
        console.print("\n".join(r[0] for r in result.rows), markup=False, highlight=False, emoji=False)
        return
    table = Table(show_lines=False)
    for col in result.columns:
        table.add_column(plain(col), overflow="fold")
    for row in result.rows:
        table.add_row(*(Text(format_value(v)) for v in row))
    console.print(table)
    console.print(result_summary(result, timing=timing), style="dim", highlight=False)
