"""'last/this/next week|month|year' resolve without dateparser, to exactly what dateparser answers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from graphmem.extract import time_rules as rules
from graphmem.extract.times import TimeResolver

PHRASES = [
    f"{the}{which} {unit}"
    for the in ("", "the ")
    for which in ("last", "this", "next")
    for unit in ("week", "month", "year")
]
# Every weekday, month ends, a leap day, year ends.
REFERENCES = [datetime(2023, 1, 1, 15, 30) + timedelta(days=5 * i + i % 7) for i in range(80)] + [
    datetime(2024, 2, 29, 9),
    datetime(2023, 3, 31, 23, 59),
    datetime(2023, 12, 31, 0, 0),
    datetime(2024, 1, 31, 12),
    datetime(2023, 5, 31, 8),
]


@pytest.mark.parametrize("phrase", PHRASES)
def test_calendar_units_agree_with_dateparser(phrase: str) -> None:
    resolver = TimeResolver()
    for reference in REFERENCES:
        for prefer in ("past", "future"):
            expected = resolver._dateparser(phrase, reference, prefer)
            assert expected is not None
            assert rules._calendar_unit(phrase, reference.date(), prefer) == expected, (phrase, reference, prefer)
            if not phrase.startswith("the last"):  # "the last week" is the rolling 7 days (_past_span)
                ref = resolver.resolve(phrase, reference, prefer=prefer)
                assert (ref.start, ref.end, ref.grain) == expected, (phrase, reference, prefer)


def test_last_week_is_the_calendar_week_before() -> None:
    ref = TimeResolver().resolve("last week", datetime(2023, 5, 17, 10))  # a Wednesday
    assert (ref.start, ref.end, ref.grain) == (datetime(2023, 5, 8), datetime(2023, 5, 15), "week")


def test_a_calendar_unit_does_not_load_dateparser() -> None:
    code = (
        "import sys, json\n"
        "from datetime import datetime\n"
        "from graphmem.extract.times import resolve_time\n"
        "ref = resolve_time('next month', datetime(2023, 12, 5))\n"
        "print(json.dumps([str(ref.start), 'dateparser' in sys.modules]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    start, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert start == "2024-01-01 00:00:00"
    assert loaded is False


def test_the_resolver_and_its_rules_are_modules_of_one_concern_each() -> None:
    from pathlib import Path

    import graphmem.extract.time_rules
    import graphmem.extract.times

    for module in (graphmem.extract.times, graphmem.extract.time_rules):
        assert module.__file__ is not None
        assert len(Path(module.__file__).read_text().splitlines()) < 500, module.__name__
    # the resolver's public names are where they were
    assert set(graphmem.extract.times.__all__) >= {"TimeResolver", "resolve_time", "to_utc", "from_utc", "duration"}
    assert rules.RELATIVE_RULES[0]("yesterday", datetime(2024, 5, 2).date(), "past") == (
        datetime(2024, 5, 1),
        datetime(2024, 5, 2),
        "day",
    )
