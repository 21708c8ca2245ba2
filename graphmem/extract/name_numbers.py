"""The numbers a name holds, for entity resolution: "Star Wars Episode 4" and "Star Wars Episode 5" are
two works however alike their letters, so names whose numbers differ never merge
(:func:`graphmem.extract.resolve.same_entity`).

A number is a run of digits ("PS5", "1st", "2024"), a number word ("four", "twenty one", "Fourth") or a
Roman numeral ("II", "XIV"; a lone "I", "V" or "X" only as the last word of a longer name: "Rocky V",
"Episode I"), each read as its value, so "Formula One" and "Formula 1" hold the same number.
"""

from __future__ import annotations

import re

__all__ = ["name_numbers"]

_UNITS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}  # noqa: E501, SIM905  # fmt: skip
_TENS = {w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}  # noqa: SIM905
_ORDINALS = {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(), 1)}  # noqa: E501, SIM905  # fmt: skip
_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_DIGITS = re.compile(r"\d+")


def _roman(word: str) -> int:
    total = 0
    for ch, nxt in zip(word, [*word[1:], ""], strict=True):
        value = _ROMAN_VALUES[ch]
        total += -value if nxt and _ROMAN_VALUES[nxt] > value else value
    return total


def name_numbers(normalised: str) -> tuple[int, ...]:
    """The numbers of a normalised name (:func:`~graphmem.extract.names.normalize_name`), in order.

    >>> name_numbers("star wars episode iv"), name_numbers("harry potter book 2")
    ((4,), (2,))
    >>> name_numbers("catch twenty two"), name_numbers("ps5"), name_numbers("caroline smith")
    ((22,), (5,), ())
    """
    words = normalised.split()
    out: list[int] = []
    for i, word in enumerate(words):
        if (_UNITS.get(word, 0) or _ORDINALS.get(word, 10)) < 10 and out and i and words[i - 1] in _TENS:
            out[-1] += _UNITS.get(word) or _ORDINALS[word]  # "twenty one", "forty second"
        elif word in _UNITS or word in _TENS or word in _ORDINALS:
            out.append(_UNITS.get(word, _TENS.get(word, _ORDINALS.get(word, 0))))
        elif word and _ROMAN.fullmatch(word) and (len(word) > 1 or (i and i == len(words) - 1)):
            out.append(_roman(word))
        else:
            out.extend(int(d) for d in _DIGITS.findall(word))
    return tuple(out)
