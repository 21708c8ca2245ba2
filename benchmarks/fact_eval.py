"""Fact precision on labelled LoCoMo dev facts, and closings precision/recall on life-change scenarios.

Two labelled sets in ``tests/data`` (rules in ``tests/data/README.md``):

- ``fact_labels.jsonl``: candidate facts the spaCy extractor made on the LoCoMo dev conversations (this
  branch's and the earlier extractor's), each labelled ``correct`` or not by hand with the predicate it
  should have. Fact precision = correct / labelled facts the extractor makes now; a fact counts as
  correct when the turn states it and its predicate is the right one. The share of the extractor's
  facts the labels cover is printed beside it (labels are keyed by turn, subject, predicate, object).
- ``life_changes.jsonl``: short dialogues written for the tests (a new job, a move, a break-up, a pet
  that died, a hobby given up, "since"/"until"), each with the facts it should close. The extractor
  runs on each (in-batch temporal maintenance included) and every fact left with a ``valid_to`` is a
  closing: precision = expected closings found / closings made, recall = found / expected.
- ``fact_times.jsonl``: short dialogues written for the tests, each with the state facts it states and
  their valid time (``valid_from``, ``valid_to``) as the turn says it ("I work at X. I started there on 1
  March."). Fact-time accuracy = expected facts extracted with both bounds right (to the minute) /
  expected facts; the share extracted at all is printed beside it.

Usage::

    .venv/bin/python benchmarks/fact_eval.py [--locomo FILE] [--facts DUMP.json] [--dump OUT.json] [--verbose]

``--dump`` writes the extractor's facts on the dev file as JSON (run it with another checkout on
``PYTHONPATH`` to score that code: ``--facts`` scores a dump instead of extracting). :func:`report`
prints both tables (``benchmarks/extraction_eval.py`` calls it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "fact_labels.jsonl"
SCENARIOS = ROOT / "tests" / "data" / "life_changes.jsonl"
FACT_TIMES = ROOT / "tests" / "data" / "fact_times.jsonl"
LOCOMO_DEV = ROOT.parent / "shared" / "data" / "locomo" / "locomo_dev.json"

#: ``(conversation, turn id, subject, predicate, object)``: how a fact is matched to its label.
Key = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class FactScore:
    """Fact precision of one extractor run against the labels."""

    facts: int  # facts the extractor made on the labelled conversations
    labelled: int  # of those, how many the labels cover
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.labelled if self.labelled else 0.0

    @property
    def coverage(self) -> float:
        return self.labelled / self.facts if self.facts else 0.0


@dataclass(frozen=True)
class ClosingScore:
    """Closings precision and recall over the life-change scenarios."""

    scenarios: int
    expected: int
    made: int
    found: int

    @property
    def precision(self) -> float:
        return self.found / self.made if self.made else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 0.0


@dataclass(frozen=True)
class TimeScore:
    """Fact-time accuracy over the labelled dialogues of ``fact_times.jsonl``."""

    expected: int
    found: int  # expected facts extracted, whatever their bounds
    right: int  # ... with both bounds right
    misses: tuple[str, ...] = ()  # one line per expected fact not right, for reading

    @property
    def accuracy(self) -> float:
        return self.right / self.expected if self.expected else 0.0


def load_labels(path: Path = LABELS) -> dict[Key, dict[str, Any]]:
    """The labelled facts by key."""
    out: dict[Key, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[(row["conv"], row["turn"], row["subject"], row["predicate"], row["object"])] = row
    return out


def _only(transcripts: list[Any], turns: set[tuple[str, str]]) -> list[Any]:
    """The transcripts cut down to the given ``(conversation, turn id)`` turns (sessions kept whole
    in their dates, emptied sessions dropped)."""
    from dataclasses import replace

    out = []
    for t in transcripts:
        sessions = []
        for s in t.sessions:
            kept = tuple(turn for turn in s.turns if (t.namespace, turn.source_id) in turns)
            if kept:
                sessions.append(replace(s, turns=kept))
        if sessions:
            out.append(replace(t, sessions=tuple(sessions)))
    return out


def extract_facts(
    locomo: Path = LOCOMO_DEV, extractor: Any | None = None, *, turns: set[tuple[str, str]] | None = None
) -> list[dict[str, str]]:
    """The facts the spaCy extractor makes on a LoCoMo file, as rows of names (``turns``: only these
    ``(conversation, turn id)`` turns, for a quick check)."""
    from graphmem.extract.pipeline import SpacyExtractor
    from graphmem.formats import read_transcripts

    ex = extractor or SpacyExtractor()
    rows = []
    transcripts = read_transcripts(locomo)
    if turns is not None:
        transcripts = _only(transcripts, turns)
    for batch in ex.extract_many(transcripts):
        names = {e.id: e.name for e in batch.entities}
        turn = {e.id: e.source_id or e.id for e in batch.events}
        for f in batch.facts:
            rows.append(
                {
                    "conv": batch.namespace,
                    "turn": turn.get(f.evidence[0], "") if f.evidence else "",
                    "subject": names.get(f.subject_id, f.subject_id),
                    "predicate": f.predicate,
                    "object": names.get(f.object_id, f.object_id),
                }
            )
    return rows


def score_facts(rows: Iterable[dict[str, str]], labels: dict[Key, dict[str, Any]]) -> FactScore:
    """Fact precision of ``rows`` against ``labels`` (see the module docs)."""
    convs = {k[0] for k in labels}
    facts = labelled = correct = 0
    for r in rows:
        if r["conv"] not in convs:
            continue
        facts += 1
        label = labels.get((r["conv"], r["turn"], r["subject"], r["predicate"], r["object"]))
        if label is None:
            continue
        labelled += 1
        correct += label["label"] == "correct"
    return FactScore(facts, labelled, correct)


def load_scenarios(path: Path = SCENARIOS) -> list[dict[str, Any]]:
    """The life-change scenarios (or, from ``FACT_TIMES``, the fact-time dialogues: same shape)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _transcript(scenario: dict[str, Any], index: int) -> Any:
    from graphmem.transcript import RawSession, RawTurn, Transcript

    sessions = []
    for s, session in enumerate(scenario["sessions"]):
        start = datetime.fromisoformat(session["date"])
        turns = tuple(
            RawTurn(speaker, text, source_id=f"D{s + 1}:{t + 1}", line=t + 1)
            for t, (speaker, text) in enumerate(session["turns"])
        )
        sessions.append(RawSession(f"session_{s + 1}", s, turns, started_at=start))
    return Transcript(f"life-{index}", tuple(sessions), source_file="life_changes.jsonl", format="test")


