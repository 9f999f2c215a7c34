"""How DDXPlus evidences become facts: the patient's words, the clinical statement and the matching keywords.

`FactWriter` renders one generated patient's evidences. Yes/no evidences take their wording from
data/ddxplus/phrasing.yaml; categorical and multiple-choice ones (where the pain is, how it feels, 0-10 scales, rash
details, swelling) are rendered from the values `ddxplus_tables` picks for the condition. When a parent answers for a
child, first-person wording is turned into the parent's ('I have a cough' -> 'He has a cough').
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from consultgym.authoring import ddxplus_tables as tables
from consultgym.scenarios.knowledge import Condition, Evidence, KnowledgeBase
from consultgym.scenarios.schema import Fact, FactCategory

ADULT_AGE = 16  # adult-only evidences (smoking, alcohol, sexual history) need at least this age

PAIN = "E_53"
PAIN_LOCATION, PAIN_RADIATION, PAIN_CHARACTER = "E_55", "E_57", "E_54"
PAIN_SPEED, PAIN_SEVERITY, PAIN_PRECISION = "E_59", "E_56", "E_58"
RASH, RASH_LOCATION = "E_129", "E_133"
RASH_DETAILS = ("E_130", "E_134", "E_132", "E_136", "E_135", "E_131")
SWELLING, SWELLING_LOCATION = "E_151", "E_152"

ADVERBS = frozenset("sometimes often always never just also really suddenly still only mostly recently".split())
KEEP_VERBS = frozenset("can can't could couldn't would should will won't had did didn't might must was wasn't".split())
VERB_FORMS = {"am": "is", "have": "has", "haven't": "hasn't", "do": "does", "don't": "doesn't", "'m": "is"}


@dataclass(frozen=True)
class PatientSketch:
    """Who the generated patient is, before it becomes a `schema.Patient`."""

    age: int
    months: int | None  # set for infants and toddlers described in months
    sex: str
    occupation: str
    style: str
    informant: str  # 'mother' or 'father' when a parent answers; '' otherwise

    @property
    def child(self) -> bool:
        return bool(self.informant)

    @property
    def pronouns(self) -> tuple[str, str, str]:
        """(subject, possessive, object) for the patient in a parent's words."""
        return ("he", "his", "him") if self.sex == "male" else ("she", "her", "her")

    @property
    def age_phrase(self) -> str:
        return f"{self.months}-month-old" if self.months is not None else f"{self.age}-year-old"

    @property
    def noun(self) -> str:
        if self.age >= ADULT_AGE:
            return "man" if self.sex == "male" else "woman"
        return "boy" if self.sex == "male" else "girl"


