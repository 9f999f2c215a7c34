"""Sentence fragments of a case note ('Retired school teacher.', 'Non-smoker.', 'Double vision.') as whole sentences.

A note's sections are full of fragments with no subject. `fragment_wording` gives each one the speaker as subject in
the form its section calls for: a symptom is something the speaker has had, a condition something they have, a drug
something they take, an occupation something they are. The speaker is the patient ('I') or, for a child, the parent
talking about the child ('My son', with 'his' as the possessive).

Example:
    >>> fragment_wording("Retired school teacher.", "social", Speaker.patient())
    "I'm a retired school teacher."
    >>> fragment_wording("Non-smoker and drinks wine occasionally.", "social", Speaker.patient())
    "I don't smoke, and I drink wine occasionally."
    >>> fragment_wording("Bilious vomiting.", "symptom", Speaker.child("baby", "male"))
    'My baby has had bilious vomiting.'
    >>> fragment_wording("The patient reports a cough.", "hpi", Speaker.patient()) is None
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consultgym.authoring.importers.grammar import capitalise, end_sentence, later_verbs, strip_s, third_person

_SUBJECT_START = re.compile(
    r"^(?:the|this|these|those|his|her|my|our|their|there|it|he|she|they|we|i|patient|pt|both|all|each|every|"
    r"during|after|before|since|when|while|although|despite|over|in|on|at|for|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|no|none|nothing|not|denies|denied|a|an|reports|mentions|describes|notes|recalls|admits|states|"
    r"shares|expresses|complains|endorses)\b",
    re.IGNORECASE,
)
_FINITE = re.compile(r"\b(is|are|was|were|has|have|had|does|do|did|can|will|would)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\s+(?:that|which|who|where)\s+.*$|,.*$")
_PAST_VERBS = frozenset(
    """moved underwent had was returned visited travelled traveled fell took developed noticed started stopped quit
regained lost fainted collapsed vomited passed woke suffered presented completed received experienced attempted
tried began emigrated immigrated relocated spent sustained injured broke sprained hit noted""".split()
)
_PRESENT_VERBS = frozenset(
    """works drinks smokes lives uses takes attends plays enjoys eats travels spends consumes exercises performs
