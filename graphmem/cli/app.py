"""The top-level ``graphmem`` group: lazy subcommands and the one place errors become messages."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from graphmem.cli.common import (
    State,
    db_option,
    may_exit_fast,
    open_memory,
    print_json,
    print_table,
    read_cli_zone,
    reset_exit,
    stderr_console,
)
from graphmem.errors import GraphmemError, IngestWarning, StoreUpgradedWarning
from graphmem.models import validate_namespace
from graphmem.namespaces import require_namespace
from graphmem.text import clean_text

if TYPE_CHECKING:
    from graphmem.forget_many import ForgetPlan

__all__ = ["LazyGroup", "main", "run"]

# Subcommands live in their own modules and are imported only when used, so `graphmem --help` and
# `graphmem stats` never load spaCy or the embedding model.
_LAZY_COMMANDS: dict[str, str] = {
    "ingest": "graphmem.cli.ingest_cmd:ingest",
    "add": "graphmem.cli.add_cmd:add",
    "recall": "graphmem.cli.recall_cmd:recall",
    "context": "graphmem.cli.context_cmd:context",
    "mcp": "graphmem.cli.mcp_cmd:mcp",
    "facts": "graphmem.cli.facts_cmd:facts",
    "timeline": "graphmem.cli.timeline_cmd:timeline",
    "query": "graphmem.cli.query_cmd:query",
    "repl": "graphmem.cli.query_cmd:repl",
    "bench": "graphmem.cli.bench_cmd:bench",
    "export": "graphmem.cli.graph_cmd:export",
    "sync": "graphmem.cli.graph_cmd:sync",
    "viz": "graphmem.cli.graph_cmd:viz",
    "browser-guide": "graphmem.cli.graph_cmd:browser_guide",
    "reembed": "graphmem.cli.reembed_cmd:reembed",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def _available(self) -> dict[str, str]:
        found = {}
        for name, target in self.lazy.items():
            module = target.split(":", 1)[0]
            if importlib.util.find_spec(module) is not None:
                found[name] = target
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = self._available().get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":", 1)
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, lazy=_LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db",
    default=None,
    metavar="PATH|URI",
    help="Store directory or neo4j:// URI (default: $GRAPHMEM_DB, $NEO4J_URI or ./graphmem-data).",
)
@click.option(
    "--zone",
    "zone",
    default=None,
    metavar="ZONE",
    help="Read dates that give no offset (--since, query dates, 'yesterday' in a question) on this clock: "
    "an IANA name such as Europe/Lisbon (default: $GRAPHMEM_ZONE, else UTC). Times shown stay UTC.",
)
@click.version_option(package_name="graphmem")
@click.pass_context
def cli(ctx: click.Context, db: str | None, zone: str | None) -> None:
    """graphmem: long-term memory for conversational agents as a temporal knowledge graph."""
    ctx.obj = State(db, read_cli_zone(zone))


@cli.command()
@db_option
@click.option("--namespace", "-n", default=None, help="Only this namespace.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def stats(ctx: click.Context, db: str | None, namespace: str | None, as_json: bool) -> None:
    """Show counts of sessions, events, entities, mentions, speaker links, facts and embeddings per namespace."""
    with open_memory(ctx, db, read_only=True) as mem:
        st = mem.stats(namespace)  # refuses a damaged store
        where = mem.store.uri
    if as_json:
        print_json({"total": st.as_dict(), "by_namespace": st.by_namespace})
        return
    cols = ["namespace", "sessions", "events", "entities", "mentions", "spoken_by", "facts", "embeddings"]
    rows = [[ns, *(counts.get(c, 0) for c in cols[1:])] for ns, counts in sorted(st.by_namespace.items())]
    if namespace is None:
        total = st.as_dict()
        rows.append([f"total ({st.namespaces})", *(total[c] for c in cols[1:])])
    # fact versions: every version of every fact, those a later statement replaced included (`facts --all-time`
    # lists them); spoken by: each turn's link to its speaker, counted apart from the names it mentions
    header = [{"facts": "fact versions", "spoken_by": "spoken by"}.get(c, c) for c in cols]
    print_table(f"graphmem store {where}", header, rows)


@cli.command()
@db_option
@click.option("--namespace", "-n", required=True, help="The namespace to delete from.")
@click.option(
    "--event",
    "event_id",
    default=None,
    help="Delete only this event (and what only it supported): its event id, e.g. ev:session_1:3.",
)
@click.option("--session", default=None, help="Delete every event of this session, e.g. session_3.")
@click.option(
    "--about",
    default=None,
    metavar="NAME",
    help="Delete everything about this person or thing: every event they said, that mentions them or says their name.",
)
@click.option("--yes", is_flag=True, help="Do not ask before deleting a whole namespace, a session or about a name.")
@click.pass_context
def forget(
    ctx: click.Context,
    db: str | None,
    namespace: str,
    event_id: str | None,
    session: str | None,
    about: str | None,
    yes: bool,
) -> None:
    """Delete an event, a session, everything about a person or thing, or a whole namespace."""
    asked = [f"--{k}" for k, v in (("event", event_id), ("session", session), ("about", about)) if v is not None]
    if len(asked) > 1:
        raise click.UsageError(f"give one of --event, --session and --about, not {' and '.join(asked)}")
    validate_namespace(namespace)
    with open_memory(ctx, db) as mem:
        namespace = require_namespace(namespace, mem.namespaces(), where=mem.store.uri)  # before asking
        if (session is not None or about is not None) and not yes:
            from graphmem.forget_many import plan_forget

            _confirm_plan(plan_forget(mem.store, namespace, session=session, about=about))
        elif event_id is None and session is None and about is None and not yes:
            _confirm_forget(f"Delete everything in namespace {namespace!r}?", f"deleting namespace {namespace!r}")
        result = mem.forget(namespace, event_id, session=session, about=about)
    print_table(
        "deleted",
        ["events", "entities", "facts", "mentions", "spoken by", "sessions"],
        [[result.events, result.entities, result.facts, result.mentions, result.spoken_by, result.sessions]],
    )


#: Turns a confirmation shows of what goes.
_SHOWN_TURNS = 3


def _confirm_plan(plan: ForgetPlan) -> None:
    """Say what a forget of a session or about a name deletes (how many events, of how many sessions, the
    first few turns), then ask, as :func:`_confirm_forget`. Nothing to delete asks nothing."""
    what = f"session {plan.session!r}" if plan.session is not None else f"everything about {plan.about!r}"
    if not plan.events:
        return
    sessions = plan.sessions
    lines = [
        f"Forgetting {what} in namespace {plan.namespace!r} deletes {len(plan.events)} event(s)"
        f" of {len(sessions)} session(s) ({', '.join(sessions[:_SHOWN_TURNS])}"
        f"{', …' if len(sessions) > _SHOWN_TURNS else ''}), first:"
    ]
    if plan.about is not None:
        lines[0] = lines[0][: -len(", first:")] + ":"
        n_said, n_naming = len(plan.said), len(plan.naming)
        lines.append(
            f"  {n_said} said by {plan.about!r}, {n_naming} said by others that name them, "
            f'{len(plan.events) - n_said - n_naming} said by others that mention them without a name ("you", "he")'
        )
        searched = ", ".join(repr(n) for n in plan.names)
        lines.append(f"  names searched in what was said: {searched}")
        if plan.alone:
            lines.append(
                f"  not searched alone (another entity's name has it): {', '.join(repr(n) for n in plan.alone)}"
            )
        lines.append("  first:")
    for ev in plan.first(_SHOWN_TURNS):
        said = ev.text if len(ev.text) <= 70 else ev.text[:69] + "…"
        lines.append(f"  {ev.id}  {ev.speaker or '-'}: {said}")
    if len(plan.events) > _SHOWN_TURNS:
        lines.append(f"  … and {len(plan.events) - _SHOWN_TURNS} more")
    click.echo(clean_text("\n".join(lines)), err=True)
    _confirm_forget(f"Delete these {len(plan.events)} event(s)?", f"forgetting {what}")


def _confirm_forget(question: str, what: str) -> None:
    """Ask ``question`` (on stderr: stdout is for results) before deleting; an answer may be piped in. No
    answer to read (standard input at its end: a script, cron) is a usage error naming ``--yes``."""
    try:
        ok = click.confirm(question, err=True)
    except click.exceptions.Abort:
        if sys.stdin.isatty():
            raise  # Ctrl-C at the prompt
        click.echo(err=True)  # end the prompt's line
        raise click.UsageError(
            f"{what} asks first, but standard input is not a terminal and gave no answer: pass --yes to delete"
            " without asking"
        ) from None
    if not ok:
        raise click.exceptions.Abort


@cli.command()
@db_option
@click.pass_context
def namespaces(ctx: click.Context, db: str | None) -> None:
    """List the namespaces in the store."""
    with open_memory(ctx, db, read_only=True) as mem:
        for ns in mem.namespaces():
            click.echo(ns)


def _warning_printer(fallback: Callable[..., None]) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints an :class:`~graphmem.errors.IngestWarning` as
    ``warning: path:line: ...`` and leaves other warnings to ``fallback``."""

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if isinstance(message, IngestWarning):
            click.echo(clean_text(f"warning: {message}"), err=True)
        elif isinstance(message, StoreUpgradedWarning):
            click.echo(clean_text(f"note: {message}"), err=True)
        else:
            fallback(message, category, *args, **kwargs)

    return show


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; graphmem errors become one-line messages and exit status 1, warnings about the
    input (:class:`~graphmem.errors.IngestWarning`) lines of their own."""
    reset_exit()  # a fast exit is earned by this command alone
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", IngestWarning)
            warnings.simplefilter("always", StoreUpgradedWarning)
            warnings.showwarning = _warning_printer(warnings.showwarning)
            # Without standalone mode click returns a command's exit code instead of raising it.
            rc = cli.main(args=argv, prog_name="graphmem", standalone_mode=False)
            sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
    except GraphmemError as exc:
        click.echo(clean_text(f"error: {exc}"), err=True)
        return 1
    except BrokenPipeError as exc:  # writing the last of the output
        if not _reader_gone():  # a pipe of graphmem's own broke: that is an error
            click.echo(clean_text(f"error: {exc}"), err=True)
            return 1
        return _reader_went_away()
    except SystemExit as exc:  # click's answer to a broken pipe in a command: exit 1 (nothing else exits so)
        if exc.code == 1 and _reader_gone():
            return _reader_went_away()
        raise
    except OSError as exc:  # the only unwrapped I/O left is writing the output (stdout /dev/full)
        where = "cannot write output" if exc.filename is None else f"cannot use {exc.filename}"
        click.echo(clean_text(f"error: {where}: {exc.strerror or exc}"), err=True)
        return 1
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            stderr_console().print("interrupted")
            return 130
        stderr_console().print("aborted")  # a confirmation declined
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        stderr_console().print("interrupted")
        return 130
    return rc if isinstance(rc, int) else 0


def _reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (what a ``BrokenPipeError`` from the output
    means; one from a pipe graphmem opened itself does not). Without ``poll`` it cannot tell: yes."""
    import select

    if not hasattr(select, "poll"):
        return True
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (OSError, ValueError):  # stdout closed or replaced by an object without a descriptor
        return True


