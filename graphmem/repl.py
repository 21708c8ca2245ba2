"""The interactive query shell (``graphmem repl``), on prompt_toolkit.

A query may span lines and ends with ``;`` (several on one line run one after another); lines starting
with ``.`` are shell commands (``.help``).
Input is highlighted and completed (keywords, labels, edge types, properties, and entity names from
the store), history persists in a file, results print as rich tables or JSON, and an error prints a
message and leaves the session running.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import Lexer, PygmentsLexer
from prompt_toolkit.output import Output
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graphmem.errors import (
    ConfigError,
    GraphmemError,
    QueryPinnedNamespaceError,
    QuerySemanticError,
    QuerySyntaxError,
    UnknownNamespaceError,
)
from graphmem.namespaces import require_namespace
from graphmem.repl_prompt import COMMANDS, GraphmemCompleter, NotingFileHistory, make_lexer
from graphmem.repl_statements import in_place, relocate, split_statements, statement_code

if TYPE_CHECKING:
    from graphmem.memory import Memory
    from graphmem.query.result import Result

__all__ = ["NAMESPACE_COMMAND_HINT", "GraphmemCompleter", "Repl", "make_lexer", "run_repl"]

#: How the namespace is set in the shell, quoted when a query names none and the store holds several.
NAMESPACE_COMMAND_HINT = "set one with .namespace NAME"

#: Blank lines at the start of an input (dropped before a query, so its line 1 is its first line).
_BLANK_LINES = re.compile(r"\A(?:[^\S\n]*\n)+")
_HELP_QUERIES = """\
Queries end with ';' and may span lines. Examples:
  RECALL "camping with the kids" HOPS 2 LIMIT 5;
  FIND (p:Person ~"Priya")-[:SAID]->(e:Event) RETURN e.time, e.text ORDER BY e.time;
  FIND (e:Event) WHERE e MENTIONS ~"adoption" AND e.time AFTER 2023-06-01 RETURN count(*);
  TIMELINE (p:Person ~"Tomas") LIMIT 10;
  EXPLAIN FIND (e:Event ABOUT "charity race")-[:NEXT*1..3]->(later:Event) RETURN later;
