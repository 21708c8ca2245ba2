"""Numeric dates (``8/5/2023``): which number is the day, decided once for a whole input.

A date whose first number is above 12 (``13/5/2023``) shows the input writes the day first; one whose
second number is (``5/13/2023``), the month first. :func:`decide_order` reads every numeric date with a year
of an input (its session dates, timestamps and what its messages say; ``24/7`` and ``1/2`` decide nothing)
and takes the order they show for all of them, so ``8/5/2023`` in a file that also writes ``13/5/2023`` is
8 May, on every line. When nothing decides, the order stays month/day (``dateparser``'s, as before) and an
:class:`~graphmem.errors.IngestWarning` says so; a file that writes both orders is read in the one more of
its dates show (month/day on a tie), with a warning naming the first line of the other. :func:`ordered`
writes a phrase's numeric dates out in words in the decided order, so the time resolver reads them so.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["NUMERIC_DATE", "decide_order", "ordered", "reading_order", "the_order"]

# The order decided for the input being read: its readers' session dates and timestamps are read in it
_ORDER: ContextVar[bool | None] = ContextVar("graphmem_date_order", default=None)


@contextmanager
def reading_order(day_first: bool | None) -> Iterator[None]:
    """Read the numeric dates of session headers and timestamps in ``day_first``'s order within the block
    (one input's reading: :func:`graphmem.formats.read_source`)."""
    token = _ORDER.set(day_first)
    try:
        yield
    finally:
        _ORDER.reset(token)


def the_order() -> bool | None:
    """The order :func:`reading_order` set (``None``: none decided)."""
    return _ORDER.get()


#: A date of numbers: ``8/5/2023``, ``08.05.23``, ``8-5-2023``, or ``8/5`` (with ``/`` only, no year).
NUMERIC_DATE = re.compile(
    r"(?<![\w/.:-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?:(?P=sep)(?P<year>\d{4}|\d{2}))?(?![\w/:-]|\.\d)"
)
_MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip


def _numbers(m: re.Match[str]) -> tuple[int, int] | None:
    """The two leading numbers of a numeric date, or ``None`` when it is no date (``8-5`` is a range, a
    score; a number above 31 or a zero)."""
    if m.group("year") is None and m.group("sep") != "/":
        return None
    a, b = int(m.group("a")), int(m.group("b"))
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return None
    return a, b


def decide_order(lines: Sequence[str], *, path: str) -> bool | None:
    """Whether the numeric dates of an input's ``lines`` put the day first (``True``), the month first
    (``False``), or ``None``: nothing decides (``dateparser``'s month/day is kept).

    Warns (:class:`~graphmem.errors.IngestWarning`, at ``path:line``) when dates that read either way are
    read month/day for want of a date that decides, and when the input writes both orders.
    """
    from graphmem.formats._source import warn_input

    firsts: dict[bool, tuple[int, str]] = {}
    counts = {True: 0, False: 0}
    either: tuple[int, str] | None = None
    for number, text in enumerate(lines, 1):
        for m in NUMERIC_DATE.finditer(text):
            found = _numbers(m)
            if found is None or m.group("year") is None:  # "24/7", "1/2 cup": no date to decide by
                continue
            a, b = found
            if a > 12 or b > 12:
                day_first = a > 12
                counts[day_first] += 1
                firsts.setdefault(day_first, (number, m.group(0)))
            elif either is None:
                either = (number, m.group(0))
    if counts[True] and counts[False]:
        day_first = counts[True] > counts[False]
        where, odd = firsts[not day_first]
        taken, other = ("day/month", "month/day") if day_first else ("month/day", "day/month")
        warn_input(
            f"numeric dates are written both ways: {odd!r} is {other}, but {firsts[day_first][1]!r} (line "
            f"{firsts[day_first][0]}) and most others are {taken}; dates that read either way are read {taken}",
            path=path,
            line=where,
            lines=list(lines),
        )
        return day_first
    if counts[True] or counts[False]:
        return bool(counts[True])
    if either is not None:
        warn_input(
            f"numeric dates such as {either[1]!r} read either way and no day above 12 decides: read as month/day",
            path=path,
            line=either[0],
            lines=list(lines),
        )
    return None


def ordered(text: str, day_first: bool | None) -> str:
    """``text`` with its numeric dates written in words in the order ``day_first`` says (``8/5/2023`` day
    first is ``8 May 2023``); unchanged when ``day_first`` is ``None`` or it holds none."""
    if day_first is None or not any(ch.isdigit() for ch in text):
        return text

    def words(m: re.Match[str]) -> str:
        found = _numbers(m)
        if found is None:
            return m.group(0)
        day, month = found if day_first else found[::-1]
        if month > 12:
            return m.group(0)  # the other order's date: as written
        year = m.group("year")
        if year is not None and len(year) == 2:  # as strptime's %y reads it: 69-99 are 1969-1999
            year = f"{19 if int(year) >= 69 else 20}{year}"
        if year is not None and day > calendar.monthrange(int(year), month)[1]:
            return m.group(0)
        return f"{day} {_MONTH_NAMES[month]}" + (f" {year}" if year is not None else "")

    return NUMERIC_DATE.sub(words, text)
