"""Namespaces of any script: legal names, and the names derived from files."""

from __future__ import annotations

import pytest

from graphmem.errors import ConfigError
from graphmem.formats import namespace_from, read_transcripts
from graphmem.models import validate_namespace


@pytest.mark.parametrize("name", ["família", "日記", "हिन्दी", "Ελληνικά", "ana_2024", "conv-26", "a.b:c@d", "9"])
def test_letters_and_digits_of_any_script_are_a_namespace(name: str) -> None:
    assert validate_namespace(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "a/b", "a\\b", "../x", "a\nb", "a\x00b", "a\x7fb", "a b", "a\u200bb", "-a", "\u0301a", "a" * 129],
)
def test_separators_controls_spaces_and_empty_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="illegal namespace"):
        validate_namespace(name)


@pytest.mark.parametrize(
    ("stem", "namespace"),
    [
        ("família", "família"),
        ("fami\u0301lia", "fam\u00edlia"),  # decomposed í composed (NFC)
        ("日記", "日記"),
        ("Tomás chat (1)", "Tomás-chat-1"),
        ("\u200bnotes\u200e", "notes"),
        ("a\tb", "a-b"),
        ("---", "default"),
    ],
)
def test_a_namespace_from_a_file_name_is_legal_and_keeps_its_letters(stem: str, namespace: str) -> None:
    assert namespace_from(stem) == namespace
    validate_namespace(namespace_from(stem))


def test_a_file_named_in_another_script_names_its_namespace(write) -> None:
    (t,) = read_transcripts(write("família.txt", "Ana: olá\n"))
    assert t.namespace == "família"
    (t,) = read_transcripts(write("日記.jsonl", '{"speaker": "Ana", "text": "hi"}\n'))
    assert t.namespace == "日記"
    (t,) = read_transcripts(write("chat.txt", "Ana: hi\n"), namespace="família")
    assert t.namespace == "família"
