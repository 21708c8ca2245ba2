"""Extraction quality on the hand-labelled LoCoMo dev mentions: entity spans, types and merges.

``tests/data/entity_mentions.jsonl`` holds, per labelled turn of the LoCoMo dev conversations, every
named mention with its character span, its type and the entity it refers to (rules in
``tests/data/README.md``). The turns' text is read from the dev file (CC BY-NC 4.0, never copied). Only
the labelled turns are parsed, each conversation as one transcript, through the spaCy extractor's own
parse (same NER gating) and stage 2 (:func:`graphmem.extract.entities.annotate`); the batch's entities
then go through :func:`graphmem.extract.resolve.resolve_batch` as ingestion does.

Reported:

- **spans**: a system mention is a maximal run of tokens the annotation maps to one non-Topic entity
  (pronouns excluded). Precision = system spans equal to a labelled span / system spans; recall =
  labelled spans found exactly / labelled spans.
- **types**: of the matched spans, the share whose resolved entity type is the label's (``Animal``
  accepts Person or Thing; ``Work|Product`` either).
- **merges**: over every pair of distinct surface forms (of matched spans) in one conversation, the
  system merges a pair when both resolve to one entity, and should when the labels name one entity.
  Precision = correct merges / merges; recall = correct merges / pairs that should merge.
- **topics**: how many Topic entities the labelled turns produce, and how many of them repeat a named
  entity or a speaker (should be 0).

Then the fact section from ``benchmarks/fact_eval.py`` when that module exists.

Usage::

    .venv/bin/python benchmarks/extraction_eval.py [--data locomo_dev.json] [--json OUT]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from inspect import signature
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "entity_mentions.jsonl"
DATA = ROOT.parent / "shared" / "data" / "locomo" / "locomo_dev.json"
if not DATA.exists():
    DATA = Path("/work/shared/data/locomo/locomo_dev.json")

_TYPE_ACCEPTS = {"Animal": frozenset({"Person", "Thing", "Animal"})}


@dataclass(frozen=True)
class Gold:
    conversation: str
    dia_id: str
    start: int
    end: int
    span: str
    type: str
    entity: str

    def accepts(self, type_: str) -> bool:
        allowed: set[str] = set()
        for t in self.type.split("|"):
            allowed |= _TYPE_ACCEPTS.get(t, frozenset({t}))
        return type_ in allowed


@dataclass(frozen=True)
class Found:
    conversation: str
    dia_id: str
    start: int
    end: int
    span: str
    entity_id: str
    type: str


@dataclass
class Scores:
    gold: int = 0
    found: int = 0
    matched: int = 0
    typed: int = 0
    merges: int = 0
    should_merge: int = 0
    correct_merges: int = 0
    topics: int = 0
    topic_dupes: int = 0
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def type_accuracy(self) -> float:
        return self.typed / self.matched if self.matched else 1.0

    @property
    def merge_precision(self) -> float:
        return self.correct_merges / self.merges if self.merges else 1.0

    @property
    def merge_recall(self) -> float:
        return self.correct_merges / self.should_merge if self.should_merge else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "gold_spans": self.gold,
            "system_spans": self.found,
            "matched": self.matched,
            "span_precision": round(self.precision, 4),
            "span_recall": round(self.recall, 4),
            "type_accuracy": round(self.type_accuracy, 4),
            "merges": self.merges,
            "should_merge": self.should_merge,
            "merge_precision": round(self.merge_precision, 4),
            "merge_recall": round(self.merge_recall, 4),
            "topics": self.topics,
            "topics_repeating_a_name": self.topic_dupes,
        }


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    """The labelled turns (one JSON object per line)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_turns(data: Path = DATA) -> dict[str, dict[str, Any]]:
    """Each dev conversation by sample id: speakers, and turns by ``dia_id`` with their session."""
    out: dict[str, dict[str, Any]] = {}
    for sample in json.loads(data.read_text(encoding="utf-8")):
        conv = sample["conversation"]
        turns: dict[str, tuple[int, dict[str, Any]]] = {}
        for key, value in conv.items():
            if key.startswith("session_") and isinstance(value, list):
                index = int(key.split("_")[1])
                for turn in value:
                    turns[turn["dia_id"]] = (index, turn)
        out[sample["sample_id"]] = {"speakers": (conv["speaker_a"], conv["speaker_b"]), "turns": turns}
    return out


def _transcript(conversation: str, dia_ids: Sequence[str], source: dict[str, Any]) -> Any:
    from graphmem.transcript import RawSession, RawTurn, Transcript

    by_session: dict[int, list[Any]] = defaultdict(list)
    for dia in dia_ids:
        index, turn = source["turns"][dia]
        by_session[index].append(RawTurn(turn["speaker"], turn["text"], source_id=dia))
    sessions = tuple(
        RawSession(f"{conversation}-s{index}", index, tuple(turns)) for index, turns in sorted(by_session.items())
    )
    return Transcript(conversation, sessions, format="locomo")