The full reference is {dsl_doc}."""


class Repl:
    """One interactive session over a :class:`~graphmem.memory.Memory`.

    ``input``/``output`` default to the terminal; tests pass prompt_toolkit's pipe input and
    ``DummyOutput`` and a ``console`` writing to a buffer.
    """

    def __init__(
        self,
        memory: Memory,
        *,
        namespace: str | None = None,
        history_path: str | Path | None = None,
        input: Input | None = None,
        output: Output | None = None,
        console: Console | None = None,
        notes: Console | None = None,
    ) -> None:
        self.memory = memory
        self.namespace = namespace
        self.console = console or Console(highlight=False, soft_wrap=False)
        self.notes = notes or self.console  # errors, plans and settings: stderr for a script
        self.explain = False
        self.timing = False
        self.format = "table"
        self.errors = 0
        self._names: dict[str | None, list[str]] = {}
        self._history_path = history_path
        self._input = input
        self._output = output
        self._session: PromptSession[str] | None = None
        self._statement_lexer: Any = None

    @property
    def session(self) -> PromptSession[str]:
        """The prompt_toolkit session, made on first use (a script read by :meth:`run_script` needs none)."""
        if self._session is None:
            history = self._history()
            lexer: Lexer = PygmentsLexer(make_lexer())
            self._session = PromptSession(
                multiline=True,
                key_bindings=self._bindings(),
                history=history,
                lexer=lexer,
                completer=GraphmemCompleter(self.entity_names),
                complete_while_typing=False,
                prompt_continuation=lambda width, line, wrap: "...> ".rjust(width),
                input=self._input,
                output=self._output,
            )
        return self._session

    def _history(self) -> History:
        """The history file, read and written as queries are run; a file that cannot be read is a note
        and history kept for this session only, and one that cannot be written is read but not added to
        (a note says so). Nothing is created until the first query is saved."""
        path = self._history_path
        if not path:
            return InMemoryHistory()
        target = Path(path)
        try:
            return self._history_at(path, target)
        except OSError as exc:  # a folder on the way that cannot be searched (Path.exists raises then)
            self._note_history(f"history is not kept: cannot read {path} ({exc.strerror or exc})")
            return InMemoryHistory()

    def _history_at(self, path: str | Path, target: Path) -> History:
        """:meth:`_history` once a path is given (``OSError`` from looking at it goes to the caller)."""
        if target.exists():
            if not os.access(target, os.R_OK) or target.is_dir():
                self._note_history(f"history is not kept: cannot read {path}")
                return InMemoryHistory()
            history = NotingFileHistory(target)
            if not os.access(target, os.W_OK):
                history.problem = f"history is read but new queries are not saved: cannot write {path}"
        else:
            parent = target.parent
            if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
                why = "no such folder" if not parent.is_dir() else "the folder is not writable"
                self._note_history(f"history is not kept: cannot write {path} ({why})")
                return InMemoryHistory()
            history = NotingFileHistory(target)
        if history.problem:
            history.said = True
            self._note_history(history.problem)
        return history

    def _note_history(self, message: str) -> None:
        self.notes.print(Text(f"note: {message}"), style="dim")

    def _history_problem(self) -> None:
        """Say (once) that the history file failed while the shell ran (it is kept in memory from then)."""
        history = self._session.history if self._session is not None else None
        if isinstance(history, NotingFileHistory) and history.problem and not history.said:
            history.said = True
            self._note_history(history.problem)

    # -- input ------------------------------------------------------------------------------------

    @staticmethod
    def _bindings() -> KeyBindings:
        kb = KeyBindings()

        lexer = make_lexer()()

        @kb.add("enter")
        @kb.add("c-j")
        def _enter(event: KeyPressEvent) -> None:
            buf = event.current_buffer
            text = buf.text.strip()
            # a ';' ends the query even with a comment after it, but not inside a string or a comment
            if not text or (text.startswith(".") and "\n" not in text) or statement_code(text, lexer).endswith(";"):
                buf.validate_and_handle()
            else:
                buf.insert_text("\n")

        return kb

    def prompt_text(self) -> str:
        """The prompt, naming the namespace when one is set."""
        return f"graphmem[{self.namespace}]> " if self.namespace else "graphmem> "

    def entity_names(self) -> list[str]:
        """Entity names (and aliases) of the current namespace, or of all, for completion."""
        if self.namespace not in self._names:
            store = self.memory.store
            spaces = [self.namespace] if self.namespace else store.namespaces()
            names: set[str] = set()
            for ns in spaces:
                try:
                    for ent in store.iter_entities(ns):
                        names.add(ent.name)
                        names.update(ent.aliases)
                except GraphmemError:
                    continue
            self._names[self.namespace] = sorted(names)
        return self._names[self.namespace]

    def run(self) -> None:
        """Read and run input until ``.quit`` or end of input."""
        self.console.print("graphmem query shell — end queries with ';', type .help for help, .quit to leave.")
        while True:
            try:
                text = self.session.prompt(self.prompt_text())
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            self._history_problem()
            try:
                if not self.handle(text):
                    break
            except KeyboardInterrupt:  # Ctrl-C while a query runs stops the query, not the shell
                self.notes.print("interrupted", style="dim", highlight=False)

    def run_script(self, lines: Iterable[str]) -> bool:
        """Run the queries and shell commands of a script (a file or a pipe) without prompts.

        As at the prompt, a query ends with a line ending in ``;`` and a line starting with ``.`` between
        queries is a shell command; text left unterminated at the end runs as a last query. An error is
        printed and the script goes on. Returns whether every statement succeeded.
        """
        from pygments.token import Comment  # type: ignore[import-untyped]

        lexer = make_lexer()()

        def code(text_lines: list[str]) -> str:
            return statement_code("\n".join(text_lines), lexer)

        pending: list[str] = []
        pending_code = ""  # code(pending), kept as lines are added
        start = 1  # the script's line of pending[0]

        def first_line() -> int:
            """The script's line of the statement's first line that is not blank (errors count from it)."""
            return start + next((i for i, text in enumerate(pending) if text.strip()), 0)

        for number, raw in enumerate(lines, 1):
            line = raw.rstrip("\r\n")
            if not pending:
                start = number
            if not pending_code and line.strip().startswith("."):  # comments before a shell command go
                pending = []
                shell_line = "".join(v for t, v in lexer.get_tokens(line) if t not in Comment)  # strings kept
                if not self.handle(shell_line.strip(), line=number):  # a comment after it goes too
                    return self.errors == 0
                continue
            pending.append(line)
            pending_code = code(pending)
            if pending_code.endswith(";"):
                if not self.handle("\n".join(pending), line=first_line()):
                    return self.errors == 0
                pending, pending_code = [], ""
        if pending_code:  # not only comments
            self.handle("\n".join(pending), line=first_line())
        return self.errors == 0

    # -- commands ---------------------------------------------------------------------------------

    def handle(self, text: str, *, line: int | None = None) -> bool:
        """Run one input; return ``False`` to end the session.

        ``line`` is where the input starts in a script: an error then names the script's line.
        """
        if not text.strip():
            return True
        try:
            if text.strip().startswith("."):
                return self.command(text.strip())
            # blank lines before the query go, the indent of its first line stays: columns count from it
            query = _BLANK_LINES.sub("", text).rstrip()
            statements = split_statements(query, self._lexer())
            if len(statements) <= 1:
                self.run_query(query)
                return True
            for offset, statement in statements:  # each runs, an error goes on to the next
                try:
                    self.run_query(in_place(query, offset, statement))
                except GraphmemError as exc:
                    self.error(relocate(exc, query), line=line)
        except GraphmemError as exc:
            self.error(exc, line=line)
        except BrokenPipeError:  # the output's reader went away (`| head`): the CLI ends the script quietly
            raise
        except Exception as exc:  # an unexpected bug must not end the session
            self.errors += 1
            self.notes.print("[red]internal error:[/red] ", end="")
            self.notes.print(Text(f"{type(exc).__name__}: {exc}"), soft_wrap=True)
        return True

    def _lexer(self) -> Any:
        if self._statement_lexer is None:
            self._statement_lexer = make_lexer()()
        return self._statement_lexer

    def error(self, exc: GraphmemError, *, line: int | None = None) -> None:
        """Print an error (query errors with the caret context) and count it.

        With ``line`` (where the input starts in a script) the error names the script's line.
        """
        self.errors += 1
        kind = "syntax error" if isinstance(exc, QuerySyntaxError) else "error"
        if isinstance(exc, QuerySemanticError):
            kind = "query error"
        text = str(exc)
        if isinstance(exc, QueryPinnedNamespaceError) and exc.named is not None:
            # the API's wording speaks to a caller whose namespace is fixed for good; here it is a setting
            if exc.named in self.memory.namespaces():
                way = f"switch with .namespace {exc.named}, or clear it with .namespace - to name it with IN"
            else:  # `.namespace NAME` would refuse it too
                way = f"namespace {exc.named!r} holds no data"
            text = text.replace(
                exc.reason,
                f"the query names namespace {exc.named!r}, but the shell is in namespace {exc.pinned!r}: {way}",
                1,
            )
        if line is not None:
            own = getattr(exc, "line", None)
            at = f"line {own}, "
            if isinstance(own, int) and text.startswith(at):
                text = f"line {line + own - 1}, {text[len(at) :]}"
            else:
                text = f"line {line}: {text}"
        self.notes.print(f"[bold red]{kind}:[/bold red] ", end="")
        self.notes.print(Text(text), highlight=False, soft_wrap=True)

    def command(self, text: str) -> bool:
        """Run a dot command."""
        parts = text.rstrip(";").split()
        name, args = parts[0].lower(), parts[1:]
        if args and name in (".quit", ".exit", ".q", ".help", ".schema"):
            raise ConfigError(f"{name} takes no arguments, not {' '.join(args)!r}")
        if name in (".quit", ".exit", ".q"):
            return False
        if name == ".help":
            self.help()
        elif name == ".schema":
            self.schema()
        elif name == ".explain":
            self.explain = self._switch(args, self.explain, ".explain")
            self.notes.print(f"explain is {'on' if self.explain else 'off'}")
        elif name == ".timing":
            self.timing = self._switch(args, not self.timing, ".timing", toggle=True)
            self.notes.print(f"timing is {'on' if self.timing else 'off'}")
        elif name == ".format":
            if len(args) != 1 or args[0].lower() not in ("table", "json"):
                given = f", not {' '.join(args)!r}" if args else ""
                raise ConfigError(f".format takes table or json{given}: use .format table or .format json")
            self.format = args[0].lower()
            self.notes.print(f"format is {self.format}")
        elif name in (".namespace", ".ns"):
            self.set_namespace(args)
        else:
            from graphmem.query.resolve import closest

            hint = closest(name, [c.split()[0] for c in COMMANDS])
            raise ConfigError(f"unknown command {name}" + (f" (did you mean {hint}?)" if hint else "") + "; try .help")
        return True

    def _switch(self, args: list[str], current: bool, name: str, toggle: bool = False) -> bool:
        if not args and toggle:
            return current
        if len(args) != 1 or args[0].lower() not in ("on", "off"):
            given = f", not {' '.join(args)!r}" if args else ""
            raise ConfigError(f"{name} takes on or off{given}: use {name} on or {name} off")
        return args[0].lower() == "on"

    def set_namespace(self, args: list[str]) -> None:
        """``.namespace [NAME|-]``: show the namespace and the ones that exist, switch to ``NAME``, or with
        ``-`` (no namespace can be called so) clear it: queries then name theirs with ``IN``, or run in the
        store's only namespace, as when the shell started without one."""
        if not args:
            spaces = self.memory.namespaces()
            if self.namespace:
                current = self.namespace
            elif len(spaces) == 1:
                current = f"{spaces[0]} (the only one)"
            else:
                current = f'none set (name one in a query with IN "...", or {NAMESPACE_COMMAND_HINT})'
            self.notes.print(Text(f"namespace: {current}; namespaces: {', '.join(spaces) or '(none)'}"))
            return
        if len(args) > 1:  # a namespace has no spaces: the rest would be dropped unseen
            raise ConfigError(f".namespace takes one name, not {len(args)}: {' '.join(args)!r}")
        wanted = args[0].strip("\"'")
        if wanted in ("-", ""):
            before, self.namespace = self.namespace, None
            self.notes.print(Text(f"namespace cleared (was {before})" if before else "no namespace was set"))
            return
        require_namespace(wanted, self.memory.namespaces(), error=_namespace_command_error)
        self.namespace = wanted
        self.notes.print(Text(f"namespace is {wanted}"))

    def help(self) -> None:
        """``.help``: the shell commands and example queries."""
        table = Table(title="shell commands", show_header=False, box=None)
        for cmd, what in COMMANDS.items():
            table.add_row(Text(cmd), Text(what))
        self.console.print(table)
        from graphmem.cli.common import dsl_doc_path

        self.console.print(_HELP_QUERIES.format(dsl_doc=dsl_doc_path()), markup=False, highlight=False)

    def schema(self) -> None:
        """``.schema``: labels, edge types and properties, and what the store holds per namespace."""
        from graphmem.query.plan import EDGE_PROPS, NODE_PROPS
        from graphmem.query.resolve import DEFAULT_SCHEMA

        table = Table(title="schema", show_lines=False)
        table.add_column("what")
        table.add_column("names")
        table.add_row("node labels", ", ".join(DEFAULT_SCHEMA.labels))
        table.add_row("edge types", ", ".join(DEFAULT_SCHEMA.edge_types))
        for kind, keys in NODE_PROPS.items():
            table.add_row(f"{kind.value} properties", ", ".join(keys))
        table.add_row("edge properties", ", ".join(EDGE_PROPS))
        self.console.print(table)
        stats = self.memory.stats(self.namespace)
        counts = Table(title=f"store {self.memory.store.uri}")
        cols = ["namespace", "sessions", "events", "entities", "facts"]
        for c in cols:
            counts.add_column(c)
        for ns, numbers in sorted(stats.by_namespace.items()):
            counts.add_row(ns, *(str(numbers.get(k, 0)) for k in cols[1:]))
        self.console.print(counts)

    # -- queries ----------------------------------------------------------------------------------

    def run_query(self, text: str) -> None:
        """Run one query and print its result (after its plan, with ``.explain on``)."""
        from graphmem.cli.common import explain_text
        from graphmem.query import explain_query, run_query

        self.memory.refresh()  # what other processes committed since the last query (as Memory.query does)
        params = {"namespace": self.namespace} if self.namespace else {}
        if self.explain and not explain_query(self.memory.store, text, params, zone=self.memory.zone).explain:
            plan = explain_text(
                self.memory.store,
                text,
                params,
                namespace_hint=NAMESPACE_COMMAND_HINT,
                about=self.memory.about_source(),
                zone=self.memory.zone,
            )
            self.notes.print(plan, markup=False, highlight=False, style="dim")
        mem = self.memory
        result = run_query(
            mem.store,
            text,
            params,
            about=mem.about_source(),
            recall=mem.recall_request,
            namespace_hint=NAMESPACE_COMMAND_HINT,
            zone=mem.zone,
        )
        self.show(result)

    def show(self, result: Result) -> None:
        """Print a result as a table or JSON (see :func:`graphmem.cli.common.render_result`)."""
        from graphmem.cli.common import render_result, result_summary

        render_result(self.console, result, self.format, timing=self.timing)
        if self.format == "json" and self.timing:
            self.notes.print(f"({result_summary(result)})", style="dim", highlight=False)


def _namespace_command_error(message: str, *, suggestion: str | None = None) -> UnknownNamespaceError:
    """The error of ``.namespace NAME`` for a namespace that holds no data: it names the shell command."""
    return UnknownNamespaceError(f".namespace: {message}", suggestion=suggestion)


def run_repl(memory: Memory, *, namespace: str | None = None, history_path: str | Path | None = None) -> None:
    """Start an interactive session on the terminal."""
    Repl(memory, namespace=namespace, history_path=history_path).run()