class FactWriter:
    """Writes the facts of one patient's evidences; draws every random choice from the case's generator."""

    def __init__(
        self,
        kb: KnowledgeBase,
        record: Condition,
        profile: tables.ConditionProfile,
        rng: random.Random,
        patient: PatientSketch,
        side: str,
    ) -> None:
        self.kb = kb
        self.record = record
        self.profile = profile
        self.rng = rng
        self.patient = patient
        self.side = side  # the side ('R' or 'L') of one-sided findings, shared by pain, radiation and swelling

    def evidence_fact(self, code: str) -> Fact | None:
        evidence = self.kb.evidence(code)
        special = {
            PAIN: self._pain_fact,
            PAIN_RADIATION: self._radiation_fact,
            PAIN_CHARACTER: self._character_fact,
            PAIN_SPEED: self._speed_fact,
            PAIN_SEVERITY: self._severity_fact,
            PAIN_PRECISION: self._precision_fact,
            RASH: self._rash_fact,
            SWELLING: self._swelling_fact,
        }.get(code)
        if special is not None:
            return special(evidence)
        if code in RASH_DETAILS:
            return self._rash_detail_fact(evidence)
        return self.binary_fact(evidence, present=True)

    def binary_fact(self, evidence: Evidence, present: bool) -> Fact:
        p = evidence.phrasing
        if present:
            text = p.get("text_yes") or f"Reports {evidence.label}."
        else:
            text = p.get("text_no") or f"Denies {evidence.label}."
        category = evidence.category
        if not present and category == FactCategory.symptom:
            category = FactCategory.ros  # a denied symptom belongs to the review of systems
        say = self._child_wording(evidence.code, present) or self.voice(p["pos"] if present else p["neg"])
        return Fact(
            id=evidence.fact_id,
            category=category,
            text=capitalise(text),
            say=say,
            present=present,
            keywords=evidence.keywords,
        )

    def _child_wording(self, code: str, present: bool) -> str | None:
        if not self.patient.child:
            return None
        if code == "E_142" and self.patient.informant == "mother":
            return "I have asthma myself." if present else "No, I don't have asthma."
        wording = tables.CHILD_WORDING.get(code)
        if wording is None:
            return None
        he, his, him = self.patient.pronouns
        text = wording[0 if present else 1]
        return text.format(He=he.capitalize(), he=he, his=his, him=him)

    def _pain_fact(self, evidence: Evidence) -> Fact:
        sites = self._sites(self.profile.pain.sites if self.profile.pain else ("upper chest",), (1, 2))
        keywords = [*evidence.keywords, "location", *_site_words(sites)]
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=f"Pain located in: {_clinical(sites)}.",
            say=self.voice(f"I have pain in {_lay(sites, self.side)}."),
            keywords=unique(keywords),
        )

    def _radiation_fact(self, evidence: Evidence) -> Fact:
        options = self.profile.pain.radiation if self.profile.pain else ("nowhere",)
        target = self.rng.choice(options)
        if target == "nowhere":
            return Fact(
                id=evidence.fact_id,
                category=FactCategory.hpi,
                text="The pain does not radiate.",
                say=self.voice(evidence.phrasing["neg"]),
                present=False,
                keywords=evidence.keywords,
            )
        sites = self._sites((target,), (1, 1))
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=f"The pain radiates to: {_clinical(sites)}.",
            say=self.voice(f"The pain spreads to {_lay(sites, self.side)}."),
            keywords=unique([*evidence.keywords, *_site_words(sites)]),
        )

    def _character_fact(self, evidence: Evidence) -> Fact:
        options = self.profile.pain.character if self.profile.pain else ("tedious",)
        picked = self.rng.sample(options, k=min(len(options), self.rng.randint(1, 2)))
        words = [tables.CHARACTER_WORDS[value] for value in picked]
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=f"Describes the pain as {join_and(words)}.",
            say=self.voice(f"The pain feels {join_and(words)}."),
            keywords=unique([*evidence.keywords, *words]),
        )

    def _scale(self, attribute: str) -> int:
        low, high = getattr(self.profile.pain, attribute) if self.profile.pain else (3, 6)
        return self.rng.randint(low, high)

    def _speed_fact(self, evidence: Evidence) -> Fact:
        speed = self._scale("speed")
        manner = "all of a sudden" if speed >= 8 else "fairly quickly" if speed >= 5 else "gradually"
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=f"The pain came on {manner} (speed of onset {speed}/10).",
            say=self.voice(f"The pain came on {manner}."),
            keywords=evidence.keywords,
        )

    def _severity_fact(self, evidence: Evidence) -> Fact:
        level = self._scale("intensity")
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=f"Pain intensity {level}/10.",
            say=self.voice(f"I'd put the pain at {level} out of 10."),
            keywords=evidence.keywords,
        )

    def _precision_fact(self, evidence: Evidence) -> Fact:
        level = self._scale("precision")
        say = (
            "I can point to exactly where it hurts."
            if level >= 7
            else "I can roughly show you where it is."
            if level >= 4
            else "It's hard to pin down exactly where it is."
        )
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=f"The pain is localised with precision {level}/10.",
            say=self.voice(say),
            keywords=evidence.keywords,
        )

    def _rash_fact(self, evidence: Evidence) -> Fact:
        if self.profile.rash is None or RASH_LOCATION not in self.record.evidences:
            return self.binary_fact(evidence, present=True)
        sites = self._sites(self.profile.rash.sites, (1, 2))
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.symptom,
            text=f"Skin lesions on: {_clinical(sites)}.",
            say=self.voice(f"I have a rash on {_lay(sites, self.side)}."),
            keywords=unique([*evidence.keywords, "location"]),
        )

    def _rash_detail_fact(self, evidence: Evidence) -> Fact | None:
        rash = self.profile.rash
        if rash is None:
            return None
        text, say, present = _rash_detail(evidence.code, rash, self.rng)
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.hpi,
            text=text,
            say=self.voice(say),
            present=present,
            keywords=evidence.keywords,
        )

    def _swelling_fact(self, evidence: Evidence) -> Fact:
        if not self.profile.swelling or SWELLING_LOCATION not in self.record.evidences:
            return self.binary_fact(evidence, present=True)
        sites = self._sites(self.profile.swelling, (1, 1))
        return Fact(
            id=evidence.fact_id,
            category=FactCategory.symptom,
            text=f"Swelling of: {_clinical(sites)}.",
            say=self.voice(f"I've noticed swelling in {_lay(sites, self.side)}."),
            keywords=evidence.keywords,
        )

    def _sites(self, options: Sequence[str], count: tuple[int, int]) -> list[tuple[str, str | None]]:
        """Pick sites as (release base name, side) with side 'R', 'L', 'both' or None for midline sites."""
        picked = self.rng.sample(list(options), k=min(len(options), self.rng.randint(*count)))
        return [_site(entry, self.side) for entry in picked]

    def voice(self, text: str) -> str:
        """The patient's words; a parent answering for a child turns 'I have' into 'he has' and 'my' into 'his'."""
        if not self.patient.child:
            return text
        return third_person(text, *self.patient.pronouns)


