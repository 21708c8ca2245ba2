"""Golden files: every construct of the language, query → plan (what EXPLAIN prints).

Each file under ``golden/`` holds cases separated by lines of ``====``; a case is the query, a line of
``----`` and the expected plan. Lines starting with ``-- params:`` before the query give parameters as
JSON (``{"day": "2023-06-01"}``). Every case is also unparsed and parsed again, which must give the same
plan. To rewrite the expected plans after an intended change, run::

    python tests/query/test_golden.py --update
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graphmem.query import parse, plan_query, unparse

GOLDEN = Path(__file__).parent / "golden"


@dataclass
class Case:
    file: Path
    index: int
    query: str
    params: dict[str, Any]
    expected: str


def load_cases(path: Path) -> list[Case]:
    cases = []
    for index, block in enumerate(path.read_text(encoding="utf-8").split("\n====\n")):
        if not block.strip():
            continue
        query_part, expected = _split(block)
        params: dict[str, Any] = {}
        lines = []
        for line in query_part.strip("\n").splitlines():
            if line.startswith("-- params:"):
                params.update(json.loads(line.removeprefix("-- params:")))
            elif not line.startswith("#"):
                lines.append(line)
        cases.append(Case(path, index, "\n".join(lines).strip(), params, expected.strip("\n")))
    return cases


def _split(block: str) -> tuple[str, str]:
    lines = block.strip("\n").splitlines()
    cut = lines.index("----")
    return "\n".join(lines[:cut]), "\n".join(lines[cut + 1 :])


def all_cases() -> list[Case]:
    return [case for path in sorted(GOLDEN.glob("*.txt")) for case in load_cases(path)]


def render(case: Case) -> str:
    return str(plan_query(parse(case.query), case.params))


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: f"{c.file.stem}-{c.index}")
def test_golden_plan(case: Case) -> None:
    assert render(case) == case.expected, f"plan changed; if intended, run: python {__file__} --update"
    again = plan_query(parse(unparse(parse(case.query))), case.params)
    assert str(again) == case.expected


def test_every_construct_has_a_golden_case() -> None:
    text = "\n".join(c.query.upper() for c in all_cases())
    constructs = [
        "RECALL", "TIMELINE", "EXPLAIN", "FIND FIRST", "FIND LAST", "ABOUT", "TOP", "~\"", "<-[", "]->", "]-(",
        "-->", "<--", "*1..3", "*2]", "*..", "*0..", "SAID", "PREV", "IN \"", "WHERE", "AS OF", "VALID AT",
        "RETURN DISTINCT", " AS ", "GROUP BY", "ORDER BY", " DESC", "LIMIT", "COUNT(*)", "COUNT(DISTINCT",
        "MIN(", "MAX(", "COLLECT(", "SUM(", "AVG(", "DATE(", "LOWER(", "BEFORE", "AFTER", " ON ", "BETWEEN",
        "WITHIN", " + ", " - ", "MENTIONS ~", "MENTIONS \"", "CONTAINS", "STARTS WITH", "ENDS WITH", "IS NULL",
        "IS NOT NULL", " IN [", " OR ", "NOT ", " ~ ", "RELEVANCE", "$", "//", "/*", "{NAME:", "{ID:", "{SOURCE:",
        "HOPS", " BY ",
    ]  # fmt: skip
    missing = [c for c in constructs if c not in text]
    assert not missing, f"no golden case uses {missing}"


def update() -> None:
    for path in sorted(GOLDEN.glob("*.txt")):
        blocks = []
        for case in load_cases(path):
            raw = path.read_text(encoding="utf-8").split("\n====\n")[case.index]
            query_part = _split(raw)[0].strip("\n")
            blocks.append(f"{query_part}\n----\n{render(case)}")
        path.write_text("\n====\n".join(blocks) + "\n", encoding="utf-8")
        print(f"updated {path}")


if __name__ == "__main__":
    if "--update" in sys.argv:
        update()
