"""How ``recall`` and ``timeline`` print their rows when the terminal is too narrow for their table.

Their tables hold short cells (rank, score, id, when, speaker) beside free text (the turn, why it was
returned). An event id of a file ingested from a folder (``ev:ana_chloe/session_1:2``) took a third of an
80-column terminal, and the text and why columns were left 5 to 7 characters wide, one syllable a line.
When the short cells leave the free-text columns less than they need, each row is printed as a block
instead: a line of its short cells, then each free text indented under it (a blank line between rows),
wrapped at the terminal's width. A wide terminal, and output that is not a terminal (printed 160 columns
wide, however long its ids or names), keep the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphmem.cli.common import plain

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["MIN_FREE", "Block", "fits_table", "print_blocks", "table_room"]

#: A row printed as a block: its short cells (one line), then its free texts, each with a rich style.
Block = tuple[Sequence[str], Sequence[tuple[str, str]]]

#: The columns each free-text column needs for a table to be read: fewer, and the rows print as blocks.
MIN_FREE = 30
_INDENT = 3


def fits_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]], free: int) -> bool:
    """Whether a table of these short cells leaves each of its ``free`` free-text columns :data:`MIN_FREE`
    columns on ``console`` (see :func:`table_room`). Output that is not a terminal always keeps the table:
    a file or pipe gets the same layout whatever the rows hold."""
    if not console.is_terminal:
        return True
    return table_room(console, headers, rows, free) >= MIN_FREE * free


def table_room(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]], free: int) -> int:
    """The columns a rich table with a box would leave its ``free`` free-text columns on ``console``.

    Args:
        console: where the table would print (its width counts).
        headers: the headers of the short columns.
        rows: the short cells of each row, in the order of ``headers``.
        free: how many free-text columns the table has besides them.
    """
    widths = [_width(h) for h in headers]
    for row in rows:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, row, strict=True)]
    columns = len(headers) + free
    return console.width - sum(widths) - (3 * columns + 1)  # a space each side of a cell, a rule between


def _width(cell: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in cell.splitlines()), default=0)


def print_blocks(console: Console, title: str | None, blocks: Sequence[Block]) -> None:
    """Print ``blocks`` on ``console``, each as its short cells on one line and its texts indented under it.

    Cells and texts are printed literally (see :func:`graphmem.cli.common.plain`); empty cells are left out.
    """
    from rich.text import Text

    if title is not None:
        console.print(plain(title), style="italic", soft_wrap=False)
    for n, (cells, texts) in enumerate(blocks):
        if n:
            console.print()
        head = Text("  ").join(plain(c) for c in cells if c)
        head.stylize("bold")
        console.print(head, soft_wrap=False)
        for text, style in texts:
            body = plain(text)
            body.stylize(style)
            # wrapped here, not by rich's padding, so no line keeps the spaces it was broken at
            for line in body.wrap(console, max(console.width - _INDENT, 1), overflow="fold"):
                line.rstrip()
                console.print(Text(" " * _INDENT) + line, soft_wrap=True)
