"""Each format reads into the expected sessions and turns."""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta, timezone

import pytest

from graphmem.errors import IngestWarning
from graphmem.formats import read_records, read_transcripts
from graphmem.formats._records import SESSION_GAP

from .conftest import DATA


def test_locomo_sample_sessions_turns_and_captions() -> None:
    [t] = read_transcripts(DATA / "locomo_style.json")
    assert t.namespace == "priya-tomas"
    assert t.format == "locomo"
    assert [s.id for s in t.sessions] == ["session_1", "session_2", "session_3"]
    assert [s.index for s in t.sessions] == [0, 1, 2]
    assert t.sessions[0].started_at == datetime(2024, 3, 3, 16, 12)
    assert t.sessions[0].date_text == "4:12 pm on 3 March, 2024"
    first = t.sessions[0].turns[1]
    assert (first.speaker, first.source_id) == ("Tomás", "D1:2")
    assert first.caption == "a photo of a stone castle wall on a misty green hill"
    assert first.json_path == "$[0].conversation.session_1[1]"
    assert t.turn_count == 30


def test_locomo_single_sample_object_and_session_key_order(write) -> None:
    conv = {
        "speaker_a": "A",
        "speaker_b": "B",
        "session_10_date_time": "9:00 am on 3 May, 2023",
        "session_10": [{"speaker": "A", "dia_id": "D10:1", "text": "ten"}],
        "session_2_date_time": "9:00 am on 2 May, 2023",
        "session_2": [{"speaker": "B", "dia_id": "D2:1", "text": "two"}],
        "session_11_date_time": "9:00 am on 4 May, 2023",  # a date key without turns: ignored
    }
    path = write("one.json", json.dumps({"sample_id": "s-1", "conversation": conv}))
    [t] = read_transcripts(path)
    assert [s.id for s in t.sessions] == ["session_2", "session_10"]
    assert [s.turns[0].text for s in t.sessions] == ["two", "ten"]


def test_locomo_explicit_namespace_prefixes_sessions_per_sample(write) -> None:
    sample = {"conversation": {"session_1": [{"speaker": "A", "text": "hi"}]}}
    path = write("two.json", json.dumps([{**sample, "sample_id": "x"}, {**sample, "sample_id": "y"}]))
    ts = read_transcripts(path, namespace="shared")
    assert [t.namespace for t in ts] == ["shared", "shared"]
    assert [t.sessions[0].id for t in ts] == ["x/session_1", "y/session_1"]


def test_jsonl_sample_sessions_ids_timestamps() -> None:
    [t] = read_transcripts(DATA / "chat.jsonl")
    assert (t.namespace, t.format) == ("chat", "jsonl")
    assert [s.id for s in t.sessions] == ["session_1", "session_2"]
    turn = t.sessions[0].turns[0]
    assert (turn.speaker, turn.source_id, turn.line) == ("Sam", "m1", 1)
    assert turn.timestamp == datetime(2024, 9, 6, 18, 2, tzinfo=timezone(timedelta(hours=1)))
    assert turn.timestamp.utcoffset() == timedelta(hours=1)  # the offset is kept, not converted
    assert t.sessions[1].turns[0].caption == "a photo of a crowded concert hall with purple stage lights"
    assert t.sessions[1].started_at == datetime(2024, 10, 14, 9, 15, tzinfo=timezone(timedelta(hours=1)))


