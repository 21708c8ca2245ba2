"""Any bytes give transcripts or a named IngestError, never another exception (warnings name the file)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem.errors import IngestError, IngestWarning
from graphmem.formats import FORMATS, read_transcripts

_TEXTISH = st.text(alphabet=st.sampled_from(list('Ana Bo:{}[]"\n,#-0123456789session_.é\x00')), max_size=200)


def _read(data: bytes, fmt: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.txt"
        path.write_bytes(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IngestWarning)
            try:
                transcripts = read_transcripts(path, format=fmt)
            except IngestError as exc:
                assert exc.path == str(path)
                return
        assert all(isinstance(w.message, IngestWarning) and w.message.path == str(path) for w in caught)
        assert transcripts and all(t.turn_count > 0 for t in transcripts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=200), _TEXTISH.map(str.encode)), fmt=st.sampled_from([None, *FORMATS]))
def test_any_input_reads_or_fails_by_name(data: bytes, fmt: str | None) -> None:
    _read(data, fmt)
