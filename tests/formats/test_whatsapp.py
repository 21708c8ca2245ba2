"""WhatsApp chat exports: both apps' layouts, continuation lines, notices, and the date order."""

from __future__ import annotations

import warnings
from datetime import datetime

import pytest

from graphmem.errors import IngestError, IngestWarning
from graphmem.formats import detect_format, read_transcripts

ANDROID = (
    "\u200e12/03/2024, 19:00 - Messages and calls are end-to-end encrypted. No one outside can read them.\n"
    "12/03/2024, 19:00 - Ana: Big news: I started at Globex on 1 March!\n"
    "12/03/2024, 19:01 - Ben Okafor: Congratulations!\n"
    "How is the team?\n"
    "\n"
    "12/03/2024, 19:02 - Ana: <Media omitted>\n"
    "12/03/2024, 19:03 - Ana: Lovely so far <This message was edited>\n"
    "12/03/2024, 19:04 - Ben Okafor added Carla\n"
    '12/03/2024, 19:05 - Ben Okafor changed the subject to "Trip: Lisbon"\n'
    "13/03/2024, 08:30 - Carla: Morning all\n"
)


def test_an_android_export(write) -> None:
    path = write("Chat with Ana.txt", ANDROID)
    assert detect_format(path) == "whatsapp"
    [t] = read_transcripts(path)
    assert t.format == "whatsapp" and t.namespace == "Chat-with-Ana"
    turns = [turn for s in t.sessions for turn in s.turns]
    assert [(x.speaker, x.text, x.line) for x in turns] == [
        ("Ana", "Big news: I started at Globex on 1 March!", 2),
        ("Ben Okafor", "Congratulations!\nHow is the team?", 3),
        ("Ana", "Lovely so far", 7),
        ("Carla", "Morning all", 10),
    ]
    assert turns[0].timestamp == datetime(2024, 3, 12, 19, 0)
    # a pause longer than the session gap starts a new session
    assert [len(s.turns) for s in t.sessions] == [3, 1]
    assert t.sessions[1].started_at == datetime(2024, 3, 13, 8, 30)


def test_an_ios_export_month_first_with_am_pm(write) -> None:
    text = (
        "[3/14/24, 7:00:00\u202fPM] Ana: I still work at Globex\n"
        "\u200e[3/14/24, 7:00:05\u202fPM] Ben: image omitted\n"
        "[3/15/24, 12:15:00\u202fAM] Ben: Late reply: nice\n"
    )
    path = write("ana.txt", text)
    assert detect_format(path) == "whatsapp"  # not a "[time] Name: text" transcript
    [t] = read_transcripts(path)
    turns = [turn for s in t.sessions for turn in s.turns]
    assert [(x.speaker, x.timestamp) for x in turns] == [
        ("Ana", datetime(2024, 3, 14, 19, 0)),  # 14 in second place: month first
        ("Ben", datetime(2024, 3, 15, 0, 15)),  # 12 AM is midnight
    ]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # day first runs forward (3 Apr, 5 Apr, 4 May); month first would go back (4 Mar, 4 May, 5 Apr)
        (("03/04/24", "05/04/24", "04/05/24"), [(2024, 4, 3), (2024, 4, 5), (2024, 5, 4)]),
    ],
)
def test_ambiguous_dates_take_the_order_that_runs_forward(write, dates, expected) -> None:
    text = "".join(f"{d}, 10:00 - Ana: message {i}\n" for i, d in enumerate(dates))
    with pytest.warns(IngestWarning, match="read as day/month .*only so do the messages run forward"):
        [t] = read_transcripts(write("a.txt", text))
    got = [x.timestamp for s in t.sessions for x in s.turns]
    assert [(d.year, d.month, d.day) for d in got if d is not None] == expected