def _spans(doc: Any, tokens: dict[int, str], type_of: Any) -> list[tuple[int, int, str]]:
    """Maximal runs of tokens mapped to one named (non-Topic) entity, as character spans."""
    out: list[tuple[int, int, str]] = []
    run: list[Any] = []
    for tok in [*doc, None]:
        eid = tokens.get(tok.i) if tok is not None else None
        if eid is not None and (tok.pos_ == "PRON" or tok.tag_ in ("PRP", "PRP$") or type_of(eid) == "Topic"):
            eid = None
        if run and (eid is None or eid != tokens.get(run[-1].i) or tok.i != run[-1].i + 1):
            first, last = run[0], run[-1]
            end = last.idx + len(last.text)
            text = doc.text[first.idx : end]
            # "Caroline's" and "Jon!" mark the name; the clitic is not part of it
            for tail in ("'s", "’s"):
                if text.endswith(tail):
                    end -= len(tail)
            out.append((first.idx, end, tokens[first.i]))
            run = []
        if eid is not None:
            run.append(tok)
    return out


def extract(labels: list[dict[str, Any]], source: dict[str, dict[str, Any]], nlp: Any) -> tuple[list[Found], Any]:
    """Run the spaCy extractor's parse, stage 2 and resolution on the labelled turns.

    Returns the system's named spans (with resolved ids and types) and the list of resolved batches.
    """
    from graphmem.extract import resolve
    from graphmem.extract.entities import EntityRegistry, annotate
    from graphmem.extract.events import build_events
    from graphmem.extract.pipeline import SpacyExtractor
    from graphmem.extract.resolve import resolve_batch
    from graphmem.models import Batch, Mention

    by_conv: dict[str, list[str]] = defaultdict(list)
    for row in labels:
        by_conv[row["conversation"]].append(row["dia_id"])
    extractor = SpacyExtractor(nlp)
    found: list[Found] = []
    batches = []
    for conversation, dia_ids in by_conv.items():
        transcript = _transcript(conversation, dia_ids, source[conversation])
        plan = build_events(transcript)
        docs = list(extractor._parse(ev.text for ev in plan.events))
        registry = EntityRegistry(transcript.namespace)
        speakers = {name: registry.add_speaker(name) for name in plan.speakers}
        raw: list[tuple[str, int, int, str, str]] = []
        mentions = []
        # as the pipeline does: "your brother" is the other speaker's in a dialogue of two (main had no such flag)
        sure = {"addressee_sure": len(plan.speakers) == 2} if "addressee_sure" in signature(annotate).parameters else {}
        for event, addressee, doc in zip(plan.events, plan.addressees, docs, strict=True):
            ann = annotate(
                doc,
                registry,
                speaker_id=speakers.get(event.speaker or ""),
                addressee_id=speakers.get(addressee) if addressee else None,
                **sure,
            )
            for eid, role in ann.mentions.items():
                mentions.append(Mention(transcript.namespace, event.id, eid, role))
            spans = ann.spans if hasattr(ann, "spans") else _spans(doc, ann.tokens, registry.type_of)
            for start, end, eid in spans:
                raw.append((event.source_id or "", start, end, doc.text[start:end], eid))
        moved: dict[str, str] = getattr(registry, "moved", {})  # names given to a pet after they were heard
        raw = [(dia, start, end, text, moved.get(eid, eid)) for dia, start, end, text, eid in raw]
        mentions = [replace(m, entity_id=moved.get(m.entity_id, m.entity_id)) for m in mentions]
        batch = Batch(
            transcript.namespace,
            sessions=plan.sessions,
            events=tuple(plan.events),
            entities=registry.entities(),
            mentions=tuple(mentions),
        )
        # topics not worth a node are dropped before resolution (main had no such step)
        keep = getattr(resolve, "keep_salient_topics", None)
        options: dict[str, Any] = {}
        if keep is not None:
            batch = keep(batch)
            options["salience"] = False
        # one probe mention per entity: after resolution it names the entity each id became
        probes = tuple(Mention(transcript.namespace, f"probe:{e.id}", e.id, "mention") for e in batch.entities)
        resolved = resolve_batch(replace(batch, mentions=batch.mentions + probes), (), **options)
        mapping = {
            m.event_id[len("probe:") :]: m.entity_id for m in resolved.mentions if m.event_id.startswith("probe:")
        }
        resolved = replace(
            resolved, mentions=tuple(m for m in resolved.mentions if not m.event_id.startswith("probe:"))
        )
        batches.append(resolved)
        types = {e.id: e.type for e in resolved.entities}
        for dia, start, end, text, eid in raw:
            target = mapping.get(eid, eid)
            found.append(Found(conversation, dia, start, end, text, target, types.get(target, "?")))
    return found, batches


