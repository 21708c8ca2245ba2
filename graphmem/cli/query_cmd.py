"""``graphmem query`` and ``graphmem repl``: the query language from the command line."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from graphmem.cli.common import (
    DslHelpCommand,
    db_option,
    explain_text,
    open_memory,
    print_json,
    print_plain,
    render_result,
    stderr_console,
    stdout_console,
)

__all__ = ["NAMESPACE_OPTION_HINT", "parse_params", "query", "repl"]

#: How the namespace is named on the command line, quoted when a query names none and the store holds several.
NAMESPACE_OPTION_HINT = "pass -n/--namespace NAME"


def parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as parameters; a VALUE that is JSON (``5``, ``true``, ``["a"]``) is decoded."""
    from graphmem.query.numbers import NumberOutOfRange

    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        try:
            value: Any = json.loads(raw, parse_int=_whole_number)
        except NumberOutOfRange as exc:  # not text: a number the query language cannot hold
            raise click.BadParameter(f"{name}: {exc}", param_hint="--param") from None
        except ValueError:
            value = raw
        params[name] = value
    return params


def _whole_number(digits: str) -> int:
    """A JSON whole number, refused outside the 64-bit range (before Python converts it, so any length)."""
    from graphmem.query.numbers import read_whole

    return read_whole(digits.lstrip("-"), negative=digits.startswith("-"))


@click.command(cls=DslHelpCommand)
@db_option
@click.argument("text")
@click.option("--namespace", "-n", default=None, help="Namespace to query (default: the store's only one).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind $NAME (repeatable).")
@click.option("--explain", is_flag=True, help="Print the plan instead of running the query.")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON.")
@click.pass_context
def query(
    ctx: click.Context,
    db: str | None,
    text: str,
    namespace: str | None,
    params: tuple[str, ...],
    explain: bool,
    as_json: bool,
) -> None:
    """Run a query (TEXT, or - to read it from stdin); see docs/dsl.md.

    \b
    Example: graphmem query -n priya-tomas 'FIND (p:Person ~"Tomas")-[:SAID]->(e:Event) RETURN e.time, e.text LIMIT 5'
    """
    from graphmem.query import run_query

    if text == "-":
        text = sys.stdin.read()
    values = parse_params(params)
    if namespace:
        values["namespace"] = namespace
    with open_memory(ctx, db, read_only=True) as mem:
        if explain:
            plan_text = explain_text(
                mem.store, text, values, namespace_hint=NAMESPACE_OPTION_HINT, about=mem.about_source(), zone=mem.zone
            )
            if as_json:
                print_json({"plan": plan_text.splitlines()})
            else:
                print_plain(stdout_console(), plan_text)
            return
        result = run_query(
            mem.store,
            text,
            values,
            about=mem.about_source(),
            recall=mem.recall_request,
            namespace_hint=NAMESPACE_OPTION_HINT,
            zone=mem.zone,
        )
    render_result(stdout_console(), result, "json" if as_json else "table")


@click.command()
@db_option
@click.option("--namespace", "-n", default=None, help="Namespace to query (default: the store's only one).")
@click.option(
    "--history",
    "history",
    default=None,
    metavar="FILE",
    help="History file (default: $GRAPHMEM_HISTORY or ~/.graphmem_history).",
)
@click.pass_context
def repl(ctx: click.Context, db: str | None, namespace: str | None, history: str | None) -> None:
    """Start the interactive query shell: queries end with ';', .help lists commands.

    With a file or a pipe on stdin (graphmem repl < queries.txt) the queries and commands run without
    prompts, and the exit status is 1 if any failed.
    """
    from graphmem.repl import Repl
    from graphmem.settings import Settings

    path = history or str(Settings.from_env().history_path)
    with open_memory(ctx, db, read_only=True) as mem:
        if sys.stdin.isatty():
            Repl(mem, namespace=namespace, history_path=path).run()
            return
        # A script's results go to stdout as `graphmem query` prints them; errors and notes to stderr.
        shell = Repl(mem, namespace=namespace, history_path=path, console=stdout_console(), notes=stderr_console())
        if not shell.run_script(sys.stdin):
            ctx.exit(1)