PAIN_NAMES = {  # what to call pain by where it is, for scenario titles
    "chest": "chest pain",
    "head": "headache",
    "belly": "abdominal pain",
    "throat": "sore throat",
    "ear": "earache",
    "back": "back pain",
    "groin": "groin pain",
    "joints": "joint pain",
    "ankle": "ankle pain",
    "eye": "eye pain",
    "neck": "neck pain",
    "face": "facial pain",
    "jaw": "jaw pain",
}


def third_person(text: str, he: str, his: str, him: str) -> str:
    """Reword a first-person sentence as a parent speaking about the child: 'I've had my fever' -> 'he's had his fever'.

    Handles the forms the phrasing table uses (I, I'm, I've, I'd, I'll, my, me, myself, and the verb after I).
    """
    out: list[str] = []
    expect_verb = False
    for word in text.split(" "):
        core, tail = re.match(r"^(.*?)([.,;:!?]*)$", word).groups()
        lower = core.lower()
        if expect_verb and lower in ADVERBS:
            out.append(word)
            continue
        if expect_verb:
            core = _conjugate(core)
            expect_verb = False
        replacement = {
            "i": he,
            "i'm": f"{he}'s",
            "i've": f"{he}'s",
            "i'd": f"{he}'d",
            "i'll": f"{he}'ll",
            "my": his,
            "me": him,
            "myself": f"{him}self",
            "mine": his,
        }.get(lower)
        if replacement is not None:
            expect_verb = lower == "i"
            core = replacement
        out.append(core + tail)
    return _sentence_case(" ".join(out))


def _conjugate(verb: str) -> str:
    lower = verb.lower()
    if lower in VERB_FORMS:
        return VERB_FORMS[lower]
    if lower in KEEP_VERBS or not lower.isalpha():
        return verb
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _sentence_case(text: str) -> str:
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def _site(entry: str, side: str) -> tuple[str, str | None]:
    match = re.match(r"^(.*)\((L|R|both)\)$", entry)
    if match:
        return match.group(1), match.group(2)
    sided = "{side}" in tables.SITES[entry][0]
    return entry, side if sided else None


def _clinical(sites: list[tuple[str, str | None]]) -> str:
    names = {"R": "right", "L": "left", "both": "both sides"}
    return ", ".join(f"{base} ({names[side]})" if side else base for base, side in sites)


def _lay(sites: list[tuple[str, str | None]], default_side: str) -> str:
    words = []
    for base, side in sites:
        one, both, _ = tables.SITES[base]
        if side == "both" and both:
            words.append(both)
        else:
            words.append(one.format(side={"R": "right", "L": "left"}.get(side or default_side, "right")))
    return join_and(words)


def _site_words(sites: list[tuple[str, str | None]]) -> list[str]:
    return [word for base, _ in sites for word in tables.SITES[base][2]]


def _rash_detail(code: str, rash: tables.RashProfile, rng: random.Random) -> tuple[str, str, bool]:
    """(clinical text, patient words, present) for one rash follow-up."""
    if code == "E_130":
        colour = rng.choice(rash.colours)
        return f"The rash is {colour}.", f"The rash is {colour}.", True
    if code in {"E_134", "E_132", "E_136"}:
        attribute = {"E_134": "pain", "E_132": "swelling", "E_136": "itch"}[code]
        level = rng.randint(*getattr(rash, attribute))
        return _rash_scale(attribute, level)
    if code == "E_135":
        large = rng.random() < rash.large
        return (
            ("Some lesions are larger than 1 cm.", "Some of the spots are bigger than a centimetre.", True)
            if large
            else ("The lesions are smaller than 1 cm.", "The spots are all smaller than a centimetre.", False)
        )
    peeling = rng.random() < rash.peeling
    return (
        ("The lesions peel.", "The spots are peeling.", True)
        if peeling
        else ("The lesions do not peel.", "The spots aren't peeling.", False)
    )


def _rash_scale(attribute: str, level: int) -> tuple[str, str, bool]:
    if level == 0:
        says = {
            "pain": "The rash doesn't hurt.",
            "swelling": "The rash isn't swollen.",
            "itch": "The rash doesn't itch.",
        }
        return f"Rash {attribute} 0/10.", says[attribute], False
    degree = "a little" if level <= 3 else "quite" if level <= 6 else "very"
    says = {
        "pain": f"The rash is {degree} painful.",
        "swelling": f"The rash is {degree} swollen.",
        "itch": f"The rash is {degree} itchy.",
    }
    return f"Rash {attribute} {level}/10.", says[attribute], True


def unique(words: Iterable[str]) -> list[str]:
    """The words without repeats, in first-seen order."""
    return list(dict.fromkeys(words))


def join_and(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
