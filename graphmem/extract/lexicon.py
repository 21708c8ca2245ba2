"""The words of the fact vocabulary: nouns that fit a predicate's object and verbs that tell how a fact is
said.

:mod:`graphmem.extract.vocabulary` declares the predicates and reads these lists (and re-exports them); the
stages read the verb lists to tell a state begun, ended, planned or undone. The lists are general English,
not phrases of any one corpus.
"""

from __future__ import annotations

from graphmem.extract.names import words

__all__ = [
    "ACTIVITY_VERBS",
    "ANIMALS",
    "ASPECT_ENDINGS",
    "ASPECT_PLANS",
    "ASPECT_STARTS",
    "ATTEMPTS",
    "CHILDREN",
    "DURATIVE",
    "EVENTS",
    "GAMES",
    "GROUPS",
    "HOBBIES",
    "HOMES",
    "HYPOTHETICAL",
    "INCEPTIONS",
    "INSTRUMENTS",
    "JOBS",
    "LESSONS",
    "LESSON_VERBS",
    "LIGHT_VERBS",
    "OFFICES",
    "OWNABLES",
    "PARTNERS",
    "PLAN_PREPOSITIONS",
    "PLAN_VERBS",
    "REVERSIBLE_LOSSES",
    "SCHOOLS",
    "SCREENINGS",
    "SPOUSES",
    "VAGUE",
    "VANISHING",
    "WORKPLACES",
]

ANIMALS = words(
    """
    dog puppy pup cat kitten kitty hamster rabbit bunny parrot bird budgie fish goldfish turtle tortoise
    snake lizard gecko horse pony ferret guinea_pig pig chicken hen duck goat iguana mouse rat chinchilla
    hedgehog cockatiel canary pet
    """
)
INSTRUMENTS = words(
    """
    guitar piano violin viola cello drum drums flute saxophone sax ukulele bass keyboard trumpet clarinet
    harp banjo mandolin trombone harmonica accordion oboe
    """
)
GAMES = words(
    """
    soccer football basketball tennis volleyball baseball golf chess hockey rugby cricket badminton
    softball lacrosse squash poker game games videogame videogames sport sports pool bowling ping_pong
    """
)
CHILDREN = words("kid kids child children son daughter baby babies boy girl twin twins toddler")
PARTNERS = words("boyfriend girlfriend partner fiance fiancé fiancee fiancée bf gf")
SPOUSES = words("husband wife spouse")
SCHOOLS = words("school university college uni academy class course program programme degree grad_school")
GROUPS = words(
    "club team group band choir community league society association crew chapter troupe orchestra gym brigade"
)
JOBS = words("job work position role post internship career company firm employer office gig")
HOMES = words("apartment flat house home place city town country neighbourhood neighborhood area")
OWNABLES = words(
    """
    car house bike bicycle motorcycle motorbike boat truck van apartment flat home laptop computer phone
    camera guitar piano kayak canoe cabin condo property scooter
    """
)
WORKPLACES = words(
    """
    bakery shelter hospital school cafe restaurant store shop company firm startup office library studio
    clinic agency factory hotel bank bar lab farm salon center centre museum gallery newspaper
    magazine nonprofit charity organization organisation kitchen warehouse daycare
    """
)
HOBBIES = words(
    """
    painting drawing pottery photography yoga running hiking knitting sewing baking cooking writing
    gardening dancing singing swimming cycling surfing skating skiing climbing meditation camping
    fishing reading sculpting woodworking journaling crafting boxing jogging biking kayaking rowing
    snowboarding skateboarding volunteering birdwatching bowling golfing horseback_riding
    """
)
#: What one watches: "we watched a movie", "I've been bingeing a series".
SCREENINGS = words(
    """
    movie movies film films show shows series documentary documentaries video videos game games match
    matches episode episodes anime cartoon cartoons sitcom drama dramas concert play musical
    """
)
#: Nouns of something taken or joined to learn an activity ("a pottery class", "salsa lessons"): with
#: a modifier naming the activity, the whole phrase is one (see :mod:`graphmem.extract.relations`).
LESSONS = words("class lesson course workshop")
#: Verbs whose bare gerund complement is an activity the subject does: "went camping", "started
#: painting", "tried surfing" (``take_up``: the verb with its particle). Not "keep": "keep going",
#: "keep pushing" say one perseveres, not what one does.
ACTIVITY_VERBS = words("go start begin try take_up")
#: Verbs whose object, a lesson noun with a modifier, is an activity taken up ("took a pottery class").
LESSON_VERBS = words("take join start begin try do enrol enroll")

