"""docs/neo4j-browser.md lists exactly the constraints and indexes graphmem creates on a server.

Before, the list lacked the CJK full-text index, the vector index, the FACT ``(namespace)`` index and the
uniqueness constraints on Source, GraphmemNamespace and GraphmemPosition.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphmem.store.cypher.dialect import NEO4J
from graphmem.store.cypher.schema import CJK_FULLTEXT_INDEX, FULLTEXT_INDEX, SCHEMA, VECTOR_INDEX

DOC = Path(__file__).resolve().parents[2] / "docs" / "neo4j-browser.md"


def _listed() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("* Constraints and indexes")
    end = text.index("\n## ", start)
    return text[start:end]


def test_the_browser_doc_lists_every_constraint_and_index_the_schema_creates() -> None:
    listed = _listed()
    names = set(re.findall(r"`(graphmem_\w+)`", listed))
    assert names == {spec.name for spec in SCHEMA} | {FULLTEXT_INDEX, CJK_FULLTEXT_INDEX, VECTOR_INDEX}
    for spec in SCHEMA:  # each with its label and properties
        shown = f"`{spec.name}` `:{spec.target}({', '.join(spec.props)})`"
        if spec.kind == "relationship":
            shown = f"`{spec.name}` `({', '.join(spec.props)})`"
        assert shown in " ".join(listed.split()), shown
    assert f"{NEO4J.vector_dimensions} dimensions, cosine" in " ".join(listed.split())
