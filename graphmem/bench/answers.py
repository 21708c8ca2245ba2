"""``graphmem bench locomo DATA.json --answer claude``: answer accuracy on LoCoMo, not just hits.

Claude answers each question (categories 1–4; category 5, the adversarial one, has no gold answer and
is left out, as peers do) two ways in the same run:

* ``graphmem``: from ``Memory.context(question)`` (current facts and recalled events, within a budget);
* ``full``: from the whole conversation, the baseline every memory system is compared with.

Scores, per category and overall: token **F1** as in the LoCoMo paper's evaluation (lower case,
punctuation and articles dropped, Porter stems; category 1 gold answers split on commas, each scored by
its best-matching part of the prediction; category 3 gold answers cut at ``;``) and **J**, the share an
LLM judge labels CORRECT (the protocol Mem0 and others report).

Cost: the conversation is the system prompt of every baseline request and carries ``cache_control``,
so each conversation is written to the prompt cache once and read afterwards; requests go through the
Message Batches API (half price) unless ``batch=False``. A cost estimate (token counts from the local
tokenizer × the model's listed prices) is printed before any request is sent. No figures are made up
here: they come only from a run against the API.
"""

from __future__ import annotations

import functools
import json
import re
import statistics
import string
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from graphmem.bench.locomo_file import Question, read_locomo_file
from graphmem.errors import ConfigError, ExtractionError, MissingDependencyError

__all__ = [
    "PRICES",
    "AnswerQuestion",
    "ClaudeAnswerer",
    "answer_options",
    "estimate_cost",
    "load_answer_questions",
    "run_answers",
    "token_f1",
]

DEFAULT_MODEL = "claude-haiku-4-5"
CATEGORIES = (1, 2, 3, 4)
METHODS = ("graphmem", "full")

#: Listed prices, US$ per million tokens: (input, output). Cache writes cost 1.25× input, cache reads
#: 0.1× input; the Message Batches API halves everything.
PRICES: dict[str, tuple[float, float]] = {
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-opus-4-1": (15.0, 75.0),
}

ANSWER_SYSTEM = (
    "You answer questions about a long conversation between two people, using only the memory you are "
    "given. Answer with a short phrase of a few words, using the memory's own words where you can. For a "
    "question about when something happened, give the date or period. If the memory does not hold the "
    "answer, reply: not mentioned."
)
JUDGE_SYSTEM = (
    "You label an answer to a question as CORRECT or WRONG, given the question, a gold answer and the "
    "generated answer. Be generous: an answer that refers to the same thing as the gold answer is CORRECT "
    "even if it is longer or worded differently; for a time question, the same date or period in any "
    "format is CORRECT. Reply with one word: CORRECT or WRONG."
)
ANSWER_TOKENS = 64
JUDGE_TOKENS = 8


#: A question with its gold answer: the one LoCoMo question type (see :mod:`graphmem.bench.locomo_file`).
AnswerQuestion = Question


def load_answer_questions(path: str | Path) -> tuple[list[Question], dict[str, str]]:
    """The answerable questions (categories 1–4, with a gold answer) of a LoCoMo file, and each
    conversation as text.

    Raises:
        IngestError: the file is not LoCoMo JSON.
    """
    read = read_locomo_file(path)
    questions = [q for q in read.questions if q.category in CATEGORIES and q.answer is not None]
    return questions, read.conversations


# -- the LoCoMo paper's token F1 -----------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the|and)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("porter")


def _tokens(text: str) -> list[str]:
    stem = _stemmer()
    normal = " ".join(_ARTICLES.sub(" ", text.lower().replace(",", "").translate(_PUNCT)).split())
    return [str(w) for w in stem.stemWords(normal.split())]


def _f1(prediction: str, gold: str) -> float:
    pred, ref = _tokens(prediction), _tokens(gold)
    common: dict[str, int] = defaultdict(int)
    counts = {w: ref.count(w) for w in set(ref)}
    for w in pred:
        if counts.get(w, 0) > common[w]:
            common[w] += 1
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, gold: str, category: int) -> float:
    """Token F1 of a predicted answer against the gold one, as the LoCoMo paper's evaluation scores it.

    >>> round(token_f1("The Sintra hills", "Sintra", 4), 2)
    0.67
    >>> token_f1("painting, hiking", "hiking, painting", 1)
    1.0
    """
    if category == 3:
        gold = gold.split(";")[0].strip()
    if category == 1:
        parts = [p.strip() for p in prediction.split(",") if p.strip()] or [prediction]
        golds = [g.strip() for g in gold.split(",") if g.strip()] or [gold]
        return statistics.fmean(max(_f1(p, g) for p in parts) for g in golds)
    return _f1(prediction, gold)


