"""What kind of statement a sentence of a case note is, before it becomes a fact a patient can say.

A note mixes what the patient could tell a doctor with what they could not: remarks for the examiner ('Details not
provided; the doctor should inquire about stressors'), summaries of a review of systems ('All other systems are
within normal limits'), and what a clinician observed ('The patient appears anxious', 'Mild lymphadenopathy is
noted'). `classify` sorts them so the importer can drop remarks, turn summaries into one 'nothing else' denial, and
file observations as examination findings that only ``EXAMINE: general appearance`` reveals.

Example:
    >>> classify("Information not provided but may include details about diet.", "social")
    <Kind.remark: 'remark'>
    >>> classify("All other systems reviewed are within normal limits.", "ros")
    <Kind.nothing_else: 'nothing_else'>
    >>> classify("The patient appears anxious.", "hpi")
    <Kind.observation: 'observation'>
    >>> classify("Past medical history is unremarkable.", "pmh")
    <Kind.unremarkable: 'unremarkable'>
"""

from __future__ import annotations

import re
from enum import StrEnum

from consultgym.authoring.importers.fragments import Speaker


class Kind(StrEnum):
    """remark: not for the patient; nothing_else: a negative review of systems; unremarkable: a negative history
    section; observation: seen by a clinician; statement: something the patient can say."""

    remark = "remark"
    nothing_else = "nothing_else"
    unremarkable = "unremarkable"
    observation = "observation"
    statement = "statement"


_REMARK = re.compile(
    r"\b(not (provided|available|specified|mentioned|documented|applicable|obtained|assessed|reported|known)|"
    r"unavailable|unreported|unknown at this time|unable to (provide|perform|complete|obtain|assess)|limited due to|"
    r"details? (on|of|about)\b.*\bnot\b|may include|should (inquire|ask|explore|consider)|the doctor|focus on|"
    r"is a newborn|no (further |additional )?(details|information)|mentioned due to|due to the age of|"
    r"history available)\b|^n/?a\b|^unknown\b",
    re.IGNORECASE,
)
_NOTHING_ELSE = re.compile(
    r"\b(systems?|review of systems|systemic review|systems review|ros)\b.*\b(negative|unremarkable|normal|"
    r"within normal limits|non-?contributory|otherwise)\b|\bno (other|additional|further) (significant )?"
    r"(symptoms|complaints|findings|systemic symptoms)\b|\botherwise (negative|unremarkable|asymptomatic)\b",
    re.IGNORECASE,
)
_NONE = re.compile(r"^(?:insignificant|none|nil|non-?contributory|unremarkable|negative)\.?$", re.IGNORECASE)
_HISTORY_SECTION = re.compile(r"^(?:the )?(?:past )?(?:medical|surgical|family|social) history\b", re.IGNORECASE)
_UNREMARKABLE = re.compile(r"\b(unremarkable|non-?contributory|negative|noncontributory)\b", re.IGNORECASE)
_OBSERVED = re.compile(
    r"\b(is|are|was|were) (noted|observed|evident|seen|visible|found)( on)?\b(?! to have\b.*\bat birth\b)|"
    r"\bevident\b|\b(on|during) (the )?(physical )?(examination|exam)\b|\b(appears?|appeared|looks?) "
    r"(to be )?(anxious|ill|unwell|comfortable|distressed|tired|pale|well|agitated|confused|lethargic|in distress|"
    r"in pain|cachectic|jaundiced|flushed|diaphoretic|disheveled|dishevelled|withdrawn|unable)\b|"
    r"\brespirations? (are|is)\b|"
    r"\b\d+ ?(mmhg|bpm|/min)\b|\bshows signs of\b|\bis diaphoretic\b|\b(peripheral pulses|bowel sounds|heart sounds|"
    r"breath sounds|murmurs?|crackles|rales|rhonchi|hepatomegaly|splenomegaly|hepatosplenomegaly|lymphadenopathy|"
    r"reflexes|tenderness on palpation|guarding|rebound tenderness|conjunctival pallor|pale conjunctivae?)\b",
    re.IGNORECASE,
)
GENERAL_APPEARANCE = ["general appearance", "appearance", "general examination", "general inspection"]


def classify(sentence: str, category: str) -> Kind:
    """The kind of one sentence from the note section of `category` ('hpi', 'ros', 'pmh', 'social', ...)."""
    if _REMARK.search(sentence):
        return Kind.remark
    if category in {"ros", "hpi", "symptom"} and _NOTHING_ELSE.search(sentence):
        return Kind.nothing_else
    if _NONE.match(sentence) and category in {"pmh", "family"}:
        return Kind.unremarkable
    if _HISTORY_SECTION.search(sentence) and _UNREMARKABLE.search(sentence) and len(sentence.split()) <= 8:
        return Kind.unremarkable if "social" not in sentence.lower() else Kind.remark
    if category in {"pmh", "family"} and _UNREMARKABLE.search(sentence) and len(sentence.split()) <= 8:
        return Kind.unremarkable
    if _OBSERVED.search(sentence):
        return Kind.observation
    return Kind.statement


NOTHING_ELSE_TEXT = "No other symptoms on review of systems."


NOTHING_ELSE_SAY = "No, nothing else that I've noticed."


def unremarkable_item(sentence: str, category: str) -> str:
    """What a negative history section denies: 'significant past medical history', 'significant family history'."""
    family = "family" in sentence.lower() or (category == "family" and "medical" not in sentence.lower())
    return "significant family history" if family else "significant past medical history"


_GERUNDS = {"using": "use", "taking": "take", "smoking": "smoke", "drinking": "drink", "feeling": "feel",
            "having": "have", "experiencing": "experience", "noticing": "notice", "seeing": "see"}  # fmt: skip


def denial_say(item: str, speaker: Speaker) -> str:
    """The spoken denial of one item: 'fever' -> 'No fever.', 'using alcohol' -> "I don't use alcohol."."""
    first, _, rest = item.partition(" ")
    if first.lower() in _GERUNDS and rest:
        negation = "don't" if speaker.first else "doesn't"
        return f"{speaker.subject} {negation} {_GERUNDS[first.lower()]} {rest}."
    return f"No {item}."
