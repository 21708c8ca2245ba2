"""The worked examples in docs/dsl.md parse, run, and still print what the document shows.

RECALL examples are checked for their columns and row count only: their scores and explanations belong
to the recall ranking, which is tuned on its own (its tests live in tests/recall).
"""

from __future__ import annotations

import re
import textwrap

import pytest

from graphmem import Memory
from graphmem.errors import GraphmemError
from graphmem.query import parse

from .dsl_docs import DOC, examples, render

EXAMPLES = examples(DOC.read_text(encoding="utf-8"))


def test_there_are_at_least_twelve_examples() -> None:
    assert len(EXAMPLES) >= 12


@pytest.mark.parametrize("reopened", [False, True], ids=["ingesting", "reopened"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.query.splitlines()[-1][:40])
def test_example_output_is_current(
    samples_memory: Memory, reopened_samples: Memory, example: object, reopened: bool
) -> None:
    # run in the ingesting process and in a store opened again: rows without ORDER BY once came in the
    # order the process built its graph in, which a reopened store does not share (dsl.md example 12)
    from .dsl_docs import Example

    assert isinstance(example, Example)
    if not example.output.startswith("error:"):
        try:
            parse(example.query)
        except GraphmemError as exc:  # pragma: no cover - the assertion below says which
            pytest.fail(f"example does not parse: {exc}")
    now = render(reopened_samples if reopened else samples_memory, example)
    hint = "docs/dsl.md is out of date; if the change is intended, run: python tests/query/dsl_docs.py"
    if example.query.lstrip().upper().startswith("RECALL"):
        shown, current = example.output.splitlines(), now.splitlines()
        assert (shown[0], shown[-1]) == (current[0], current[-1]), hint
    else:
        assert now == example.output, hint


def _error_blocks() -> list[str]:
    """The error messages docs/dsl.md shows under "Errors and limits" (indented fenced blocks)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Errors and limits") : text.index("## Plans and `EXPLAIN`")]
    blocks = re.findall(r"^  ```\n(.*?)^  ```$", section, flags=re.MULTILINE | re.DOTALL)
    return [textwrap.dedent(block).rstrip("\n") for block in blocks]


@pytest.mark.parametrize("shown", _error_blocks(), ids=lambda b: b.split(":")[1].strip()[:30])
def test_error_messages_in_the_reference_are_current(samples_memory: Memory, shown: str) -> None:
    # The reference showed a syntax error's expected words from before ALL TIME was added, and cut a
    # semantic error's label list with "…".
    query = shown.splitlines()[1].strip()
    with pytest.raises(GraphmemError) as caught:
        samples_memory.query(query, namespace="priya-tomas")
    assert str(caught.value) == shown


def test_the_reference_shows_two_error_messages() -> None:
    assert len(_error_blocks()) == 2