# -- talking to Claude -------------------------------------------------------------------------------


@dataclass
class ClaudeAnswerer:
    """Sends message requests to Claude, in one Message Batch or one by one, and returns the texts.

    Args:
        model: the model to answer and judge with.
        api_key: the key (default ``ANTHROPIC_API_KEY``).
        base_url: the API endpoint (default the SDK's, or ``ANTHROPIC_BASE_URL``; a local stub in tests).
        batch: use the Message Batches API (half price, results within 24 h) instead of one call each.
        poll_seconds: how often to ask whether a batch has ended.
        sleep: how to wait between polls (tests pass a no-op).

    Attributes:
        errors: one line per request that did not succeed (its reply is left empty).
    """

    model: str = DEFAULT_MODEL
    api_key: str | None = None
    base_url: str | None = None
    batch: bool = True
    poll_seconds: float = 15.0
    sleep: Callable[[float], None] = time.sleep
    errors: list[str] = field(default_factory=list, init=False)
    _client: Any = field(default=None, init=False, repr=False)

    def client(self) -> Any:
        """The ``anthropic.Anthropic`` client, made on first use."""
        if self._client is None:
            try:
                import anthropic
            except ImportError as exc:
                raise MissingDependencyError("anthropic", extra="llm", purpose="answering with Claude") from exc
            key = self.api_key
            if not key:
                from graphmem.settings import Settings

                key = Settings.from_env().anthropic_api_key
            if not key:
                raise ConfigError("answering with Claude needs an API key: set ANTHROPIC_API_KEY")
            self._client = anthropic.Anthropic(api_key=key, base_url=self.base_url, max_retries=4)
        return self._client

    def run(self, requests: Mapping[str, dict[str, Any]]) -> dict[str, str]:
        """Send every request (``custom_id`` → Messages API params) and return ``custom_id`` → reply text.

        A request that fails leaves an empty reply and a line in :attr:`errors`.
        """
        if not requests:
            return {}
        import anthropic

        try:
            return self._run_batch(requests) if self.batch else self._run_each(requests)
        except anthropic.AnthropicError as exc:
            raise ExtractionError(f"the Claude API failed: {exc}") from exc

    def _run_each(self, requests: Mapping[str, dict[str, Any]]) -> dict[str, str]:
        client = self.client()
        return {cid: _text(client.messages.create(**params)) for cid, params in requests.items()}

    def _run_batch(self, requests: Mapping[str, dict[str, Any]]) -> dict[str, str]:
        client = self.client()
        batch = client.messages.batches.create(
            requests=[{"custom_id": cid, "params": params} for cid, params in requests.items()]
        )
        while batch.processing_status != "ended":
            self.sleep(self.poll_seconds)
            batch = client.messages.batches.retrieve(batch.id)
        out = dict.fromkeys(requests, "")
        for item in client.messages.batches.results(batch.id):
            if item.result.type == "succeeded":
                out[item.custom_id] = _text(item.result.message)
            else:
                self.errors.append(f"{item.custom_id}: {item.result.type}")
        return out


def _text(message: Any) -> str:
    return "".join(getattr(block, "text", "") for block in message.content).strip()


# -- the run ---------------------------------------------------------------------------------------


def _answer_params(model: str, question: str, memory_text: str | None, conversation: str | None) -> dict[str, Any]:
    if conversation is not None:  # the baseline: the conversation is the cached, shared prefix
        system: list[dict[str, Any]] = [
            {"type": "text", "text": ANSWER_SYSTEM},
            {
                "type": "text",
                "text": "Memory (the whole conversation):\n" + conversation,
                "cache_control": {"type": "ephemeral"},
            },
        ]
        user = f"Question: {question}\nShort answer:"
    else:
        system = [{"type": "text", "text": ANSWER_SYSTEM}]
        user = f"{memory_text}\n\nQuestion: {question}\nShort answer:"
    return {
        "model": model,
        "max_tokens": ANSWER_TOKENS,
        "system": system,
        "messages": [{"role": "user", "content": user}],
    }


def _judge_params(model: str, q: AnswerQuestion, answer: str) -> dict[str, Any]:
    user = f"Question: {q.text}\nGold answer: {q.answer}\nGenerated answer: {answer or '(none)'}\nLabel:"
    return {
        "model": model,
        "max_tokens": JUDGE_TOKENS,
        "system": JUDGE_SYSTEM,
        "messages": [{"role": "user", "content": user}],
    }


