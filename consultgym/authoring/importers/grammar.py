"""Small English helpers for rewording case notes: verb agreement, sentence ends and capitals."""

from __future__ import annotations

import re

THIRD_TO_BASE = {
    "has": "have",
    "is": "am",
    "was": "was",
    "does": "do",
    "doesn't": "don't",
    "hasn't": "haven't",
    "isn't": "am not",
    "wasn't": "wasn't",
    "can": "can",
    "cannot": "cannot",
    "had": "had",
    "did": "did",
    "will": "will",
    "would": "would",
    "could": "could",
    "should": "should",
    "may": "may",
    "might": "might",
    "must": "must",
}
ADVERBS = frozenset(
    "also still often sometimes always never recently currently occasionally just now only rarely frequently "
    "usually generally previously initially already subsequently then".split()
)
# Words after 'her' that show it is an object ('urging her to ...'), not a possessive ('her husband').
FUNCTION_WORDS = frozenset(
    "to and or but that with in on at for from as up down out off by about into over than when while if so "
    "because who which is was has had".split()
)
_LATER_VERBS = re.compile(
    r"\b(and|but|or)\s+(mentions|notes|reports|describes|denies|states|says|feels|takes|works|drinks|smokes|has|is|was|"
    r"does|experiences|complains|admits|recalls|uses|lives|consumes|hasn't|doesn't|isn't)\b",
    re.IGNORECASE,
)


def strip_s(verb: str) -> str:
    """The base form of a third-person verb: 'takes' -> 'take', 'carries' -> 'carry', 'washes' -> 'wash'."""
    lower = verb.lower()
    if lower in THIRD_TO_BASE:
        return THIRD_TO_BASE[lower]
    if not lower.isalpha() or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return verb
    if lower.endswith("ies"):
        return verb[:-3] + "y"
    if lower.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def base_form(rest: str) -> str:
    """The clause with its first verb (after any adverbs) in the first person: 'occasionally takes X' -> 'occasionally
    take X'."""
    words = rest.split(" ")
    for index, word in enumerate(words):
        if word.lower() in ADVERBS:
            continue
        words[index] = strip_s(word)
        break
    return " ".join(words)


def later_verbs(text: str) -> str:
    """'I describe my job ... and mentions poor sleep' -> '... and mention poor sleep'."""
    return _LATER_VERBS.sub(lambda m: f"{m.group(1)} {strip_s(m.group(2))}", text)


_BASE_TO_THIRD = {"have": "has", "am": "is", "do": "does", "don't": "doesn't", "haven't": "hasn't", "was": "was"}


def third_person(verb: str) -> str:
    """The third-person form of a base verb: 'take' -> 'takes', 'have' -> 'has', "don't" -> "doesn't"."""
    lower = verb.lower()
    if lower in _BASE_TO_THIRD:
        return _BASE_TO_THIRD[lower]
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def end_sentence(text: str) -> str:
    """The text with one closing full stop (or its own '!' / '?')."""
    text = text.strip().rstrip(",;: ")
    return text if text.endswith((".", "!", "?")) else text + "."
