"""A namespace with a trailing newline is refused by every backend (it once listed as a second "alpha")."""

from __future__ import annotations

import pytest

from graphmem.errors import ConfigError
from graphmem.models import Batch, Event, Session

from .conftest import Backend


@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\n\n", " ", "\t"])
def test_a_namespace_with_trailing_whitespace_is_refused(backend: Backend, suffix: str) -> None:
    store = backend.open()
    good = backend.ns("alpha")
    bad = good + suffix
    store.write(Batch(good, (Session(good, "s", 0),), (Event(good, "e", "s", 0, "A", "hi"),)))
    with pytest.raises(ConfigError, match="illegal namespace"):
        store.write(Batch(bad, (Session(bad, "s", 0),), (Event(bad, "e", "s", 0, "A", "hi"),)))
    with pytest.raises(ConfigError, match="illegal namespace"):
        store.stats(bad)
    assert [ns for ns in store.namespaces() if ns.startswith(backend.prefix)] == [good]
