"""The line of a namespace's writers on a Cypher server: they take tickets and write in turn.

A server cannot hold a lock for a client across the several transactions of one operation (read what is
stored, decide, commit), so writers of one namespace were only checked (:mod:`graphmem.store.cypher.writers`):
a writer whose namespace another client wrote meanwhile read again and retried. Under steady load the
writer already running kept winning and the others, each retry sent back to a namespace that had moved
again, ran out of attempts (three processes adding 15 messages each: 4 of 45 refused after 8 attempts).

So a guarded operation first queues, on the namespace's ``(:GraphmemNamespace)`` node (the one holding its
change counter, under a uniqueness constraint already):

- it takes a ticket, ``queue_next`` bumped in a write transaction of its own (:data:`TAKE`); the first
  ticket ever taken also starts ``queue_serving``;
- it reads ``queue_serving`` (:data:`LOOK`) until it reaches its ticket, pausing a little between reads;
- it runs the operation, whose writes the change counter still checks;
- it moves ``queue_serving`` on past its ticket (:data:`LEAVE`), even when the operation failed.

The node goes with its namespace (a forgotten namespace leaves no name behind,
:func:`~graphmem.store.cypher.write.delete_namespace`), so a node made again later numbers its tickets
from 1 again: each node gets a random ``queue_epoch`` with its first ticket, and a writer whose node is gone,
or is another one than it took its ticket on, has its turn at once (the change counter still checks it),
instead of waiting behind tickets numbered afresh.

Writers are served in the order they took tickets. One that leaves before its turn (interrupted, its client
gone) notes its ticket as gone (:data:`ABANDON`), which the writers behind pass at once. The line only
orders writers: what keeps a write from being decided on a stale state is still the change counter, so a
writer that goes ahead out of turn is refused and retried, never wrong. One goes ahead out of turn when the line has not
moved for ``stall`` seconds (the store's lock timeout, ``GRAPHMEM_LOCK_TIMEOUT``, 30 s by default): the
writer at its head is taken for gone (its process killed before it left the line) and skipped
(:data:`SKIP`); a negative lock timeout ("wait for ever") is taken as the default here. A writer that takes
longer than that for one operation (one unit of a file ingest with a slow extractor, a live add extracting
with Claude, a merge) cannot be told from a dead one: it is skipped, then checked and, if another wrote
meanwhile, retried at the back of the line, so such a writer can run out of attempts under steady load (a
heartbeat the holder renews would tell them apart; not done).
"""

from __future__ import annotations

import contextlib
import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graphmem.errors import StoreError, WriteConflictError
from graphmem.store.cypher.session import CypherSession, CypherTx, Row
from graphmem.store.lock import DEFAULT_LOCK_TIMEOUT

__all__ = ["ABANDON", "LEAVE", "LOOK", "SKIP", "TAKE", "in_line"]

#: Take the next ticket (creating the node and starting the line at the first ticket, of a new random epoch);
#: the ticket, the ticket being served and the node's epoch.
TAKE = """
MERGE (c:GraphmemNamespace {namespace: $ns})
SET c.queue_next = coalesce(c.queue_next, 0) + 1
SET c.queue_serving = coalesce(c.queue_serving, c.queue_next)
SET c.queue_epoch = coalesce(c.queue_epoch, $epoch)
RETURN c.queue_next AS ticket, c.queue_serving AS serving, c.queue_epoch AS epoch
"""

#: The ticket being served now, the tickets of writers that left before their turn, and the node's epoch.
LOOK = (
    "MATCH (c:GraphmemNamespace {namespace: $ns}) "
    "RETURN c.queue_serving AS serving, c.queue_gone AS gone, c.queue_epoch AS epoch"
)

#: Leave the line before this writer's turn (interrupted, its client gone): its ticket is passed over when
#: the line reaches it, with no stall (tickets the line passed already are dropped from the list).
ABANDON = """
MATCH (c:GraphmemNamespace {namespace: $ns}) WHERE coalesce(c.queue_epoch, $epoch) = $epoch
SET c.queue_gone = [t IN coalesce(c.queue_gone, []) WHERE t >= c.queue_serving] + [$ticket]
"""

#: Leave the line: serve the next ticket, unless the line already went past this one (skipped) or is another
#: (its node made again since the ticket was taken).
LEAVE = """
MATCH (c:GraphmemNamespace {namespace: $ns}) WHERE coalesce(c.queue_epoch, $epoch) = $epoch
SET c.queue_serving = CASE WHEN c.queue_serving = $ticket THEN $ticket + 1 ELSE c.queue_serving END
"""

