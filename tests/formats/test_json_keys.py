"""A JSON object giving one key twice is found where it is written, and valid JSON without one reads as
``json.loads`` reads it (the walk that locates a repeat runs only after the parse found one)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from graphmem.formats._source import DuplicateKeyError, loads_json

_KEYS = st.text(alphabet='ab"\\é ', max_size=3)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(_JSON, st.sampled_from([None, 0, 2]))
def test_json_without_repeated_keys_reads_as_json_loads_does(doc: Any, indent: int | None) -> None:
    text = json.dumps(doc, indent=indent)
    assert loads_json(text) == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(_JSON, _KEYS, st.sampled_from([None, 1]))
def test_a_repeated_key_is_named_at_both_places(doc: Any, key: str, indent: int | None) -> None:
    assume(key not in ("before", "z"))
    body = json.dumps({"before": doc, key: 1, "z": [doc]}, indent=indent)
    marker = json.dumps(key)
    text = body[:-1] + f", {marker}: 2" + body[-1]  # the key again, last in the outer object
    with pytest.raises(DuplicateKeyError) as caught:
        loads_json(text)
    error = caught.value  # doc holds no repeat of its own: its objects come from dictionaries
    assert error.key == key and error.first < error.offset
    assert text[error.first :].startswith(marker) and text[error.offset :].startswith(marker)
