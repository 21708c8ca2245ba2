"""Numbers of the query language: whole numbers are signed 64-bit, as SQLite and Neo4j hold them.

A literal outside that range (or a decimal too large for a float) is refused where it is written
(:class:`NumberOutOfRange`, turned into a :class:`~graphmem.errors.QuerySyntaxError` by the parser), and a
parameter outside it by the resolver, so neither backend ever meets a number it cannot hold.
"""

from __future__ import annotations

import math

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "RANGE_WORDS",
    "NumberOutOfRange",
    "fits_int64",
    "read_count",
    "read_number",
    "read_whole",
]

#: The smallest and largest whole numbers a query may hold.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: More digits than any 64-bit number has: such text is refused before it is converted (Python refuses to
#: convert more than 4300 digits, with advice meant for programmers).
_MAX_DIGITS = len(str(INT64_MAX))
#: The most digits of a count read before its own limit is checked (far below Python's 4300).
_MAX_COUNT_DIGITS = 100
#: What the errors say about the range.
RANGE_WORDS = f"whole numbers run from {INT64_MIN} to {INT64_MAX}"


class NumberOutOfRange(ValueError):
    """A number literal the query language cannot hold; the message says why, in words."""


def fits_int64(value: int) -> bool:
    """Whether ``value`` is a signed 64-bit whole number."""
    return INT64_MIN <= value <= INT64_MAX


def read_whole(digits: str, *, negative: bool = False) -> int:
    """The whole number ``digits`` (``-digits`` with ``negative``).

    Raises:
        NumberOutOfRange: it is outside the signed 64-bit range.
    """
    digits = digits.lstrip("0") or "0"
    if len(digits) <= _MAX_DIGITS:
        value = -int(digits) if negative else int(digits)
        if fits_int64(value):
            return value
    if len(digits) <= 40:
        shown = f"-{digits}" if negative else digits
    else:
        shown = f"a {'negative ' if negative else ''}number of {len(digits)} digits"
    raise NumberOutOfRange(f"{shown} is out of range: {RANGE_WORDS}")


def read_count(digits: str) -> int:
    """A count that its own limit checks later (a duration's amount, a hop range's bound, LIMIT, TOP),
    with that limit's message: only a number too long to be read at all is refused here.

    Raises:
        NumberOutOfRange: more than :data:`_MAX_COUNT_DIGITS` digits.
    """
    digits = digits.lstrip("0") or "0"
    if len(digits) <= _MAX_COUNT_DIGITS:
        return int(digits)
    return read_whole(digits)  # raises: it is out of range


def read_number(text: str, *, negative: bool = False) -> int | float:
    """A number literal: whole (see :func:`read_whole`) or decimal (a float).

    Raises:
        NumberOutOfRange: a whole number outside the signed 64-bit range, or a decimal too large for a float.
    """
    if "." not in text:
        return read_whole(text, negative=negative)
    value = float(text)
    if math.isinf(value):
        raise NumberOutOfRange("this decimal number is too large (a decimal is at most about 1.8e308)")
    return -value if negative else value
