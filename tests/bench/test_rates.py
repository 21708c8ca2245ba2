"""Rates in the bench summary tables mean something for small inputs (as ``graphmem ingest``'s table)."""

from __future__ import annotations

from typing import Any

import pytest


def _cells(out: str, first: str) -> list[str]:
    [row] = [line for line in out.splitlines() if line.replace("│", " ").split()[:1] == [first]]
    return [c.strip() for c in row.strip().strip("│").split("│")]


def test_bench_ingest_table(capsys: pytest.CaptureFixture[str]) -> None:
    from graphmem.bench.ingest import _print
    from graphmem.ingest import STAGES

    run = {"turns": 1, "processes": 1, "seconds": 25.0, "turns_per_s": 0.0, "cpu_seconds": 20.0, "turns_per_cpu_s": 0.1}
    short = dict(run, seconds=0.4, cpu_seconds=0.3, turns_per_s=2.5, turns_per_cpu_s=3.3)
    result = {
        "data": "tiny.txt",
        "files": 1,
        "workers": 1,
        "extractor": "spacy",
        "embed": True,
        "machine": {"cpus": 2, "load_average_before": [0.1], "load_average_after": [0.2]},
        "extract_only": short,
        "end_to_end": dict(run, timings=dict.fromkeys(STAGES, 1.0)),
    }
    _print(result)
    out = capsys.readouterr().out
    assert _cells(out, "end")[2:] == ["0.04", "20.0", "0.05", "0.05"]
    assert _cells(out.split("where the time goes")[0], "extract")[2:] == [
        "–",
        "0.3",
        "–",
        "–",
    ]  # under a second of work


def test_bench_backends_table(capsys: pytest.CaptureFixture[str]) -> None:
    from graphmem.bench.backends import _print

    def measured(turns: int, seconds: float) -> dict[str, Any]:
        return {
            "ingest": {"turns": turns, "seconds": seconds, "turns_per_s": round(turns / seconds, 1)},
            "write_only": {"events": turns, "seconds": 0.2, "turns_per_s": round(turns / 0.2, 1)},
            "recall_ms": {"p50": 1.0, "p95": 2.0},
            "dsl_ms": {"p50": 1.0, "p95": 2.0},
        }

    _print({"data": "d", "questions": 1, "dsl_templates": 1, "embedded": measured(1, 30.0), "bolt": measured(2, 4.3)})
    out = capsys.readouterr().out
    assert _cells(out, "embedded")[1:3] == ["0.033", "–"]
    assert _cells(out, "bolt")[1:3] == ["0.47", "–"]


def test_bench_locomo_ingest_table(capsys: pytest.CaptureFixture[str]) -> None:
    from graphmem.bench.locomo import print_report

    ingest = {"turns": 2, "seconds": 4.3, "turns_per_s": 0.5}
    print_report({"ks": [], "methods": {}, "questions": {"scored": 0}, "ingest": ingest})
    assert _cells(capsys.readouterr().out, "2") == ["2", "4.3", "0.47"]
