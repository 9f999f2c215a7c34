"""Turning case-report prose into atomic facts: sentences, denial lists, first-person wording and keywords.

Importers use these helpers to split a third-person clinical note ('The patient reports a 2-month history of ...;
denies fever or weight loss.') into facts a simulated patient can say ('For the past 2 months, I've had ...', 'No
fever.', 'No weight loss.') and to give each fact the keywords that let a natural question reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from consultgym.text import STOPWORDS, normalize, stem

# Words that carry no clinical meaning in a case note; never used as keywords.
FILLER = frozenset(
    stem(w)
    for w in """
patient patients report reports reported reporting note notes noted noting mention mentions mentioned state states
stated describe describes described describing present presents presented presenting history recent recently
experience experiences experienced experiencing significant additionally approximately associated symptom symptoms
increase increased increasing decrease decreased mild moderate severe episode episodes day days week weeks month
months year years hour hours minute minutes time times last past ago prior currently current well good normal several
other without notice noticed noticing denies denied deny complain complains complained complaint started start began
begin beginning worsening worse better improve improved improvement since still able unable difficulty trying try
feel feels feeling felt having getting get gets got made make makes including include includes like due following
followed occasional occasionally frequent frequently constant sudden gradual gradually progressive progressively
slightly very quite much many more less lot around whole right left side area region change changes changed new old
onset presence absent positive negative unremarkable finding findings examination exam suggestive consistent
possible possibly likely recalls recall admits endorses indicates expresses says said tells told level levels further
first second third one two three four five six seven eight nine ten known specific generally general particularly
especially apparent reason reasons case cases type types form forms especially despite although though because
however within throughout upon over under after before during while when where which whose whom this that these
those there their they them then than thus very much provided specified information available none nothing
""".split()
)

# Lay words a doctor may use for a clinical term found in a note.
LAY_TERMS: dict[str, tuple[str, ...]] = {
    "abdominal": ("belly", "stomach", "tummy"),
    "abdomen": ("belly", "stomach", "tummy"),
    "diplopia": ("double vision",),
    "dyspnea": ("short of breath", "breathless"),
    "dyspnoea": ("short of breath",),
    "fatigue": ("tired", "tiredness", "energy"),
    "lethargy": ("tired", "drowsy"),
    "malaise": ("unwell", "tired"),
    "vomiting": ("vomit", "throw up", "throwing up"),
    "emesis": ("vomit",),
    "nausea": ("nauseous", "feel sick"),
    "syncope": ("faint", "fainted", "passed out"),
    "pruritus": ("itch", "itchy"),
    "pruritic": ("itchy",),
    "edema": ("swelling", "swollen"),
    "oedema": ("swelling", "swollen"),
    "urination": ("urine", "pee"),
    "urinary": ("urine", "pee"),
    "dysuria": ("pain when you pee", "burning"),
    "hematuria": ("blood in your urine",),
    "diarrhea": ("loose stools", "bowel"),
    "diarrhoea": ("loose stools", "bowel"),
    "constipation": ("bowel",),
    "vertigo": ("dizzy", "spinning"),
    "dizziness": ("dizzy",),
    "palpitations": ("heart racing", "heartbeat"),
    "rash": ("skin", "spots"),
    "lesion": ("skin", "spot", "lump"),
    "lesions": ("skin", "spots", "lumps"),
    "jaundice": ("yellow",),
    "seizure": ("fit",),
    "seizures": ("fits",),
    "tremor": ("shaking", "shake"),
    "insomnia": ("sleep",),
    "arthralgia": ("joint pain", "joints"),
    "myalgia": ("muscle aches",),
    "hemoptysis": ("coughing up blood",),
    "hematemesis": ("vomiting blood",),
    "melena": ("black stools",),
    "menarche": ("periods", "period"),
    "amenorrhea": ("periods",),
    "dysphagia": ("swallowing", "swallow"),
    "photophobia": ("light",),
    "tinnitus": ("ringing",),
    "otalgia": ("ear pain",),
    "polyuria": ("urine", "pee"),
    "polydipsia": ("thirsty", "thirst"),
    "paresthesia": ("tingling", "numbness", "pins and needles"),
    "paresthesias": ("tingling", "numbness"),
    "numbness": ("numb", "tingling"),
    "hematochezia": ("blood in your stool",),
    "lymphadenopathy": ("glands", "swollen glands", "lumps"),
    "epistaxis": ("nosebleed",),
    "dyspareunia": ("pain during sex", "intercourse"),
    "intercourse": ("sex",),
    "confusion": ("confused",),
    "hallucinations": ("seeing things", "hearing voices"),
    "anxiety": ("anxious", "worried"),
    "depression": ("depressed", "mood"),
    "extremities": ("arms", "legs"),
    "limbs": ("arms", "legs"),
    "lower": (),
    "weakness": ("weak",),
    "pain": ("hurt", "painful", "ache"),
    "cough": ("coughing",),
    "fever": ("temperature",),
    "chills": ("shivers",),
    "pyrexia": ("fever", "temperature"),
    "tachycardia": ("heart racing",),
    "headache": ("head",),
    "headaches": ("head",),
    "breast": ("breasts", "lump"),
    "testicular": ("testicle", "testicles"),
    "scrotal": ("scrotum", "testicles"),
    "ocular": ("eye", "eyes"),
    "visual": ("vision", "eyesight"),
    "vision": ("eyesight", "see"),
    "hearing": ("ears", "hear"),
    "swelling": ("swollen",),
    "swollen": ("swelling",),
    "bleeding": ("blood", "bleed"),
    "bruising": ("bruise", "bruises"),
    "weight": ("weight loss",),
    "appetite": ("eating",),
    "sleep": ("sleeping",),
    "alcohol": ("drink",),
    "smoker": ("smoke", "cigarettes"),
    "tobacco": ("smoke",),
    "rectal": ("back passage", "bottom"),
    "stools": ("bowel", "poo"),
    "stool": ("bowel", "poo"),
    "vaginal": ("vagina",),
    "menstrual": ("periods",),
}

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_ABBREVIATIONS = re.compile(r"\b(Dr|Mr|Mrs|Ms|St|vs|e\.g|i\.e|approx|no)\.$", re.IGNORECASE)
_DENIAL_START = re.compile(
    r"^(?:(?:the\s+)?(?:patient|pt|he|she|mother|father|parents|family|roommates?|husband|wife|partner|they)\s+)?"
    r"(?:also\s+)?(?:denies|denied|deny|reports\s+no|report\s+no|has\s+no|had\s+no|no\s+history\s+of|"
    r"negative\s+for|without|no|(?:did|does|do)\s+not\s+report(?:\s+any)?)\b"
    r"(?:\s+(?:any|experiencing|having|history\s+of|other|known|recent\s+history\s+of))*\s*",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+|nor\s+)?|\s*;\s*")
_LAST_PAIR = re.compile(r"\s+(?:and|or|nor)\s+(?:no\s+)?", re.IGNORECASE)
NOT_GIVEN = re.compile(
    r"^(?:(?:information|details)\s+)?(?:not\s+(?:provided|specified|available|mentioned|applicable)|n/?a|unknown)\.?$"
    r"|^no\s+(?:details|information)\s+(?:provided|available|given)\.?$",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as 'Dr.' and decimals such as '5.4 kg' intact."""
    parts: list[str] = []
    for piece in _SENTENCE.split(text.strip()):
        if parts and _ABBREVIATIONS.search(parts[-1]):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip() and not NOT_GIVEN.match(p.strip())]