def test_month_first_when_only_that_runs_forward(write) -> None:
    text = "01/02/24, 10:00 - Ana: one\n01/03/24, 10:00 - Ana: two\n02/01/24, 10:00 - Ana: three\n"
    # day first: 1 Feb, 1 Mar, 2 Jan (back once); month first: 2 Jan, 3 Jan, 1 Feb (forward)
    with pytest.warns(IngestWarning, match="read as month/day"):
        [t] = read_transcripts(write("b.txt", text))
    got = [x.timestamp for s in t.sessions for x in s.turns]
    assert got == [datetime(2024, 1, 2, 10), datetime(2024, 1, 3, 10), datetime(2024, 2, 1, 10)]


def test_dates_that_read_either_way_are_day_first_with_a_warning(write) -> None:
    path = write("c.txt", "03/04/2024, 10:00 - Ana: hi\n03/04/2024, 10:05 - Ben: hello\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [t] = read_transcripts(path)
    assert t.sessions[0].turns[0].timestamp == datetime(2024, 4, 3, 10, 0)
    [w] = [w for w in caught if issubclass(w.category, IngestWarning)]
    assert "day/month" in str(w.message) and w.filename == str(path) and w.lineno == 1


def test_year_first_dates_need_no_guess(write) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [t] = read_transcripts(write("d.txt", "2024-03-04, 10:00 - Ana: hi\n"))
    assert t.sessions[0].turns[0].timestamp == datetime(2024, 3, 4, 10, 0)


def test_bad_exports_name_the_place(write) -> None:
    with pytest.raises(IngestError, match=r"e\.txt:2: 13/14/2024 is no date"):
        read_transcripts(write("e.txt", "01/01/2024, 10:00 - Ana: hi\n13/14/2024, 10:00 - Ana: x\n"), format="whatsapp")
    both = "13/01/2024, 10:00 - Ana: hi\n01/14/2024, 10:00 - Ana: x\n"
    with pytest.raises(
        IngestError, match=r"e2\.txt:2: 01/14/2024 reads only as month/day but line 1's 13/01/2024 only as day/month"
    ):
        read_transcripts(write("e2.txt", both))
    with pytest.raises(IngestError, match=r"f\.txt:1: not a WhatsApp export"):
        read_transcripts(write("f.txt", "Ana: hi\n"), format="whatsapp")
    with pytest.raises(IngestError, match=r"g\.txt: no messages found"):
        read_transcripts(write("g.txt", "01/01/2024, 10:00 - Ana: <Media omitted>\n"))


def test_an_export_ingests_into_events_with_their_times(tmp_path, write) -> None:
    from graphmem.ingest import ingest
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder, FakeExtractor, keep

    path = write("WhatsApp Chat with Ana.txt", ANDROID)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        summary = ingest(mem, path, namespace="ana", extractor=FakeExtractor(), resolver=keep)
        assert (summary.files_ok, summary.events) == (1, 4)
        events = sorted(mem.store.iter_events("ana"), key=lambda e: e.occurred_at or datetime.min)
        assert [(e.speaker, e.occurred_at) for e in events][:2] == [
            ("Ana", datetime(2024, 3, 12, 19, 0)),
            ("Ben Okafor", datetime(2024, 3, 12, 19, 1)),
        ]
        assert len(list(mem.store.iter_sessions("ana"))) == 2


def test_a_text_transcript_with_bracketed_timestamps_stays_text(write) -> None:
    path = write("t.txt", "[2024-03-14 10:32] Ana: hi\n[2024-03-14 10:33] Ben: [image: a cat] look\n")
    assert detect_format(path) == "text"


def test_ios_notices_under_the_chat_name_are_left_out(write) -> None:
    text = (
        "[13/03/2024, 19:00:00] Ana: \u200eMessages and calls are end-to-end encrypted.\n"
        "[13/03/2024, 19:00:01] Trip: Lisbon: \u200eAna added you\n"
        "[13/03/2024, 19:00:02] Ana: \u200eMissed voice call\n"
        "[13/03/2024, 19:01:00] Ana: Hello!\n"
    )
    [t] = read_transcripts(write("ios.txt", text))
    assert [(x.speaker, x.text) for s in t.sessions for x in s.turns] == [("Ana", "Hello!")]


@pytest.mark.parametrize(
    ("line", "when"),
    [
        ("[31/12/2022 11:40:26] John Doe: hi", datetime(2022, 12, 31, 11, 40, 26)),  # iOS en-GB, no comma
        ("[23.09.2016 17:00:28] John Doe: hi", datetime(2016, 9, 23, 17, 0, 28)),  # iOS tr
        ("[13/6/18 1:55:00 p. m.] John Doe: hi", datetime(2018, 6, 13, 13, 55)),  # iOS es
        ("13/03/2024 19:00 - John Doe: hi", datetime(2024, 3, 13, 19, 0)),  # Android pt-BR, no comma
        ("13-03-24 19:00:05 - John Doe: hi", datetime(2024, 3, 13, 19, 0, 5)),
    ],
)
def test_locale_shapes_without_a_comma(write, line: str, when: datetime) -> None:
    path = write("x.txt", line + "\n")
    assert detect_format(path) == "whatsapp"
    [t] = read_transcripts(path)
    assert t.sessions[0].turns[0].timestamp == when


def test_a_transcript_with_session_headers_stays_text(write) -> None:
    text = "[12/03/2024, 19:00] Ana: hi\n## Session 2 — 13 March 2024\n[10:00] Ben: hello\n"
    assert detect_format(write("s.txt", text)) == "text"


def test_long_multi_line_messages_are_still_an_export(write) -> None:
    body = "12/03/2024, 19:00 - Ana: packing list\n" + "".join(f"- item {i}\n" for i in range(8))
    path = write("list.txt", body + "12/03/2024, 19:05 - Ben: ok\n")
    assert detect_format(path) == "whatsapp"


def test_a_week_of_january_reads_month_first(write) -> None:
    text = "".join(f"1/{d}/24, 10:00 - Ana: day {d}\n" for d in (1, 3, 7))
    with pytest.warns(IngestWarning, match="read as month/day"):
        [t] = read_transcripts(write("us.txt", text))
    assert [x.timestamp for s in t.sessions for x in s.turns][-1] == datetime(2024, 1, 7, 10, 0)


def test_impossible_clocks_tildes_and_documents(write) -> None:
    with pytest.raises(IngestError, match=r"h\.txt:2: no time of day: '12/03/2024, 25:00'"):
        read_transcripts(write("h.txt", "12/03/2024, 19:00 - Ana: hi\n12/03/2024, 25:00 - Ana: x\n"))
    text = "13/03/2024, 19:00 - ~ Ana: hi\n13/03/2024, 19:01 - Ana: report.pdf • 3 pages document omitted\n"
    [t] = read_transcripts(write("i.txt", text))
    assert [(x.speaker, x.text) for s in t.sessions for x in s.turns] == [("Ana", "hi")]
    with pytest.raises(IngestError, match=r"j\.txt:2: 01\.14\.2024 reads only as month/day"):
        read_transcripts(write("j.txt", "13.01.2024, 10:00 - Ana: hi\n01.14.2024, 10:00 - Ana: x\n"))


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-12 10:00:01 - myapp - INFO - Connected: db=main\n2024-03-12 10:00:02 - myapp - INFO - Ready: yes\n",
        "2024-03-12 10:00:01 - INFO: server started\n2024-03-12 10:00:02 - WARN: disk low\n",
    ],
)
def test_log_files_are_no_export(write, text: str) -> None:
    with pytest.raises(IngestError, match="unknown format"):
        detect_format(write("app.log", text))


