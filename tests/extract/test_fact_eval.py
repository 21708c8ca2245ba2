"""The labelled fact sets: fact precision on LoCoMo dev labels and closings on life-change scenarios,
pinned as lower bounds (``benchmarks/fact_eval.py`` prints the full figures)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from graphmem.extract.vocabulary import by_name

from .conftest import LOCOMO_DEV

ROOT = Path(__file__).resolve().parents[2]


def _fact_eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fact_eval", ROOT / "benchmarks" / "fact_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fact_eval = _fact_eval()
#: Lower bound of fact precision on the labelled turns extracted on their own (0.765 when pinned; 0.785
#: on the whole dev file, where entities are typed with the whole conversation's context).
PRECISION_FLOOR = 0.74


def test_the_labelled_sets_are_big_enough_and_well_formed() -> None:
    labels = fact_eval.load_labels()
    assert len(labels) >= 300
    for key, row in labels.items():
        assert row["label"] in ("correct", "incorrect"), key
        assert row["source"] in ("before", "after", "activity", "roles", "there", "households"), key
        assert row["right"] is None or by_name(row["right"]) is not None or row["right"].endswith("_of"), key
        if row["source"] in ("after", "activity", "there", "households") and row["label"] == "correct":
            assert row["right"] == row["predicate"], key  # rule 4: the predicate is the right one
    assert {k[0] for k in labels} <= {"conv-26", "conv-30", "conv-41", "conv-42", "conv-43"}
    scenarios = fact_eval.load_scenarios()
    assert len(scenarios) >= 40
    for s in scenarios:
        assert all(by_name(p) is not None for _, p, _ in s["closes"]), s["name"]


def test_closings_on_life_change_scenarios(extractor: Any) -> None:
    score = fact_eval.score_closings(fact_eval.load_scenarios(), extractor)
    # lower bounds of the figures in docs/extraction.md (precision 1.000, recall 0.860 when pinned)
    assert score.precision >= 0.95
    assert score.recall >= 0.80


#: Lower bound of fact-time accuracy on ``fact_times.jsonl`` (0.978 when pinned, 136 of 139; 0.980 with
#: decades in words, seasons' parts, "later that month" and a contrastive but, 148 of 151; 0.835 on
#: the same 139 before the second review's fixes, 0.690 on the first 116 before the first review's; 0.981,
#: 158 of 161, with states told as over, which the code before them read at 0.925; 0.981, 156 of 159, with
#: the 8 dialogues of anaphora found without NER, temperatures and far-east clocks, 149 of 159 before those;
#: 0.983, 176 of 179, with the 9 dialogues of dated past states and ranges, 1 of their 10 facts before them;
#: 0.984, 181 of 184, with the 5 dialogues of "I'm seeing X" and ranges of days of one month, 2 of 5 before them).
FACT_TIME_FLOOR = 0.97


def test_the_fact_time_set_is_big_enough_and_well_formed() -> None:
    dialogues = fact_eval.load_scenarios(fact_eval.FACT_TIMES)
    assert len(dialogues) >= 100
    assert len({d["name"] for d in dialogues}) == len(dialogues)
    for d in dialogues:
        assert d["facts"], d["name"]
        for _, predicate, _, valid_from, valid_to in d["facts"]:
            declared = by_name(predicate)
            assert declared is not None and declared.single_valued, d["name"]
            # a state told as over has no start and ends when said (rule 2 of fact_times.README.md)
            assert valid_from is not None or valid_to is not None, d["name"]
            assert valid_from is None or valid_to is None or valid_to > valid_from, d["name"]


def test_fact_times_on_labelled_dialogues(extractor: Any) -> None:
    score = fact_eval.score_fact_times(fact_eval.load_scenarios(fact_eval.FACT_TIMES), extractor)
    assert score.accuracy >= FACT_TIME_FLOOR, "\n".join(score.misses)


@pytest.mark.skipif(not LOCOMO_DEV.is_file(), reason="LoCoMo dev file not present at ../shared/data/locomo")
def test_fact_precision_on_labelled_locomo_turns(extractor: Any) -> None:
    labels = fact_eval.load_labels()
    turns = {(k[0], k[1]) for k in labels}
    rows = fact_eval.extract_facts(LOCOMO_DEV, extractor, turns=turns)
    score = fact_eval.score_facts(rows, labels)
    assert score.labelled >= 100  # the labels still cover what the extractor makes
    assert score.precision >= PRECISION_FLOOR


def test_a_dump_is_scored_like_an_extraction(tmp_path: Path) -> None:
    labels = fact_eval.load_labels()
    (key, row), *_ = labels.items()
    dump = [dict(zip(("conv", "turn", "subject", "predicate", "object"), key, strict=True))]
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(dump), encoding="utf-8")
    score = fact_eval.score_facts(json.loads(path.read_text(encoding="utf-8")), labels)
    assert (score.facts, score.labelled, score.correct) == (1, 1, int(row["label"] == "correct"))
