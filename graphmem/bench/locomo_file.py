"""Reading a LoCoMo JSON file once: its questions (with gold evidence and gold answers) and conversations.

Both LoCoMo benchmarks read the same file: evidence recall (:mod:`graphmem.bench.locomo`) needs each
question's gold turn ids, answer accuracy (:mod:`graphmem.bench.answers`) its gold answer and the whole
conversation as text. One reader gives both, so the two never disagree about what a question is.

Gold evidence is the official ``evidence`` list, parsed with ``D(\\d+):(\\d+)`` (leading zeros stripped,
anything else dropped); ids naming no turn of the conversation are dropped too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphmem.errors import IngestError

__all__ = ["LocomoFile", "Question", "parse_evidence", "read_locomo_file", "render_conversation"]

_EVIDENCE = re.compile(r"D(\d+):(\d+)")
_SESSION = re.compile(r"session_\d+")


@dataclass(frozen=True, slots=True)
class Question:
    """One LoCoMo question.

    Attributes:
        namespace: the conversation's ``sample_id`` (where it is asked).
        text: the question.
        category: LoCoMo's category number (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop,
            5 adversarial).
        gold: the gold evidence turn ids that exist in the conversation.
        index: its position in the conversation's ``qa`` list.
        answer: the gold answer as text, ``None`` when the item has none (category 5).
    """

    namespace: str
    text: str
    category: int
    gold: tuple[str, ...]
    index: int = 0
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class LocomoFile:
    """What a LoCoMo file holds, read once.

    Attributes:
        questions: every question, in file order.
        turns: per namespace, the dialogue ids that exist.
        conversations: per namespace, the whole conversation as text (see :func:`render_conversation`).
    """

    questions: tuple[Question, ...]
    turns: dict[str, set[str]]
    conversations: dict[str, str]


def parse_evidence(items: Sequence[Any]) -> list[str]:
    """Dialogue ids from an evidence list: ``D(\\d+):(\\d+)`` anywhere in each item, leading zeros stripped.

    >>> parse_evidence(["D8:6; D9:17", "D30:05", "D", "D:11:26"])
    ['D8:6', 'D9:17', 'D30:5']
    """
    out: list[str] = []
    for item in items:
        for session, turn in _EVIDENCE.findall(str(item)):
            ident = f"D{int(session)}:{int(turn)}"
            if ident not in out:
                out.append(ident)
    return out


def render_conversation(conversation: Mapping[str, Any]) -> str:
    """The whole conversation as text: each session's date, then ``speaker: text`` per turn."""
    keys = sorted(
        (k for k in conversation if _SESSION.fullmatch(k) and isinstance(conversation[k], list)),
        key=lambda k: int(k.split("_")[1]),
    )
    out: list[str] = []
    for key in keys:
        out.append(f"{key} ({conversation.get(key + '_date_time', 'undated')}):")
        for turn in conversation[key]:
            if not isinstance(turn, dict):
                continue
            caption = f" [shares {turn['blip_caption']}]" if turn.get("blip_caption") else ""
            out.append(f"{turn.get('speaker', '?')}: {turn.get('text', '')}{caption}")
    return "\n".join(out)


def read_locomo_file(path: str | Path) -> LocomoFile:
    """Read a LoCoMo file: its questions, the turn ids of each conversation, and each conversation as text.

    Raises:
        IngestError: the file is not LoCoMo JSON (names the file and the conversation or question).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IngestError(f"cannot read LoCoMo JSON: {exc}", path=str(path)) from exc
    if not isinstance(data, list):
        raise IngestError("expected a JSON list of conversations", path=str(path))
    questions: list[Question] = []
    turns: dict[str, set[str]] = {}
    conversations: dict[str, str] = {}
    for i, sample in enumerate(data):
        try:
            namespace = str(sample["sample_id"])
            conversation = sample["conversation"]
            qa = sample["qa"]
        except (KeyError, TypeError) as exc:
            raise IngestError(f"conversation {i} lacks {exc}", path=str(path), json_path=f"$[{i}]") from exc
        ids: set[str] = set()
        for key, value in conversation.items():
            if _SESSION.fullmatch(key) and isinstance(value, list):
                ids.update(parse_evidence([t.get("dia_id", "") for t in value if isinstance(t, dict)]))
        turns[namespace] = ids
        conversations[namespace] = render_conversation(conversation)
        for j, item in enumerate(qa):
            try:
                text, category = str(item["question"]), int(item["category"])
            except (KeyError, TypeError, ValueError) as exc:
                raise IngestError(
                    f"question {j} lacks a question or category ({exc})", path=str(path), json_path=f"$[{i}].qa[{j}]"
                ) from exc
            gold = tuple(g for g in parse_evidence(item.get("evidence") or []) if g in ids)
            answer = item.get("answer")
            questions.append(Question(namespace, text, category, gold, j, None if answer is None else str(answer)))
    return LocomoFile(tuple(questions), turns, conversations)
