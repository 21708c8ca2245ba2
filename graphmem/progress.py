"""A rich progress bar on stderr for long library operations (ingest, reembed), or nothing when disabled.

The bar is created only when enabled, so a library call without a terminal (an agent, a test) never
imports rich's progress machinery or writes to stderr.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProgressBar"]


class ProgressBar:
    """A bar of ``total`` steps labelled ``label``, with a text column that shows ``fields``.

    ``text`` is a rich format string over ``task.fields``, e.g. ``"files  {task.fields[turns]:,} turns"``;
    ``fields`` gives each field's first value. A bar with nothing to do (``total`` 0) stays hidden.
    """

    def __init__(self, label: str, total: int, text: str, *, enabled: bool, **fields: float) -> None:
        self._label = label
        self._total = total
        self._text = text
        self._fields = fields
        self._enabled = enabled and total > 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn(f"[bold]{self._label}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self._text),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task(self._label, total=self._total, **self._fields)
            self._bar.start()
        return self

    def advance(self, steps: int = 1, **fields: float) -> None:
        """Count ``steps`` more done and show the new values of ``fields``."""
        if self._bar is not None:
            self._bar.update(self._task, advance=steps, **fields)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
