"""``graphmem bench``: a group of benchmarks, each in its own module under :mod:`graphmem.bench`."""

from __future__ import annotations

import click

from graphmem.cli.app import LazyGroup

__all__ = ["bench"]

_BENCHMARKS = {
    "cli": "graphmem.bench.cli:command",
    "ingest": "graphmem.bench.ingest:command",
    "locomo": "graphmem.bench.locomo:command",
    "scale": "graphmem.bench.scale:command",
    "backends": "graphmem.bench.backends:command",
    "mcp": "graphmem.bench.mcp:command",
    "live": "graphmem.bench.live:command",
}


@click.group(cls=LazyGroup, lazy=_BENCHMARKS)
def bench() -> None:
    """Measure CLI start time, ingest speed, recall quality on LoCoMo, and behaviour at scale."""
