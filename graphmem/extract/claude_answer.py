"""Checking the shape of a ``record_memory`` answer before anything is made of it (no I/O).

Every field the tool schema declares is checked, required or not: a subject that is a number, a list
or an object is malformed output, never read as "no subject" (a closing with no subject ends the
predicate for everyone). An enum Claude spells otherwise (a mention's role, a time's grain, a closing's
predicate) is left to the batch builder, which maps it or drops it; its type is still checked here. So is
an entity's type: :func:`entity_type` maps a spelling of a declared type ("Organisation", "person",
"Places", "ORG") onto it, and the builder takes any other for the default, ``Thing`` (warned about).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from graphmem.errors import ExtractionError
from graphmem.extract.entities import NER_TYPES

__all__ = ["DEFAULT_TYPE", "ENTITY_TYPES", "GRAINS", "entity_type", "malformed", "parse_iso", "validate"]

ENTITY_TYPES = ("Person", "Place", "Organization", "Group", "Occasion", "Work", "Product", "Language", "Thing", "Topic")
GRAINS = ("day", "week", "month", "year", "time", "unknown")
#: The type of an entity whose type Claude gave as none of :data:`ENTITY_TYPES` spells.
DEFAULT_TYPE = "Thing"
# Other names of the declared types: spaCy's NER labels (typed as the spaCy path types them), which Claude
# may borrow, and common words for a type
_TYPE_NAMES = {label.casefold().replace("_", ""): declared for label, declared in NER_TYPES.items()} | {
    "company": "Organization",
    "people": "Person",
    "location": "Place",
    "city": "Place",
    "town": "Place",
    "country": "Place",
    "event": "Occasion",
}

_STRING, _NULLABLE, _BOOLEAN, _ISO = "string", "nullable", "boolean", "iso"
#: Per list of an event entry: its fields and their shapes (a required string is non-empty).
_FIELDS: dict[str, dict[str, str]] = {
    "mentions": {"entity": _STRING, "role": _NULLABLE},
    "facts": {
        "subject": _STRING,
        "predicate": _STRING,
        "object": _STRING,
        "time_phrase": _NULLABLE,
        "until_phrase": _NULLABLE,
    },
    "closings": {
        "predicate": _STRING,
        "subject": _NULLABLE,
        "object": _NULLABLE,
        "time_phrase": _NULLABLE,
        "past": _BOOLEAN,
    },
    "corrections": {"subject": _STRING, "predicate": _STRING, "corrected": _STRING, "wrong": _NULLABLE},
    "times": {"phrase": _STRING, "start": _ISO, "end": _ISO, "grain": _NULLABLE},
}
_EXPECTED = {
    _STRING: "a non-empty string",
    _NULLABLE: "a string or null",
    _BOOLEAN: "true, false or null",
    _ISO: "an ISO date or date-time string, or null",
}


_PARTIAL = re.compile(r"\d{4}(?:-\d{2})?")


def entity_type(value: Any) -> str | None:
    """The declared entity type (of :data:`ENTITY_TYPES`) ``value`` spells, case, spaces, ``-``/``_``, a
    plural and British ``-isation`` aside ("Organisation", "person", "Places", "work_of_art", "ORG"), or
    ``None`` for one it does not (or no string)."""
    if not isinstance(value, str):
        return None
    key = re.sub(r"[\s_\-]+", "", value.casefold()).replace("isation", "ization")
    singular = key[:-3] + "y" if key.endswith("ies") else key[:-1] if key.endswith("s") else key
    for form in (key, singular):
        for declared in ENTITY_TYPES:
            if form == declared.casefold():
                return declared
        if form in _TYPE_NAMES:
            return _TYPE_NAMES[form]
    return None


def malformed(where: str, what: str) -> ExtractionError:
    """The error for a malformed answer at the JSON path ``where``."""
    return ExtractionError(f"malformed record_memory output at {where}: {what}")


def parse_iso(value: Any) -> datetime | None:
    """An ISO date or date-time (``Z`` allowed), naive as given or with its offset; ``None`` for no
    date (null, an empty string) or one that does not parse."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _PARTIAL.fullmatch(text):  # "2024-05", "2024": a month or a year, from its first day
        text = (text + "-01-01")[:10]
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _fits(value: Any, shape: str) -> bool:
    if shape == _STRING:
        return isinstance(value, str) and bool(value.strip())
    if shape == _NULLABLE:
        return value is None or isinstance(value, str)
    if shape == _BOOLEAN:
        return value is None or isinstance(value, bool)
    # a date that does not parse is left to the local resolver (the time's phrase), as for a time Claude
    # does not date: only its shape is checked here
    return value is None or isinstance(value, str)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(data: Any) -> dict[str, Any]:
    """Check a tool input against the schema's shape, every field of it.

    Returns:
        ``data`` itself.

    Raises:
        ExtractionError: a field is missing or of the wrong shape; the message names its JSON path.
    """
    if not isinstance(data, dict):
        raise malformed("$", f"expected an object, found {type(data).__name__}")
    for key in ("entities", "events"):
        if not isinstance(data.get(key), list):
            raise malformed(f"$.{key}", "expected a list")
    for i, item in enumerate(data["entities"]):
        _entity(item, f"$.entities[{i}]")
    for i, item in enumerate(data["events"]):
        where = f"$.events[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("turn"), str | int):
            raise malformed(where, "an event needs a 'turn' id")
        for name, fields in _FIELDS.items():
            _entries(item.get(name), fields, f"{where}.{name}")
    return data


def _entity(item: Any, where: str) -> None:
    if not isinstance(item, dict) or not _fits(item.get("name"), _STRING):
        raise malformed(where, "an entity needs a non-empty 'name'")
    if not _fits(item.get("type"), _NULLABLE):  # a type not declared is the builder's to default
        raise malformed(f"{where}.type", f"expected a string or null, found {_shown(item['type'])}")
    aliases = item.get("aliases")
    if aliases is not None and (not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases)):
        raise malformed(f"{where}.aliases", "expected a list of strings")


def _entries(values: Any, fields: dict[str, str], where: str) -> None:
    """Check one list of an event entry (``None``: not given)."""
    if values is None:
        return
    if not isinstance(values, list):
        raise malformed(where, "expected a list")
    required = [k for k, shape in fields.items() if shape == _STRING]
    for j, value in enumerate(values):
        if not isinstance(value, dict):
            raise malformed(f"{where}[{j}]", f"expected an object, found {type(value).__name__}")
        if any(value.get(k) is None for k in required):  # one given of another shape is named below
            raise malformed(f"{where}[{j}]", f"needs non-empty {', '.join(required)}")
        for key, shape in fields.items():
            if not _fits(value.get(key), shape):
                raise malformed(f"{where}[{j}].{key}", f"expected {_EXPECTED[shape]}, found {_shown(value[key])}")
