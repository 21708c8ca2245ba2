"""Forgetting one message: the event and what only it supported, and what it left in what stays.

:meth:`graphmem.Memory.forget` of an event runs :func:`forget_message`, under the store's write lock:

1. **The reply's vector.** A turn is embedded with the turn it replies to (:mod:`graphmem.embed_text`),
   so the next turn of the forgotten one's session holds its text in its vector. That vector is made
   again, replying to the turn before the forgotten one, and written before anything is deleted (an
   embedder that fails deletes nothing): what a fresh ingest of the remaining turns stores
   (:func:`graphmem.reembed.reply_vector`).
2. **The deletion** (``store.delete_event``) and the remaining facts' ends derived again
   (:func:`graphmem.settle.forget_event`): two transactions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.models import Event
    from graphmem.reembed import ReembedTarget
    from graphmem.store.results import DeleteResult

__all__ = ["forget_message"]


def forget_message(target: ReembedTarget, namespace: str, event: Event) -> DeleteResult:
    """Delete ``event`` as :meth:`graphmem.Memory.forget` does (see the module docs); what was deleted.

    The caller holds the store's write lock and drops its caches afterwards, also when this raises.
    """
    from graphmem.reembed import reply_vector
    from graphmem.settle import forget_event

    store = target.store
    reply = reply_vector(target, namespace, event)
    if reply is not None:
        vector, rebuild = reply
        target.write(vector, rebuild_vectors=rebuild)
    return forget_event(store, namespace, event.id)
