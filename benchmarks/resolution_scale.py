"""Time entity resolution against the number of names: is assignment quadratic?

Makes ``n`` distinct synthetic names (people, organisations, places, works; some numbered, some
near-duplicates that should merge), resolves them as one batch against ``n`` stored ones, and prints
the seconds for each ``n`` and the ratio between successive sizes (2.0 per doubling is linear, 4.0
quadratic).

Usage::

    .venv/bin/python benchmarks/resolution_scale.py [--sizes 1000 2000 4000]
"""

from __future__ import annotations

import argparse
import random
import time

from graphmem.extract.resolve import resolve_batch
from graphmem.models import Batch, Entity, Mention

FIRST = (
    "Ana", "Ben", "Carla", "Dario", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Liam", "Mara",
    "Nils", "Olga", "Pavel", "Rosa", "Sven", "Tara", "Umar",
)  # fmt: skip
LAST = (
    "Silva", "Meyer", "Tanaka", "Novak", "Rossi", "Berg", "Costa", "Haas", "Ito", "Kowal", "Lund", "Moreau", "Nagy",
    "Ortiz", "Petrov", "Quinn", "Rahn", "Sato",
)  # fmt: skip
WORDS = (
    "Lumen", "North", "Atlas", "Cedar", "Harbor", "Iron", "Maple", "Nova", "Orbit", "Pine", "Quartz", "River",
    "Summit", "Tidal", "Umber", "Vale",
)  # fmt: skip
KINDS = ("Robotics", "Bank", "Labs", "Studio", "Bakery", "Clinic", "Press", "Works")


def names(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out: dict[str, str] = {}
    while len(out) < n:
        roll = rng.random()
        if roll < 0.4:
            name, kind = f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.randrange(1000)}", "Person"
        elif roll < 0.7:
            name, kind = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)}", "Organization"
        elif roll < 0.85:
            name, kind = f"{rng.choice(WORDS)}ville {rng.randrange(10_000)}", "Place"
        else:
            name, kind = f"The {rng.choice(WORDS)} Saga Book {rng.randrange(50)}", "Work"
        out.setdefault(name, kind)
    return list(out.items())


def run(n: int) -> float:
    stored = [Entity("ns", f"s{i}", name, kind) for i, (name, kind) in enumerate(names(n, 1))]
    new = [Entity("ns", f"n{i}", name, kind) for i, (name, kind) in enumerate(names(n, 2))]
    batch = Batch("ns", entities=tuple(new), mentions=tuple(Mention("ns", "ev:1", e.id, "mention") for e in new))
    started = time.perf_counter()
    resolve_batch(batch, stored, salience=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    args = parser.parse_args()
    previous = None
    for n in args.sizes:
        seconds = run(n)
        ratio = f"  x{seconds / previous:.2f}" if previous else ""
        print(f"{n:>6} new + {n} stored names: {seconds:7.2f} s{ratio}")
        previous = seconds


if __name__ == "__main__":
    main()