def _reader_went_away() -> int:
    """The exit status of a command whose output's reader took what it wanted and went (``| head -1``):
    0, with nothing more said, whether the output was still being written then (a long table) or had gone
    out whole (JSON that fits the pipe)."""
    _drop_stdout()
    return 0


def _drop_stdout() -> None:
    """Point stdout at the null device, so output still buffered is not written (and traced) at exit."""
    with contextlib.suppress(OSError, ValueError):  # no descriptor to replace (stdout closed or not a file)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run() -> NoReturn:
    """The ``graphmem`` program (console script and ``python -m graphmem``): :func:`main`, then exit.

    After a one-shot read (``recall``: it opened the store read-only and has closed it) the process ends
    with ``os._exit`` once stdout and stderr are flushed. Tearing the interpreter down (module
    dictionaries, the ONNX session, the vector index) cost such a call 0.1-0.3 s of CPU and does
    nothing the command needs: no file is open for writing and no thread has work left. Every other
    command exits normally.
    """
    rc = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head -1`): as in main, no failure
        _drop_stdout()
    except (OSError, ValueError):  # what main could not write: let the exit not try (and trace) again
        _drop_stdout()
        rc = rc or 1
    if may_exit_fast():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:  # the reader went away
            pass
        except ValueError:  # a stream was closed
            rc = rc or 1
        os._exit(rc)
    sys.exit(rc)


if __name__ == "__main__":  # pragma: no cover
    run()
