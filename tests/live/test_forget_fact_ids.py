"""A fact of an entity that ``forget`` moved is the fact a later message states again: its id is made of the
ends it has now (:func:`graphmem.extract.names.fact_id`), as a fresh ingest of the remaining turns gives."""

from __future__ import annotations

from datetime import datetime

from graphmem import Memory
from graphmem.extract.names import fact_id


def _said(text: str, second: int) -> dict[str, str]:
    return {"speaker": "Dana", "text": text, "time": f"2024-05-01T10:00:{second:02d}"}


def test_a_start_told_after_the_entity_moved_versions_the_job_instead_of_adding_a_second(memory: Memory) -> None:
    # The organisation is made under the name first said (ent:organization:globex-quokkaberg-corporation);
    # forgetting that message moves it to ent:organization:globex-corporation. "I start on 1 April" then
    # restates the job of the turn before (its evidence cites that turn): the fact id made of the moved
    # ends must be the stored fact's, or the job is stored twice, open from May 2024 and from April 2025.
    first, job = (
        i
        for k, text in enumerate(
            ["My cousin works at Globex Quokkaberg Corporation.", "I got a job at Globex Corporation."]
        )
        for i in memory.add(_said(text, k), namespace="a", session="s1")
    )
    assert memory.store.get_entity("a", "ent:organization:globex-quokkaberg-corporation") is not None
    memory.forget("a", first)
    globex = "ent:organization:globex-corporation"
    assert memory.store.get_entity("a", globex) is not None  # moved

    [start] = memory.add(_said("I start on 1 April.", 5), namespace="a", session="s1")

    jobs = [f.fact for f in memory.facts(namespace="a") if f.fact.predicate == "works_at"]
    assert [(f.object_id, f.evidence, f.valid_from) for f in jobs] == [(globex, (job, start), datetime(2025, 4, 1))], (
        "the job is stored twice"
    )
    assert jobs[0].id == fact_id(job, "ent:person:dana", "works_at", globex)
    history = [f.fact for f in memory.facts(namespace="a", all_time=True) if f.fact.predicate == "works_at"]
    assert len(history) == 2 and {f.id.split("@")[0] for f in history} == {jobs[0].id}  # one fact, two versions
