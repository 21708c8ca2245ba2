"""Pictures of memory: a standalone HTML file of an entity's neighbourhood, a recall result with the paths
that explain it, or a time range of events.

:mod:`~graphmem.viz.gather` collects the nodes through the store protocol (any backend),
:mod:`~graphmem.viz.layout` puts events on a time line (sessions as bands, a lane per speaker, other
nodes in rows beside them, labels only where they fit) and :mod:`~graphmem.viz.draw` draws it with Bokeh,
BokehJS inlined so the file opens offline. Hover a node for its speaker, time and full text.
"""

from __future__ import annotations

import os
from pathlib import Path

from graphmem.errors import ConfigError
from graphmem.viz.draw import EDGE_STYLES, KIND_COLORS, build_plot, render_html, require_bokeh, validation_problems
from graphmem.viz.gather import (
    VizEdge,
    VizGraph,
    VizNode,
    entity_neighbourhood,
    hits_graph,
    recall_graph,
    time_range_graph,
)

__all__ = [
    "EDGE_STYLES",
    "KIND_COLORS",
    "VizEdge",
    "VizGraph",
    "VizNode",
    "build_plot",
    "entity_neighbourhood",
    "hits_graph",
    "recall_graph",
    "render_html",
    "require_bokeh",
    "time_range_graph",
    "validation_problems",
    "write_html",
]


def write_html(graph: VizGraph, path: str | os.PathLike[str], *, width: int = 1200) -> Path:
    """Render ``graph`` and write the page to ``path``; returns the path.

    Raises:
        ConfigError: nothing to draw, or the file cannot be written.
        MissingDependencyError: Bokeh is not installed.
    """
    out = Path(path)
    text = render_html(graph, width=width)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc
    return out