def closings_made(scenario: dict[str, Any], batch: Any) -> set[tuple[str, str, str]]:
    """``(subject, predicate, object)`` names of the facts a scenario's batch left closed."""
    names = {e.id: e.name.lower() for e in batch.entities}
    return {(names[f.subject_id], f.predicate, names[f.object_id]) for f in batch.facts if f.valid_to is not None}


def score_closings(scenarios: Sequence[dict[str, Any]], extractor: Any | None = None) -> ClosingScore:
    """Closings precision and recall of the extractor over ``scenarios``."""
    from graphmem.extract.pipeline import SpacyExtractor
    from graphmem.extract.resolve import resolve_batch
    from graphmem.extract.temporal import update_facts

    ex = extractor or SpacyExtractor()
    # as ingestion does: extract, resolve the batch's entities, then temporal maintenance
    batches = [
        update_facts(resolve_batch(b, ()), ())
        for b in ex.extract_many([_transcript(s, i) for i, s in enumerate(scenarios)])
    ]
    expected = made = found = 0
    for scenario, batch in zip(scenarios, batches, strict=True):
        want = {(s.lower(), p, o.lower()) for s, p, o in scenario["closes"]}
        got = closings_made(scenario, batch)
        expected += len(want)
        made += len(got)
        found += len(want & got)
    return ClosingScore(len(scenarios), expected, made, found)


