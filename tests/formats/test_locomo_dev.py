"""The LoCoMo dev file reads completely: every turn with its dia_id, sessions in date order."""

from __future__ import annotations

import json
import re

import pytest

from graphmem.formats import read_transcripts

from .conftest import LOCOMO_DEV

pytestmark = pytest.mark.skipif(not LOCOMO_DEV.exists(), reason=f"LoCoMo dev data not found at {LOCOMO_DEV}")


def test_every_turn_with_its_dia_id_and_sessions_in_date_order() -> None:
    raw = json.loads(LOCOMO_DEV.read_text())
    transcripts = read_transcripts(LOCOMO_DEV)
    assert [t.namespace for t in transcripts] == [s["sample_id"] for s in raw]
    for sample, t in zip(raw, transcripts, strict=True):
        conv = sample["conversation"]
        numbers = sorted(int(k.split("_")[1]) for k in conv if re.fullmatch(r"session_\d+", k))
        expected = [turn["dia_id"] for n in numbers for turn in conv[f"session_{n}"]]
        got = [turn.source_id for s in t.sessions for turn in s.turns]
        assert got == expected
        starts = [s.started_at for s in t.sessions]
        assert all(starts) and starts == sorted(starts)  # type: ignore[type-var]
        captions = sum(1 for s in t.sessions for turn in s.turns if turn.caption)
        assert captions == sum(1 for n in numbers for turn in conv[f"session_{n}"] if "blip_caption" in turn)
    assert sum(t.turn_count for t in transcripts) == 2760
    assert sum(len(t.sessions) for t in transcripts) == 128
