"""Text matching shared by the offline patient, guardian and judge.

Everything here is deterministic and cheap: lowercase normalisation, a tiny suffix stemmer, whole-phrase containment
on stemmed tokens, splitting a doctor turn into questions, and TOPICS, a lexicon that maps a history-taking topic
("onset", "allergies", ...) to the phrases that ask about it. A fact or rubric keyword that names a topic matches any
question that asks about that topic; any other keyword must appear as a phrase.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_CONTRACTION = re.compile(r"n't\b")

STOPWORDS = frozenset(
    "a an the and or of to in on at for with by from is are was were be been being do does did have has had you your "
    "i me my we our it its this that these those any anything there their they them he she his her as so if then "
    "about into over can could would should will may might please tell let know what which who how when where why "
    "ever some just also".split()
)


def normalize_apostrophes(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)


def normalize(text: str) -> str:
    """Lowercase, unify apostrophes, expand n't to ' not', and keep only [a-z0-9] words separated by single spaces."""
    text = normalize_apostrophes(text).lower()
    text = _CONTRACTION.sub(" not", text)
    return _NON_WORD.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small suffix stripper: 'allergies' -> 'allergy', 'radiates' -> 'radiat', 'smoking' -> 'smok'."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: len(word) - len(suffix)] + replacement
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in normalize(text).split()]


@lru_cache(maxsize=65536)
def stemmed(text: str) -> str:
    """The text as space-padded stems, ready for phrase containment with `in`."""
    return " " + " ".join(stems(text)) + " "


def contains_phrase(text: str, phrase: str) -> bool:
    """True when every word of `phrase` appears, in order and adjacent, in `text` (after stemming)."""
    needle = stemmed(phrase)
    return needle.strip() != "" and needle in stemmed(text)