def _minute(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _to_minute(value: datetime | None) -> datetime | None:
    return value.replace(second=0, microsecond=0) if value is not None else None


def score_fact_times(dialogues: Sequence[dict[str, Any]], extractor: Any | None = None) -> TimeScore:
    """Fact-time accuracy of the extractor over ``dialogues`` (see the module docs): each batch is
    resolved and maintained as ingestion does, and an expected fact is right when a fact with its names
    and predicate has both bounds, to the minute."""
    from graphmem.extract.pipeline import SpacyExtractor
    from graphmem.extract.resolve import resolve_batch
    from graphmem.extract.temporal import update_facts

    ex = extractor or SpacyExtractor()
    batches = [
        update_facts(resolve_batch(b, ()), ())
        for b in ex.extract_many([_transcript(d, i) for i, d in enumerate(dialogues)])
    ]
    expected = found = right = 0
    misses: list[str] = []
    for dialogue, batch in zip(dialogues, batches, strict=True):
        names = {e.id: e.name.lower() for e in batch.entities}
        got: dict[tuple[str, str, str], list[tuple[datetime | None, datetime | None]]] = {}
        for f in batch.facts:
            key = (names[f.subject_id], f.predicate, names[f.object_id])
            got.setdefault(key, []).append((_to_minute(f.valid_from), _to_minute(f.valid_to)))
        for subject, predicate, obj, valid_from, valid_to in dialogue["facts"]:
            expected += 1
            bounds = got.get((subject.lower(), predicate, obj.lower()))
            found += bounds is not None
            if bounds is not None and (_minute(valid_from), _minute(valid_to)) in bounds:
                right += 1
            else:
                misses.append(f"{dialogue['name']}: {subject} {predicate} {obj} {valid_from}..{valid_to}, got {bounds}")
    return TimeScore(expected, found, right, tuple(misses))


def report(extractor: Any | None = None, *, locomo: Path = LOCOMO_DEV, out: Any = None) -> dict[str, float]:
    """Print fact precision (LoCoMo dev labels) and closings precision/recall (scenarios); return them.

    The LoCoMo part is skipped, with a note, when the dev file is absent.
    """
    out = out or sys.stdout
    figures: dict[str, float] = {}
    if locomo.is_file():
        facts = score_facts(extract_facts(locomo, extractor), load_labels())
        print(
            f"fact precision {facts.precision:.3f} ({facts.correct}/{facts.labelled} labelled facts; "
            f"labels cover {facts.coverage:.0%} of {facts.facts} facts)",
            file=out,
        )
        figures |= {"fact_precision": facts.precision, "fact_coverage": facts.coverage}
    else:
        print(f"fact precision: skipped, {locomo} not found", file=out)
    closings = score_closings(load_scenarios(), extractor)
    print(
        f"closings precision {closings.precision:.3f} recall {closings.recall:.3f} "
        f"({closings.found} right of {closings.made} made, {closings.expected} expected, "
        f"{closings.scenarios} scenarios)",
        file=out,
    )
    figures |= {"closing_precision": closings.precision, "closing_recall": closings.recall}
    times = score_fact_times(load_scenarios(FACT_TIMES), extractor)
    print(
        f"fact-time accuracy {times.accuracy:.3f} ({times.right} of {times.expected} expected facts with both "
        f"bounds right; {times.found} extracted)",
        file=out,
    )
    figures |= {"fact_time_accuracy": times.accuracy}
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--locomo", type=Path, default=LOCOMO_DEV)
    parser.add_argument("--facts", type=Path, help="score a dump of facts instead of extracting")
    parser.add_argument("--dump", type=Path, help="write the extractor's facts on the dev file here")
    parser.add_argument("--verbose", action="store_true", help="list the fact times not right")
    args = parser.parse_args(argv)
    if args.dump:
        args.dump.write_text(json.dumps(extract_facts(args.locomo), indent=0), encoding="utf-8")
        return 0
    if args.facts:
        facts = score_facts(json.loads(args.facts.read_text(encoding="utf-8")), load_labels())
        print(f"fact precision {facts.precision:.3f} ({facts.correct}/{facts.labelled}; coverage {facts.coverage:.0%})")
        return 0
    report(locomo=args.locomo)
    if args.verbose:
        for line in score_fact_times(load_scenarios(FACT_TIMES)).misses:
            print("  not right:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