feels sleeps walks runs avoids prefers wears has is does participates
engages""".split()
)
_BASE_VERBS = frozenset("use drink smoke work live exercise eat take play attend enjoy".split())
_PARTICIPLES = {
    "diagnosed": "was",
    "treated": "was",
    "admitted": "was",
    "hospitalized": "was",
    "hospitalised": "was",
    "discharged": "was",
    "prescribed": "was",
    "born": "was",
    "seen": "was",
    "evaluated": "was",
    "operated": "was",
    "tested": "was",
    "found": "was",
    "started": "was",
    "brought": "was",
    "delivered": "was",
    "released": "was",
    "vaccinated": "am",
    "immunized": "am",
    "immunised": "am",
    "employed": "am",
    "enrolled": "am",
    "married": "am",
    "divorced": "am",
    "widowed": "am",
    "single": "am",
    "engaged": "am",
    "unemployed": "am",
    "retired": "am",
    "active": "am",
    "sexually": "am",
    "unable": "am",
    "not": "am",
    "currently": "am",
    "on": "am",
    "otherwise": "am",
    "previously": "was",
}
_ADVERB_OF = {"occasional": "occasionally", "regular": "regularly", "daily": "daily", "heavy": "heavily",
              "recreational": "recreationally", "intermittent": "intermittently", "social": "socially",
              "frequent": "frequently", "rare": "rarely", "moderate": "moderately", "light": "lightly"}  # fmt: skip
_PERSON = re.compile(
    r"^(?:a |an )?(?:(?!(?:as|at|in|with|for|of|and)\b)[\w-]+ ){0,4}?(student|pupil|teacher|nurse|worker|engineer|"
    r"lawyer|doctor|physician|clerk|chef|cook|driver|farmer|officer|manager|programmer|designer|accountant|mechanic|electrician|plumber|carpenter|cashier|"
    r"waiter|waitress|athlete|player|veteran|soldier|instructor|housewife|homemaker|retiree|goer|skater|runner|"
    r"swimmer|dancer|musician|artist|writer|secretary|assistant|technician|salesman|saleswoman|executive|banker|"
    r"miner|painter|builder|contractor|laborer|labourer|janitor|cleaner|guard|pilot|attendant|professor|lecturer|"
    r"scientist|researcher|consultant|child|sibling|smoker|drinker|vegetarian|vegan|trucker|fisherman|gardener|"
    r"hairdresser|barber|baker|butcher|pharmacist|dentist|therapist|worker|analyst|developer|photographer|"
    r"journalist|librarian|receptionist|caregiver|carer|volunteer|missionary|hiker|camper|cyclist|bodybuilder)s?"
    r"(?=$|[ ,;(])",
    re.IGNORECASE,
)
_RELATIVE_START = re.compile(
    r"^(?:(maternal|paternal|older|younger|elder|twin)\s+)?(mother|father|brother|sister|sibling|parents|grandmother|"
    r"grandfather|grandparents|aunt|uncle|cousin|son|daughter|husband|wife|partner|siblings|mom|dad)\b",
    re.IGNORECASE,
)
_BODY_OR_SYMPTOM_START = re.compile(
    r"^(?:(?:right|left|both|upper|lower)\s+)?(pain|symptoms?|headaches?|cough|fever|vision|hearing|memory|sleep|"
    r"appetite|weight|mood|energy|speech|gait|balance|leg|legs|arm|arms|hand|hands|foot|feet|knee|knees|hip|hips|"
    r"eye|eyes|ear|ears|skin|face|neck|back|chest|abdomen|stomach|head|joints?|muscles?|fingers?|toes?|shoulders?|"
    r"wrists?|ankles?|periods?|urine|stools?|breathing|voice|birth|delivery|nutrition|growth|development|"
    r"developmental|milestones|immuni[sz]ations|vaccinations|diet|feeding|academic|school|apgar)\b",
    re.IGNORECASE,
)
_THING_START = re.compile(
    r"^(lesions?|lumps?|mass|masses|rash|swelling|spots?|patch(?:es)?|ulcers?|wounds?|bumps?)\b", re.I
)


@dataclass(frozen=True)
class Speaker:
    """Who a fragment is said about: the patient ('I') or a child the parent speaks of ('My son', 'his')."""

    subject: str
    possessive: str
    first: bool

    @classmethod
    def patient(cls) -> Speaker:
        return cls("I", "my", True)

    @classmethod
    def child(cls, noun: str, sex: str) -> Speaker:
        return cls(f"My {noun}", "her" if sex == "female" else "his", False)

    def verb(self, base: str) -> str:
        """The verb agreeing with the subject: 'have' -> 'have' for 'I', 'has' for 'My son'."""
        return base if self.first else third_person(base)

    def says(self, base: str, rest: str) -> str:
        """Subject + verb + rest, contracted where English would ("I've had", "I'm a"; never "I've diabetes")."""
        auxiliary = base == "have" and re.match(r"(had|been|got|noticed)\b", rest)
        contracted = {"have": "I've" if auxiliary else None, "am": "I'm"}.get(base) if self.first else None
        return f"{contracted} {rest}" if contracted else f"{self.subject} {self.verb(base)} {rest}"


def fragment_wording(text: str, category: str, speaker: Speaker) -> str | None:
    """A fragment of a note as a whole sentence about `speaker`, or None when `text` already has its own subject."""
    body = text.strip().rstrip(".")
    if not body:
        return None
    special = _special_forms(body, speaker)
    if special is not None:
        return end_sentence(capitalise(special))
    if _SUBJECT_START.match(body):
        return None
    label = re.match(r"^([^:]{2,40}):\s*(.+)$", body)
    if label and category in {"pmh", "medication"}:
        inner = fragment_wording(label.group(2), "medication" if category == "pmh" else category, speaker)
        condition = speaker.says("have", label.group(1).lower()).rstrip(".")
        return end_sentence(f"{condition}; {_lower_first(inner or label.group(2), speaker)}")
    if category == "social":
        return _joined(_social_parts(body), speaker)
    worded = _clause(body, category, speaker)
    return end_sentence(capitalise(worded)) if worded is not None else None


def _lower_first(text: str, speaker: Speaker) -> str:
    return text if text.startswith(("I ", "I'", speaker.subject)) else text[:1].lower() + text[1:]


def _joined(parts: list[str], speaker: Speaker) -> str | None:
    worded = [_clause(part, "social", speaker) for part in parts]
    if any(w is None for w in worded):
        return None
    return end_sentence(capitalise(", and ".join(w for w in worded if w)))


def _social_parts(body: str) -> list[str]:
    """'Non-smoker and drinks wine occasionally' -> two parts; 'College student, lives with parents' -> two parts."""
    parts = re.split(r",\s*(?:and\s+)?(?=(?:[a-z]+s|non-?\s*smoker|no|denies|married|single|lives|works)\b)|\s+and\s+"
                     r"(?=(?:[a-z]+s|occasionally|rarely|no)\b)", body)  # fmt: skip
    return [p.strip() for p in parts if p.strip()]


def _special_forms(body: str, speaker: Speaker) -> str | None:
    lower = body[:1].lower() + body[1:]
    rules: list[tuple[str, str]] = [
        (r"^positive for\s+", speaker.says("have", "had ")),
        (r"^up[- ]to[- ]date (?:on|with) (?:all )?(?:vaccinations|vaccines|immuni[sz]ations)",
         f"{speaker.possessive} vaccinations are up to date"),
        (r"^(?=(?:one|two|three|an?) (?:healthy |older |younger |twin )*(?:siblings?|brothers?|sisters?)\b)",
         f"{speaker.subject} {speaker.verb('have')} "),
        (r"^(?:belief|beliefs) that\s+", f"{speaker.subject} {speaker.verb('believe')} that "),
        (r"^inability to\s+", speaker.says("have", "been unable to ")),
        (r"^(?:a\s+)?(?:known\s+|past\s+|previous\s+)?history of\s+", speaker.says("have", "a history of ")),
        (r"^(?:a\s+)?family history (?:of|includes|is notable for|notable for|significant for|positive for)\s+",
         "there's a family history of "),
        (r"^(?:immuni[sz]ations?|vaccinations?|vaccines?)\s+(?:are\s+|is\s+)?(?:up[- ]to[- ]date|current|complete)",
         f"{speaker.possessive} vaccinations are up to date"),
        (r"^(?:unverified|unknown|uncertain)\s+(?:vaccination|immuni[sz]ation)s?(?:\s+status)?",
         f"I'm not sure {speaker.possessive} vaccinations are up to date"),
        (r"^menarche at (?:age\s+)?(\d+)(?:\s+years)?", f"{speaker.possessive} periods started at \\1"),
        (r"^(?:premature|preterm) (?:birth|delivery)", f"{speaker.subject} was born prematurely"),
        (r"^(?:unprotected sex|unprotected intercourse)", speaker.says("have", "had unprotected sex")),
        (r"^(?:recent\s+)?(?:travel|trip)\s+(?:history\s+)?to\s+", f"{speaker.subject} recently travelled to "),
    ]  # fmt: skip
    for pattern, replacement in rules:
        match = re.match(pattern, lower, flags=re.IGNORECASE)
        if match:
            return re.sub(pattern, replacement, lower, count=1, flags=re.IGNORECASE)
    return None


def _clause(part: str, category: str, speaker: Speaker) -> str | None:
    body = part.strip().rstrip(".")
    lower = body[:1].lower() + body[1:]
    first = lower.split(" ", 1)[0].rstrip(",")
    smoking = _smoking(lower, speaker)
    if smoking is not None:
        return smoking
    use = _substance_use(lower, speaker)
    if use is not None:
        return use
    if _SUBJECT_START.match(body) and not first == "no":
        return lower
    if first == "no" or first == "denies":
        return lower
    relative = _RELATIVE_START.match(body)
    if relative:
        return f"{speaker.possessive} {lower}"
    adverb = re.match(
        r"^(recently|currently|occasionally|previously|rarely|often|sometimes|now|lately),?\s+(.+)$", lower
    )
    if adverb and adverb.group(2).split(" ", 1)[0] in _PARTICIPLES and "," not in lower[: len(adverb.group(1)) + 1]:
        return speaker.says("am" if _PARTICIPLES[adverb.group(2).split(" ", 1)[0]] == "am" else "was", lower)
    if adverb and adverb.group(2).split(" ", 1)[0] in _PRESENT_VERBS | _PAST_VERBS | {"has", "is", "was", "takes"}:
        comma = "," in lower[: len(adverb.group(1)) + 1]
        verb, _, rest = adverb.group(2).partition(" ")
        said = f"{speaker.subject} {_agree(verb, speaker)} {rest}".strip()
        return (
            f"{adverb.group(1)}, {said}"
            if comma
            else f"{speaker.subject} {adverb.group(1)} {_agree(verb, speaker)} {rest}"
        )
    if _PERSON.match(lower) and category in {"social", "hpi"} and not _FINITE.search(lower):
        return speaker.says("am", _article(lower))
    if first.endswith("ing") and category in {"medication", "pmh", "social"}:
        return speaker.says("am", lower)
    if first in _PRESENT_VERBS:
        verb, _, rest = lower.partition(" ")
        return f"{speaker.subject} {_agree(verb, speaker)} {rest}".strip()
    if first in _BASE_VERBS:
        verb, _, rest = lower.partition(" ")
        return f"{speaker.subject} {speaker.verb(verb)} {rest}".strip()
    if first in _PAST_VERBS:
        return (
            later_verbs(f"{speaker.subject} {re.sub(r'^noted ', 'had ', lower)}")
            if speaker.first
            else (f"{speaker.subject} {lower}")
        )
    if first in _PARTICIPLES and lower.split(" ")[1:2] not in (["lifestyle"], ["diet"], ["life"]):
        return speaker.says("am", lower) if _PARTICIPLES[first] == "am" else f"{speaker.subject} was {lower}"
    if _THING_START.match(body) and _FINITE.search(lower):
        return f"the {lower}"
    if _BODY_OR_SYMPTOM_START.match(body) and (_FINITE.search(lower) or _has_verb(lower)):
        return f"{speaker.possessive} {lower}"
    if _FINITE.search(_RELATIVE.sub("", lower)) or category == "hpi":
        return None
    return _noun_phrase(lower, category, speaker)


def _agree(verb: str, speaker: Speaker) -> str:
    return strip_s(verb) if speaker.first else verb


def _has_verb(text: str) -> bool:
    words = text.split()
    verbs = {"include", "persist", "occur", "continue", "worsen", "improve", "resolve", "began", "started", "remain"}
    noun = words[1].endswith(("ss", "ness", "us", "is", "ous")) if len(words) > 1 else True
    return len(words) > 2 and (words[1] in _PRESENT_VERBS | verbs or words[1].endswith(("s", "ed")) and not noun)


def _smoking(lower: str, speaker: Speaker) -> str | None:
    forms = (
        (r"^non-?\s*smoker\b", speaker.says("do", "not smoke").replace("I do not", "I don't")),
        (r"^(?:former|ex-?|previous|past)\s*smoker\b", f"{speaker.subject} used to smoke"),
        (r"^(?:active|current|daily|heavy|regular|chronic)\s+smoker\b", f"{speaker.subject} {speaker.verb('smoke')}"),
        (r"^smoker\b", f"{speaker.subject} {speaker.verb('smoke')}"),
        (r"^(?:occasional|social)\s+(?:alcohol|drinker|drinking|wine|beer)\b(?:\s+(?:use|consumption|intake))?",
         f"{speaker.subject} {speaker.verb('drink')} alcohol occasionally"),
        (r"^(?:moderate|light|minimal)\s+(?:alcohol|drinker|drinking)\b(?:\s+(?:use|consumption|intake))?",
         f"{speaker.subject} {speaker.verb('drink')} a moderate amount of alcohol"),
        (r"^heavy\s+(?:alcohol|drinker|drinking)\b(?:\s+(?:use|consumption|intake))?",
         f"{speaker.subject} {speaker.verb('drink')} a lot of alcohol"),
    )  # fmt: skip
    for pattern, wording in forms:
        match = re.match(pattern, lower)
        if match:
            rest = lower[match.end() :].strip(" ,")
            return f"{wording} {rest}".strip() if rest and not rest.startswith("and") else wording
    return None


def _substance_use(lower: str, speaker: Speaker) -> str | None:
    past = re.match(r"^(?:past|previous|former|prior|remote|history of)\s+(.+?)\s+(?:use|abuse)\b(.*)$", lower)
    if past:
        return f"{speaker.subject} used {_drugs(past.group(1))} in the past{past.group(2)}"
    how = re.match(r"^(occasional|regular|daily|heavy|recreational|intermittent|social)\s+(?:use of\s+)?(.+?)"
                   r"(?:\s+use)?$", lower)  # fmt: skip
    if how and (" use" in lower or "use of" in lower):
        return f"{speaker.subject} {speaker.verb('use')} {_drugs(how.group(2))} {_ADVERB_OF[how.group(1)]}"
    return None


def _drugs(what: str) -> str:
    return re.sub(r"\bdrug$", "drugs", what.strip())


def _article(phrase: str) -> str:
    """The phrase with the article its head noun needs: 'a teacher', 'an engineer', 'the first child', 'students'."""
    if re.match(r"^(currently|now|also)\b", phrase):
        adverb, _, rest = phrase.partition(" ")
        return f"{adverb} {_article(rest)}"
    person = _PERSON.match(phrase)
    if re.match(r"^(a|an|the)\b", phrase) or (person and person.group(0).endswith("s")):
        return phrase
    if re.match(r"^(first|second|third|only|eldest|youngest|oldest)\b", phrase):
        return "the " + phrase
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def _noun_phrase(lower: str, category: str, speaker: Speaker) -> str | None:
    if category in {"symptom", "ros"}:
        return speaker.says("have", f"had {lower}")
    if category == "pmh":
        event = re.match(r"(previous|prior|recent|recurrent|multiple|frequent|several|\d+|one|two|three)\b", lower)
        return speaker.says("have", lower if speaker.first and not event else f"had {lower}")
    if category == "medication":
        return f"{speaker.subject} {speaker.verb('take')} {lower}"
    if category == "allergy":
        return speaker.says("am", f"allergic to {lower}") if "allerg" not in lower else speaker.says("have", lower)
    if category == "family":
        return f"{speaker.possessive} family history includes {lower}"
    if category == "social":
        return speaker.says("have", lower if lower.split()[0].endswith("s") else _article(lower))
    return None
