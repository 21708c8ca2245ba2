"""RecallRequest: one frozen value, validated when built, and the filters it derives."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from graphmem.errors import ConfigError
from graphmem.models import Event
from graphmem.recall import RecallRequest


def test_of_takes_the_keyword_arguments_of_memory_recall() -> None:
    req = RecallRequest.of("q", namespace="ns", k=3, hops=1, speakers=["Ann", "Bo"])
    assert req == RecallRequest("q", "ns", 3, 1, None, None, ("Ann", "Bo"), None)
    assert req.speaker_names == frozenset({"ann", "bo"})
    assert req.filtered
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.k = 5  # type: ignore[misc]
    hash(req)  # usable as a cache key


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k": "3"}, r"k must be a whole number, not '3' \(str\)"),
        ({"k": 2.0}, r"k must be a whole number, not 2.0 \(float\)"),
        ({"k": True}, r"k must be a whole number, not True \(bool\)"),
        ({"hops": 2.5}, r"hops must be a whole number, not 2.5 \(float\)"),
        ({"hops": "1"}, r"hops must be a whole number"),
        ({"hops": False}, r"hops must be a whole number, not False \(bool\)"),
        ({"all_time": 1}, r"all_time must be True or False, not 1 \(int\)"),
        ({"speakers": 3}, r"speakers must be a name or a sequence of names, not 3 \(int\)"),
        ({"speakers": ["Ann", None]}, r"speakers must be names \(strings\), not None"),
        # bytes are a sequence of ints: "not 83 (int)" named no argument the caller gave
        ({"speakers": b"Sam"}, r"speakers must be a name or a sequence of names, not b'Sam' \(bytes\)"),
        ({"speakers": bytearray(b"Sam")}, r"speakers must be a name or a sequence of names, not bytearray"),
    ],
)
def test_wrong_types_are_config_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RecallRequest.of("q", namespace="ns", **options)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="the question must be a string, not 5 \\(int\\)"):
        RecallRequest.of(5, namespace="ns")  # type: ignore[arg-type]


def test_integral_numbers_are_taken_as_ints() -> None:
    import numpy as np

    req = RecallRequest.of("q", namespace="ns", k=np.int64(3), hops=np.int32(1))  # type: ignore[arg-type]
    assert (req.k, req.hops) == (3, 1)
    assert type(req.k) is int and type(req.hops) is int


def test_speakers_one_name_or_none() -> None:
    assert RecallRequest.of("q", namespace="ns", speakers="Priya").speakers == ("Priya",)
    assert RecallRequest("q", "ns", speakers="Priya").speakers == ("Priya",)  # type: ignore[arg-type]
    for empty in ([], (), None):
        req = RecallRequest.of("q", namespace="ns", speakers=empty)
        assert req.speakers is None and req.speaker_names is None and not req.filtered
    assert RecallRequest("q", "ns", speakers=()).speakers is None
    assert RecallRequest.of("q", namespace="ns", speakers=iter(["A", "B"])).speakers == ("A", "B")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"namespace": "bad namespace!"}, "namespace"),
        ({"namespace": "ns", "k": 0}, "k must be at least 1"),
        ({"namespace": "ns", "hops": -1}, r"hops must be from 0 to 6, not -1 \(0 = seeds only"),
        ({"namespace": "ns", "hops": 1_000_000}, r"hops must be from 0 to 6, not 1000000 .*round of edge fetches"),
    ],
)
def test_bad_values_are_config_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RecallRequest.of("q", **options)  # type: ignore[arg-type]


def test_the_hop_limit_is_the_dsl_one() -> None:
    from graphmem.query.limits import QueryLimits
    from graphmem.recall.config import MAX_HOPS

    assert QueryLimits().max_hops == MAX_HOPS == 6
    assert RecallRequest.of("q", namespace="ns", hops=MAX_HOPS).hops == 6


def test_times_are_read_as_stores_keep_them() -> None:
    # An aware time is compared in UTC and a date means its midnight, as Memory.timeline/facts and the
    # DSL read them; before, recall compared them with the stored naive times and raised TypeError.
    plus_two = timezone(timedelta(hours=2))
    req = RecallRequest.of(
        "q",
        namespace="ns",
        since=datetime(2024, 5, 1, 12, 0, tzinfo=plus_two),
        until=date(2024, 6, 1),
        as_of=date(2024, 7, 1),
        valid_at=datetime(2024, 1, 1, tzinfo=UTC),
        reference=date(2024, 8, 1),
    )
    assert req.since == datetime(2024, 5, 1, 10, 0)
    assert req.until == datetime(2024, 6, 1, 23, 59, 59, 999999)  # an upper bound keeps its whole day
    assert req.as_of == datetime(2024, 7, 1, 23, 59, 59, 999999)  # as_of too: memory at the end of that day
    assert req.valid_at == datetime(2024, 1, 1)
    assert req.reference == datetime(2024, 8, 1)
    assert req.admits(Event("ns", "e", "s", 1, "A", "t", datetime(2024, 5, 20)))


@pytest.mark.parametrize("name", ["since", "until", "as_of", "valid_at", "reference"])
def test_a_time_that_is_not_one_names_its_argument(name: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name} must be a datetime, a date or date text .*, not int 20240501$"):
        RecallRequest.of("q", namespace="ns", **{name: 20240501})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=rf"^{name}: '2024-13' is not a date: the month must be 01 to 12"):
        RecallRequest.of("q", namespace="ns", **{name: "2024-13"})
    with pytest.raises(ConfigError, match=rf"^{name}: 'next tuesday' is not a date: write 2024-05-01 \(or 2024-05"):
        RecallRequest.of("q", namespace="ns", **{name: "next tuesday"})


@pytest.mark.parametrize(
    "text",
    [
        "2024-03",
        "March 2024",
        "2024",
        "2024-03-14",
        "14 March 2024",
        "2024-03-14T10:30",
        "2024-03-14T10:30Z",
        "2024-03-14T10:30+02:00",
        "2024-03-14 10:30:15.5",
    ],
)
def test_text_times_mean_what_the_cli_options_mean(text: str) -> None:
    # RecallRequest.of(since="2024-03") was a ConfigError ("must be a datetime or a date") where
    # `graphmem recall --since 2024-03`, the DSL and the MCP tools read the text: the same text, the
    # same moment as the CLI's option of that name (--since/--valid-at its start; --until/--as-of, inclusive
    # upper bounds, the end of a date without a time of day: all of March for 2024-03).
    from graphmem.cli.common import DateTime, UntilDateTime

    start, end = DateTime().convert(text, None, None), UntilDateTime().convert(text, None, None)
    req = RecallRequest.of("q", namespace="ns", since=text, until=text, as_of=text, reference=text)
    assert (req.since, req.until, req.as_of, req.reference) == (start, end, end, start)
    assert RecallRequest.of("q", namespace="ns", valid_at=text).valid_at == start
    assert all(t is not None and t.tzinfo is None for t in (req.since, req.until))
    assert RecallRequest.of("q", namespace="ns", valid_at=text, as_of=text) == RecallRequest.of(
        "q", namespace="ns", valid_at=start, as_of=end
    )


def test_a_month_of_text_keeps_the_whole_month() -> None:
    req = RecallRequest.of("q", namespace="ns", since="2024-03", until="March 2024")
    assert (req.since, req.until) == (datetime(2024, 3, 1), datetime(2024, 3, 31, 23, 59, 59, 999999))
    assert req.admits(Event("ns", "e", "s", 1, "A", "t", datetime(2024, 3, 31, 23, 0)))
    assert not req.admits(Event("ns", "e", "s", 1, "A", "t", datetime(2024, 4, 1)))
    with pytest.raises(ConfigError, match=r"since \(2024-04-01 00:00:00\) is after until"):
        RecallRequest.of("q", namespace="ns", since="2024-04", until="2024-03")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_config_error(text: str) -> None:
    # Memory.recall(""), `graphmem recall ""` and the MCP tool returned arbitrary turns ("similar
    # meaning (#1)"), where the DSL's RECALL "" is refused.
    with pytest.raises(ConfigError, match="the question is empty"):
        RecallRequest.of(text, namespace="ns")


def test_window_ends_at_as_of() -> None:
    may, june, july = datetime(2023, 5, 1), datetime(2023, 6, 1), datetime(2023, 7, 1)
    assert RecallRequest("q", "ns").window.empty and not RecallRequest("q", "ns").filtered
    assert RecallRequest("q", "ns", as_of=june).window.until == june
    assert RecallRequest("q", "ns", until=july, as_of=june).window.until == june
    said = RecallRequest("q", "ns", since=may, until=may, as_of=june, time_axis="said")
    assert said.window.until == may
    # on the default axis (either) stores bound said time by as_of only; admits() applies since/until
    either = RecallRequest("q", "ns", since=may, until=may, as_of=june)
    assert either.window.until == june and either.window.since is None and either.filtered
    assert RecallRequest("q", "ns", as_of=june).window.as_of == june


def test_since_after_until_is_an_error() -> None:
    may, june = datetime(2023, 5, 1), datetime(2023, 6, 1)
    with pytest.raises(ConfigError, match=r"since \(2023-06-01 00:00:00\) is after until \(2023-05-01"):
        RecallRequest("q", "ns", since=june, until=may)
    assert RecallRequest("q", "ns", since=may, until=may).since == may  # one instant is a window


def test_until_a_date_keeps_that_whole_day() -> None:
    # A date became its midnight, so until=date(2024, 1, 2) left out everything said on 2 January.
    request = RecallRequest("q", "ns", since=date(2024, 1, 2), until=date(2024, 1, 2), time_axis="said")
    noon = Event("ns", "e", "s", 0, "A", "hi", datetime(2024, 1, 2, 12))
    assert request.since == datetime(2024, 1, 2) and request.admits(noon)
    assert request.until == datetime(2024, 1, 2, 23, 59, 59, 999999)
    assert dataclasses.replace(request, k=3).until == request.until  # replacing keeps the bound
    assert RecallRequest("q", "ns", until=datetime(2024, 1, 2)).until == datetime(2024, 1, 2)  # a moment stays


def test_recall_hops_in_the_dsl_keep_recalls_limit_under_other_query_limits() -> None:
    """QueryLimits.max_hops bounds edge patterns; RECALL … HOPS is bounded by recall's MAX_HOPS, so a larger
    edge-pattern limit does not let HOPS 8 through to fail later as a ConfigError."""
    from graphmem.errors import QuerySemanticError
    from graphmem.query import QueryLimits, parse, plan_query

    with pytest.raises(QuerySemanticError, match="HOPS"):
        plan_query(parse('RECALL "dog" IN "ns" HOPS 8'), {}, limits=QueryLimits(max_hops=10))
