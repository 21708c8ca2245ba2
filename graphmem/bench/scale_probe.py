"""What a fresh process pays to use a store: open time, first recall, recall latency, memory.

``graphmem bench scale`` runs :func:`probe` in a new process (``spawn``) at every checkpoint, so the
figures are those of a reader that starts cold: the ingesting process's memory does not count, and
the peak RSS is the probe's own (open, embedder, the namespaces it loads, the recalls).

With two namespaces or more it also checks that memory stays flat when a second namespace is opened
and dropped: resident memory after recalls in namespace 0, after recalls in namespace 1 as well, and
after :meth:`Memory.unload` of namespace 1.
"""

from __future__ import annotations

import gc
import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["current_rss_mb", "peak_rss_mb", "percentile", "probe", "probe_in_fresh_process"]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """This process's resident memory now, MiB (Linux; the peak elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, linearly interpolated."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _recall_ms(mem: Any, namespace: str, text: str, k: int) -> tuple[float, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    mem.recall(text, namespace=namespace, k=k)
    return 1000 * (time.perf_counter() - started), 1000 * (time.process_time() - cpu_started)


def probe(
    where: str,
    asked: Sequence[tuple[str, str]],
    namespaces: int,
    k: int,
    cache_mb: float | None,
    *,
    read_only: bool = False,
    store_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Open the store at ``where``, recall ``asked`` (``(namespace, question)``), and measure.

    ``read_only`` opens it read-only (a store the probe must not change); ``store_options`` go to
    :meth:`Memory.open` (e.g. ``mirror_max_events``).
    """
    from graphmem.memory import Memory

    started = time.perf_counter()
    mem = Memory.open(where, cache_mb=cache_mb, read_only=read_only, **dict(store_options or {}))
    open_s = time.perf_counter() - started
    try:
        mem.embedder.embed(["warm up"])  # the model load is not the store's cost
        rss_open = current_rss_mb()
        held = mem.namespaces()  # early checkpoints of many namespaces leave some empty
        asked = [(ns, text) for ns, text in asked if ns in held] or [(held[0], "hello")]
        first_ns, first_text = asked[0]
        first_ms, _cpu = _recall_ms(mem, first_ns, first_text, k)
        started = time.perf_counter()
        for ns in held:  # every namespace touched once (loaded, or evicted again by the budget)
            mem.vectors.count(ns)
        index_s = time.perf_counter() - started
        for ns in held:
            mem.recall("hello", namespace=ns, k=k)
        latencies, cpu = [], []
        for namespace, text in asked:
            wall, used = _recall_ms(mem, namespace, text, k)
            latencies.append(wall)
            cpu.append(used)
        row: dict[str, Any] = {
            "open_s": round(open_s, 3),
            "index_open_s": round(index_s, 3),
            "first_recall_ms": round(first_ms, 1),
            "recall_p50_ms": round(statistics.median(latencies), 2),
            "recall_p95_ms": round(percentile(latencies, 0.95), 2),
            "recall_cpu_p50_ms": round(statistics.median(cpu), 2),
            "recall_cpu_p95_ms": round(percentile(cpu, 0.95), 2),
            "rss_after_open_mb": round(rss_open, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "evictions": mem.budget.evictions if mem.budget is not None else 0,
        }
        row["queries_asked"] = len(asked)
        if namespaces >= 2 and len(held) >= 2:
            row.update(_second_namespace(mem, asked, k, namespaces))
        return row
    finally:
        mem.close()


def _second_namespace(mem: Any, asked: Sequence[tuple[str, str]], k: int, namespaces: int) -> dict[str, float]:
    """Resident memory with one namespace loaded, with a second too, and after dropping the second."""
    texts = [text for _ns, text in asked[:20]]
    for n in range(1, namespaces):  # drop everything but namespace 0
        mem.unload(f"scale-{n}")
    gc.collect()
    for text in texts:
        mem.recall(text, namespace="scale-0", k=k)
    one = current_rss_mb()
    for text in texts:
        mem.recall(text, namespace="scale-1", k=k)
    two = current_rss_mb()
    mem.unload("scale-1")
    gc.collect()
    for text in texts:
        mem.recall(text, namespace="scale-0", k=k)
    dropped = current_rss_mb()
    for text in texts:  # open the second again: memory freed by the drop is reused
        mem.recall(text, namespace="scale-1", k=k)
    again = current_rss_mb()
    return {
        "rss_one_ns_mb": round(one, 1),
        "rss_two_ns_mb": round(two, 1),
        "rss_after_drop_mb": round(dropped, 1),
        "rss_second_again_mb": round(again, 1),
    }


def _child(conn: Any, args: tuple[Any, ...], options: dict[str, Any]) -> None:
    try:
        conn.send(("ok", probe(*args, **options)))
    except BaseException as exc:  # reported in the parent
        conn.send(("error", f"{exc.__class__.__name__}: {exc}"))
    finally:
        conn.close()


def probe_in_fresh_process(
    where: str | Path,
    asked: Sequence[tuple[str, str]],
    namespaces: int,
    k: int,
    cache_mb: float | None,
    *,
    read_only: bool = False,
    store_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """:func:`probe` in a new process; its figures as a dict.

    Raises:
        RuntimeError: the probe failed (the message is the child's error).
    """
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    options = {"read_only": read_only, "store_options": dict(store_options or {})}
    process = ctx.Process(target=_child, args=(child, (str(where), list(asked), namespaces, k, cache_mb), options))
    process.start()
    child.close()
    try:
        status, value = parent.recv()
    except EOFError:
        status, value = "error", f"the probe process died (exit code {process.exitcode})"
    process.join()
    if status != "ok":
        raise RuntimeError(f"scale probe failed: {value}")
    return dict(value)
