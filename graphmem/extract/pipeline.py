"""The offline extractor: spaCy runs once over every turn, then the stages build the batch.

``extract_many`` feeds all turns of all transcripts through one ``nlp.pipe`` stream (batched, the
fastest way to run spaCy), then walks the parsed turns in order, each with the small model's known
tagging slips put right (:func:`graphmem.extract.repair.repair`: "I'm married to Omar" is read as the
passive it is): events (stage 1), entities and mentions (stage 2), time expressions (stage 4, needed by
facts) and facts (stage 3); "I start on 1 April" dates the job the speaker last named in the session,
and state facts ended within the batch get their ``valid_to``
(:func:`graphmem.extract.temporal.update_facts`). Entity resolution (stage 5) and maintenance across
the namespace are separate, because they need what is already stored: see
:func:`graphmem.extract.resolve.resolve_batch` and :func:`graphmem.extract.temporal.update_facts`.

The extractor holds only settings, so it pickles small; the spaCy pipeline is loaded on first use in
whatever process runs it (once per process, see :func:`graphmem.extract.nlp.load_nlp`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from graphmem.errors import ExtractionError
from graphmem.extract.antecedents import can_lead, on_clock
from graphmem.extract.corrections import repair_direction, time_correction, time_repairs
from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.extract.events import EventPlan, build_events
from graphmem.extract.fact_types import typed_by_facts
from graphmem.extract.facts import build_facts, start_times
from graphmem.extract.moves import homes_again
from graphmem.extract.names import words
from graphmem.extract.nlp import CompiledAttributeRuler, dictionary_nouns, one_blas_thread, unknown_noun
from graphmem.extract.parse_cache import ParseCache
from graphmem.extract.pronouns import PlaceAdverbs, ThirdPersons
from graphmem.extract.remap import remap_ids
from graphmem.extract.repair import repair
from graphmem.extract.resolve_kin import split_namesakes
from graphmem.extract.spans import mark_missed_times, resolve_span, time_spans
from graphmem.extract.temporal import update_facts
from graphmem.extract.times import TimeResolver, to_utc
from graphmem.models import Batch, Event, Fact, FactClosing, Mention, TimeRef
from graphmem.transcript import Transcript

__all__ = ["SpacyExtractor"]

# Longest text handed to spaCy for one turn: longer turns are cut (the event keeps the full text).
_MAX_PARSE_CHARS = 20_000


class SpacyExtractor:
    """Extracts events, entities, mentions, times and facts with spaCy; no network, no API key.

    Args:
        nlp: a loaded spaCy pipeline to use (tests share one); default: :func:`load_nlp` on first use.
        batch_size: turns per ``nlp.pipe`` batch.
        namespace: write every transcript to this namespace instead of its own.
        now: the ``recorded_at`` of facts from turns with no time (default: the time of extraction).
        gate_ner: run NER only on turns that can hold a name or date (faster, same entities in practice).
        parse_cache: keep the parses of the last this many texts and reuse them when the same text is read
            again (a live add reads its session's last turns again: :mod:`graphmem.extract.parse_cache`);
            0, the default, keeps none (a file's turns are read once).
        parse_cache_chars: most characters of text whose parses are kept.
    """

    name = "spacy"
    #: Bump when the output for the same input changes, so stored content is re-extracted.
    version = "29"

    def __init__(
        self,
        nlp: Any | None = None,
        *,
        batch_size: int = 256,
        namespace: str | None = None,
        now: datetime | None = None,
        gate_ner: bool = True,
        parse_cache: int = 0,
        parse_cache_chars: int = 100_000,
    ) -> None:
        """Create the extractor (nothing is loaded yet)."""
        from graphmem.errors import ConfigError

        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size}")
        if parse_cache < 0 or parse_cache_chars < 1:
            raise ConfigError(
                f"parse_cache must be at least 0 and parse_cache_chars 1, not {parse_cache}, {parse_cache_chars}"
            )
        self._nlp = nlp
        self.batch_size = batch_size
        self.namespace = namespace
        self.now = now
        self.gate_ner = gate_ner
        self.parse_cache = ParseCache(parse_cache, parse_cache_chars) if parse_cache else None
        self._times = TimeResolver()
        self._ruler: CompiledAttributeRuler | None = None
        self._nouns: tuple[frozenset[str] | None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # the pipeline is not shipped to worker processes: each loads its own, once
        return {
            "batch_size": self.batch_size,
            "namespace": self.namespace,
            "now": self.now,
            "gate_ner": self.gate_ner,
            # each process keeps its own parses
            "parse_cache": self.parse_cache.max_turns if self.parse_cache is not None else 0,
            "parse_cache_chars": self.parse_cache.max_chars if self.parse_cache is not None else 100_000,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(None, **state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<SpacyExtractor v{self.version} batch_size={self.batch_size}>"

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline, loaded on first use."""
        if self._nlp is None:
            from graphmem.extract.nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    @property
    def nouns(self) -> frozenset[str] | None:
        """The pipeline's dictionary of nouns (:func:`~graphmem.extract.nlp.dictionary_nouns`), read once."""
        if self._nouns is None:
            self._nouns = (dictionary_nouns(self.nlp),)
        return self._nouns[0]

    def extract(self, transcript: Transcript) -> Batch:
        """Extract one transcript into a batch for its namespace."""
        return self.extract_many([transcript])[0]

    def extract_many(self, transcripts: Iterable[Transcript]) -> list[Batch]:
        """Extract several transcripts with one ``nlp.pipe`` stream; one batch per transcript, in order.

        Raises:
            ExtractionError: spaCy failed on the input (the message names the transcript).
            ConfigError: a namespace is not legal.
        """
        items = list(transcripts)
        plans = [build_events(t, namespace=self.namespace) for t in items]
        texts = (ev.text[:_MAX_PARSE_CHARS] for plan in plans for ev in plan.events)
        docs = self._parse(texts)
        now = self.now or datetime.now(UTC).replace(tzinfo=None)
        batches = []
        for transcript, plan in zip(items, plans, strict=True):
            try:
                namespace = self.namespace or transcript.namespace
                batches.append(self._build(plan, docs, now, namespace, transcript))
            except ExtractionError:
                raise
            except Exception as exc:  # a spaCy or stage bug must name the input it failed on
                where = transcript.source_file or transcript.namespace
                raise ExtractionError(f"{where}: extraction failed: {exc}") from exc
        return batches

    def _parse(self, texts: Iterable[str]) -> Iterator[Any]:
        """Parse turns in order, each text held by :attr:`parse_cache` taken from it (a copy), the others
        parsed by :meth:`_pipe` together and kept there."""
        cache = self.parse_cache
        if cache is None:
            yield from self._pipe(texts)
            return
        cache.bind(self.nlp, self.gate_ner)
        items = list(texts)
        found = [cache.get(text) for text in items]
        fresh = self._pipe(text for text, doc in zip(items, found, strict=True) if doc is None)
        for text, doc in zip(items, found, strict=True):
            if doc is None:
                doc = next(fresh)
                cache.put(text, doc)  # before any stage repairs it in place
            yield doc

    def _pipe(self, texts: Iterable[str]) -> Iterator[Any]:
        """Parse turns in order: spaCy's own ``nlp.pipe``, with two shortcuts for the stock English model.

        Its ``attribute_ruler`` runs as a :class:`CompiledAttributeRuler` (same output, a quarter of the
        time) and NER runs only on turns that can hold a name or a date (:func:`_needs_ner`). Any other
        pipeline runs unchanged. Turns are parsed ``batch_size`` at a time with numpy's BLAS on one
        thread (:func:`~graphmem.extract.nlp.one_blas_thread`), the limit never held across a ``yield``.
        """
        nlp = self.nlp
        names = list(nlp.pipe_names)
        tail = names[names.index("attribute_ruler") :] if "attribute_ruler" in names else []
        ruler = self._compiled_ruler(nlp) if tail == ["attribute_ruler", "lemmatizer", "ner"] else None
        gate = self.gate_ner and names[-1:] == ["ner"] and not _listens(nlp, "ner")
        disable = tail if ruler is not None else ["ner"] if gate else []
        lemmatizer = nlp.get_pipe("lemmatizer") if ruler is not None else None
        ner = nlp.get_pipe("ner") if ruler is not None or gate else None
        pending = iter(texts)
        while chunk := list(islice(pending, self.batch_size)):
            with one_blas_thread():
                docs = list(nlp.pipe(chunk, batch_size=self.batch_size, disable=disable))
                if ruler is not None and lemmatizer is not None:
                    for doc in docs:
                        lemmatizer(ruler(doc))
                if ner is not None:
                    _run_ner(ner, docs, gate, self.nouns)
            yield from docs

    def _compiled_ruler(self, nlp: Any) -> CompiledAttributeRuler | None:
        if self._ruler is None or self._ruler.ruler is not nlp.get_pipe("attribute_ruler"):
            try:
                self._ruler = CompiledAttributeRuler(nlp.get_pipe("attribute_ruler"))
            except ValueError:
                return None  # a ruler with pattern features we do not compile: spaCy runs it
        return self._ruler

    def _build(
        self, plan: EventPlan, docs: Iterator[Any], now: datetime, namespace: str, transcript: Transcript
    ) -> Batch:
        # the stored entities it names: a firm a kept session stored stays a firm (graphmem.entity_prior)
        registry = EntityRegistry(namespace, lower=transcript.vocabulary, known=transcript.known)
        stored = dict(transcript.antecedents)
        speaker_ids = {name: registry.add_speaker(name) for name in plan.speakers}
        third_persons = ThirdPersons(registry, speaker_ids.values())  # "My sister moved. She ..."
        theres = PlaceAdverbs(registry)  # "I love Paris." "I was there in July."
        events: list[Event] = []
        mentions: list[Mention] = []
        facts: list[Fact] = []
        closings: list[FactClosing] = []
        session: str | None = None
        jobs: dict[str, int] = {}  # subject -> index in facts of their latest undated works_at fact
        told: TimeRef | None = None  # the time the session's turns talked of last, on its speaker's clock
        topic_session: str | None = None
        for index, (event, reference, addressee) in enumerate(
            zip(plan.events, plan.references, plan.addressees, strict=True)
        ):
            doc = mark_missed_times(repair(next(docs)))  # the tagger's and NER's known slips put right
            offset = plan.offset(index)
            speaker_id = speaker_ids.get(event.speaker or "")
            ann = annotate(
                doc,
                registry,
                speaker_id=speaker_id,
                addressee_id=speaker_ids.get(addressee) if addressee else None,
                addressee_sure=len(plan.speakers) == 2,  # a dialogue of two: "you" is the other one
                nouns=self.nouns,
            )
            kept = event.id not in transcript.forgotten
            third_persons.resolve(doc, ann, speaker_id=speaker_id, session=event.session, kept=kept)
            theres.resolve(doc, ann, session=event.session, kept=kept, speaker_id=speaker_id)
            if event.session != topic_session:
                # a stored session's is naive UTC: back on a clock (only one extraction keeps its own exactly)
                topic_session, told = event.session, on_clock(stored.get(event.session), offset)
            topic = told  # "later that month": of the time the session talked of last
            times = []
            spans = time_spans(doc, ann.times)
            repairs, dropped = time_repairs(spans)  # "on Monday, I mean Tuesday": Tuesday, read as Monday was
            denials: list[TimeRef] = []  # "Sorry, I meant January, not December.": December, the slip
            for k, span in enumerate(spans):
                if k in dropped:
                    if not any(r is span for r in repairs.values()):
                        ref = resolve_span(self._times, span, spans, reference, antecedent=topic, place=span)
                        denials.extend([to_utc(ref, plan.clock(index))] if ref.start is not None else [])
                    continue
                said = repairs.get(k, span)
                # "Sorry, I meant Tuesday." after "Let's meet next Friday": the Tuesday ahead, as the slip was
                way = repair_direction(span, spans, topic, reference)
                ref = resolve_span(
                    self._times,
                    said,
                    spans,
                    reference,
                    antecedent=topic,
                    place=span,
                    prefer=way,
                    day_first=transcript.day_first,
                )
                topic = ref if can_lead(event.text, ref) else topic
                times.append((span, to_utc(ref, plan.clock(index))))
            if kept:  # a forgotten turn is not written: it dates nothing
                told = topic  # antecedents.antecedent of the turn's times, on this turn's clock
            events.append(_with_times(event, [ref for _, ref in times]))
            if speaker_id is not None:
                mentions.append(Mention(namespace, event.id, speaker_id, "speaker"))
            recorded = event.occurred_at or now
            extracted = build_facts(
                doc,
                event,
                ann.tokens,
                times,
                recorded_at=recorded,
                type_of=registry.type_of,
                roles=ann.roles,
                speaker_id=speaker_id,
                is_role=registry.is_role,
                is_pet=registry.is_pet,
            )
            turn_facts = [*extracted.facts, *homes_again(extracted.returns, facts)]
            fixes = list(extracted.closings)
            if not repairs:  # "Sorry, I meant 2021.": the time of a statement before (bound when written)
                fix = time_correction(doc, event, times, recorded, speaker_id)
                fixes.extend([fix] if fix is not None else [])
            closings.extend(_with_denial(c, denials) for c in fixes)
            for fact in turn_facts:
                ann.mention(fact.subject_id, "subject")
                ann.mention(fact.object_id, "object")
            mentions.extend(Mention(namespace, event.id, eid, role) for eid, role in ann.mentions.items())
            if event.session != session:
                session, jobs = event.session, {}
            own_jobs = {f.subject_id for f in turn_facts if f.predicate == "works_at"}
            for subject, when in start_times(doc, ann.tokens, times):
                # "I start on 1 April": the start of the job the speaker last talked of in this session,
                # unless this turn tells of a job of its own ("I got a job at X! I start on 1 April": X's)
                at = jobs.pop(subject, None) if subject not in own_jobs else None
                if at is not None:
                    old = facts[at]
                    facts[at] = replace(
                        old, valid_from=when.start, time_phrase=when.phrase, evidence=(*old.evidence, event.id)
                    )
            for fact in turn_facts:
                if fact.predicate == "works_at" and fact.time_phrase is None and fact.valid_from is not None:
                    # (a job told as over, "I worked at Acme", has no start: "I start on 1 April" is another)
                    jobs[fact.subject_id] = len(facts) + turn_facts.index(fact)
            facts.extend(turn_facts)
        batch = Batch(
            namespace,
            sessions=plan.sessions,
            events=tuple(events),
            entities=registry.entities(),
            mentions=tuple(mentions),
            facts=tuple(facts),
            closings=tuple(closings),
        )
        # a name first taken for a person and later given to a pet ("... a dog named Pixel"): the pet's id
        batch = remap_ids(batch, registry.moved)
        # "I work at Helix Labs" with the lab taken for a person: a firm, in all its mentions
        batch = typed_by_facts(batch, speaker_ids.values(), transcript.known)
        # "my brother Sam" and another's "my son Sam": two people, before one's move ends the other's home
        batch = split_namesakes(batch)
        return update_facts(batch, (), corrections=False)


# Words that may start a DATE/TIME entity in lower case (names are caught by their tags).
_TIME_WORDS = words(
    """
    yesterday today tonight tomorrow ago last next this past previous week weeks weekend weekends month
    months year years morning afternoon evening night noon midnight monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october november december
    summer winter spring fall autumn christmas thanksgiving halloween easter holiday holidays season day
    days decade decades recently hour hours minute minutes daily weekly monthly era age midweek
    twenties thirties forties fifties sixties seventies eighties nineties noughties
    """
)


def _needs_ner(doc: Any, nouns: frozenset[str] | None = None) -> bool:
    """Whether a parsed turn may hold an entity NER would find: a proper noun, a number, a time word,
    a capitalised word inside a sentence, or one opening it that the tagger took for a noun no dictionary
    (``nouns``) has ("Rui said"). On LoCoMo this skips about a third of the turns and loses only
    mislabelled interjections ("Congrats" as NORP)."""
    for tok in doc:
        if tok.tag_ in ("NNP", "NNPS", "CD") or tok.like_num or tok.lower_ in _TIME_WORDS:
            return True
        if tok.is_title and not tok.is_sent_start and tok.text != "I":
            return True
        if nouns is not None and tok.is_sent_start and unknown_noun(tok, nouns):
            return True  # a first name the tagger took for a noun ("Rui said I did well"): NER may know it
    return False


def _run_ner(ner: Any, docs: list[Any], gate: bool = True, nouns: frozenset[str] | None = None) -> list[Any]:
    wanted = [d for d in docs if _needs_ner(d, nouns)] if gate else docs
    if wanted:
        for _ in ner.pipe(wanted, batch_size=len(wanted)):
            pass
    return docs


def _listens(nlp: Any, name: str) -> bool:
    """Whether a component reads a shared tok2vec (then it cannot run apart from the pipeline)."""
    return any(name in (getattr(proc, "listening_components", None) or ()) for _, proc in nlp.pipeline)


def _with_times(event: Event, times: Sequence[TimeRef]) -> Event:
    if not times:
        return event
    return replace(event, times=tuple(times))


def _with_denial(closing: FactClosing, denials: Sequence[TimeRef]) -> FactClosing:
    """A correction of a time with the time its turn denies ("…, not December": the slip) as ``denied``."""
    if not denials or not closing.correction or closing.at is None or closing.value is not None:
        return closing
    return replace(closing, denied=denials[0])
