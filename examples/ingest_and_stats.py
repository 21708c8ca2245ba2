"""Ingest the sample transcripts in ``data/`` and print what memory now holds.

Run it from anywhere::

    python examples/ingest_and_stats.py            # a throw-away store in a temporary folder
    python examples/ingest_and_stats.py ./mem      # or a store you keep

Running it twice on a kept store shows that re-ingesting unchanged files is a no-op.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from graphmem import Memory

DATA = Path(__file__).resolve().parent.parent / "data"


def main(store: str) -> None:
    with Memory.open(store) as mem:
        summary = mem.ingest(DATA)
        print(
            f"ingested {summary.files_ok} files ({summary.files_skipped} unchanged, {summary.files_failed} failed): "
            f"{summary.turns} turns → {summary.events} events, {summary.entities} entities, {summary.facts} facts "
            f"in {summary.seconds:.1f}s"
        )
        for path, message in summary.errors:
            print(f"  failed {path}: {message}")
        print(f"\n{'namespace':<14}{'sessions':>9}{'events':>8}{'entities':>10}{'facts':>7}")
        for ns in mem.namespaces():
            st = mem.stats(ns)
            print(f"{ns:<14}{st.sessions:>9}{st.events:>8}{st.entities:>10}{st.facts:>7}")
        print("\nfirst turns of priya-tomas, session 3:")
        for event in list(mem.store.iter_events("priya-tomas", session="session_3"))[:3]:
            print(f"  {event.source_id}  {event.occurred_at:%Y-%m-%d %H:%M}  {event.speaker}: {event.text}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(str(Path(tmp) / "mem"))
