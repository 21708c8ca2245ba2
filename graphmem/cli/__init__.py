"""The ``graphmem`` command line: a thin layer over :class:`graphmem.Memory`."""

from graphmem.cli.app import main, run

__all__ = ["main", "run"]
