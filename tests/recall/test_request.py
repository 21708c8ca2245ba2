"""RecallRequest: one frozen value, validated when built, and the filters it derives."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from graphmem.errors import ConfigError
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
        ({"namespace": "bad namespace!"}, "namespace"),
        ({"namespace": "ns", "k": 0}, "k must be at least 1"),
        ({"namespace": "ns", "hops": -1}, "hops must be 0 or more"),
    ],
)
def test_bad_values_are_config_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RecallRequest.of("q", **options)  # type: ignore[arg-type]


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
