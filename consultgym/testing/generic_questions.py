"""Generic questions and their right answers: does 'Where is it?' reach the fact that says where?

'Where is it?', 'What does it look like?', 'Does anything make it worse?' name no symptom, so only the topics given to
every fact at authoring time (`Fact.topics`) can route them. Whether a case *has* a fact that answers the question,
and whether the fact a question reaches is *the right one*, is decided here independently of those topics: by the
fact's category (medications, allergies, family history) or by what its words say (a body site for 'where', a colour
or a lesion's shape for 'what does it look like', a time for 'when', 'worse with ...' for 'what makes it worse').
Used by the library test (tests/scenarios/test_generic_questions.py) and ``benchmarks/library.py``.

Example:
    >>> with_answer, missed = reach("starter", "medications")
    >>> with_answer, missed
    (12, [])
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultgym.scenarios.loader import load_library
from consultgym.scenarios.retrieval import facts_for_question
from consultgym.scenarios.schema import Fact, Scenario

LIBRARIES = ("starter", "generated", "agentclinic")
BAR = 0.9  # share of the cases that have an answer in which the generic question reaches it

QUESTIONS = {
    "location": "Where on your body is it?",
    "appearance": "What does it look like?",
    "aggravating": "Does anything make it worse?",
    "relieving": "Does anything make it better?",
    "onset": "When did it start?",
    "medications": "Do you take any medications?",
    "allergies": "Do you have any allergies?",
    "family_history": "Does anything run in your family?",
}

_SITE = (
    r"(head|forehead|temples?|face|cheeks?|jaw|eyes?|eyelids?|ears?|nose|mouth|lips?|tongue|gums?|throat|neck|"
    r"shoulders?|arms?|elbows?|wrists?|hands?|palms?|fingers?|chest|breasts?|ribs?|spine|flank|loin|abdomen|"
    r"abdominal|belly|tummy|stomach|groin|pelvis|hips?|buttocks?|thighs?|knees?|legs?|calf|calves|ankles?|foot|feet|"
    r"toes?|scalp|trunk|limbs|extremities|scrotum|testicles?|vulva|vagina|axilla|armpits?|quadrant|iliac fossa|"
    r"breastbone|sternum|umbilicus|navel|belly button|epigastri\w*|(lower|upper|my|his|her|the) back)"
)
_SIDE = r"(right|left|upper|lower|both|central|middle|front|back|bottom|top|inner|outer)"
_DETAIL = r"(ring|index|little|great|big|distal|proximal)"
RIGHT_ANSWER = {
    "location": re.compile(
        rf"\b(in|on|over|around|behind|across|at|under|of|to)\b (the |his |her |my |both |each )?({_SIDE}[ -])*"
        rf"({_DETAIL} )?{_SITE}\b|\b(right|left)[- ](sided )?({_DETAIL} )?{_SITE}\b|\blocated\b|"
        rf"\b(abdominal|chest|back|neck|knee|hip|shoulder|joint|pelvic|flank|groin|leg|arm|epigastric|ear|eye) (pain|"
        rf"ache|tenderness|swelling|discomfort)\b",
        re.IGNORECASE,
    ),
    "appearance": re.compile(
        r"\b(red|reddish|brown|black|yellow\w*|white|purple|pink|blue|bluish|dark (urine|stools?|patch\w*|spots?)|pale|"
        r"colou?r\w*|erythematous|scaly|"
        r"crust\w*|raised|flat|blisters?|vesic\w*|papul\w*|pustul\w*|nodul\w*|macul\w*|plaques?|patch(es)?|swollen|"
        r"swelling|bruis\w*|cloudy|frothy|bloody|peel\w*|\d+ ?(cm|mm)|larger than|smaller than|bigger than|looks?)\b",
        re.IGNORECASE,
    ),
    "aggravating": re.compile(
        r"\bworse (with|when|on|after|at|in|during|if|lying|walking)\b|bring (it |them )?on|"
        r"makes? (it |the \w+ )?worse|\bmade (it |the \w+ )?worse|\bworsen\w* (\w+ ){0,4}(with|when|on|after|in|"
        r"during|if|upon)\b|exacerbat\w* (with|by|when|during)|aggravat|trigger|brought on|bring it on|"
        r"(on|with|upon) exertion|\bexertional\b|hurts more|intensif\w* (after|with|when)|(when|while) (walking|"
        r"climbing|exercising|eating|chewing|lying|bending|moving|coughing)",
        re.IGNORECASE,
    ),
    "relieving": re.compile(
        r"\bbetter (with|when|after|if|lying|sitting|at)\b|reliev|\beas(es|ed|ing)\b|improv\w* (with|after|on|when|"
        r"by|upon)|(?<!n't )(?<!not )\bhelps?\b|helped|alleviat|subsid|nothing (touches|helps)",
        re.IGNORECASE,
    ),
    "onset": re.compile(
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|a couple of)[- ](minute|hour|day|"
        r"night|week|month|year)s?\b|\bago\b|\bsince\b|\bstarted\b|\bbegan\b|\bcame on\b|\byesterday\b|"
        r"\blast (night|week|month)\b|\bthis morning\b|\bovernight\b|\bsudden",
        re.IGNORECASE,
    ),
}
CATEGORY_OF = {"medications": "medication", "allergies": "allergy", "family_history": "family"}
# What a complaint is like is told by present facts of the history; what makes it worse or better may also be told
# by a denial that nothing does ('Nothing makes it better or worse').
DESCRIBES_A_COMPLAINT = {"location", "appearance", "onset"}
HISTORY = {"hpi", "symptom", "ros"}


def answers(topic: str, fact: Fact) -> bool:
    """Whether `fact` answers the generic question about `topic` (decided from its category and words only)."""
    if topic in CATEGORY_OF:
        return fact.category.value == CATEGORY_OF[topic]
    if fact.category.value not in HISTORY or (topic == "onset" and fact.category.value == "ros"):
        return False
    if not fact.present and (topic in DESCRIBES_A_COMPLAINT or not re.search(r"\bnothing\b", fact.text, re.I)):
        return False
    return bool(RIGHT_ANSWER[topic].search(f"{fact.text} {fact.say}"))


def reach(library: str | Sequence[Scenario], topic: str) -> tuple[int, list[str]]:
    """(cases with an answer, ids of those where the generic question misses it) for a library name or scenarios."""
    question = QUESTIONS[topic]
    with_answer, missed = 0, []
    for scenario in load_library(library) if isinstance(library, str) else library:
        if not any(answers(topic, f) for f in scenario.facts if not f.hidden_until_requested):
            continue
        with_answer += 1
        if not any(answers(topic, f) for f in facts_for_question(scenario, question)):
            missed.append(scenario.id)
    return with_answer, missed


def reach_share(library: str | Sequence[Scenario], topic: str) -> float:
    """The share of the cases with an answer in which the generic question reaches it (1.0 when none has one)."""
    with_answer, missed = reach(library, topic)
    return (with_answer - len(missed)) / with_answer if with_answer else 1.0
