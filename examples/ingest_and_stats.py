"""Ingest the sample transcripts in ``data/`` and print what memory now holds.

It needs the repository's ``data/`` folder, which comes with a clone or the sdist (not with the wheel):
by default it reads the ``data/`` beside this ``examples/`` folder; elsewhere, pass the folder with
``--data``. Run it from any working directory::

    python examples/ingest_and_stats.py                    # a throw-away store in a temporary folder
    python examples/ingest_and_stats.py ./mem              # or a store you keep
    python examples/ingest_and_stats.py --data path/to/data

Running it twice on a kept store shows that re-ingesting unchanged files is a no-op. It exits 1 when
nothing was ingested (no file read or all failed) and 2 when the data folder is missing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from graphmem import Memory

DATA = Path(__file__).resolve().parent.parent / "data"


def main(store: str, data: Path = DATA) -> int:
    """Ingest ``data`` into the store at ``store`` and print its figures; the exit status."""
    with Memory.open(store) as mem:
        summary = mem.ingest(data)
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
    if summary.files_ok + summary.files_skipped == 0:
        print(f"error: nothing was ingested from {data}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Ingest the sample transcripts and print what memory holds.")
    parser.add_argument("store", nargs="?", help="a store to keep (default: a throw-away one)")
    parser.add_argument(
        "--data", type=Path, default=DATA, help="the sample transcripts (default: the repository's data/)"
    )
    args = parser.parse_args()
    if not args.data.is_dir():
        print(
            f"error: no data folder at {args.data}: this example reads the sample transcripts in the "
            "repository's data/ (a clone or the sdist has it); pass another folder with --data",
            file=sys.stderr,
        )
        sys.exit(2)
    if args.store:
        sys.exit(main(args.store, args.data))
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(str(Path(tmp) / "mem"), args.data))
