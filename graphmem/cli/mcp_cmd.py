"""``graphmem mcp``: serve a memory to agents over the Model Context Protocol (see :mod:`graphmem.mcp_server`)."""

from __future__ import annotations

import click

from graphmem.cli.common import State, db_option
from graphmem.cli.extractor_opts import chosen_extractor, extractor_flag, extractor_option_flag

__all__ = ["mcp"]


@click.command()
@db_option
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="stdio (a client spawns this command) or streamable HTTP.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP: the address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="HTTP: the port.")
@extractor_flag("What extracts add_messages (default: GRAPHMEM_EXTRACTOR, else spacy); claude needs ANTHROPIC_API_KEY.")
@extractor_option_flag
@click.pass_context
def mcp(
    ctx: click.Context,
    db: str | None,
    transport: str,
    host: str,
    port: int,
    extractor: str | None,
    extractor_options: tuple[str, ...],
) -> None:
    """Serve the memory to agents over MCP: tools add_messages, recall, query, timeline, facts, forget.

    Needs the extra: pip install 'graphmem[mcp]'. Register it in a client as the command
    `graphmem mcp --db PATH`. Over HTTP the endpoint is http://HOST:PORT/mcp.
    """
    from graphmem.mcp_server import serve

    state = ctx.find_object(State)
    where = db or (state.db if state else None)
    options: dict[str, object] = {}
    if state is not None and state.zone is not None:
        options["zone"] = state.zone
    chosen = chosen_extractor(extractor, extractor_options)  # a bad one is named before the store is opened
    if chosen is not None:
        options["extractor"] = chosen
    serve(where, transport="http" if transport == "http" else "stdio", host=host, port=port, **options)
