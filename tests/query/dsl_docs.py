"""The worked examples of ``docs/dsl.md``: find them, run them, render their output.

Every fenced ``graphmem`` block in the document is a query run against the ``data/`` samples; the
``text`` block right after it holds its output. ``test_docs.py`` checks the outputs are still what the
queries produce. After an intended change, refresh them with::

    python tests/query/dsl_docs.py
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "dsl.md"
DATA = ROOT / "data"

_BLOCK = re.compile(r"```graphmem\n(?P<query>.*?)```\n+```text\n(?P<output>.*?)```", re.DOTALL)
_PARAMS = re.compile(r"^// params: (\{.*\})$", re.MULTILINE)


@dataclass
class Example:
    query: str
    params: dict[str, Any]
    output: str
    start: int
    end: int


def examples(text: str) -> list[Example]:
    """The worked examples of a document, in order."""
    found = []
    for m in _BLOCK.finditer(text):
        query = m.group("query").strip()
        params: dict[str, Any] = {}
        for pm in _PARAMS.finditer(query):
            params.update(json.loads(pm.group(1)))
        found.append(Example(query, params, m.group("output"), m.start("output"), m.end("output")))
    return found


def _cell(value: Any) -> str:
    from graphmem.query.result import format_value

    text = format_value(value, width=72).replace("\n", " ")
    return text if len(text) <= 72 else text[:71] + "…"


def render(memory: Any, example: Example) -> str:
    """What the example prints: a table, the plan, or the error."""
    from graphmem.errors import GraphmemError

    try:
        result = memory.query(example.query, **example.params)
    except GraphmemError as exc:
        return f"error: {exc}\n"
    if result.plan.explain:
        return "\n".join(row[0] for row in result.rows) + "\n"
    header = list(result.columns)
    rows = [[_cell(v) for v in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = [" " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("-" + "-+-".join("-" * w for w in widths) + "-")
    lines += [" " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def refresh(text: str, memory: Any) -> str:
    """The document with every example's output replaced by what it prints now."""
    out = []
    last = 0
    for ex in examples(text):
        out.append(text[last : ex.start])
        out.append(render(memory, ex))
        last = ex.end
    out.append(text[last:])
    return "".join(out)


def main() -> None:
    from graphmem import Memory

    with tempfile.TemporaryDirectory() as tmp, Memory.open(Path(tmp) / "db") as memory:
        memory.ingest(DATA)
        DOC.write_text(refresh(DOC.read_text(encoding="utf-8"), memory), encoding="utf-8")
    print(f"refreshed {len(examples(DOC.read_text(encoding='utf-8')))} examples in {DOC}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
