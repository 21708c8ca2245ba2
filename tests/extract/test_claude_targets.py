"""What the Claude extractor's corrections deny and what its "later that month" is of, end to end through
``Memory`` on recorded answers.

A correction's ``wrong`` value is matched against the subject's own values first (never taken for another
speaker's entity by a shared word); a ``wrong`` that is no name ("my old job") makes no entity and
corrects the subject's current value, as the spaCy path's correction naming no old value does; "later
that month" is of the time the session talked of before, in an earlier call or a stored turn too, so a
file, a grown file read again and messages added one by one date it alike (as the spaCy path does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.claude import ClaudeExtractor
from graphmem.live import add
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from graphmem.transcript import RawSession, RawTurn, Transcript
from tests.extract import test_claude
from tests.extract.conftest import claude_extractor
from tests.extract.test_claude import Stub, _answer
from tests.extract.test_claude_corrections import (
    NS,
    _all_time,
    _held,
    _say,
    _slip_read_as_a_correction,
    answer,
    t,
)
from tests.support.talk import NoEmbedder

stub = test_claude.stub  # the fixture serving recorded answers from a local HTTP server

pytestmark = pytest.mark.llm

ANA, BEN = {"name": "Ana", "type": "Person"}, {"name": "Ben", "type": "Person"}


def _org(name: str) -> dict[str, str]:
    return {"name": name, "type": "Organization"}


def _works(subject: str, obj: str) -> dict[str, str]:
    return {"subject": subject, "predicate": "works_at", "object": obj}


def _meant_globex(wrong: str | None) -> dict[str, Any]:
    return {"subject": "Ana", "predicate": "works_at", "wrong": wrong, "corrected": "Globex Corporation"}


def _bens_acme_labs(wrong: str) -> dict[str, Any]:
    """Ben works at Acme Labs; Ana: "Sorry, I meant Globex Corporation, not <wrong>"."""
    return _answer(
        [
            {"turn": "T1", "facts": [_works("Ben", "Acme Labs")]},
            {"turn": "T2", "facts": [_works("Ana", "Globex Corporation")], "corrections": [_meant_globex(wrong)]},
        ],
        [ANA, BEN, _org("Acme Labs"), _org("Globex Corporation")],
    )


def _anas_slip_corrected(mem: Memory, said: datetime, corrected: datetime) -> None:
    """Ana's Acme Analytics (said at ``said``) never held; her Globex Corporation holds from then, as
    :func:`~tests.extract.test_claude_corrections._slip_read_as_a_correction` checks with Ana alone."""
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}

    def held(**time: Any) -> set[str]:
        found = mem.store.iter_facts(NS, time=TimeFilter(**time))
        return {names[f.object_id] for f in found if f.predicate == "works_at" and names[f.subject_id] == "Ana"}

    before = corrected - timedelta(minutes=1)
    assert held(valid_at=before) == held(valid_at=said.replace(hour=23)) == {"Globex Corporation"}
    assert held(as_of=before, valid_at=before) == {"Acme Analytics"}  # what memory believed then
    [acme] = [f for f in mem.store.iter_facts(NS) if f.never_held]
    assert names[acme.object_id] == "Acme Analytics" and acme.valid_from == acme.valid_to == said
    assert ("Globex Corporation", said, None) in _all_time(mem)


def _bens_acme_labs_untouched(mem: Memory) -> None:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    [labs] = [f for f in mem.store.iter_facts(NS) if names[f.object_id] == "Acme Labs"]
    assert names[labs.subject_id] == "Ben" and labs.valid_to is None and not labs.never_held


def test_a_denied_short_name_is_the_subjects_own_value_not_another_speakers(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # "not Acme" is Ana's Acme Analytics (said in an earlier session of the file), not Ben's Acme Labs
    answer(stub, "acme")
    stub.answer(_bens_acme_labs("Acme"))
    body = (
        "[18:00] Ana: I work at Acme Analytics.\n"
        "## Session 2 — 12 January 2024\n"
        "[09:00] Ben: I work at Acme Labs.\n"
        "[09:01] Ana: Sorry, I meant Globex Corporation, not Acme.\n"
    )
    _say(memory, claude, tmp_path, body)
    _anas_slip_corrected(memory, t("18:00"), t("09:01", day=12))
    _bens_acme_labs_untouched(memory)


def test_the_subjects_own_value_comes_before_another_speakers_entity_of_that_name(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # Ben's employer is listed as "Acme"; Ana's "not Acme" is her own Acme Analytics
    answer(stub, "acme")
    stub.answer(
        _answer(
            [
                {"turn": "T1", "facts": [_works("Ben", "Acme")]},
                {"turn": "T2", "facts": [_works("Ana", "Globex Corporation")], "corrections": [_meant_globex("Acme")]},
            ],
            [ANA, BEN, _org("Acme"), _org("Globex Corporation")],
        )
    )
    body = (
        "[18:00] Ana: I work at Acme Analytics.\n"
        "## Session 2 — 12 January 2024\n"
        "[09:00] Ben: I work at Acme.\n"
        "[09:01] Ana: Sorry, I meant Globex Corporation, not Acme.\n"
    )
    _say(memory, claude, tmp_path, body)
    _anas_slip_corrected(memory, t("18:00"), t("09:01", day=12))


def test_a_misspelt_denied_value_is_the_subjects_own(claude: ClaudeExtractor, stub: Stub) -> None:
    answer(stub, "acme")
    stub.answer(
        _answer(
            [
                {
                    "turn": "T2",
                    "facts": [_works("Ana", "Globex Corporation")],
                    "corrections": [_meant_globex("Acme Analytcs")],
                }
            ],
            [ANA, _org("Globex Corporation")],
        )
    )
    turns = (
        RawTurn("Ana", "I work at Acme Analytics.", timestamp=t("18:00")),
        RawTurn("Ana", "Sorry, I meant Globex Corporation, not Acme Analytcs.", timestamp=t("18:02")),
    )
    claude.batch_size = 1
    batch = claude.extract(Transcript(NS, (RawSession("session_1", 0, turns, started_at=t("18:00")),)))
    ids = {e.name: e.id for e in batch.entities}
    [closing] = batch.closings
    assert closing.object_id == ids["Acme Analytics"] and "Acme Analytcs" not in ids


def test_a_denied_name_no_value_of_the_subject_is_never_another_speakers(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # Ana's Acme Analytics is stored from an earlier file, which the extractor does not see: "Acme" is
    # left to resolution against the stored entities, not taken for Ben's Acme Labs by a shared word
    answer(stub, "acme")
    _say(memory, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n")
    stub.answer(_bens_acme_labs("Acme"))
    body = "[09:00] Ben: I work at Acme Labs.\n[09:01] Ana: Sorry, I meant Globex Corporation, not Acme.\n"
    _say(memory, claude, tmp_path, body, name="c2.txt", day=12)
    _anas_slip_corrected(memory, t("18:00"), t("09:01", day=12))
    _bens_acme_labs_untouched(memory)


def test_a_denied_name_by_an_alias_of_another_speakers_value_is_not_theirs(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path
) -> None:
    # Ben's Acme Labs is listed with the alias "Acme": Ana's "not Acme" is still her stored Acme Analytics
    answer(stub, "acme")
    _say(memory, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n")
    labs = {**_org("Acme Labs"), "aliases": ["Acme"]}
    stub.answer(
        _answer(
            [
                {"turn": "T1", "facts": [_works("Ben", "Acme Labs")]},
                {"turn": "T2", "facts": [_works("Ana", "Globex Corporation")], "corrections": [_meant_globex("Acme")]},
            ],
            [ANA, BEN, labs, _org("Globex Corporation")],
        )
    )
    body = (
        "[09:00] Ben: I work at Acme Labs, Acme for short.\n[09:01] Ana: Sorry, I meant Globex Corporation, not Acme.\n"
    )
    _say(memory, claude, tmp_path, body, name="c2.txt", day=12)
    _anas_slip_corrected(memory, t("18:00"), t("09:01", day=12))
    _bens_acme_labs_untouched(memory)


def _denied_of(
    claude: ClaudeExtractor, stub: Stub, values: list[str], wrong: str, listed: Sequence[str] = ()
) -> str | None:
    """The name of what Ana's "Sorry, I meant Globex Corporation, not <wrong>" denies, her works_at
    ``values`` said the turn before and ``listed`` other entities the answer lists (in one call)."""
    first = {"turn": "T1", "facts": [_works("Ana", v) for v in values]}
    second = {"turn": "T2", "facts": [_works("Ana", "Globex Corporation")], "corrections": [_meant_globex(wrong)]}
    entities = [ANA, *(_org(n) for n in [*values, *listed]), _org("Globex Corporation")]
    stub.answer(_answer([first, second], entities))
    turns = (
        RawTurn("Ana", f"I worked at {' and '.join(values)}.", timestamp=t("18:00")),
        RawTurn("Ana", f"Sorry, I meant Globex Corporation, not {wrong}.", timestamp=t("18:02")),
    )
    batch = claude.extract(Transcript(NS, (RawSession("session_1", 0, turns, started_at=t("18:00")),)))
    names = {e.id: e.name for e in batch.entities}
    [closing] = batch.closings
    return names.get(closing.object_id or "")


@pytest.mark.parametrize(
    ("values", "wrong", "listed", "denied"),
    [
        # words held by two values: the one sharing the most words with the name
        (["IBM", "IBM Research"], "IBM Research Zurich", [], "IBM Research"),
        (["IBM Research", "IBM"], "IBM Research Zurich", [], "IBM Research"),
        # a name in two values alike is no match: the correction denies the current value
        (["Acme Analytics", "Acme Labs"], "Acme", [], None),
        # a slip of spelling is the subject's value only when the batch knows nothing of that name
        (["Globex"], "Globe", [], "Globex"),
        (["Globex"], "Globe", ["Globe"], "Globe"),
    ],
)
def test_a_denied_name_like_several_of_the_subjects_values_is_the_likest_or_none(
    claude: ClaudeExtractor, stub: Stub, values: list[str], wrong: str, listed: list[str], denied: str | None
) -> None:
    assert _denied_of(claude, stub, values, wrong, listed) == denied


@pytest.mark.parametrize("later", [False, True])
def test_a_denied_value_that_is_no_name_corrects_the_current_value(
    memory: Memory, claude: ClaudeExtractor, stub: Stub, tmp_path: Path, later: bool
) -> None:
    # "Sorry, not my old job: I meant Globex Corporation." makes no entity "my old job"; it corrects Ana's
    # works_at value of the time, in the file or stored from an earlier one
    said = "[18:02] Ana: Sorry, that was my old job, I meant Globex Corporation.\n"
    fix = _answer(
        [{"turn": "T2" if not later else "T1", "facts": [_works("Ana", "Globex Corporation")],
          "corrections": [_meant_globex("my old job")]}],
        [ANA, _org("Globex Corporation")],
    )  # fmt: skip
    if later:
        answer(stub, "acme")
        _say(memory, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n")
        stub.answer(fix)
        _say(memory, claude, tmp_path, said, name="c2.txt")
    else:
        first = _answer([{"turn": "T1", "facts": [_works("Ana", "Acme Analytics")]}], [ANA, _org("Acme Analytics")])
        both = first["content"][0]["input"]
        both["events"] += fix["content"][0]["input"]["events"]
        both["entities"] += fix["content"][0]["input"]["entities"]
        stub.answer(first)
        _say(memory, claude, tmp_path, "[18:00] Ana: I work at Acme Analytics.\n" + said)
    names = {e.name for e in memory.store.iter_entities(NS)}
    assert not any("job" in n for n in names), names
    _slip_read_as_a_correction(memory, t("18:00"), t("18:02"))
    assert _held(memory) == {"Globex Corporation"}
    assert ("Acme Analytics", t("18:00"), t("18:00")) in _all_time(memory)


# -- "later that month" -------------------------------------------------------------------------------

LISBON = {"phrase": "3 May 2023", "start": "2023-05-03", "end": "2023-05-04", "grain": "day"}
MESSAGES = [
    {"speaker": "Ana", "text": "I went to Lisbon on 3 May 2023.", "time": "2024-03-12T19:00:00", "session": "1"},
    {"speaker": "Ben", "text": "Nice! What happened after that?", "time": "2024-03-12T19:01:00", "session": "1"},
    {"speaker": "Ana", "text": "Later that month I joined Globex Corporation.", "time": "2024-03-12T19:02:00",
     "session": "1"},
]  # fmt: skip
ENTITIES = [ANA, BEN, {"name": "Lisbon", "type": "Place"}, _org("Globex Corporation")]


def _went(turn: int) -> dict[str, Any]:
    return {
        "turn": f"T{turn}",
        "facts": [{"subject": "Ana", "predicate": "went_to", "object": "Lisbon", "time_phrase": "3 May 2023"}],
        "times": [LISBON],
    }


def _joined(turn: int, start: str | None, end: str | None, grain: str) -> dict[str, Any]:
    """Ana joined Globex "later that month", dated as Claude dated it (``start`` ``None``: not at all)."""
    fact = {**_works("Ana", "Globex Corporation"), "time_phrase": "Later that month"}
    times = [{"phrase": "Later that month", "start": start, "end": end, "grain": grain}]
    return {"turn": f"T{turn}", "facts": [fact], "times": times}


def _jsonl(path: Path, messages: list[dict[str, Any]]) -> Path:
    import json

    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def _times(mem: Memory, ns: str) -> list[tuple[str, datetime | None, datetime | None]]:
    events = sorted(mem.store.iter_events(ns), key=lambda e: e.seq)
    return [(r.phrase, r.start, r.end) for e in events for r in e.times]


def _joined_globex(mem: Memory, ns: str) -> set[datetime | None]:
    names = {e.id: e.name for e in mem.store.iter_entities(ns)}
    return {f.valid_from for f in mem.store.iter_facts(ns) if names[f.object_id] == "Globex Corporation"}


def test_later_that_month_is_of_the_time_talked_of_before_in_a_file_a_grown_file_and_messages(
    stub: Stub, tmp_path: Path, extractor: Any
) -> None:
    def claude(ns: str, batch_size: int = 20) -> ClaudeExtractor:
        # each way asks the stub (no answer from the cache)
        made = claude_extractor(stub.url, tmp_path / f"cache-{ns}")
        made.batch_size = batch_size
        return made

    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        # the whole file in one call: Claude sees 3 May and dates the month itself (as it may, its own way)
        stub.answer(_answer([_went(1), {"turn": "T2"}, _joined(3, "2023-05-01", "2023-06-01", "month")], ENTITIES))
        path = _jsonl(tmp_path / "conv.jsonl", MESSAGES)
        assert mem.ingest(path, namespace="file", extractor=claude("file"), embed=False).ok
        # a turn per call: the call of the third turn does not see 3 May
        for answered in (_went(1), {"turn": "T2"}, _joined(3, None, None, "unknown")):
            stub.answer(_answer([answered], ENTITIES))
        assert mem.ingest(path, namespace="calls", extractor=claude("calls", 1), embed=False).ok
        # messages added one by one: the third one's call knows nothing of the stored turns
        live = claude("live")
        for answered, message in zip(
            (_went(1), {"turn": "T2"}, _joined(3, None, None, "unknown")), MESSAGES, strict=True
        ):
            stub.answer(_answer([answered], ENTITIES))
            add(mem, message, namespace="live", extractor=live, embed=False)
        # a file that grew: its two stored turns stay, the third is extracted alone
        grown, again = _jsonl(tmp_path / "grown.jsonl", MESSAGES[:2]), claude("grown")
        stub.answer(_answer([_went(1), {"turn": "T2"}], ENTITIES))
        assert mem.ingest(grown, namespace="grown", extractor=again, embed=False).ok
        stub.answer(_answer([_joined(3, None, None, "unknown")], ENTITIES))
        summary = mem.ingest(_jsonl(grown, MESSAGES), namespace="grown", extractor=again, embed=False)
        assert summary.ok and summary.turns_kept == 2
        assert not stub.queue  # every answer was asked for
        # the spaCy path, for reference
        assert mem.ingest(path, namespace="spacy", extractor=extractor, embed=False).ok

        later = ("Later that month", datetime(2023, 5, 4), datetime(2023, 6, 1))
        assert _times(mem, "file")[-1] == later
        for ns in ("calls", "live", "grown"):
            assert _times(mem, ns) == _times(mem, "file"), ns
        assert _times(mem, "spacy")[-1] == later
        for ns in ("file", "calls", "live", "grown", "spacy"):
            assert _joined_globex(mem, ns) == {datetime(2023, 5, 4)}, ns


def test_later_that_month_of_a_stored_session_on_its_speakers_clock(stub: Stub, tmp_path: Path) -> None:
    # Ana at +05:00 names 1 June; Ben at -08:00 reads "later that month" of June, on Ana's calendar
    messages = [
        {"speaker": "Ana", "text": "I arrived in Lisbon on 1 June 2023.", "time": "2024-03-12T23:30:00+05:00",
         "session": "1"},
        {"speaker": "Ben", "text": "Later that month I visited Porto.", "time": "2024-03-12T11:01:00-08:00",
         "session": "1"},
    ]  # fmt: skip
    june = {"phrase": "1 June 2023", "start": "2023-06-01", "end": "2023-06-02", "grain": "day"}
    later = {"phrase": "Later that month", "start": None, "end": None, "grain": "unknown"}
    claude = claude_extractor(stub.url, tmp_path / "cache")
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        stub.answer(_answer([{"turn": "T1", "times": [june]}], [ANA]))
        stub.answer(_answer([{"turn": "T2", "times": [later]}], [BEN]))
        for message in messages:
            add(mem, message, namespace="one", extractor=claude, embed=False)
        last = max(mem.store.iter_events("one"), key=lambda e: e.seq)
        assert last.times[0].start == datetime(2023, 6, 2, 8)


@pytest.mark.parametrize(
    ("said", "later", "told", "expected"),
    [
        # Ana at +13:00 names 1 June; Ben at -08:00 reads "later that month" of Ana's June
        (
            ("I arrived in Lisbon on 1 June 2023.", "2024-03-12T23:30:00+13:00"),
            ("Later that month I visited Porto.", "2024-03-12T02:31:00-08:00"),
            {"phrase": "1 June 2023", "start": "2023-06-01", "end": "2023-06-02", "grain": "day"},
            datetime(2023, 6, 2, 8),
        ),
        # a clock time keeps its own clock: 6pm on 31 May at -08:00 is 1 June 07:00 at +05:00, but Ana's
        # day was 31 May, so Ben's "earlier that month" is May (Claude gives the clock time no end)
        (
            ("We landed at 6pm.", "2023-05-31T20:00:00-08:00"),
            ("Earlier that month I was in Rome too.", "2023-06-01T09:01:00+05:00"),
            {"phrase": "6pm", "start": "2023-05-31T18:00:00", "end": None, "grain": "time"},
            datetime(2023, 4, 30, 19),
        ),
    ],
)
def test_later_that_month_keeps_the_antecedents_own_clock_in_one_extraction_as_the_spacy_path(
    said: tuple[str, str],
    later: tuple[str, str],
    told: dict[str, Any],
    expected: datetime,
    stub: Stub,
    tmp_path: Path,
    extractor: Any,
) -> None:
    # within one extraction the antecedent is never stored, so its speaker's clock is known exactly
    messages = [
        {"speaker": "Ana", "text": said[0], "time": said[1], "session": "1"},
        {"speaker": "Ben", "text": later[0], "time": later[1], "session": "1"},
    ]
    phrase = later[0].split(" I ")[0]
    vague = {"phrase": phrase, "start": None, "end": None, "grain": "unknown"}
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        stub.answer(_answer([{"turn": "T1", "times": [told]}, {"turn": "T2", "times": [vague]}], [ANA, BEN]))
        add(mem, messages, namespace="claude", extractor=claude_extractor(stub.url, tmp_path / "cache"), embed=False)
        add(mem, messages, namespace="spacy", extractor=extractor, embed=False)
        assert not stub.queue
        for ns in ("claude", "spacy"):
            last = max(mem.store.iter_events(ns), key=lambda e: e.seq)
            assert (last.times[0].phrase, last.times[0].start) == (phrase, expected), ns


def test_later_that_month_of_a_time_the_turn_says_before_it_whatever_order_claude_lists_them(
    claude: ClaudeExtractor, stub: Stub
) -> None:
    text = "I moved to Porto in May 2023. Later that month I started at Globex Corporation."
    times = [
        {"phrase": "Later that month", "start": None, "end": None, "grain": "unknown"},
        {"phrase": "May 2023", "start": "2023-05-01", "end": "2023-06-01", "grain": "month"},
    ]
    stub.answer(_answer([{"turn": "T1", "times": times}], [ANA]))
    turns = (RawTurn("Ana", text, timestamp=datetime(2024, 3, 12, 19)),)
    batch = claude.extract(Transcript(NS, (RawSession("s1", 0, turns, started_at=turns[0].timestamp),)))
    [event] = batch.events
    assert [(r.phrase, r.start, r.end) for r in event.times] == [
        ("May 2023", datetime(2023, 5, 1), datetime(2023, 6, 1)),
        ("Later that month", datetime(2023, 5, 1), datetime(2023, 6, 1)),
    ]


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        ("Initech", True),
        ("University of Porto", True),
        ("the Acme Group", True),
        ("iPhone", True),
        ("7-Eleven", True),
        ("my old job", False),
        ("My old job", False),
        ("that company", False),
        ("a startup", False),
        ("my Acme job", False),
        ("the old place", False),
        ("Acme job", False),
    ],
)
def test_a_denied_value_names_something_or_describes_it(wrong: str, named: bool) -> None:
    from graphmem.extract.claude_batch import _is_name

    assert _is_name(wrong) is named
