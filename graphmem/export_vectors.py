"""The embedding vectors of a JSON export: the dimension of each model written beside them, and every vector
checked when the export is read back, so a restore never stores a vector recall cannot search.

An export (version 2) records, per namespace, each model's dimension (``"models"``: ``[{"model", "dimension",
"vectors"}]``; exports written before graphmem recorded it have none). A vector read back must be a non-empty
list of finite numbers of its model's dimension: the known dimension of its model's vector space
(:data:`KNOWN_DIMENSIONS`), else the one the export records, else the dimension of the model's first vector in the
file. A vector that is not is named by its JSON path (``namespaces[0].embeddings[3].vector``) in a
:class:`BadRecord`, and the whole file is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["KNOWN_DIMENSIONS", "BadRecord", "models_json", "vectors_from_json"]

#: The dimension of the vector spaces whose dimension is known without loading a model
#: (:func:`graphmem.vector_index.model_space`): every all-MiniLM-L6-v2 variant writes 384 numbers.
#: The key is ``graphmem.embed.MINILM_SPACE``, spelled out: importing graphmem.embed loads numpy, and the CLI's
#: ``--help`` imports this module (through graphmem.export).
KNOWN_DIMENSIONS = {"all-MiniLM-L6-v2": 384}


class BadRecord(ValueError):
    """A record of an export is malformed: ``path`` is its JSON path inside the namespace
    (``embeddings[3].vector``), ``reason`` what is wrong."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def models_json(embeddings: Sequence[tuple[str, Sequence[float], str]]) -> list[dict[str, Any]]:
    """The ``"models"`` of a namespace's export: each model's dimension and vector count, by model."""
    seen: dict[str, tuple[int, int]] = {}
    for _node, vector, model in embeddings:
        dim, n = seen.get(model, (len(vector), 0))
        seen[model] = (dim, n + 1)
    return [{"model": m, "dimension": dim, "vectors": n} for m, (dim, n) in sorted(seen.items())]


def _recorded(space: dict[str, Any]) -> dict[str, int]:
    """Model → the dimension the export records for it (none in an export written before graphmem did)."""
    models = space.get("models", [])
    if not isinstance(models, list):
        raise BadRecord("models", "is not a list")
    out: dict[str, int] = {}
    for i, entry in enumerate(models):
        model = entry.get("model") if isinstance(entry, dict) else None
        dim = entry.get("dimension") if isinstance(entry, dict) else None
        if not isinstance(model, str) or type(dim) is not int or dim < 1:
            raise BadRecord(f"models[{i}]", 'is not {"model": name, "dimension": a number >= 1}')
        out[model] = dim
    return out


def _numbers(vector: Any, path: str) -> list[float]:
    if not isinstance(vector, list):
        raise BadRecord(path, f"is not a list of numbers but {type(vector).__name__} {_short(vector)}")
    if not vector:
        raise BadRecord(path, "is empty")
    for j, x in enumerate(vector):
        if type(x) not in (int, float):  # not a bool, nor a text of digits
            raise BadRecord(f"{path}[{j}]", f"is not a number but {type(x).__name__} {_short(x)}")
        if not math.isfinite(x):
            raise BadRecord(f"{path}[{j}]", f"is {x}, not a finite number")
    return [float(x) for x in vector]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def vectors_from_json(space: dict[str, Any]) -> tuple[list[tuple[str, list[float], str]], dict[str, str]]:
    """The ``(node, vector, model)`` embeddings of a namespace's export and the schemes of those that have one.

    Raises:
        BadRecord: an embedding is malformed: a vector that is not a non-empty list of finite numbers, or
            whose length is not its model's dimension (see the module docstring).
    """
    from graphmem.vector_index import model_space

    entries = space.get("embeddings", [])
    if not isinstance(entries, list):
        raise BadRecord("embeddings", "is not a list")
    recorded = _recorded(space)
    first: dict[str, str] = {}  # model → the path of its first vector, when no dimension is recorded or known
    dims: dict[str, int] = {}
    embeddings: list[tuple[str, list[float], str]] = []
    schemes: dict[str, str] = {}
    for i, entry in enumerate(entries):
        path = f"embeddings[{i}]"
        if not isinstance(entry, dict):
            raise BadRecord(path, 'is not {"node", "model", "vector"}')
        node, model = entry.get("node"), entry.get("model")
        if not isinstance(node, str) or not node:
            raise BadRecord(f"{path}.node", "is not a node id")
        if not isinstance(model, str):
            raise BadRecord(f"{path}.model", "is not a model name")
        vector = _numbers(entry.get("vector"), f"{path}.vector")
        if model not in dims:
            if model_space(model) in KNOWN_DIMENSIONS:
                dims[model] = KNOWN_DIMENSIONS[model_space(model)]
                first[model] = f"the dimension of the {model_space(model)} vector space"
            elif model in recorded:
                dims[model], first[model] = recorded[model], "as the export records"
            else:
                dims[model], first[model] = len(vector), f"as {path}.vector has"
        if len(vector) != dims[model]:
            raise BadRecord(
                f"{path}.vector",
                f"has {len(vector)} numbers, but model {model!r} has dimension {dims[model]} ({first[model]})",
            )
        embeddings.append((node, vector, model))
        if entry.get("scheme"):
            schemes[node] = str(entry["scheme"])
    return embeddings, schemes
