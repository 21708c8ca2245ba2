"""A namespace typed in NFC or NFD is one namespace ("José" printed twice by ``namespaces()`` was two), and
a store already holding one in NFD answers to it under either form."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from graphmem import Entity, Event, Memory, Mention
from graphmem.cli import main
from graphmem.models import Batch, Session
from graphmem.namespaces import namespace_spelling
from graphmem.store.embedded import EmbeddedStore
from tests.support.talk import NoEmbedder

NFC = unicodedata.normalize("NFC", "José")
NFD = unicodedata.normalize("NFD", "José")
WHEN = datetime(2024, 1, 1, 10)


def _events(ns: str, first: int) -> list[Event]:
    return [Event(ns, f"e{first}", "s", first, "Ana", f"Tomas said hi {first}", WHEN)]


def test_nfc_and_nfd_are_one_namespace(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "m", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        mem.add_events(_events(NFC, 0), namespace=NFC)
        mem.add_events(_events(NFD, 1), namespace=NFD)
        assert mem.namespaces() == [NFC]
        assert mem.stats(NFD).events == 2


@pytest.fixture
def nfd_store(tmp_path: Path) -> Path:
    """A store written (as before namespaces were normalised) with the NFD spelling."""
    d = tmp_path / "old"
    store = EmbeddedStore.open(d)
    ns = NFD
    entities = (Entity(ns, "ana", "Ana", "Person"), Entity(ns, "tomas", "Tomas", "Person"))
    mentions = (Mention(ns, "e0", "ana", "speaker"), Mention(ns, "e0", "tomas"))
    store.write(Batch(ns, (Session(ns, "s", 0, WHEN),), tuple(_events(ns, 0)), entities, mentions))
    store.close()
    return d


def test_a_stored_nfd_namespace_answers_to_either_form(nfd_store: Path) -> None:
    with Memory.open(nfd_store, embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        for ns in (NFC, NFD):
            assert mem.stats(ns).events == 1
            assert [e.id for e in mem.timeline("Tomas", namespace=ns)] == ["e0"]
            assert mem.query("FIND (e:Event) RETURN e.id", namespace=ns).rows == (("e0",),)
            assert mem.query(f'FIND (e:Event) IN "{ns}" RETURN e.id').rows == (("e0",),)
        mem.add_events(_events(NFC, 1), namespace=NFC)  # joins the stored namespace: no split
        assert mem.namespaces() == [NFD]
        assert mem.stats(NFD).events == 2


@pytest.mark.parametrize("typed", [NFC, NFD])
def test_the_cli_reaches_a_namespace_under_either_form(
    nfd_store: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    assert main(["--db", str(nfd_store), "timeline", "Tomas", "-n", typed]) == 0
    assert "Tomas said hi" in capsys.readouterr().out


def test_the_spelling() -> None:
    assert namespace_spelling(NFD, []) == NFC
    assert namespace_spelling(NFC, [NFD, "x"]) == NFD
    assert namespace_spelling(NFD, [NFC]) == NFC
    assert namespace_spelling("plain", lambda: pytest.fail("an ASCII name reads nothing")) == "plain"
    assert namespace_spelling("日記", lambda: pytest.fail("nor a name of one form")) == "日記"