def content_words(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stopwords)."""
    return {stem(w) for w in normalize(text).split() if w not in STOPWORDS}


# A topic is asked about when any of its patterns matches the normalised question (regex, word-bounded).
TOPICS: dict[str, list[str]] = {
    "onset": [
        r"when did",
        r"when was",
        r"start\w*",
        r"began",
        r"begin\w*",
        r"onset",
        r"first notic\w*",
        r"how long ago",
        r"c[ao]me on",
        r"sudden\w*",
        r"gradual\w*",
    ],
    "duration": [
        r"how long",
        r"duration",
        r"last(ed|ing|s)?",
        r"since when",
        r"persist\w*",
        r"how many (days|weeks|hours|months)",
    ],
    "character": [
        r"describe",
        r"feel like",
        r"what kind",
        r"what type",
        r"character\w*",
        r"quality",
        r"what is it like",
        r"sharp",
        r"dull",
        r"burning",
        r"crushing",
        r"pressure",
        r"throbbing",
        r"stabbing",
    ],
    "severity": [
        r"how bad",
        r"sever\w*",
        r"scale",
        r"out of (10|ten)",
        r"intens\w*",
        r"rate (it|the)",
        r"how strong",
        r"how much does it hurt",
    ],
    "location": [r"where", r"location", r"locat\w*", r"which part", r"point to", r"which side"],
    "radiation": [
        r"radiat\w*",
        r"spread\w*",
        r"move\w* anywhere",
        r"travel\w* (anywhere|to)",
        r"go(es)? anywhere",
        r"shoot\w*",
    ],
    "timing": [
        r"constant",
        r"come and go",
        r"comes and goes",
        r"intermittent\w*",
        r"time of day",
        r"timing",
        r"episode\w*",
        r"how often",
        r"frequen\w*",
        r"pattern",
        r"at night",
        r"in the morning",
    ],
    "aggravating": [r"worse", r"aggravat\w*", r"trigger\w*", r"bring\w* (it )?on", r"provok\w*", r"exert\w*"],
    "relieving": [r"better", r"reliev\w*", r"eas(e|es|ed|ing)", r"help\w*", r"improv\w*"],
    "associated": [r"other symptoms?", r"anything else", r"associated", r"along with", r"accompan\w*"],
    "medications": [
        r"medication\w*",
        r"medicine\w*",
        r"pills?",
        r"tablets?",
        r"prescri\w*",
        r"drugs? (do|are) you take",
        r"tak(e|ing) any",
        r"over the counter",
        r"supplement\w*",
        r"inhaler\w*",
        r"insulin",
    ],
    "allergies": [r"allerg\w*", r"reaction\w* to"],
    "past_history": [
        r"medical history",
        r"past medical",
        r"medical (condition|problem)\w*",
        r"health (condition|problem)\w*",
        r"chronic",
        r"ever (been|had)",
        r"previous\w*",
        r"in the past",
        r"any (condition|illness)\w*",
        r"diagnosed with",
        r"similar (episode|problem)\w*",
        r"before",
    ],
    "surgery": [r"surg\w*", r"operation\w*", r"operated", r"hospitali[sz]\w*", r"admitted"],
    "family_history": [
        r"famil\w*",
        r"mother",
        r"father",
        r"parents?",
        r"siblings?",
        r"brothers?",
        r"sisters?",
        r"relatives?",
        r"run in",
        r"genetic",
        r"inherit\w*",
    ],
    "smoking": [r"smok\w*", r"cigar\w*", r"tobacco", r"vap(e|ing)"],
    "alcohol": [r"alcohol", r"drink\w*", r"beer", r"wine", r"spirits"],
    "recreational_drugs": [
        r"recreational",
        r"street drugs?",
        r"illicit",
        r"cannabis",
        r"marijuana",
        r"cocaine",
        r"drug use",
        r"use drugs",
        r"inject\w*",
    ],
    "occupation": [r"work\w*", r"job", r"occupation", r"for a living", r"employ\w*", r"retired"],
    "living": [r"live with", r"living", r"home", r"at home", r"who do you live"],
    "travel": [r"travel\w*", r"trip", r"abroad", r"overseas", r"flight", r"been away"],
    "sexual_history": [r"sexual\w*", r"sexually", r"partners?", r"intercourse", r"condoms?"],
    "contacts": [
        r"sick contacts?",
        r"anyone (else )?(around you|at home|you know)",
        r"(been )?around anyone",
        r"contact with",
        r"others? (sick|ill|unwell)",
    ],
    "menstrual": [r"periods?", r"menstrua\w*", r"pregnan\w*", r"last menstrual", r"contracept\w*", r"cycle"],
    "vaccination": [r"vaccin\w*", r"immuni[sz]\w*", r"shots", r"jabs?"],
    "diet": [r"diet", r"eat\w*", r"food", r"meals?", r"appetite"],
    "weight": [r"weight", r"lost (any )?weight", r"gain\w* weight"],
    "sleep": [r"sleep\w*", r"insomnia", r"wake\w* up at night"],
    "fever": [r"fever\w*", r"temperature", r"chills?", r"feverish", r"hot and cold", r"sweat\w*"],
    "bowel": [r"bowel\w*", r"stools?", r"poo", r"diarrh\w*", r"constipat\w*"],
    "urine": [r"urin\w*", r"pee\w*", r"bladder", r"water works", r"wee"],
    "breathing": [r"breath\w*", r"short of breath", r"wind\w*"],
    "cough": [r"cough\w*", r"phlegm", r"sputum"],
    "mood": [r"mood", r"depress\w*", r"anxi\w*", r"stress\w*", r"low"],
    "ideas": [r"worr\w*", r"concern\w*", r"what do you think", r"expect\w*"],
}

_TOPIC_PATTERNS = {name: re.compile(r"\b(?:" + "|".join(pats) + r")\b") for name, pats in TOPICS.items()}


@lru_cache(maxsize=65536)
def topics_of(text: str) -> frozenset[str]:
    """The history-taking topics a question asks about, e.g. 'Any allergies?' -> {'allergies'}."""
    norm = normalize(text)
    return frozenset(name for name, pattern in _TOPIC_PATTERNS.items() if pattern.search(norm))


def keyword_matches(keyword: str, text: str) -> bool:
    """A keyword matches when it names a topic the text asks about, or appears in the text as a phrase."""
    if keyword in TOPICS:
        return keyword in topics_of(text)
    return contains_phrase(text, keyword)


_QUESTION_SPLIT = re.compile(r"(?<=[?!;])\s*|(?<=\.)\s+|\n+")


def split_questions(turn: str) -> list[str]:
    """Split a doctor turn into the units a patient answers one by one: sentences and questions.

    Only units with at least one content word are kept, so 'OK.' or '?!' do not count as questions.
    """
    parts = (part.strip() for part in _QUESTION_SPLIT.split(turn))
    return [part for part in parts if part and content_words(part)]


NEGATION = re.compile(
    r"\b(no|not|never|none|nothing|nobody|denies|deny|denied|without|neither|nor|haven t|hasn t|don t|didn t|"
    r"doesn t|isn t|wasn t|aren t|free of|absent|negative)\b"
)


def is_negated(text: str) -> bool:
    """Whether a clause is phrased as a denial ('I don't have a fever', 'no chest pain')."""
    return bool(NEGATION.search(normalize(text)))