def _prompt_parts(params: Mapping[str, Any]) -> tuple[str, str]:
    """(the cached prefix, the rest) of a request's prompt text."""
    system = params["system"]
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system
    cached = [b["text"] for b in blocks if b.get("cache_control")]
    rest = [b["text"] for b in blocks if not b.get("cache_control")]
    rest.extend(str(m["content"]) for m in params["messages"])
    return "".join(cached), "\n".join(rest)


def estimate_cost(
    requests: Iterable[Mapping[str, Any]], *, model: str, count: Callable[[str], int], batch: bool, unknown_in: int = 0
) -> dict[str, Any]:
    """The cost of ``requests`` from token counts and the model's listed prices.

    Each distinct cached prefix is paid once as a cache write and then as cache reads; outputs are
    counted at their ``max_tokens`` (an upper bound); ``unknown_in`` adds input tokens not written yet
    (the answers the judge will read, at their ``max_tokens``).
    """
    tokens_in, tokens_out, cache_write, cache_read = unknown_in, 0, 0, 0
    seen: set[str] = set()
    for params in requests:
        cached, rest = _prompt_parts(params)
        tokens_in += count(rest)
        tokens_out += int(params["max_tokens"])
        if cached:
            size = count(cached)
            if cached in seen:
                cache_read += size
            else:
                seen.add(cached)
                cache_write += size
    price = PRICES.get(model)
    usd: float | None = None
    if price is not None:
        per_in, per_out = price[0] / 1e6, price[1] / 1e6
        usd = tokens_in * per_in + tokens_out * per_out + cache_write * per_in * 1.25 + cache_read * per_in * 0.1
        if batch:
            usd /= 2
    return {
        "model": model,
        "input_tokens": tokens_in,
        "cache_write_tokens": cache_write,
        "cache_read_tokens": cache_read,
        "max_output_tokens": tokens_out,
        "usd": None if usd is None else round(usd, 2),
        "batch": batch,
        "counted_with": "the local MiniLM WordPiece tokenizer (Claude's own count differs)",
    }


def _aggregate(rows: list[tuple[int, float, float]]) -> dict[str, Any]:
    def figures(items: list[tuple[int, float, float]]) -> dict[str, Any]:
        return {
            "f1": round(100 * statistics.fmean(r[1] for r in items), 2) if items else 0.0,
            "j": round(100 * statistics.fmean(r[2] for r in items), 2) if items else 0.0,
            "questions": len(items),
        }

    return {**figures(rows), "by_category": {str(c): figures([r for r in rows if r[0] == c]) for c in CATEGORIES}}


def run_answers(
    data: str | Path,
    *,
    memory: Any,
    answerer: ClaudeAnswerer,
    max_questions: int | None = None,
    budget_tokens: int = 1500,
    report: Callable[[str], None] = print,
    count_tokens: Callable[[str], int] | None = None,
    estimate_only: bool = False,
) -> dict[str, Any]:
    """Answer LoCoMo questions with Claude from ``context()`` and from the whole conversation; score both.

    ``memory`` must already hold the conversations (one namespace per ``sample_id``, as ``ingest`` makes).
    The cost estimate goes to ``report`` before the first request; with ``estimate_only`` nothing is
    sent and the result holds only the estimate.
    """
    from graphmem.context import default_token_counter

    questions, conversations = load_answer_questions(data)
    if max_questions is not None:
        if max_questions < 1:
            raise ConfigError(f"max_questions must be at least 1, not {max_questions}")
        questions = questions[:max_questions]
    count = count_tokens or default_token_counter()
    requests: dict[str, dict[str, Any]] = {}
    context_tokens: list[int] = []
    for i, q in enumerate(questions):
        ctx = memory.context(q.text, namespace=q.namespace, budget_tokens=budget_tokens)
        context_tokens.append(ctx.tokens)
        requests[f"q{i}-graphmem"] = _answer_params(answerer.model, q.text, ctx.text, None)
        requests[f"q{i}-full"] = _answer_params(answerer.model, q.text, None, conversations[q.namespace])
    judges = [_judge_params(answerer.model, questions[int(cid[1:].split("-")[0])], "") for cid in requests]
    cost = estimate_cost(
        [*requests.values(), *judges],
        model=answerer.model,
        count=count,
        batch=answerer.batch,
        unknown_in=len(judges) * ANSWER_TOKENS,
    )
    usd = f"${cost['usd']:.2f}" if cost["usd"] is not None else "unknown (no listed price for this model)"
    report(
        f"{len(questions)} questions × {len(METHODS)} methods with {answerer.model}"
        f"{' through the Message Batches API' if answerer.batch else ''}: estimated cost {usd} "
        f"({cost['input_tokens']} input, {cost['cache_write_tokens']} cache-write, {cost['cache_read_tokens']} "
        f"cache-read, at most {cost['max_output_tokens']} output tokens; {cost['counted_with']})"
    )
    if estimate_only:
        return {"model": answerer.model, "questions": len(questions), "cost_estimate": cost}
    answers = answerer.run(requests)
    judged = answerer.run(
        {
            cid: _judge_params(answerer.model, questions[int(cid[1:].split("-")[0])], text)
            for cid, text in answers.items()
        }
    )
    rows: dict[str, list[tuple[int, float, float]]] = {m: [] for m in METHODS}
    details = []
    for i, q in enumerate(questions):
        item: dict[str, Any] = {"namespace": q.namespace, "question": q.text, "category": q.category, "gold": q.answer}
        for method in METHODS:
            cid = f"q{i}-{method}"
            f1 = token_f1(answers[cid], q.answer or "", q.category)
            label = judged.get(cid, "").upper()
            correct = 1.0 if "CORRECT" in label and "WRONG" not in label else 0.0
            rows[method].append((q.category, f1, correct))
            item[method] = {"answer": answers[cid], "f1": round(f1, 4), "judge": label}
        details.append(item)
    conv_tokens = {ns: count(text) for ns, text in conversations.items()}
    return {
        "model": answerer.model,
        "methods": {m: _aggregate(rows[m]) for m in METHODS},
        "questions": len(questions),
        "cost_estimate": cost,
        "context_tokens": {
            "mean": round(statistics.fmean(context_tokens), 1) if context_tokens else 0.0,
            "budget": budget_tokens,
            "conversation_mean": round(statistics.fmean(conv_tokens.values()), 1) if conv_tokens else 0.0,
        },
        "errors": list(answerer.errors),
        "answers": details,
    }


