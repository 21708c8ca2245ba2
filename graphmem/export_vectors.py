"""The embedding vectors of a JSON export: the dimension of each model written beside them, and every vector
checked when the export is read back, so a restore never stores a vector recall cannot search.

An export (version 2) records, per namespace, each model's dimension (``"models"``: ``[{"model", "dimension",
"vectors"}]``; exports written before graphmem recorded it have none). A vector read back must be a non-empty
list of finite numbers of its model's dimension: the known dimension of its model's vector space
(:data:`KNOWN_DIMENSIONS`), else the one the export records, else the dimension of the model's first vector in the
file. A vector that is not is named by its JSON path (``namespaces[0].embeddings[3].vector``) in a
:class:`BadRecord`, and the whole file is refused.

A store-to-store sync (:func:`graphmem.sync.sync_stores`) checks the source's stored vectors by the same
rules (:func:`check_stored_vectors`: no dimension is recorded there, so the fallback is the dimension of the
model's first vector by node id), and refuses the source before it writes anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["KNOWN_DIMENSIONS", "BadRecord", "check_stored_vectors", "models_json", "vectors_from_json"]

#: The dimension of the vector spaces whose dimension is known without loading a model
#: (:func:`graphmem.vector_models.model_space`): every all-MiniLM-L6-v2 variant writes 384 numbers.
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


class _Dimensions:
    """The dimension each model's vectors must have: the known one of its vector space, else the one
    ``recorded`` for it, else the length of its first vector checked."""

    def __init__(self, recorded: dict[str, int]) -> None:
        self._recorded = recorded
        self._dims: dict[str, tuple[int, str]] = {}  # model → (dimension, where it comes from)

    def check(self, model: str, length: int, path: str) -> None:
        """Raise :class:`BadRecord` at ``path`` when ``length`` is not ``model``'s dimension."""
        from graphmem.vector_models import model_space

        if model not in self._dims:
            space = model_space(model)
            if space in KNOWN_DIMENSIONS:
                self._dims[model] = (KNOWN_DIMENSIONS[space], f"the dimension of the {space} vector space")
            elif model in self._recorded:
                self._dims[model] = (self._recorded[model], "as the export records")
            else:
                self._dims[model] = (length, f"as {path} has")
        dim, source = self._dims[model]
        if length != dim:
            raise BadRecord(path, f"has {length} numbers, but model {model!r} has dimension {dim} ({source})")


def check_stored_vectors(embeddings: Iterable[tuple[str, Sequence[float], str]]) -> int:
    """Check the ``(node, vector, model)`` embeddings a store holds as a restore checks an export's (see the
    module docstring); the number checked.

    Raises:
        BadRecord: the first malformed one, its path ``embedding of node 'id'``: empty, holding NaN or an
            infinity, or not of its model's dimension.
    """
    dims = _Dimensions({})
    n = 0
    for node, vector, model in embeddings:
        path = f"embedding of node {node!r}"
        if not len(vector):
            raise BadRecord(path, "is empty")
        for j, x in enumerate(vector):
            if not math.isfinite(x):
                raise BadRecord(f"{path}[{j}]", f"is {x}, not a finite number")
        dims.check(model, len(vector), path)
        n += 1
    return n


def vectors_from_json(space: dict[str, Any]) -> tuple[list[tuple[str, list[float], str]], dict[str, str]]:
    """The ``(node, vector, model)`` embeddings of a namespace's export and the schemes of those that have one.

    Raises:
        BadRecord: an embedding is malformed: a vector that is not a non-empty list of finite numbers, or
            whose length is not its model's dimension (see the module docstring).
    """
    entries = space.get("embeddings", [])
    if not isinstance(entries, list):
        raise BadRecord("embeddings", "is not a list")
    dims = _Dimensions(_recorded(space))
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
        dims.check(model, len(vector), f"{path}.vector")
        embeddings.append((node, vector, model))
        if entry.get("scheme"):
            schemes[node] = str(entry["scheme"])
    return embeddings, schemes
