"""Loading spaCy, and the fast paths of the spaCy extractor giving spaCy's own output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graphmem.errors import MissingDependencyError
from graphmem.extract.nlp import CompiledAttributeRuler, load_nlp
from graphmem.extract.pipeline import SpacyExtractor

from .conftest import LOCOMO_DEV

SENTENCES = [
    "Hey Mel! I'm swamped with the kids & work. What's up with you?",
    "I ain't gonna lie, I've been doin' nothin' since Friday.",
    "She gets it, he got it, they'd have known that if they'd asked.",
    "That was the one that I wanted, wasn't it?",
    "Gonna continue my edu and check out career options, which is pretty exciting!",
    "Caroline went to Paris with Barack Obama in 2022 and visited Google.",
    "   Spaces   around\n\nnewlines  and\ttabs.",
    "y'all come back now, y' hear?",
]


def texts() -> list[str]:
    out = list(SENTENCES)
    if LOCOMO_DEV.is_file():
        sample = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))[1]["conversation"]
        turns = [t["text"] for k, v in sample.items() if k.startswith("session_") and isinstance(v, list) for t in v]
        out += turns[:80]
    return out


def signature(doc: Any) -> list[tuple[str, ...]]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, str(t.head.i)) for t in doc]


def test_load_nlp_caches_one_instance(nlp: Any) -> None:
    assert load_nlp() is nlp
    assert nlp.lang == "en" and "ner" in nlp.pipe_names


def test_missing_model_names_the_install_line() -> None:
    with pytest.raises(MissingDependencyError, match="pip install no-such-model-pkg"):
        load_nlp("no_such_model_pkg")


def test_compiled_attribute_ruler_matches_spacy(nlp: Any) -> None:
    ruler = nlp.get_pipe("attribute_ruler")
    compiled = CompiledAttributeRuler(ruler)
    docs = list(nlp.pipe(texts(), disable=["attribute_ruler", "lemmatizer", "ner"]))
    assert sum(len(d) for d in docs) > 50
    for doc in docs:
        assert compiled.match(doc) == ruler.match(doc), doc.text


def test_fast_parse_gives_spacys_annotations(nlp: Any) -> None:
    sample = texts()
    plain = list(nlp.pipe(sample))
    fast = list(SpacyExtractor(nlp, gate_ner=False)._parse(iter(sample)))
    assert [signature(d) for d in fast] == [signature(d) for d in plain]
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in fast] == [
        [(e.start, e.end, e.label_) for e in d.ents] for d in plain
    ]


def test_gated_ner_keeps_names_and_dates(nlp: Any) -> None:
    sample = texts()
    plain = list(nlp.pipe(sample))
    gated = list(SpacyExtractor(nlp)._parse(iter(sample)))
    wanted = {"PERSON", "GPE", "ORG", "DATE", "TIME", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT"}
    kept = lost = 0
    for p, g in zip(plain, gated, strict=True):
        want = {(e.start, e.end, e.label_) for e in p.ents if e.label_ in wanted}
        have = {(e.start, e.end, e.label_) for e in g.ents}
        kept += len(want & have)
        lost += len(want - have)
    assert kept > 0 and lost <= max(1, kept // 50)
    assert signature(gated[5]) == signature(plain[5])


def test_unknown_pipeline_runs_unchanged(nlp: Any) -> None:
    import spacy

    blank = spacy.blank("en")
    docs = list(SpacyExtractor(blank)._parse(iter(["Hello there, Caroline."])))
    assert [t.text for t in docs[0]] == ["Hello", "there", ",", "Caroline", "."]


def test_numpy_gemm_gives_the_blis_pipelines_annotations(nlp: Any) -> None:
    import importlib.util

    from thinc.api import Model, NumpyOps

    from graphmem.extract.nlp import MODEL_PACKAGES, use_numpy_gemm

    module = next(importlib.import_module(n) for n in MODEL_PACKAGES if importlib.util.find_spec(n))
    stock = module.load()  # a second copy, as spaCy loads it: BLIS

    def layers(pipeline: Any) -> list[Any]:
        models = [getattr(c, "model", None) for _, c in pipeline.pipeline]
        return [n for m in models if isinstance(m, Model) for n in m.walk()]

    assert any(isinstance(n.ops, NumpyOps) and n.ops.use_blis for n in layers(stock))
    assert layers(nlp) and not any(isinstance(n.ops, NumpyOps) and n.ops.use_blis for n in layers(nlp))
    sample = texts()
    fast = list(SpacyExtractor(nlp, gate_ner=False)._parse(iter(sample)))
    plain = list(stock.pipe(sample))
    assert [signature(d) for d in fast] == [signature(d) for d in plain]
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in fast] == [
        [(e.start, e.end, e.label_) for e in d.ents] for d in plain
    ]
    assert use_numpy_gemm(stock) > 0 and use_numpy_gemm(stock) == 0  # switched once, then left alone
