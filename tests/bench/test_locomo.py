"""``graphmem bench locomo``: evidence parsing, scoring, and the three-method report on a tiny file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.bench.locomo import METHODS, load_questions, parse_evidence, run_locomo, score
from graphmem.cli import main

DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"


def _conversation(sample_id: str, a: str, b: str, sessions: list[list[str]], qa: list[dict]) -> dict:
    conversation: dict = {"speaker_a": a, "speaker_b": b}
    for n, turns in enumerate(sessions, 1):
        conversation[f"session_{n}_date_time"] = f"10:00 am on {n} March, 2024"
        conversation[f"session_{n}"] = [
            {"speaker": a if i % 2 == 0 else b, "dia_id": f"D{n}:{i + 1}", "text": text} for i, text in enumerate(turns)
        ]
    return {"sample_id": sample_id, "conversation": conversation, "qa": qa}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = [
        _conversation(
            "t-1",
            "Ana",
            "Ben",
            [
                [
                    "Hi Ben, how was the trip?",
                    "I went hiking in Norway with my sister.",
                    "Did you see fjords?",
                    "Yes, huge ones.",
                ],
                [
                    "I adopted a beagle named Biscuit.",
                    "Cute! Does Biscuit chew things?",
                    "She ate my running shoes.",
                    "Ha!",
                ],
            ],
            [
                {"question": "Where did Ben go hiking?", "answer": "Norway", "evidence": ["D1:2"], "category": 4},
                {"question": "What did Ana's dog chew?", "answer": "shoes", "evidence": ["D2:3; D2:1"], "category": 1},
                {"question": "When did Ana adopt a dog?", "answer": "March", "evidence": ["D02:01"], "category": 2},
                {"question": "What did Ben adopt?", "evidence": ["D2:1"], "category": 5, "adversarial_answer": "a cat"},
                {"question": "Is it sunny?", "answer": "unknown", "evidence": [], "category": 3},
            ],
        ),
        _conversation(
            "t-2",
            "Cy",
            "Di",
            [["I bought a cello.", "Are you taking lessons?", "Yes, on Tuesdays.", "Nice."]],
            [
                {
                    "question": "Which instrument did Cy buy?",
                    "answer": "cello",
                    "evidence": ["D1:1", "D9:9", "D"],
                    "category": 4,
                }
            ],
        ),
    ]
    path = tmp_path_factory.mktemp("locomo") / "tiny.json"
    path.write_text(json.dumps(data))
    return path


def test_parse_evidence_follows_the_readme_rules() -> None:
    assert parse_evidence(["D8:6; D9:17", "D9:1 D4:4 D4:6"]) == ["D8:6", "D9:17", "D9:1", "D4:4", "D4:6"]
    assert parse_evidence(["D30:05", "D:11:26", "D", "D1:3", "D1:3"]) == ["D30:5", "D1:3"]
    assert parse_evidence([]) == []


def test_load_questions_drops_turns_that_do_not_exist(tiny: Path) -> None:
    questions, turns = load_questions(tiny)
    assert len(questions) == 6
    assert turns["t-2"] == {"D1:1", "D1:2", "D1:3", "D1:4"}
    by_text = {q.text: q for q in questions}
    assert by_text["Which instrument did Cy buy?"].gold == ("D1:1",)
    assert by_text["When did Ana adopt a dog?"].gold == ("D2:1",)
    assert by_text["Is it sunny?"].gold == ()


def test_one_reader_gives_evidence_and_answers(tiny: Path) -> None:
    from graphmem.bench.answers import load_answer_questions

    questions, _turns = load_questions(tiny)
    by_text = {q.text: q for q in questions}
    chew = by_text["What did Ana's dog chew?"]
    assert (chew.index, chew.answer, chew.gold) == (1, "shoes", ("D2:3", "D2:1"))
    assert by_text["What did Ben adopt?"].answer is None  # category 5 has no gold answer
    answerable, conversations = load_answer_questions(tiny)
    # the answer bench reads the same questions: those of categories 1-4 with an answer
    assert answerable == [q for q in questions if q.category in (1, 2, 3, 4) and q.answer is not None]
    assert set(conversations) == {"t-1", "t-2"} and conversations["t-1"].startswith("session_1 (")


def test_score() -> None:
    out = score(["a", "x", "b", "y"], ["a", "b", "c"], [1, 3])
    assert out == {"recall@1": 1 / 3, "hit@1": 1.0, "recall@3": 2 / 3, "hit@3": 1.0, "mrr": 1.0}
    assert score(["x", "y", "b"], ["b"], [2])["mrr"] == pytest.approx(1 / 3)
    assert score(["x"], ["b"], [1]) == {"recall@1": 0.0, "hit@1": 0.0, "mrr": 0.0}


def test_run_reports_methods_and_ablation_by_category(tiny: Path, tmp_path: Path) -> None:
    result = run_locomo(tiny, ks=[1, 3], store=tmp_path / "store")
    assert set(result["methods"]) == set(METHODS)
    assert set(METHODS) == {
        "graphmem",
        "entity walk",
        "person facts",
        "feedback",
        "no links",
        "no asking",
        "seeds only",
        "dense",
        "bm25",
    }
    assert result["questions"] == {"total": 6, "scored": 5, "without_gold": 1}
    assert result["ingest"]["turns"] == 12 and result["ingest"]["turns_per_s"] > 0
    for figures in result["methods"].values():
        assert {"recall@1", "recall@3", "hit@1", "hit@3", "mrr", "latency_ms", "by_category"} <= set(figures)
        assert set(figures["by_category"]) == {"1", "2", "4", "5"}
        assert 0 <= figures["recall@1"] <= figures["recall@3"] <= 100
        assert figures["latency_ms"]["p50"] <= figures["latency_ms"]["p95"]
        links = figures["top10_links"]
        assert links["hits"] > 0 and 0 <= links["via_links"] <= links["link_lifted"] <= 100
    assert result["methods"]["graphmem"]["by_category"]["4"]["questions"] == 2
    # the ablated methods cannot come through an entity or a fact
    for name in ("no links", "seeds only", "dense", "bm25", "graphmem", "no asking"):  # the walk is off by default
        assert result["methods"][name]["top10_links"]["link_lifted"] == 0, name


def test_cli_writes_json(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    assert main(["bench", "locomo", str(tiny), "--k", "1,5", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "graphmem" in printed and "dense" in printed and "bm25" in printed and "recall@5 by category" in printed
    assert "no links" in printed and "seeds only" in printed and "via links" in printed
    data = json.loads(out.read_text())
    assert data["methods"]["graphmem"]["by_category"]["4"]["recall@5"] >= 0
    assert data["ks"] == [1, 5]


def test_cli_rejects_bad_k(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "locomo", str(tiny), "--k", "0,x"]) != 0


@pytest.mark.slow
@pytest.mark.skipif(not DEV.exists(), reason=f"LoCoMo dev file not found at {DEV}")
def test_dev_file_graphmem_beats_both_baselines(tmp_path: Path) -> None:
    compared = {name: METHODS[name] for name in ("graphmem", "dense", "bm25")}  # the ablation is not asserted on
    result = run_locomo(DEV, store=tmp_path / "store", methods=compared)
    methods = result["methods"]
    for k in result["ks"]:
        assert methods["graphmem"][f"recall@{k}"] > methods["dense"][f"recall@{k}"], k
        assert methods["graphmem"][f"recall@{k}"] > methods["bm25"][f"recall@{k}"], k