def clauses_with_but(sentence: str) -> list[str]:
    """'Reports malaise but denies fever.' -> ['Reports malaise.', 'Denies fever.'] when the second part is a denial;
    'Denies diabetes but is concerned about X.' -> ['Denies diabetes.', 'The patient is concerned about X.'] when the
    first part is one."""
    for separator in (" but ", " and mentions ", " and reports ", " and states ", " and notes "):
        head, sep, tail = sentence.partition(separator)
        tail = tail.strip()
        if not sep or not tail:
            continue
        if _DENIAL_START.match(tail):
            return [_end(head), _end(tail[:1].upper() + tail[1:])]
        if _DENIAL_START.match(head.strip()) and separator == " but " and _VERB_START.match(tail):
            return [_end(head), _end("The patient " + tail)]
        if _DENIAL_START.match(head.strip()) and separator != " but ":
            return [_end(head), _end("The patient " + separator.split()[-1] + " " + tail)]
    return [sentence]


_VERB_START = re.compile(r"^(?:is|was|has|had|does|did|feels|reports|states|mentions|notes|expresses|admits)\b")


def denial_items(sentence: str) -> list[str] | None:
    """The things a denial sentence denies, or None when it is not a denial.

    'Denies fever, cough, or recent travel.' -> ['fever', 'cough', 'recent travel'];
    'No history of breast masses or cancer in herself or her family.' -> one item (no comma list to split).
    """
    match = _DENIAL_START.match(sentence.strip())
    if not match or match.end() == 0:
        return None
    rest = sentence.strip()[match.end() :].rstrip(".").strip()
    if not rest:
        return None
    items = [i for i in _LIST_SPLIT.split(rest) if i]
    if len(items) > 1 and _LAST_PAIR.search(items[-1]):
        items = items[:-1] + _LAST_PAIR.split(items[-1])
    elif len(items) == 1 and _LAST_PAIR.search(rest):
        pair = _LAST_PAIR.split(rest)
        # 'changes in bowel or bladder function' is one item: the first part's noun needs the second's head.
        if all(len(p.split()) <= 3 for p in pair) and not re.search(r"\b(in|of|with|to)\b", pair[0]):
            items = pair
    return _distribute_head([_clean_item(i) for i in items if _clean_item(i)])


