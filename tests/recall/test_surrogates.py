"""Lone surrogates (from a JSON escape or a non-UTF-8 argument) reach the embedder cleaned, never as a TypeError."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.embed import default_embedder
from graphmem.text import clean_text

DATA = Path(__file__).resolve().parents[2] / "data"


def test_clean_text_replaces_only_lone_surrogates() -> None:
    assert clean_text("caf\udce9 \ud800x é 😀") == "caf\ufffd \ufffdx é 😀"
    assert clean_text("plain") == "plain"


def test_the_default_embedder_takes_lone_surrogates() -> None:
    vectors = default_embedder().embed(["\ud800", "caf\udce9", "café"])
    assert vectors.shape[0] == 3


@pytest.fixture(scope="module")
def chat_memory(tmp_path_factory: pytest.TempPathFactory):
    with Memory.open(tmp_path_factory.mktemp("sur") / "db") as mem:
        assert mem.ingest(DATA / "chat.jsonl").files_ok == 1
        yield mem


@pytest.mark.parametrize("text", ["\ud800", "caf\udce9", "where \udfff did we go"])
def test_recall_and_the_dsl_take_lone_surrogates(chat_memory: Memory, text: str) -> None:
    assert isinstance(chat_memory.recall(text, namespace="chat"), list)
    chat_memory.query(f'RECALL "{text}"', namespace="chat")
    chat_memory.query(f'FIND (e:Event ABOUT "{text}") RETURN e.text', namespace="chat")
    chat_memory.query(f'FIND (e:Event) WHERE e.text CONTAINS "{text}" RETURN e.text', namespace="chat")
