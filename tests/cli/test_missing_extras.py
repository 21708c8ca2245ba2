"""A missing optional package is named up front, with the smallest install line that brings it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore


def _hide(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``package`` (and every submodule already imported) unimportable, as if not installed."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")] or [package]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    store.write(Batch("chat", (Session("chat", "s", 0),), (Event("chat", "e", "s", 0, "Ana", "hi there"),)))
    store.close()
    return d


def test_viz_without_bokeh_says_so_before_any_work(
    store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import graphmem.viz as v

    _hide(monkeypatch, "bokeh")

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the store was read before the missing package was named")

    monkeypatch.setattr(v, "time_range_graph", no_work)
    out = tmp_path / "v.html"
    assert main(["viz", "--db", str(store_dir), "--since", "2020-01-01", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: the package 'bokeh' is needed for graphmem viz; install it with: pip install 'graphmem[viz]'\n"
    )
    assert not out.exists()


def test_the_torch_hint_is_cpu_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    # `pip install 'graphmem[torch]'` alone pulls torch's CUDA build from plain PyPI (gigabytes)
    from graphmem.embed import SentenceTransformerEmbedder
    from graphmem.errors import MissingDependencyError

    _hide(monkeypatch, "sentence_transformers")
    with pytest.raises(MissingDependencyError) as info:
        SentenceTransformerEmbedder()
    line = str(info.value).split("install it with: ", 1)[1]
    assert line == (
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && pip install 'graphmem[torch]'"
    )
    assert info.value.extra == "torch"


def test_bench_scale_plots_only_when_asked_and_names_the_plot_extra_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphmem.bench import scale

    ran: list[int] = []

    def fake_run(events: int, **kwargs: object) -> dict[str, object]:
        ran.append(events)
        return {"checkpoints": [{"events": events, "recall_p50_ms": 1.0}]}

    def no_plot(*args: object) -> None:
        raise AssertionError("a plot was written without --plot")

    monkeypatch.setattr(scale, "run_scale", fake_run)
    monkeypatch.setattr(scale, "plot", no_plot)
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "scale", "--events", "100"]) == 0
    assert ran == [100] and list(tmp_path.iterdir()) == []  # no docs/scale.png under the cwd

    _hide(monkeypatch, "matplotlib")
    assert main(["bench", "scale", "--events", "200", "--plot", "s.png"]) == 1
    err = capsys.readouterr().err
    assert "error: the package 'matplotlib' is needed for the scale plot; install it with: " in err
    assert err.rstrip().endswith("pip install 'graphmem[plot]'")
    assert ran == [100]  # refused before the run
