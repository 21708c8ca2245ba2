"""Stage 2's helper: a name that is where a journey goes, comes from or is spent is a place.

NER types each mention on its own and takes many towns for a person or a people: "Inês and I booked a
train to Porto" (Porto a person), "I went hiking in Sintra" (Sintra a nationality). How the name is said
tells more: the object of "to" or "from" after a journey ("a train to Porto", "the flight from Lisbon"),
after a verb whose object is one ("booked a train to Porto", "bought tickets to Lyon") or after a verb of
travelling ("we flew to Osaka", "drove from Leeds"), or of "in" after a verb of travelling or staying
("hiking in Sintra", "stayed in Namba"), is a place, as is where a verb states going or living
(:func:`graphmem.extract.moves.place_gone_to`: "Have you been to Porto?"). Not a person said as one: a
home ("we drove to Maria's"), a title ("a trip to Dr. Lee"); the caller keeps a speaker's name a person.
"""

from __future__ import annotations

from typing import Any

from graphmem.extract.moves import place_gone_to
from graphmem.extract.names import words

__all__ = ["travel_place"]

#: Nouns of a journey or a ticket for one: the object of their "to"/"from" is a place.
JOURNEYS = words(
    """
    trip journey flight train bus coach ferry boat cruise drive ride road_trip ticket visit holiday vacation
    getaway tour trek voyage commute transfer
    """
)
#: Verbs of travelling: their "to"/"from" object is a place, and so is their "in" object.
TRAVELLING = words("fly travel drive sail cruise commute hike trek backpack tour hitchhike cycle bike")
#: Verbs of spending time somewhere: their "in" object is a place.
STAYING = words("stay holiday vacation spend camp settle")
_TITLES = frozenset({"dr", "doctor", "mr", "mrs", "ms", "miss", "prof", "professor", "uncle", "aunt", "auntie"})


def travel_place(name: Any) -> bool:
    """Whether the name at ``name`` (its root token) is where a journey goes, comes from or is spent (see
    the module docs), whatever NER took it for."""
    if place_gone_to(name):
        return True
    if name.dep_ == "conj":
        name = name.head  # "a trip to Porto and Lisbon"
    prep = name.head
    if name.dep_ != "pobj" or prep.dep_ != "prep" or prep.lower_ not in ("to", "from", "in"):
        return False
    if any(c.dep_ == "case" for c in name.children) or any(t.lower_.rstrip(".") in _TITLES for t in name.subtree):
        return False
    head = prep.head
    lemma = head.lemma_.lower()
    if head.pos_ == "NOUN":
        return prep.lower_ != "in" and lemma in JOURNEYS
    if head.pos_ != "VERB":
        return False
    if prep.lower_ == "in":
        return lemma in TRAVELLING or lemma in STAYING
    journey = any(c.dep_ == "dobj" and c.lemma_.lower() in JOURNEYS for c in head.children)
    return journey or lemma in TRAVELLING
