"""``graphmem forget -n NS --session S`` and ``--about NAME``: they say what goes (how many events, of which
sessions, the first turns) and ask first, unless ``--yes``; a declined or missing answer deletes nothing."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.store.embedded import EmbeddedStore

NS = "talk"
T = datetime(2024, 5, 1, 10, 0)


@pytest.fixture
def talk_dir(tmp_path: Path) -> Path:
    """Two sessions; Dana speaks in the first and is named in the second."""
    d = tmp_path / "mem"
    events = (
        Event(NS, "ev:s1:1", "s1", 1, "Dana", "I adopted a cat called Mochi.", T),
        Event(NS, "ev:s1:2", "s1", 2, "Ann", "Cute!", T),
        Event(NS, "ev:s2:1", "s2", 1, "Ann", "Dana moved to Porto.", T.replace(day=2)),
        Event(NS, "ev:s2:2", "s2", 2, "Ann", "I like tea.", T.replace(day=2)),
    )
    dana, ann = Entity(NS, "ent:person:dana", "Dana", "Person"), Entity(NS, "ent:person:ann", "Ann", "Person")
    mentions = (
        Mention(NS, "ev:s1:1", dana.id, "speaker"),
        Mention(NS, "ev:s1:2", ann.id, "speaker"),
        Mention(NS, "ev:s2:1", ann.id, "speaker"),
        Mention(NS, "ev:s2:1", dana.id, "subject"),
        Mention(NS, "ev:s2:2", ann.id, "speaker"),
    )
    store = EmbeddedStore.open(d)
    sessions = (Session(NS, "s1", 0, T), Session(NS, "s2", 1, T.replace(day=2)))
    store.write(Batch(NS, sessions, events, entities=(dana, ann), mentions=mentions))
    store.close()
    return d


def _texts(d: Path) -> list[str]:
    store = EmbeddedStore.open(d)
    try:
        return sorted(ev.text for ev in store.iter_events(NS))
    finally:
        store.close()


def test_forget_about_says_what_goes_and_asks(
    talk_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _texts(talk_dir)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["--db", str(talk_dir), "forget", "-n", NS, "--about", "dana"]) == 1
    err = capsys.readouterr().err
    assert "everything about 'dana' in namespace 'talk' deletes 2 event(s) of 2 session(s) (s1, s2)" in err
    assert "ev:s1:1  Dana: I adopted a cat called Mochi." in err
    assert "Delete these 2 event(s)?" in err and "aborted" in err
    assert _texts(talk_dir) == before

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no answer to read: a usage error naming --yes
    assert main(["--db", str(talk_dir), "forget", "-n", NS, "--about", "Dana"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert _texts(talk_dir) == before

    assert main(["--db", str(talk_dir), "forget", "-n", NS, "--about", "Dana", "--yes"]) == 0
    assert _texts(talk_dir) == ["Cute!", "I like tea."]


def test_forget_a_session_asks_then_deletes_it(
    talk_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["--db", str(talk_dir), "forget", "-n", NS, "--session", "s2"]) == 0
    out, err = capsys.readouterr()
    assert "session 's2' in namespace 'talk' deletes 2 event(s) of 1 session(s)" in err
    assert "deleted" in out
    assert _texts(talk_dir) == ["Cute!", "I adopted a cat called Mochi."]


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--session", "s9"], 1, "no session 's9' in namespace 'talk' (did you mean 's1' or 's2'?)"),
        (["--about", "Zelda", "--yes"], 1, "Zelda"),
        (["--session", "s1", "--about", "Dana"], 2, "not --session and --about"),
        (["--event", "ev:s1:1", "--session", "s1", "--yes"], 2, "not --event and --session"),
    ],
)
def test_bad_forgets_are_named_and_delete_nothing(
    talk_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, said: str
) -> None:
    before = _texts(talk_dir)
    assert main(["--db", str(talk_dir), "forget", "-n", NS, *args]) == code
    assert said in capsys.readouterr().err
    assert _texts(talk_dir) == before


def test_forget_about_says_who_said_what_goes_and_the_names_searched(
    talk_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["--db", str(talk_dir), "forget", "-n", NS, "--about", "Dana"]) == 1
    err = capsys.readouterr().err
    assert "1 said by 'Dana', 1 said by others that name them, 0 said by others that mention them" in err
    assert "names searched in what was said: 'Dana'" in err