#: Abstract or evaluative nouns no memory keeps as the object of a fact ("I appreciate your help",
#: "I love the freedom it brings", "I want to make a difference").
VAGUE = words(
    """
    help support encouragement kindness word words advice suggestion recommendation idea thought thoughts
    feedback progress energy freedom connection connections structure color colour texture vibe
    atmosphere feeling feelings emotion emotions peace joy happiness love passion passions dream dreams
    success successes difference impact change challenge challenges struggle struggles journey
    experience experiences opportunity opportunities way time moment moments memory memories stuff
    thing things lot part sense fun blast chance option options strength strategy strategies terms
    positivity greatness self care heart reminder spot note beauty view
    """
)
#: Verbs that carry no relation of their own: "I'm a mom", "it keeps me at peace".
LIGHT_VERBS = words(
    """
    be have do get keep make let take give put feel think know see say tell mean guess seem look sound
    need use try come find hear show help bring want hope thank wish
    """
)
#: Outer verbs whose complement ends ("stopped playing", "quit smoking", "gave up painting").
ASPECT_ENDINGS = words("stop quit cease give_up")
#: Outer verbs whose complement starts ("started painting", "took up running").
ASPECT_STARTS = words("start begin take_up finish")
#: Outer verbs whose complement is a plan ("planning to visit", "want to adopt").
ASPECT_PLANS = words("plan want hope intend aim mean consider think_about look_forward")
#: Outer verbs whose complement was attempted or due, not done ("tried to join Google", "was supposed
#: to start", "failed to get the job"): a state of a single-valued predicate said so asserts nothing.
ATTEMPTS = words("try attempt fail suppose")
#: Predicates of something done once: dated after the statement, they are a plan ("I'm going to a
#: conference next month").
EVENTS = words("went_to created read met watched")
#: Prepositions through which a wish has an aim ("want to move to Rome"; not "because of my degree").
PLAN_PREPOSITIONS = words("to for in at on into with")
#: Verbs whose object under "want to", "plan to" is a plan worth keeping (not "want to make a difference").
PLAN_VERBS = words(
    """
    try learn start open visit travel buy attend join adopt write publish launch enter organise organize
    host see go get move study apply
    """
)
#: Verbs that begin whatever their complement says ("started working there", "began dating").
INCEPTIONS = words("start begin commence")
#: Verbs that state a single-valued state as lasting, not as begun ("I worked at Acme", "we lived in Porto",
#: "I was an analyst at X", "they dated"): told in the simple past, the state held before and is over
#: (:func:`graphmem.extract.bounds.told_as_over`); "moved to", "joined", "married" tell its beginning.
DURATIVE = words("be work live study attend date stay reside teach intern employ belong")
#: Auxiliaries of a hypothetical: "I could write a whole movie" asserts nothing.
HYPOTHETICAL = words("could would might should may must")
#: Intransitive endings: the subject itself is gone ("Max passed away", "my cat ran away").
VANISHING = words("die pass_away pass run_away go_missing")
#: Losses a return or a finding undoes (``be_`` for a passive: "got lost"); not a death ("died", "put down"):
#: see :mod:`graphmem.extract.recoveries`.
REVERSIBLE_LOSSES = words("run_away go_missing wander_off lose be_lose")
#: Head nouns of the title of an office a person holds ("the Mayor of Leeds", "Chief of Staff"): such a title
#: "X of Y" names no employer and no work. Declared, not guessed; see docs/extraction.md.
OFFICES = words(
    """
    minister mayor president governor king queen prince princess chancellor secretary director head chief
    ambassador bishop archbishop duke duchess earl count countess emperor empress senator premier chairman
    chairwoman chair ceo cfo cto dean provost rector mp commissioner general admiral
    """
)
