"""Headless Chromium for the picture tests: a screenshot, and what the rendered Bokeh document holds."""

from __future__ import annotations

import html as markup
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

# Injected into a copy of the page: once BokehJS has built the document, count the rows of every renderer
# graphmem named, and collect uncaught errors and console errors.
PROBE = """<script>
window.__problems = [];
window.addEventListener("error", (e) => window.__problems.push("uncaught: " + e.message));
const __error = console.error;
console.error = (...args) => { window.__problems.push("console.error: " + args.join(" ")); __error(...args); };
function __probe(tries) {
  const docs = (window.Bokeh && window.Bokeh.documents) || [];
  if (!docs.length && tries > 0) { setTimeout(() => __probe(tries - 1), 50); return; }
  const counts = {};
  if (docs.length) {
    for (const m of docs[0].all_models) {
      if (m.name && m.name.startsWith("graphmem-") && m.data_source) counts[m.name] = m.data_source.get_length();
    }
  }
  const out = document.createElement("pre");
  out.id = "graphmem-probe";
  out.textContent = JSON.stringify({documents: docs.length, counts: counts, problems: window.__problems});
  document.body.appendChild(out);
}
window.addEventListener("load", () => setTimeout(() => __probe(100), 200));
</script>
"""


def chromium() -> str:
    """The Chromium binary, or skip (CI installs it: apt-get install -y chromium)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.skip("needs Chromium (apt-get install -y chromium)")
    return found


def _run(html: Path, *extra: str, size: tuple[int, int]) -> subprocess.CompletedProcess[str]:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={size[0]},{size[1]}",
        "--virtual-time-budget=10000",
        *extra,
        html.resolve().as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def screenshot(html: Path, png: Path, size: tuple[int, int] = (1200, 800)) -> None:
    """Render ``html`` to ``png``."""
    done = _run(html, f"--screenshot={png}", size=size)
    assert png.exists(), f"no screenshot: {done.stderr[-2000:]}"


def probe(html: Path, work: Path) -> dict[str, Any]:
    """Render a probed copy of ``html`` and return what the Bokeh document held: ``documents``,
    ``counts`` (rows per named renderer) and ``problems`` (uncaught and console errors)."""
    page = html.read_text(encoding="utf-8")
    probed = work / f"probed-{html.name}"
    probed.write_text(page.replace("</head>", PROBE + "</head>", 1), encoding="utf-8")
    done = _run(probed, "--dump-dom", size=(1200, 800))
    start = done.stdout.find('<pre id="graphmem-probe">')
    assert start >= 0, f"the probe never ran: {done.stderr[-2000:]}"
    text = done.stdout[start + len('<pre id="graphmem-probe">') : done.stdout.index("</pre>", start)]
    result: dict[str, Any] = json.loads(markup.unescape(text))
    return result


def count_near(image: Any, hex_color: str, tolerance: int = 12) -> int:
    """Pixels of ``image`` (RGB) within ``tolerance`` of ``hex_color``."""
    want = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        n
        for n, rgb in image.getcolors(maxcolors=1 << 22)
        if all(abs(int(c) - w) <= tolerance for c, w in zip(rgb[:3], want, strict=True))
    )
