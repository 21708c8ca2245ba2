"""The time resolver's last resort: ``dateparser``, for a phrase its rules do not read.

:class:`~graphmem.extract.times.TimeResolver` asks it only for a phrase with a word that shows it names
a point or span of time (a weekday, a month, "ago", a year, a clock time ...), with the reference as
its relative base and the clause's direction as its preference. ``dateparser`` is imported on the
first such phrase, so a process that resolves only what the rules read never loads it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from graphmem.errors import MissingDependencyError
from graphmem.extract.periods import Period, interval

__all__ = ["Dateparser"]

# How many (reference, direction) parsers are kept before the memo starts again
_PARSERS = 64
_CLOCK = re.compile(r"\d\s*(?:am|pm)\b|\d:\d\d")


class Dateparser:
    """``dateparser`` with a parser per reference and direction, kept for the next phrase."""

    def __init__(self) -> None:
        """Create the fallback (``dateparser`` is not imported yet)."""
        self._parsers: dict[tuple[datetime, str], Any] = {}

    def __call__(self, text: str, reference: datetime, prefer: str) -> Period | None:
        """The interval ``dateparser`` reads in ``text`` (normalised, lower case) said at ``reference``,
        pointing ``prefer`` (``"past"`` or ``"future"``): its day, week, month or year, or the instant of a
        clock time; ``None`` when it reads none."""
        try:
            data = self._parser(reference, prefer).get_date_data(text)
        except (ValueError, OverflowError, TypeError):
            return None
        when = data.date_obj if data is not None else None
        if when is None:
            return None
        when = when.replace(tzinfo=None)
        period = data.period or "day"
        if period == "time" or (period == "day" and _CLOCK.search(text)):
            return when, when, "time"
        grain = period if period in ("week", "month", "year") else "day"
        try:
            return (*interval(when.date(), grain), grain)
        except (ValueError, OverflowError):  # "December 9999": its end is past the calendar
            return None

    def _parser(self, reference: datetime, prefer: str) -> Any:
        parser = self._parsers.get((reference, prefer))
        if parser is None:
            try:
                from dateparser.date import DateDataParser
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise MissingDependencyError("dateparser", purpose="resolving time expressions") from exc
            if len(self._parsers) > _PARSERS:
                self._parsers.clear()
            parser = DateDataParser(
                languages=["en"],
                settings={
                    "RELATIVE_BASE": reference,
                    "PREFER_DATES_FROM": prefer,
                    "RETURN_AS_TIMEZONE_AWARE": False,
                },
            )
            self._parsers[(reference, prefer)] = parser
        return parser