def score(labels: list[dict[str, Any]], found: Iterable[Found], batches: Iterable[Any]) -> Scores:
    """Compare the system's spans, types and merges with the labels."""
    s = Scores()
    gold: dict[tuple[str, str, int, int], Gold] = {}
    for row in labels:
        for m in row["mentions"]:
            g = Gold(row["conversation"], row["dia_id"], m["start"], m["end"], m["span"], m["type"], m["entity"])
            gold[(g.conversation, g.dia_id, g.start, g.end)] = g
    s.gold = len(gold)
    matched: list[tuple[Gold, Found]] = []
    seen: set[tuple[str, str, int, int]] = set()
    for f in found:
        s.found += 1
        key = (f.conversation, f.dia_id, f.start, f.end)
        g = gold.get(key)
        if g is None or key in seen:
            s.errors["false span"].append(f"{f.conversation} {f.dia_id} {f.span!r} as {f.type}")
            continue
        seen.add(key)
        s.matched += 1
        matched.append((g, f))
        if g.accepts(f.type):
            s.typed += 1
        else:
            s.errors["wrong type"].append(f"{g.conversation} {g.dia_id} {g.span!r}: {f.type}, labelled {g.type}")
    for key, g in gold.items():
        if key not in seen:
            s.errors["missed span"].append(f"{g.conversation} {g.dia_id} {g.span!r} ({g.type})")
    _score_merges(s, matched)
    _score_topics(s, batches)
    return s


def _score_merges(s: Scores, matched: list[tuple[Gold, Found]]) -> None:
    """Merge counts over every pair of distinct surface forms of matched spans in one conversation."""
    by_conv: dict[str, dict[str, tuple[Counter[str], Counter[str]]]] = defaultdict(dict)
    for g, f in matched:
        gold_c, sys_c = by_conv[g.conversation].setdefault(g.span, (Counter(), Counter()))
        gold_c[g.entity] += 1
        sys_c[f.entity_id] += 1
    for conversation, surfaces in by_conv.items():
        names = sorted(surfaces)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                ga, sa = (c.most_common(1)[0][0] for c in surfaces[a])
                gb, sb = (c.most_common(1)[0][0] for c in surfaces[b])
                same, merged = ga == gb, sa == sb
                s.should_merge += same
                s.merges += merged
                s.correct_merges += same and merged
                if merged and not same:
                    s.errors["wrong merge"].append(f"{conversation} {a!r} + {b!r}")
                elif same and not merged:
                    s.errors["missed merge"].append(f"{conversation} {a!r} / {b!r}")


def _score_topics(s: Scores, batches: Iterable[Any]) -> None:
    """Topic counts, and topics that repeat a named entity's or a speaker's name."""
    from graphmem.extract.names import normalize_name

    for batch in batches:
        named = {normalize_name(n) for e in batch.entities if e.type != "Topic" for n in (e.name, *e.aliases)}
        for e in batch.entities:
            if e.type != "Topic":
                continue
            s.topics += 1
            if normalize_name(e.name) in named:
                s.topic_dupes += 1
                s.errors["topic repeating a name"].append(f"{batch.namespace} {e.name!r}")


def evaluate(nlp: Any = None, labels_path: Path = LABELS, data: Path = DATA) -> Scores:
    """Score the current extractor on the labelled set."""
    if nlp is None:
        from graphmem.extract.nlp import load_nlp

        nlp = load_nlp()
    labels = load_labels(labels_path)
    found, batches = extract(labels, load_turns(data), nlp)
    return score(labels, found, batches)


def _fact_section() -> None:
    path = Path(__file__).with_name("fact_eval.py")
    if not path.exists():
        print("\nfacts: not measured (benchmarks/fact_eval.py does not exist yet)")
        return
    spec = importlib.util.spec_from_file_location("fact_eval", path)
    if spec is None or spec.loader is None:
        print("\nfacts: not measured (benchmarks/fact_eval.py could not be loaded)")
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["fact_eval"] = module
    spec.loader.exec_module(module)
    report = getattr(module, "report", None)
    if report is None:
        print("\nfacts: not measured (benchmarks/fact_eval.py has no report())")
        return
    print()
    report()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the LoCoMo dev file")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--errors", type=int, default=15, help="errors listed per kind")
    parser.add_argument("--no-facts", action="store_true", help="skip the fact section")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"error: {args.data} not found (the LoCoMo dev file)", file=sys.stderr)
        return 1
    s = evaluate(labels_path=args.labels, data=args.data)
    figures = s.as_dict()
    print("entities on the labelled LoCoMo dev turns")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    for kind, items in s.errors.items():
        print(f"\n{kind}: {len(items)}")
        for item in items[: args.errors]:
            print(f"  {item}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not args.no_facts:
        _fact_section()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
