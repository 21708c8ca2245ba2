"""The units of one input written as one run: where each unit stands (:class:`~graphmem.writer.RunUnit`).

A file of more than :data:`~graphmem.ingest_units.UNIT_TURNS` turns is committed in several units, yet its
fact history must be what writing it as one batch gives. Every unit's retraction goes with the first
(:mod:`graphmem.ingest_read`), so each later unit states its facts anew, and the ends of a fact derived per
unit went wrong in two ways when the namespace held facts told after the file's statements (a live
message newer than the file, which is re-ingested after an edit or an extractor upgrade, or ingested
after the message for the first time):

- the first unit ended its facts by such a stored fact at once, before the second unit, told before
  that fact, could: a file's first job (Acme, January) was ended by the live message's job (Initech,
  June) with a version recorded in June, and the second unit's job (Globex, March) then archived the
  January version bearing the June end, so ``AS OF`` February, asked about July, read no job at all
  (and a first ingest ``AS OF`` April read Acme and Globex both). A unit that more units
  of the run follow now leaves such facts to the run's last unit, which catches up the facts every
  earlier unit wrote (:func:`graphmem.fact_replay.replay`);
- an end the live message gave a fact of a later unit ("I left Globex last week") was known only to
  the first unit, whose retraction removed it (:func:`graphmem.store.versions.kept_closings`): the later
  unit wrote the fact again without it. The first unit's kept ends now go to the later units.

The events of sessions an interrupted run of the same content wrote (:attr:`Todo.resumed
<graphmem.ingest_units.Todo>`) count as the run's earlier units when it is resumed.

A unit that keeps stored turns of its input moves the kept entities its facts type otherwise, as a live
``add`` does (:func:`retype_kept`): "Are you still in Bristol?" kept (NER's organisation) and the edited
next session's "I live in Bristol" make the place a fresh ingest of the file makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.entity_prior import known_entities, replaced_only, retype_stored
from graphmem.store.versions import kept_closings
from graphmem.writer import Resolver, RunUnit, fact_chains

if TYPE_CHECKING:
    from graphmem.ingest_units import Todo
    from graphmem.models import Batch, Entity, FactClosing
    from graphmem.store.base import GraphStore
    from graphmem.transcript import KnownEntity

__all__ = ["UnitRun", "retype_kept"]


@dataclass(slots=True)
class UnitRun:
    """The run of one input's units (``todo``, in the order they are written), per namespace."""

    todo: Sequence[Todo]
    _earlier: dict[str, set[str]] = field(default_factory=dict)
    _kept: dict[str, tuple[FactClosing, ...]] = field(default_factory=dict)

    def place(self, store: GraphStore, n: int) -> RunUnit:
        """Where unit ``n`` stands in the run (read before it is written: its retraction is not yet done)."""
        todo = self.todo[n]
        ns = todo.transcript.namespace
        more = any(t.transcript.namespace == ns and t.transcript.sessions for t in self.todo[n + 1 :])
        if todo.retract and more and ns not in self._kept:
            self._kept[ns] = kept_closings(fact_chains(store, ns, todo.retract), todo.retract)
        earlier = frozenset(self._earlier.get(ns, set()).union(todo.resumed))
        return RunUnit(more=more, earlier=earlier, kept=() if todo.retract else self._kept.get(ns, ()))

    def resolver(self, resolvers: Callable[[RunUnit], Resolver], store: GraphStore, n: int) -> Resolver:
        """The resolver ``resolvers`` gives unit ``n`` from where it stands (:meth:`place`), resolving a unit
        that retracts the earlier version without the entities only that version named
        (:func:`~graphmem.entity_prior.replaced_only`), as a fresh ingest has not met them."""
        resolve = resolvers(self.place(store, n))
        todo = self.todo[n]
        replaced = replaced_only(store, todo.transcript.namespace, todo.retract) if todo.retract else set()
        if not replaced:
            return resolve
        return lambda batch, existing: resolve(batch, [e for e in existing if e.id not in replaced])

    def wrote(self, namespace: str, events: Sequence[str]) -> None:
        """Note the events a unit wrote into ``namespace``."""
        self._earlier.setdefault(namespace, set()).update(events)


def retype_kept(
    store: GraphStore, batch: Batch, known: Sequence[KnownEntity], write: Callable[[Batch], None]
) -> list[tuple[Entity, str]]:
    """Move each kept entity (``known``: those the unit's kept turns name) whose type was NER's guess alone
    and that ``batch``'s facts type otherwise, as :func:`graphmem.entity_prior.retype_stored` moves it for
    a live ``add``; returns what it moved (:func:`graphmem.entity_prior.undo_retypes` moves it back).

    Whether a stored fact says the entity's type is judged on every fact of the namespace, as a live add
    judges it, not on the input's kept turns alone (what the unit was extracted with): another input's
    "I work at Bristol" keeps its firm where it is.
    """
    if not known:
        return []
    whole = {k.id: k for k in known_entities(store, batch.namespace, [k.name for k in known])}
    return retype_stored(store, batch, [whole[k.id] for k in known if k.id in whole], write)