#: Skip the ticket at the head of a line that has not moved (the same statement as :data:`LEAVE`).
SKIP = LEAVE

#: Seconds between two looks at the line: the first, and the longest (each doubled, jittered).
FIRST_PAUSE = 0.005
LONGEST_PAUSE = 0.1

#: Attempts at taking a ticket when another client creates the namespace's node at the same moment.
_TAKE_ATTEMPTS = 5


def _take(session: CypherSession, ns: str) -> tuple[int, object]:
    """A ticket of the line of ``ns``, and the epoch of the node it was taken on."""

    def take(tx: CypherTx) -> tuple[int, object]:
        rows = tx.run(TAKE, ns=ns, epoch=secrets.randbelow(2**48))
        return int(rows[0]["ticket"]), rows[0]["epoch"]

    for attempt in range(1, _TAKE_ATTEMPTS + 1):
        try:
            return session.write(take, action=f"queueing to write namespace {ns!r}")
        except WriteConflictError:  # another client made the node at once (ArcadeDB's duplicate key)
            if attempt == _TAKE_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.5, 1.5) * FIRST_PAUSE * 2**attempt)
    raise AssertionError("unreachable")


@contextmanager
def in_line(
    session: CypherSession,
    ns: str,
    read: Callable[..., list[Row]],
    *,
    stall: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[int]:
    """Wait for this writer's turn at ``ns``, hold it inside the block, and give it to the next writer after.

    Args:
        session: the store's session (the ticket is taken and given back in write transactions).
        ns: the namespace.
        read: the store's read (``read(cypher, **params)``).
        stall: seconds the line may stand still before the writer at its head is skipped (a negative one is
            taken as the default lock timeout: a writer killed at the head would otherwise stop the line for good).
        clock, sleep: time, injectable for tests.

    Yields:
        The ticket.
    """
    stall = stall if stall >= 0 else DEFAULT_LOCK_TIMEOUT
    ticket, epoch = _take(session, ns)
    try:
        _wait(ns, (ticket, epoch), read, stall=stall, clock=clock, sleep=sleep, session=session)
    except BaseException:
        # gone before its turn: the writers behind pass its ticket at once instead of standing still
        with contextlib.suppress(StoreError):
            session.write(
                lambda tx: tx.run(ABANDON, ns=ns, ticket=ticket, epoch=epoch), action=f"leaving the line of {ns!r}"
            )
        raise
    try:
        yield ticket
    finally:
        # A writer that cannot leave (the server went away) is skipped after ``stall`` seconds; the
        # operation's own error, if any, is the one to report.
        with contextlib.suppress(StoreError):
            _move_past(session, ns, (ticket, epoch), action=f"leaving the line of {ns!r}")


def _move_past(session: CypherSession, ns: str, taken: tuple[int, object], *, action: str) -> None:
    """Serve the ticket after ``taken`` (a ticket and its node's epoch; :data:`LEAVE`, :data:`SKIP`), unless
    the line already moved on."""
    ticket, epoch = taken
    session.write(lambda tx: tx.run(LEAVE, ns=ns, ticket=ticket, epoch=epoch), action=action)


def _wait(
    ns: str,
    taken: tuple[int, object],
    read: Callable[..., list[Row]],
    *,
    stall: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    session: CypherSession,
) -> None:
    ticket, epoch = taken
    pause = FIRST_PAUSE
    seen: int | None = None
    since = clock()
    while True:
        rows = read(LOOK, ns=ns)
        if not rows or rows[0].get("epoch") != epoch:  # the node went with its namespace: the line is new
            return
        serving = None if rows[0]["serving"] is None else int(rows[0]["serving"])
        if serving is None or serving >= ticket:  # our turn (or we were skipped: the counter still checks)
            return
        if serving in (rows[0]["gone"] or ()):  # that writer left before its turn
            _move_past(session, ns, (serving, epoch), action=f"passing a writer of {ns!r} that left the line")
            continue
        if serving != seen:
            seen, since, pause = serving, clock(), FIRST_PAUSE
        elif 0 <= stall <= clock() - since:
            _move_past(
                session, ns, (serving, epoch), action=f"skipping a writer of {ns!r} that stood still for {stall:g} s"
            )
            continue
        sleep(random.uniform(0.5, 1.5) * pause)
        pause = min(pause * 2, LONGEST_PAUSE)
