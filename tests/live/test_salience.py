"""Topic salience is judged on the namespace's history, so batching a conversation does not change it."""

from __future__ import annotations

from datetime import datetime

from graphmem import Memory
from graphmem.extract.resolve import keep_salient_topics
from graphmem.models import Batch, Entity, Event, Mention, Session

NOW = datetime(2024, 5, 1, 10, 0)
POTTERY = Entity("ns", "ent:topic:pottery-class", "pottery classes", "Topic")


def _event(session: str, seq: int, text: str) -> Event:
    return Event("ns", f"ev:{session}:{seq}", session, seq, "Caroline", text, NOW)


def _one(event: Event, *sessions: Session) -> Batch:
    return Batch(
        "ns",
        sessions=sessions,
        events=(event,),
        entities=(POTTERY,),
        mentions=(Mention("ns", event.id, POTTERY.id),),
    )


def _kept(batch: Batch, memory: Memory) -> bool:
    return POTTERY.id in {e.id for e in keep_salient_topics(batch, history=memory.store).entities}


def test_a_topic_said_in_an_earlier_session_is_salient(memory: Memory) -> None:
    s1, s2 = Session("ns", "s1", 0, NOW), Session("ns", "s2", 1, NOW)
    first = _event("s1", 1, "I signed up for a pottery class today.")
    memory.write(Batch("ns", sessions=(s1,), events=(first,)))  # stored without the topic: it was said once
    later = _one(_event("s2", 1, "My pottery classes are going well."), s2)
    assert _kept(later, memory)


def test_a_topic_said_once_is_not_salient(memory: Memory) -> None:
    memory.write(Batch("ns", sessions=(Session("ns", "s1", 0, NOW),), events=(_event("s1", 1, "hello"),)))
    assert not _kept(_one(_event("s2", 1, "My pottery classes are going well."), Session("ns", "s2", 1)), memory)


def test_two_turns_of_the_first_session_are_a_recurrence(memory: Memory) -> None:
    memory.write(Batch("ns", sessions=(Session("ns", "s1", 0, NOW),), events=(_event("s1", 1, "a pottery class"),)))
    assert _kept(_one(_event("s1", 2, "the pottery class again")), memory)


def test_two_turns_of_a_later_session_are_not(memory: Memory) -> None:
    s1, s2 = Session("ns", "s1", 0, NOW), Session("ns", "s2", 1, NOW)
    memory.write(Batch("ns", sessions=(s1, s2), events=(_event("s1", 1, "hello"), _event("s2", 1, "pottery class"))))
    assert not _kept(_one(_event("s2", 2, "pottery class again")), memory)


def test_only_earlier_turns_count(memory: Memory) -> None:
    s1, s2 = Session("ns", "s1", 0, NOW), Session("ns", "s2", 1, NOW)
    memory.write(Batch("ns", sessions=(s1, s2), events=(_event("s2", 1, "pottery classes, later"),)))
    assert not _kept(_one(_event("s1", 1, "a pottery class")), memory)


def test_a_word_that_only_starts_like_the_topic_is_no_recurrence(memory: Memory) -> None:
    s1, s2 = Session("ns", "s1", 0, NOW), Session("ns", "s2", 1, NOW)
    memory.write(Batch("ns", sessions=(s1,), events=(_event("s1", 1, "pottery classic"),)))
    assert not _kept(_one(_event("s2", 1, "pottery class"), s2), memory)


def test_a_role_topic_is_said_by_its_role_noun(memory: Memory) -> None:
    # "Caroline's brother" is said "my brother": an earlier turn saying it counts, as its mention would in one batch
    brother = Entity("ns", "ent:topic:caroline-brother", "Caroline's brother", "Topic")
    memory.write(Batch("ns", sessions=(Session("ns", "s1", 0, NOW),), events=(_event("s1", 1, "My brother is here."),)))
    later = _event("s1", 2, "I miss my brother.")
    batch = Batch("ns", events=(later,), entities=(brother,), mentions=(Mention("ns", later.id, brother.id),))
    assert brother.id in {e.id for e in keep_salient_topics(batch, history=memory.store).entities}