def _clean_item(item: str) -> str:
    item = re.sub(r"^(no|any|other|recent history of|a|an)\s+", "", item.strip(), flags=re.IGNORECASE)
    item = re.sub(r"\s+(?:reported|noted|mentioned|provided|observed)(?:\s+by\s+.*)?$", "", item, flags=re.I)
    return item.strip(" .")


_SYSTEM_NAMES = frozenset(
    "skin cardiac cardiovascular respiratory pulmonary gastrointestinal gi genitourinary gu urinary neurological neuro "
    "musculoskeletal psychiatric endocrine hematologic haematological constitutional ent ocular".split()
)
_HEAD_NOUNS = frozenset("history symptoms problems disease diseases issues complaints changes pain infections".split())


def _distribute_head(items: list[str]) -> list[str]:
    """'significant past medical or psychiatric history' -> ['significant past medical history', 'psychiatric
    history']: an adjective-only item takes the head noun of the last one."""
    head = items[-1].split()[-1].lower() if items and items[-1].split() else ""
    adjective = re.compile(r"(al|ic|ical|ary|ory|ive|ous|ar)$")
    if head in _HEAD_NOUNS:
        items = [f"{i} {head}" if _bare(i) or adjective.search(i.split()[-1].lower()) else i for i in items[:-1]] + [
            items[-1]
        ]
    # 'Denies skin, cardiac ...' with no head noun at all means skin problems.
    return [f"{i} problems" if _bare(i) else i for i in items]


def _bare(item: str) -> bool:
    return item.lower() in _SYSTEM_NAMES


def _end(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# Keywords --------------------------------------------------------------------------------------------------------


def keywords_for(text: str, extra: Iterable[str] = (), phrase: str | None = None) -> list[str]:
    """Keywords that let a natural question reach a fact: its meaningful words and their lay terms (the topics it
    answers are `Fact.topics`, set by `consultgym.authoring.topics`).

    Args:
        text: the fact's clinical statement.
        extra: keywords to put first (e.g. section names of an examination finding).
        phrase: a short name of the fact (a symptom) to keep whole, e.g. 'night sweats'.
    """
    words: list[str] = list(extra)
    if phrase:
        cleaned = clean_phrase(phrase)
        if cleaned and len(cleaned.split()) <= 5:
            words.append(cleaned)
    for word in normalize(re.sub(r"\([^)]*\)", " ", text) + " " + _parenthesised(text)).split():
        if _meaningful(word):
            words.append(word)
            words += LAY_TERMS.get(word, ())
    return list(dict.fromkeys(w for w in words if w))


def _parenthesised(text: str) -> str:
    return " ".join(re.findall(r"\(([^)]*)\)", text))


def _meaningful(word: str) -> bool:
    return (len(word) >= 3 and word.isalpha() and word not in STOPWORDS and stem(word) not in FILLER) or word in {
        "ear",
        "eye",
        "leg",
        "arm",
        "hip",
        "rib",
        "lip",
        "jaw",
        "toe",
        "gum",
        "hiv",
    }


def clean_phrase(text: str) -> str:
    """A symptom name without numbers, parentheses and durations: 'Weight loss of 5.4 kg (12 lb)' -> 'weight loss'."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.split(r"\b(of|for|since|over|lasting)\s+(\d|the|a\s+few|several)", text, maxsplit=1, flags=re.IGNORECASE)[
        0
    ]
    return " ".join(normalize(text).split())


# Nested findings ----------------------------------------------------------------------------------------------------

SKIPPED_KEYS = frozenset(
    {"optional", "suggestion", "suggestions", "recommendation", "recommendations", "note", "notes"}
)


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(key path, text) for every finding in a nested dict; lists of plain values are joined with '; '."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if str(key).strip().lower() not in SKIPPED_KEYS:
                yield from leaves(inner, (*path, str(key)))
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            text = "; ".join(str(v).strip() for v in value if str(v).strip())
            if text and not NOT_GIVEN.match(text):
                yield path, text
        else:
            for inner in value:
                yield from leaves(inner, path)
    elif value is not None and str(value).strip() and not NOT_GIVEN.match(str(value).strip()):
        yield path, str(value).strip()


def humanise(key: str) -> str:
    """'Blood_Pressure' -> 'blood pressure', 'Chest_X-ray' -> 'chest x-ray'."""
    return " ".join(key.replace("_", " ").split()).lower()
