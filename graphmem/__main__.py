"""``python -m graphmem``."""

from graphmem.cli import run

run()
