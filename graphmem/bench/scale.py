"""``graphmem bench scale --events N --namespaces N``: how ingest, size, open time, recall and memory grow.

Synthetic two-person dialogue (seeded, so every run writes the same text) is ingested through
``Memory.ingest`` (the full pipeline: spaCy extraction, embedding, store, vector index) in chunks of
whole sessions, or with ``--bulk`` through ``Memory.write`` without the spaCy extraction (see
:class:`BulkWriter`; what it changes is said there). At each checkpoint (1k, 3k, 10k, 30k, 100k, ...
events, up to ``--events``) it records:

* ingest rate (turns/s over the chunks since the previous checkpoint; with ``--bulk`` not the pipeline's);
* store size on disk (database and vector files);

and, in a fresh process that opens the store cold (:mod:`graphmem.bench.scale_probe`):

* open time (``Memory.open``; it loads no namespace) and the time to load every namespace's vectors;
* the first recall after opening (it loads that namespace's graph and vectors);
* recall latency p50/p95 over ``--queries`` questions (query embedding included), as wall time and as
  CPU time of the probe (steadier on a shared machine);
* resident memory after open, peak resident memory of the probe (open and recalls), evictions by the
  memory budget, and with two namespaces or more the resident memory with one namespace loaded, with a
  second one too, and after dropping the second.

The latency curve is plotted against size into ``--plot PATH`` when asked (no plot otherwise); the plot needs
matplotlib, the ``graphmem[plot]`` extra, checked before the run starts.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from graphmem.memory import Memory

__all__ = ["checkpoints", "command", "dialogue", "plot", "questions", "run_scale"]

_PEOPLE = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pavel",
    "Rosa",
    "Sami",
]
# (verb phrase in the past tense, base form, objects)
_ACTIVITIES: list[tuple[str, str, list[str]]] = [
    ("went hiking in", "go hiking in", ["the Alps", "Patagonia", "the Rockies", "Snowdonia", "the Dolomites"]),
    ("started learning", "start learning", ["the cello", "Portuguese", "pottery", "salsa", "chess", "the violin"]),
    ("adopted", "adopt", ["a beagle", "two kittens", "a rescue greyhound", "a parrot", "a tortoise"]),
    ("cooked", "cook", ["a Thai curry", "sourdough bread", "ramen from scratch", "a lemon tart", "paella"]),
    ("read", "read", ["a novel about Mars", "a biography of Curie", "a book on stoicism", "a thriller"]),
    ("visited", "visit", ["Lisbon", "Kyoto", "Montreal", "Cape Town", "Reykjavik", "Hanoi", "Vienna"]),
    ("bought", "buy", ["a used camper van", "a road bike", "a telescope", "a sewing machine", "a drone"]),
    ("watched", "watch", ["a documentary on whales", "an old western", "the final match", "a horror film"]),
    ("fixed", "fix", ["the kitchen sink", "my bike brakes", "the garden fence", "an old radio"]),
    ("ran", "run", ["a half marathon", "a charity 10k", "up the hill trail", "a relay race"]),
    ("painted", "paint", ["a sunset over a lake", "a portrait of my grandmother", "the nursery walls"]),
    ("joined", "join", ["a climbing gym", "a book club", "a community garden", "a choir", "a hackathon"]),
]
_WHEN = ["yesterday", "last weekend", "two weeks ago", "last month", "on Friday", "this morning", "in spring"]
_WITH = ["with my sister", "with my kids", "with an old friend", "on my own", "with my partner", "with colleagues"]
_FEEL = [
    "It was exhausting but worth it.",
    "I loved every minute.",
    "Honestly it was harder than I thought.",
    "It made me really happy.",
    "I want to do it again soon.",
    "It reminded me of my childhood.",
]
_REPLIES = [
    "That sounds amazing, {other}!",
    "Wow, how did that go?",
    "I'm so jealous!",
    "Tell me more about it.",
    "Did you take any photos?",
    "How long have you wanted to do that?",
    "That's brave of you!",
    "I tried that once and failed miserably.",
    "Was it expensive?",
    "Who else was there?",
]

_TURNS_PER_SESSION = 20


def dialogue(events: int, *, namespaces: int = 1, seed: int = 7) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Synthetic records, one session (``_TURNS_PER_SESSION`` turns) at a time: ``(namespace, records)``.

    Namespaces take turns session by session; each has two speakers. Deterministic for a seed.
    """
    rng = random.Random(seed)
    pairs = [(_PEOPLE[(2 * i) % len(_PEOPLE)], _PEOPLE[(2 * i + 1) % len(_PEOPLE)]) for i in range(namespaces)]
    start = datetime(2023, 1, 2, 9, 0)
    produced = 0
    session = 0
    while produced < events:
        ns_index = session % namespaces
        a, b = pairs[ns_index]
        day = start + timedelta(days=session // namespaces, hours=ns_index % 12)
        records = []
        for turn in range(min(_TURNS_PER_SESSION, events - produced)):
            speaker, other = (a, b) if turn % 2 == 0 else (b, a)
            if turn % 2 == 0 or rng.random() < 0.3:
                verb, _base, objects = rng.choice(_ACTIVITIES)
                text = f"I {verb} {rng.choice(objects)} {rng.choice(_WHEN)} {rng.choice(_WITH)}. {rng.choice(_FEEL)}"
            else:
                text = rng.choice(_REPLIES).format(other=other)
            records.append(
                {
                    "speaker": speaker,
                    "text": text,
                    "timestamp": (day + timedelta(minutes=turn)).isoformat(),
                    "session": f"s{session}",
                    "id": f"s{session}:{turn + 1}",
                }
            )
        produced += len(records)
        session += 1
        yield f"scale-{ns_index}", records


def questions(count: int, *, namespaces: int = 1, seed: int = 11) -> list[tuple[str, str]]:
    """``count`` questions ``(namespace, text)`` in the style of the dialogue."""
    rng = random.Random(seed)
    pairs = [(_PEOPLE[(2 * i) % len(_PEOPLE)], _PEOPLE[(2 * i + 1) % len(_PEOPLE)]) for i in range(namespaces)]
    out = []
    for _ in range(count):
        ns_index = rng.randrange(namespaces)
        person = rng.choice(pairs[ns_index])
        _verb, base, objects = rng.choice(_ACTIVITIES)
        form = rng.randrange(3)
        if form == 0:
            text = f"When did {person} {base} {rng.choice(objects)}?"
        elif form == 1:
            text = f"What did {person} {base}?"
        else:
            text = f"Who did {person} {base} {rng.choice(objects)} with?"
        out.append((f"scale-{ns_index}", text))
    return out


def checkpoints(events: int) -> list[int]:
    """1k, 3k, 10k, 30k, ... below ``events``, then ``events``."""
    marks = []
    size = 1000
    while size < events:
        marks.append(size)
        size = size * 3 if str(size).startswith("1") else size * 10 // 3
    return [*marks, events]


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


_OBJECTS = sorted({obj for _verb, _base, objects in _ACTIVITIES for obj in objects}, key=len, reverse=True)


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


class BulkWriter:
    """Writes synthetic sessions through :meth:`Memory.write` without the spaCy extraction.

    What the full pipeline would store for this dialogue, minus what only spaCy finds: each turn is an
    event with its real embedding (each distinct text is embedded once by the real embedder and its
    vector reused: the same vector the pipeline would compute), the speaker is a PERSON entity with a
    SPOKEN_BY edge, and the activity's object (known from the generator, not extracted) is a THING
    entity with a MENTIONS edge. No facts and no time expressions are written.
    """

    def __init__(self, mem: Memory, vectors: dict[str, list[float]]) -> None:
        self.mem = mem
        self.vectors = vectors  # text -> its embedding, shared across reopenings

    def write(self, namespace: str, records: Sequence[dict[str, Any]]) -> None:
        """Write one session of records (as :func:`dialogue` yields them)."""
        from graphmem.models import Batch, Entity, Event, Mention, Session

        unseen = sorted({r["text"] for r in records} - self.vectors.keys())
        if unseen:
            for text, vec in zip(unseen, self.mem.embedder.embed(unseen), strict=True):
                self.vectors[text] = [float(x) for x in vec]
        session = records[0]["session"]
        started = datetime.fromisoformat(records[0]["timestamp"])
        events, mentions, entities = [], [], {}
        for seq, r in enumerate(records):
            when = datetime.fromisoformat(r["timestamp"])
            ev = Event(namespace, r["id"], session, seq, r["speaker"], r["text"], when)
            events.append(ev)
            person = f"person-{_slug(r['speaker'])}"
            entities[person] = Entity(namespace, person, r["speaker"], "PERSON")
            mentions.append(Mention(namespace, ev.id, person, "speaker"))
            thing = next((obj for obj in _OBJECTS if obj in r["text"]), None)
            if thing is not None:
                key = f"thing-{_slug(thing)}"
                entities[key] = Entity(namespace, key, thing, "THING")
                mentions.append(Mention(namespace, ev.id, key))
        self.mem.write(
            Batch(
                namespace,
                sessions=(Session(namespace, session, int(session[1:]), started),),
                events=tuple(events),
                entities=tuple(entities.values()),
                mentions=tuple(mentions),
                embeddings=tuple((ev.id, self.vectors[ev.text]) for ev in events),
                embedding_model=self.mem.embedder.name,
            )
        )


def run_scale(
    events: int,
    *,
    store: str | Path | None = None,
    namespaces: int = 1,
    queries: int = 200,
    chunk: int = 1000,
    k: int = 10,
    bulk: bool = False,
    cache_mb: float | None = None,
    progress: Callable[[str], None] | None = None,
    on_checkpoint: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Ingest ``events`` synthetic turns, measuring at each checkpoint; returns the figures as a dict.

    Ingest runs in this process; the open and recall figures come from a fresh process per checkpoint
    (:mod:`graphmem.bench.scale_probe`). With ``bulk`` the turns are written by :class:`BulkWriter`
    (no spaCy extraction): the ingest rate is then not the pipeline's, and the graph has speaker and
    object entities only. ``on_checkpoint`` gets the result so far after every checkpoint.
    """
    from graphmem.bench.scale_probe import probe_in_fresh_process

    say = progress or (lambda _msg: None)
    asked = questions(queries, namespaces=namespaces)
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "namespaces": namespaces,
        "queries": queries,
        "k": k,
        "bulk": bulk,
        "cache_mb": cache_mb,
        "checkpoints": rows,
    }
    with tempfile.TemporaryDirectory(prefix="graphmem-scale-") as tmp:
        where = Path(store) if store is not None else Path(tmp) / "store"
        mem = Memory.open(where, cache_mb=cache_mb)
        embedder = mem.embedder
        embedder.embed(["warm up"])
        cache: dict[str, list[float]] = {}
        writer = BulkWriter(mem, cache)
        mem.vectors.count("scale-0")  # opened before writing, so writes keep it current
        source = dialogue(events, namespaces=namespaces)
        done = 0
        try:
            for mark in checkpoints(events):
                ingest_s = 0.0
                turns = 0
                pending: dict[str, list[list[dict[str, Any]]]] = {}
                while done < mark:
                    namespace, records = next(source)
                    pending.setdefault(namespace, []).append(records)
                    done += len(records)
                    if sum(len(r) for s in pending.values() for r in s) >= chunk or done >= mark:
                        started = time.perf_counter()
                        for ns, sessions in pending.items():
                            if bulk:
                                for recs in sessions:
                                    writer.write(ns, recs)
                                turns += sum(len(recs) for recs in sessions)
                                continue
                            summary = mem.ingest([r for recs in sessions for r in recs], namespace=ns)
                            if not summary.ok:
                                raise click.ClickException(f"ingest failed: {summary.errors}")
                            turns += summary.turns
                        ingest_s += time.perf_counter() - started
                        pending = {}
                        say(f"ingested {done:,} events")
                mem.close()
                say(f"probing {done:,} events in a fresh process")
                try:
                    figures = probe_in_fresh_process(where, asked, namespaces, k, cache_mb)
                except RuntimeError as exc:
                    raise click.ClickException(str(exc)) from exc
                row = {
                    "events": done,
                    "ingest_turns_per_s": round(turns / ingest_s, 1) if ingest_s else 0.0,
                    "store_mb": round(_dir_bytes(where) / 1e6, 1),
                    **figures,
                }
                rows.append(row)
                say(json.dumps(row))
                if on_checkpoint is not None:
                    on_checkpoint(result)
                mem = Memory.open(where, embedder=embedder, cache_mb=cache_mb)
                writer = BulkWriter(mem, cache)
                mem.vectors.count("scale-0")
        finally:
            mem.close()
    return result


def require_matplotlib() -> None:
    """Check that matplotlib is installed (before a run that ends in a plot).

    Raises:
        MissingDependencyError: it is not (the message names ``pip install 'graphmem[plot]'``).
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        from graphmem.errors import MissingDependencyError

        raise MissingDependencyError("matplotlib", extra="plot", purpose="the scale plot") from exc


def plot(result: dict[str, Any], path: str | Path) -> None:
    """Plot recall latency (p50, p95) and open time against store size into a PNG.

    Raises:
        MissingDependencyError: matplotlib is not installed.
    """
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["checkpoints"]
    sizes = [r["events"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [r["recall_p50_ms"] for r in rows], marker="o", label="recall p50")
    left.plot(sizes, [r["recall_p95_ms"] for r in rows], marker="o", label="recall p95")
    if all("recall_cpu_p50_ms" in r for r in rows):
        left.plot(sizes, [r["recall_cpu_p50_ms"] for r in rows], marker="x", linestyle="--", label="CPU p50")
        left.plot(sizes, [r["recall_cpu_p95_ms"] for r in rows], marker="x", linestyle="--", label="CPU p95")
    left.set_xscale("log")
    left.set_xlabel("events in the store")
    left.set_ylabel("ms per recall (query embedding included)")
    left.set_title("recall latency")
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    right.plot(sizes, [r["open_s"] + r["index_open_s"] for r in rows], marker="o", label="open + index check (s)")
    right.plot(sizes, [r["store_mb"] / 100 for r in rows], marker="s", label="store size (100 MB)")
    right.set_xscale("log")
    right.set_xlabel("events in the store")
    right.set_title("open time and size")
    right.grid(True, which="both", alpha=0.3)
    right.legend()
    fig.suptitle(f"graphmem bench scale ({result['namespaces']} namespace(s), {result['queries']} queries)")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


@click.command("scale")
@click.option("--events", type=click.IntRange(min=100), default=100_000, show_default=True, help="Events in the end.")
@click.option("--namespaces", type=click.IntRange(min=1), default=1, show_default=True, help="Spread over this many.")
@click.option("--queries", type=click.IntRange(min=1), default=200, show_default=True, help="Recalls per checkpoint.")
@click.option("--chunk", type=click.IntRange(min=20), default=1000, show_default=True, help="Turns per ingest call.")
@click.option("--store", type=click.Path(file_okay=False), default=None, help="Keep the store here.")
@click.option(
    "--bulk",
    is_flag=True,
    help="Write turns without spaCy extraction (real embeddings; speaker/object entities from the generator).",
)
@click.option("--cache-mb", type=click.FloatRange(min=1), default=None, help="Memory budget, MiB (GRAPHMEM_CACHE_MB).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures.")
@click.option(
    "--plot",
    "plot_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also plot latency and open time against size into this PNG (needs the graphmem[plot] extra).",
)
def command(
    events: int,
    namespaces: int,
    queries: int,
    chunk: int,
    store: str | None,
    bulk: bool,
    cache_mb: float | None,
    json_out: str | None,
    plot_out: str | None,
) -> None:
    """Ingest synthetic dialogue and measure ingest rate, size, open time, recall latency and memory."""
    from graphmem.cli.common import print_table, stderr

    if store is not None and Path(store).exists() and any(Path(store).iterdir()):
        raise click.BadParameter(f"{store} is not empty; the benchmark needs a new store", param_hint="--store")
    if plot_out:
        require_matplotlib()  # before the run, not after it

    def save(result: dict[str, Any]) -> None:
        if json_out:
            Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    result = run_scale(
        events,
        store=store,
        namespaces=namespaces,
        queries=queries,
        chunk=chunk,
        bulk=bulk,
        cache_mb=cache_mb,
        progress=lambda msg: stderr.print(msg, markup=False, highlight=False),
        on_checkpoint=save,
    )
    rows = result["checkpoints"]
    columns = list(dict.fromkeys(c for row in rows for c in row))
    print_table("graphmem bench scale", columns, [[row.get(c, "") for c in columns] for row in rows])
    if json_out:
        save(result)
        click.echo(f"wrote {json_out}")
    if plot_out:
        plot(result, plot_out)
        click.echo(f"wrote {plot_out}")