def test_continuation_lines_that_look_like_headers_stay_in_the_message(write) -> None:
    text = "13/03/2024, 19:00 - Ana: menu for saturday\n---\nstarter: soup\n13/03/2024, 19:05 - Ben: great\n"
    path = write("menu.txt", text)
    assert detect_format(path) == "whatsapp"
    [t] = read_transcripts(path)
    assert next(x.text for s in t.sessions for x in s.turns) == "menu for saturday\n---\nstarter: soup"


def test_a_mark_opening_a_message_is_no_notice_on_android_nor_in_right_to_left_text(write) -> None:
    text = (
        "[13/03/2024, 19:00:00] Ana: \u200eשלום, I work at Acme\n"
        "[13/03/2024, 19:00:30] Ana: \u200eLocation: https://maps.example/?q=38.7\n"
        "[13/03/2024, 19:00:40] Ana: see you there\n"
        "[13/03/2024, 19:00:50] Trip: \u200eהקבוצה נוצרה\n"  # a notice under the group's name, which sends nothing
        "13/03/2024, 19:01 - Ben: \u200eI work at Globex\n"
    )
    [t] = read_transcripts(write("lrm.txt", text), format="whatsapp")
    assert [x.speaker for s in t.sessions for x in s.turns] == ["Ana", "Ana", "Ana", "Ben"]