def print_answer_report(result: dict[str, Any]) -> None:
    """Print F1 and J per method and category as a table."""
    from graphmem.cli.common import print_table

    cols = ["method", *(f"F1 cat {c}" for c in CATEGORIES), "F1", *(f"J cat {c}" for c in CATEGORIES), "J"]
    rows = []
    for name, fig in result["methods"].items():
        cats = fig["by_category"]
        rows.append(
            [
                name,
                *(f"{cats[str(c)]['f1']:.1f}" for c in CATEGORIES),
                f"{fig['f1']:.1f}",
                *(f"{cats[str(c)]['j']:.1f}" for c in CATEGORIES),
                f"{fig['j']:.1f}",
            ]
        )
    print_table(f"LoCoMo answers by {result['model']} ({result['questions']} questions)", cols, rows)
    tok = result["context_tokens"]
    click.echo(
        f"context(): {tok['mean']} tokens on average (budget {tok['budget']}); "
        f"whole conversation: {tok['conversation_mean']}"
    )
    if result["errors"]:
        click.echo(f"{len(result['errors'])} requests failed: {', '.join(result['errors'][:5])}", err=True)


def answer_options(func: Any) -> Any:
    """The ``--answer`` options of ``bench locomo`` (their values reach the command as ``**answer_opts``)."""
    options = [
        click.option("--answer", type=click.Choice(["claude"]), default=None, help="Score answers by Claude (F1, J)."),
        click.option("--max-questions", type=click.IntRange(min=1), default=None, help="--answer: at most N."),
        click.option("--answer-model", default=DEFAULT_MODEL, show_default=True, help="--answer: the model."),
        click.option(
            "--budget", type=click.IntRange(min=50), default=1500, show_default=True, help="--answer: context() tokens."
        ),
        click.option("--batch/--no-batch", default=True, show_default=True, help="--answer: Message Batches API."),
        click.option("--estimate-only", is_flag=True, help="--answer: print the cost estimate and stop."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_answer_command(data: str, *, store: str | None, json_out: str | None, **opts: Any) -> None:
    """What ``bench locomo --answer claude`` runs: ingest (or reuse ``store``), estimate, answer, score, print."""
    import tempfile

    from graphmem.memory import Memory

    answerer = ClaudeAnswerer(model=opts["answer_model"], batch=opts["batch"])
    with (
        tempfile.TemporaryDirectory(prefix="graphmem-answers-") as tmp,
        Memory.open(store or Path(tmp) / "store") as mem,
    ):
        summary = mem.ingest(data)
        if not summary.ok:
            raise click.ClickException(f"ingesting {data} failed: {summary.errors}")
        result = run_answers(
            data,
            memory=mem,
            answerer=answerer,
            max_questions=opts["max_questions"],
            budget_tokens=opts["budget"],
            report=click.echo,
            estimate_only=opts["estimate_only"],
        )
    if opts["estimate_only"]:
        return
    print_answer_report(result)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}")
