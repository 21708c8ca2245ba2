"""Words of unspaced scripts for full-text search: overlapping character bigrams, shared by every backend.

SQLite FTS5's ``unicode61`` tokenizer (the embedded store's index; the Bolt store's client-side BM25 uses it
too) splits text at spaces and punctuation only, so a run of Chinese, Japanese or Korean characters
(``我昨天在北京吃了烤鸭``) is one token and no word inside it can be found. This module rewrites such runs
before any tokenizer sees them, the way Lucene's ``CJKBigramFilter`` does (and Elasticsearch's ``cjk``
analyzer): a run becomes its overlapping character bigrams (``我昨 昨天 天在 在北 北京 京吃 …``), so a word of
two characters or more inside it is found by its bigrams, ranked by BM25 like any other word.

* Index time (:func:`index_text`): each run gives its bigrams and, first, its characters one by one
  (unigrams), so a one-character word (``猫``, ``本``) inside a run is found too.
* Query time (:func:`query_words`): a run of two characters or more gives its bigrams only (its unigrams
  would match nearly every row of the script), a run of one character that character.

Every bigram and unigram of a query is one of the index's, so a query word found in a text always shares
its tokens with it. The scripts segmented are Han (with the ideographic iteration and closing marks),
Hiragana, Katakana (with ``ー``, half-width forms) and Hangul, one run whatever their mix (``東京で`` gives
``東京`` and ``京で``), each run NFKC-normalised first (half-width ``ｶﾀｶﾅ`` is ``カタカナ``); and Thai, a run of
its own, whose combining vowel and tone marks are dropped first (``unicode61`` breaks a token at them, so
they are not part of any token anyway). Text without any of these characters is returned as it is, so
Latin text is tokenised exactly as before (the same rows, the same BM25 scores).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["has_segments", "index_text", "is_thai", "query_words"]

_CJK = (
    "\u2f00-\u2fd5"  # Kangxi radicals (NFKC makes them ideographs)
    "\u3005-\u3007\u3021-\u3029\u3038-\u303b"  # iteration and closing marks, Hangzhou numerals
    "\u3041-\u3096\u3099\u309a\u309d-\u309f"  # Hiragana (with the combining voiced sound marks)
    "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"  # Katakana (with ー; not the middle dot, a separator)
    "\u1100-\u11ff\u3131-\u318e\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff"  # Hangul jamo and syllables
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han, extension A, compatibility ideographs
    "\uff66-\uff9f\uffa0-\uffdc"  # half-width Katakana and Hangul
    "\U0001b000-\U0001b16f"  # Kana supplement and extended
    "\U00020000-\U0003134f"  # Han extensions B to G
)
_THAI = "\u0e01-\u0e3a\u0e40-\u0e4e"
_RUN = re.compile(f"[{_CJK}]+|[{_THAI}]+")
_THAI_RUN = re.compile(f"[{_THAI}]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def has_segments(text: str) -> bool:
    """Whether ``text`` holds a character of a script :func:`index_text` segments (its form differs then)."""
    return _RUN.search(text) is not None


def is_thai(word: str) -> bool:
    """Whether ``word`` (a query word of :func:`query_words`) is a piece of Thai (its marks dropped)."""
    return _THAI_RUN.fullmatch(word) is not None


def _letters(run: str) -> str:
    """A run's characters as segmented: NFKC for CJK; for both, combining marks dropped (a Thai vowel or
    tone mark, or a voiced sound mark NFKC could not join to its kana)."""
    if not _THAI_RUN.match(run):
        run = unicodedata.normalize("NFKC", run)
    return "".join(c for c in run if unicodedata.category(c) != "Mn")


def _bigrams(letters: str) -> list[str]:
    return [letters[i : i + 2] for i in range(len(letters) - 1)]


def _index_run(match: re.Match[str]) -> str:
    letters = _letters(match.group(0))
    pieces = list(letters) if len(letters) < 2 else [*letters, *_bigrams(letters)]
    return " " + " ".join(pieces) + " "


def _query_run(match: re.Match[str]) -> str:
    letters = _letters(match.group(0))
    pieces = [letters] if len(letters) < 2 else _bigrams(letters)
    return " " + " ".join(pieces) + " "


def index_text(text: str) -> str:
    """``text`` as full-text indexes hold it: each run of an unspaced script replaced by its unigrams and
    bigrams, spaced (``北京烤鸭`` → ``北 京 烤 鸭 北京 京烤 烤鸭``); any other text (all Latin text) as it is."""
    if not has_segments(text):
        return text
    return _RUN.sub(_index_run, text)


def query_words(text: str) -> list[str]:
    """The words of a query, casefolded, each once, in order: ``\\w+`` runs, with each run of an unspaced
    script given as its bigrams (a run of one character as itself). FTS5 syntax is never parsed."""
    folded = text.casefold()
    if has_segments(folded):
        folded = _RUN.sub(_query_run, folded)
    return list(dict.fromkeys(_WORD.findall(folded)))