def test_a_year_first_ios_export_without_commas_is_an_export(write) -> None:
    text = (
        "[2024-03-12 19:00:05] Ana: \u200eimage omitted\n"
        "[2024-03-12 19:00:09] Ana: hej\n[2024-03-12 19:01:00] Ben: hej då\n"
    )
    path = write("se.txt", text)
    assert detect_format(path) == "whatsapp"
    [t] = read_transcripts(path)
    assert [(x.speaker, x.text) for s in t.sessions for x in s.turns] == [("Ana", "hej"), ("Ben", "hej då")]


def test_an_android_export_without_commas_keeps_its_notices_out(write) -> None:
    text = (
        "12/03/2024 19:00 - Mensagens e ligações são protegidas com a criptografia de ponta a ponta.\n"
        "13/03/2024 19:00 - Ana: Oi\n13/03/2024 19:01 - Ana adicionou Ben\n13/03/2024 19:02 - Ben: Olá\n"
    )
    path = write("br.txt", text)
    assert detect_format(path) == "whatsapp"
    [t] = read_transcripts(path)
    assert [(x.speaker, x.text) for s in t.sessions for x in s.turns] == [("Ana", "Oi"), ("Ben", "Olá")]


def test_a_small_difference_in_span_is_no_reason_to_guess_silently(write) -> None:
    path = write("uk.txt", "1/3/24, 09:00 - Ana: hi\n2/5/24, 09:00 - Ana: again\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [t] = read_transcripts(path)
    assert next(x.timestamp for s in t.sessions for x in s.turns) == datetime(2024, 3, 1, 9, 0)
    assert any(issubclass(w.category, IngestWarning) for w in caught)


def test_a_right_to_left_message_keeps_its_sender_when_the_line_opens_with_a_mark(write) -> None:
    text = (
        "\u200e[13/03/2024, 19:00:00] Ana: \u200eשלום\n"
        "[13/03/2024, 19:00:40] Ana: see you there\n"
        "[13/03/2024, 19:01:00] Ben: ok\n"
    )
    [t] = read_transcripts(write("rtl.txt", text))
    assert [x.speaker for s in t.sessions for x in s.turns] == ["Ana", "Ana", "Ben"]


def test_dates_read_month_first_for_a_shorter_chat_say_so_and_what_day_first_would_give(write) -> None:
    # monthly rent on the 1st: month/day makes it three days of January, and that guess is never silent
    text = "".join(
        f"01/{m:02}/2024, 10:00 - Ana: Rent paid for {n}.\n" for m, n in ((2, "Feb"), (3, "Mar"), (4, "Apr"))
    )
    with pytest.warns(IngestWarning) as caught:
        read_transcripts(write("eu_monthly.txt", text))
    [said] = [str(w.message) for w in caught]
    assert "eu_monthly.txt:1: WhatsApp dates read either way" in said
    assert "read as month/day (2 January 2024 to 4 January 2024)" in said
    assert "as day/month they would run 1 February 2024 to 1 April 2024" in said