def test_jsonl_role_content_fields_and_gap_sessions(write) -> None:
    lines = [
        {"role": "user", "content": "morning", "timestamp": "2024-01-01T08:00:00"},
        {"role": "assistant", "content": "hello", "timestamp": "2024-01-01T08:01:00"},
        {"role": "system", "content": "ignored instructions"},
        {"role": "user", "content": "evening", "timestamp": "2024-01-01T08:01:00"},
    ]
    late = datetime(2024, 1, 1, 8, 1) + SESSION_GAP + SESSION_GAP
    lines[3]["timestamp"] = late.isoformat()
    path = write("c.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    [t] = read_transcripts(path)
    assert [[x.text for x in s.turns] for s in t.sessions] == [["morning", "hello"], ["evening"]]
    assert t.sessions[1].turns[0].line == 4


def test_jsonl_epoch_timestamps_and_sessions_sorted_by_date(write) -> None:
    lines = [
        {"speaker": "A", "text": "later", "session": "b", "timestamp": 1_700_000_000_000},
        {"speaker": "A", "text": "earlier", "session": "a", "timestamp": 1_600_000_000},
    ]
    path = write("e.jsonl", "\n".join(json.dumps(x) for x in lines))
    [t] = read_transcripts(path)
    assert [s.id for s in t.sessions] == ["a", "b"]
    assert t.sessions[0].started_at == datetime(2020, 9, 13, 12, 26, 40)


def test_text_sample_headers_times_continuations_and_images() -> None:
    [t] = read_transcripts(DATA / "transcript.txt")
    assert (t.namespace, t.format) == ("transcript", "text")
    assert [s.id for s in t.sessions] == ["session_1", "session_2"]
    assert [s.date_text for s in t.sessions] == ["14 March 2024", "2 May 2024"]
    assert t.sessions[0].started_at == datetime(2024, 3, 14, 19, 2)
    bike = t.sessions[0].turns[6]
    assert bike.text.endswith("It folds small enough to fit under my desk at the office.")
    assert bike.line == 10
    show = t.sessions[0].turns[7]
    assert (show.text, show.caption) == ("Show me!", "a photo of a folded green bicycle next to a desk")


def test_text_without_headers_and_undated_header(write) -> None:
    path = write("t.txt", "Ana: hi there\nBo: hello\n\n--- Session 2: the day after ---\nAna: again\n")
    [t] = read_transcripts(path)
    assert [s.id for s in t.sessions] == ["session_1", "session_2"]
    assert t.sessions[0].started_at is None
    assert t.sessions[1].date_text == "the day after"
    assert t.sessions[1].started_at is None  # kept as text, never guessed


def test_chat_export_participants_and_skipped_messages() -> None:
    [t] = read_transcripts(DATA / "chat_export.json")
    assert (t.namespace, t.format) == ("chat_export", "chat")
    speakers = {turn.speaker for s in t.sessions for turn in s.turns}
    assert speakers == {"Dana", "Ava"}
    texts = [turn.text for s in t.sessions for turn in s.turns]
    assert "hotel search results" not in texts and not any("helpful travel" in x for x in texts)
    assert "She loves trains, so the Sagano Romantic Train sounds perfect." in texts
    assert len(t.sessions) == 2  # a pause of weeks splits the chat


def test_chat_bare_list_of_messages(write) -> None:
    path = write("m.json", json.dumps([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]))
    [t] = read_transcripts(path)
    assert t.format == "chat"
    assert [x.json_path for x in t.sessions[0].turns] == ["$[0]", "$[1]"]


def test_explicit_namespace_prefixes_session_ids() -> None:
    [t] = read_transcripts(DATA / "chat.jsonl", namespace="sam")
    assert t.namespace == "sam"
    assert t.sessions[0].id == "chat/session_1"


def test_records_get_a_key_prefix_unless_they_name_sessions() -> None:
    t = read_records([{"speaker": "A", "text": "x"}], namespace="n", key="k1")
    assert t.sessions[0].id == "k1/session_1"
    t = read_records([{"speaker": "A", "text": "x", "session": 3}], namespace="n", key="k1")
    assert t.sessions[0].id == "session_3"


@pytest.mark.parametrize("fmt", ["locomo", "jsonl", "text", "chat"])
def test_forced_format_reads_the_sample(fmt: str) -> None:
    name = {"locomo": "locomo_style.json", "jsonl": "chat.jsonl", "text": "transcript.txt", "chat": "chat_export.json"}
    [t] = read_transcripts(DATA / name[fmt], format=fmt)
    assert t.format == fmt and t.turn_count > 5


def test_locomo_samples_without_ids_get_numbered_namespaces(write) -> None:
    sample = {"conversation": {"session_1": [{"speaker": "A", "text": "hi"}]}}
    ts = read_transcripts(write("convs.json", json.dumps([sample, sample])))
    assert [t.namespace for t in ts] == ["convs-1", "convs-2"]
    [one] = read_transcripts(write("solo.json", json.dumps(sample)))
    assert one.namespace == "solo" and one.sessions[0].id == "session_1"


def test_tagged_session_ids_and_source_key(write, monkeypatch) -> None:
    from graphmem.formats import load_source, read_source, source_key, source_tag

    path = write("chat.txt", "Ana: hi\nBo: yo\n")
    monkeypatch.chdir(path.parent)
    src = load_source("chat.txt")
    assert src.key == source_key("chat.txt") == str(path.resolve())
    [plain] = read_source(src)
    assert plain.source_file == str(path.resolve()) and plain.sessions[0].id == "session_1"
    tag = source_tag(src.key, "chat")
    assert tag.startswith("chat-") and len(tag) == len("chat-") + 8
    assert tag != source_tag(str(path.parent / "other" / "chat.txt"), "chat")
    [tagged] = read_source(src, tagged=True)
    assert [s.id for s in tagged.sessions] == [f"{tag}/session_1"]
    [shared] = read_source(src, namespace="friends", tagged=True)
    assert (shared.namespace, shared.sessions[0].id) == ("friends", f"{tag}/session_1")


def test_tag_prefixes_locomo_sessions_even_with_a_sample_id(write) -> None:
    # two files with the same sample_id (an edited copy elsewhere) must not write the same session ids
    from graphmem.formats import load_source, read_source

    conv = {"session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "hi"}]}
    path = write("l.json", json.dumps([{"sample_id": "conv-1", "conversation": conv}, {"conversation": conv}]))
    first, second = read_source(load_source(path), tagged=True)
    assert first.namespace == "conv-1" and first.sessions[0].id.startswith("l-")
    assert first.sessions[0].id.endswith("/session_1") and first.sessions[0].id != "session_1"
    assert second.namespace == "l-2" and second.sessions[0].id.endswith("-2/session_1")


def test_text_clock_times_under_an_undated_header_warn_naming_the_line(write) -> None:
    text = (
        "## Session 1 — 14 March 2024\n[10:00] Ana: hi\n\n"
        "## Session 2 — the day after\nBo: hey\n[10:32] Ana: hi\n[10:33] Bo: yo\n"
    )
    path = write("t.txt", text)
    with pytest.warns(IngestWarning) as caught:
        [t] = read_transcripts(path)
    [w] = caught  # once per session, at its first clock time
    assert isinstance(w.message, IngestWarning)
    assert (w.message.path, w.message.line) == (str(path), 6)
    assert str(w.message).startswith(f"{path}:6: [10:32] is a time of day")
    assert "header at line 4" in str(w.message) and "'the day after'" in str(w.message)
    assert t.sessions[0].turns[0].timestamp == datetime(2024, 3, 14, 10, 0)
    assert [turn.timestamp for turn in t.sessions[1].turns] == [None, None, None]  # nothing guessed


def test_text_clock_times_without_any_date_warn(write) -> None:
    path = write("t.txt", "[10:01] Ana: hi\n[10:02] Bo: hello\n")
    with pytest.warns(IngestWarning, match=r"t\.txt:1: \[10:01\] is a time of day but its session has no date"):
        read_transcripts(path)


def test_text_clock_time_warning_is_shown_on_every_read_under_the_default_filter(write) -> None:
    # a long-running agent re-reading an edited file must see the warning again: it names the input's
    # path:line as its place, not graphmem's code (which the default filter would show only once)
    path = write("t.txt", "[10:01] Ana: hi\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        read_transcripts(path)
        read_transcripts(path)
    assert [(w.filename, w.lineno) for w in caught] == [(str(path), 1), (str(path), 1)]


def test_text_clock_time_warning_shows_the_line_as_the_file_is_now(write) -> None:
    import linecache

    path = write("t.txt", "[10:01] Ana: first version\n")
    shown = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda m, c, f, n, file=None, line=None: shown.append(
            warnings.formatwarning(m, c, f, n, line)
        )
        read_transcripts(path)
        path.write_text("[11:11] Ana: second version\n", encoding="utf-8")
        read_transcripts(path)
    assert "first version" in shown[0] and "second version" in shown[1] and "first version" not in shown[1]
    assert str(path) not in linecache.cache  # no copy of the input kept


def test_text_dated_clock_times_and_full_timestamps_do_not_warn(write) -> None:
    path = write("t.txt", "## Session 1 — the day after\n[2024-03-14 10:32] Ana: hi\nBo: yo\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [t] = read_transcripts(path)
    assert t.sessions[0].turns[0].timestamp == datetime(2024, 3, 14, 10, 32)


def test_a_message_given_twice_with_its_id_is_one_turn(write) -> None:
    """An export that repeats a message (same id, speaker and text) keeps it once, as re-sending it to
    ``Memory.add`` does; it was stored as two events sharing one source id."""
    first = {"speaker": "Ana", "text": "I moved to Porto.", "timestamp": "2024-05-02T10:00:00", "id": "m1"}
    second = {"speaker": "Ben", "text": "How is it?", "timestamp": "2024-05-02T10:01:00", "id": "m2"}
    path = write("dup.jsonl", "\n".join(json.dumps(x) for x in (first, second, second, first)) + "\n")
    [t] = read_transcripts(path)
    assert [(x.source_id, x.line) for s in t.sessions for x in s.turns] == [("m1", 1), ("m2", 2)]
    chat = write("dup.json", json.dumps({"messages": [first, second, second]}))
    [c] = read_transcripts(chat)
    assert [x.source_id for s in c.sessions for x in s.turns] == ["m1", "m2"]
    records = read_records([first, first], namespace="n", key="k")
    assert [x.source_id for s in records.sessions for x in s.turns] == ["m1"]


def test_message_ids_may_repeat_in_other_sessions(write) -> None:
    """Ids that restart in each labelled session are distinct messages, kept."""
    lines = [
        {"speaker": "Ana", "text": "hi", "session": "a", "id": 1},
        {"speaker": "Ana", "text": "hi", "session": "b", "id": 1},
    ]
    [t] = read_transcripts(write("s.jsonl", "\n".join(json.dumps(x) for x in lines)))
    assert [(s.id, len(s.turns)) for s in t.sessions] == [("a", 1), ("b", 1)]


def test_text_session_date_that_does_not_parse_warns_at_its_header(write) -> None:
    """`## Session 1 — 31 February 2024` (a date with a year that is no date) was dropped in silence
    when no turn carried a clock time: the session was stored with no time at all."""
    path = write("t.txt", "## Session 1 — 31 February 2024\nAna: hi\n\n## Session 2 — 1 March 2024\n[10:00] Bo: yo\n")
    with pytest.warns(IngestWarning) as caught:
        [t] = read_transcripts(path)
    [w] = caught
    assert (w.message.path, w.message.line) == (str(path), 1)
    assert "session date '31 February 2024' does not parse" in str(w.message)
    assert t.sessions[0].started_at is None and t.sessions[0].date_text == "31 February 2024"
    assert t.sessions[1].started_at == datetime(2024, 3, 1, 10, 0)


def test_text_clock_times_under_a_bad_session_date_warn_once(write) -> None:
    path = write("t.txt", "## Session 1 — 31 February 2024\n[10:00] Ana: hi\n[10:01] Bo: yo\n")
    with pytest.warns(IngestWarning) as caught:
        read_transcripts(path)
    [w] = caught
    assert w.message.line == 1 and "kept without a date or time" in str(w.message)


def test_text_header_without_a_year_is_a_title_not_a_bad_date(write) -> None:
    path = write("t.txt", "## Book club, chapter 3\nAna: hi\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [t] = read_transcripts(path)
    assert t.sessions[0].date_text == "Book club, chapter 3"


def test_locomo_session_date_that_does_not_parse_warns_naming_its_json_path(write) -> None:
    conv = {
        "speaker_a": "A",
        "speaker_b": "B",
        "session_1_date_time": "not a date",
        "session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "hi"}],
    }
    path = write("lc.json", json.dumps([{"sample_id": "s", "conversation": conv}], indent=1))
    with pytest.warns(IngestWarning) as caught:
        [t] = read_transcripts(path)
    [w] = caught
    assert w.message.json_path == "$[0].conversation.session_1_date_time"
    assert '"not a date"' in path.read_text().splitlines()[w.message.line - 1]
    where = f"{path}:{w.message.line} at $[0].conversation.session_1_date_time"
    assert str(w.message).startswith(f"{where}: session date 'not a date'")
    assert t.sessions[0].started_at is None


def test_a_speaker_name_is_one_line(write) -> None:
    """A JSON speaker "Ana\\nEvil" was stored as it was: a person whose name broke every table and
    context line it appeared in."""
    path = write("s.jsonl", json.dumps({"speaker": "Ana\n  Evil\t", "text": "hi"}) + "\n")
    [t] = read_transcripts(path)
    assert t.sessions[0].turns[0].speaker == "Ana Evil"
    records = read_records([{"role": "Dana\r\nSmith", "content": "hello"}], namespace="n", key="k")
    assert records.sessions[0].turns[0].speaker == "Dana Smith"


@pytest.mark.parametrize("header", ["Ticket 4521", "Meeting notes, room 1204", "Build 3000 review", "May we begin"])
def test_text_header_with_a_number_that_is_no_year_is_a_title(write, header: str) -> None:
    """`## Ticket 4521` warned "session date does not parse": any four digits counted as a year."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [t] = read_transcripts(write("t.txt", f"## {header}\nAna: hi\n"))
    assert t.sessions[0].date_text == header and t.sessions[0].started_at is None


@pytest.mark.parametrize("header", ["Session 1 — 31 February 2024", "31 Feb", "February 30th", "1999-02-30"])
def test_text_header_with_a_year_or_a_month_day_that_does_not_parse_warns(write, header: str) -> None:
    with pytest.warns(IngestWarning, match="does not parse"):
        read_transcripts(write("t.txt", f"## {header}\nAna: hi\n"))


@pytest.mark.parametrize(
    ("header", "start"),
    [
        ("## March 2023", datetime(2023, 3, 1)),
        ("--- May 2022 ---", datetime(2022, 5, 1)),
        ("## Session 4 — Sept. 2021", datetime(2021, 9, 1)),
        ("=== dec 1999 ===", datetime(1999, 12, 1)),
    ],
)
def test_text_header_of_a_month_and_year_starts_the_session_with_the_month(write, header: str, start: datetime) -> None:
    """`## March 2023` warned "session date does not parse" and the session was kept with no time."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [t] = read_transcripts(write("t.txt", f"{header}\nAna: hi\nBo: yo\n"))
    assert t.sessions[0].started_at == start


@pytest.mark.parametrize("header", ["## Marching 2023", "## Room 2023", "## May 2023 retro"])
def test_text_header_of_a_word_and_a_year_is_no_month(write, header: str) -> None:
    with pytest.warns(IngestWarning, match="does not parse"):
        [t] = read_transcripts(write("t.txt", f"{header}\nAna: hi\n"))
    assert t.sessions[0].started_at is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "case.jsonl",
            '{"speaker": "Marta", "text": "I work at Acme."}\n{"speaker": "marta ", "text": "I live in Lyon."}\n'
            '{"speaker": "MARTA", "text": "I have a cat."}\n{"speaker": "Bob", "text": "Nice."}\n',
        ),
        ("case.txt", "Marta: I work at Acme.\nmarta : I live in Lyon.\nMARTA: I have a cat.\nBob: Nice.\n"),
        (
            "case.json",
            '{"sample_id": "c", "conversation": {"speaker_a": "Marta", "speaker_b": "Bob", "session_1": ['
            '{"speaker": "Marta", "text": "a"}, {"speaker": "marta ", "text": "b"}, {"speaker": "MARTA", "text": "c"},'
            '{"speaker": "Bob", "text": "d"}]}}',
        ),
    ],
)
def test_speakers_spelled_apart_only_by_case_take_the_first_spelling(write, name: str, content: str) -> None:
    path = write(name, content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [t] = read_transcripts(path)
    assert [x.speaker for s in t.sessions for x in s.turns] == ["Marta", "Marta", "Marta", "Bob"]
    said = [str(w.message) for w in caught if issubclass(w.category, IngestWarning)]
    assert len(said) == 2 and "speaker 'MARTA' is taken as 'Marta'" in said[1]


def test_an_id_given_again_with_the_same_text_at_another_time_is_kept_once_with_a_warning(write) -> None:
    lines = [
        {
            "id": "x1",
            "session": 1,
            "timestamp": "2024-02-01T10:00:00Z",
            "speaker": "Ann",
            "text": "I work at Umbrella.",
        },
        {"id": "x2", "session": 1, "timestamp": "2024-02-01T10:01:00Z", "speaker": "Bob", "text": "Cool."},
        {
            "id": "x1",
            "session": 1,
            "timestamp": "2024-02-01T12:00:00Z",
            "speaker": "Ann",
            "text": "I work at Umbrella.",
        },
    ]
    path = write("dupts.jsonl", "\n".join(json.dumps(x) for x in lines))
    with pytest.warns(IngestWarning, match=r"dupts\.jsonl:3: message id 'x1' was already given at line 1 .*kept once"):
        [t] = read_transcripts(path)
    assert [x.timestamp.hour for s in t.sessions for x in s.turns if x.timestamp] == [10, 10]
