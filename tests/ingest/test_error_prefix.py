"""A unit's error names its input once: an extractor's own ``FILE: extraction failed:`` is not prefixed again."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.errors import ExtractionError
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.transcript import Transcript

from .fakes import FakeExtractor, keep


class NamingExtractor(FakeExtractor):
    """Fails as the spaCy extractor does when its model package is missing: naming the absolute source file."""

    def extract(self, transcript: Transcript) -> object:  # type: ignore[override]
        raise ExtractionError(f"{transcript.source_file}: extraction failed: the package 'model-x' is needed")


def test_the_file_is_named_once_as_given(memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "life.txt").write_text("Ana: I started at Acme today.\nBo: Congratulations!\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    summary = ingest(memory, ["life.txt"], extractor=NamingExtractor(), resolver=keep)
    assert summary.files_failed == 1
    message = summary.errors[0][1]
    assert message.startswith("life.txt: extraction failed: the package 'model-x' is needed"), message
    assert message.count("extraction failed") == 1 and str(tmp_path) not in message, message


def test_an_error_without_the_file_gets_the_prefix(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "boom.txt"
    path.write_text("Ana: EXPLODE now\n", encoding="utf-8")
    summary = ingest(memory, [path], extractor=FakeExtractor(), resolver=keep)
    assert summary.errors[0][1].startswith(f"{path}: extraction failed: ValueError")
