"""Turning case-report prose into atomic facts: sentences, denial lists, first-person wording and keywords.

Importers use these helpers to split a third-person clinical note ('The patient reports a 2-month history of ...;
denies fever or weight loss.') into facts a simulated patient can say ('For the past 2 months, I've had ...', 'No
fever.', 'No weight loss.') and to give each fact the keywords that let a natural question reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from consultgym.text import STOPWORDS, TOPICS, normalize, stem, topics_of

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

# Topics a statement can be said to answer when its words match them. Some topic patterns are too loose for prose
# ('severe acne' is not a severity rating, 'lives with his parents' is not family history), so those are checked
# with stricter patterns below.
TOPICS_FROM_TEXT = frozenset(TOPICS) - {
    "ideas",
    "associated",
    "character",
    "location",
    "relieving",
    "mood",
    "severity",
    "family_history",
    "living",
}
_STRICT_TOPICS = {
    "mood": re.compile(r"\b(mood|depress\w*|anxi\w*|stress\w*)\b"),
    "severity": re.compile(r"\b\d+ (out of|over) 10\b|\b\d+ 10\b"),
    "family_history": re.compile(r"\bfamil\w*|\bruns? in\b"),
    "living": re.compile(r"\blives? (with|alone|in|at)\b|\bliving\b|\bat home\b"),
    "relieving": re.compile(r"\breliev\w*|\bimprov\w* (with|after|on)\b|\bbetter (with|after|when)\b"),
}
_TIME = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|an|several|few)[- ](hour|day|week|month|year)s?\b"
    r"|\bago\b|\bsince\b|\bfor the (past|last)\b|\byesterday\b|\bthis morning\b|\blast (night|week|month|year)\b"
    r"|\bprior\b|\bpersist\w*\b"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_ABBREVIATIONS = re.compile(r"\b(Dr|Mr|Mrs|Ms|St|vs|e\.g|i\.e|approx|no)\.$", re.IGNORECASE)
_DENIAL_START = re.compile(
    r"^(?:(?:the\s+)?(?:patient|pt|he|she|mother|father)\s+)?"
    r"(?:also\s+)?(?:denies|denied|reports\s+no|has\s+no|had\s+no|no\s+history\s+of|negative\s+for|without|no)\b"
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
    """'Reports malaise but denies fever.' -> ['Reports malaise.', 'Denies fever.'] when the second part is a denial."""
    head, sep, tail = sentence.partition(" but ")
    if sep and _DENIAL_START.match(tail.strip()):
        return [_end(head), _end(tail.strip()[:1].upper() + tail.strip()[1:])]
    return [sentence]


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
        if all(len(p.split()) <= 3 for p in pair):
            items = pair
    return [_clean_item(i) for i in items if _clean_item(i)]


def _clean_item(item: str) -> str:
    item = re.sub(r"^(no|any|other|recent history of)\s+", "", item.strip(), flags=re.IGNORECASE)
    return item.strip(" .")


def _end(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# First-person rewording ---------------------------------------------------------------------------------------------

_DISCOURSE = re.compile(r"^(?:additionally|also|furthermore|moreover|however|in addition),?\s+", re.IGNORECASE)
_DOES_NOT_REPORT = re.compile(r"^((?:the\s+)?(?:patient|he|she))\s+does\s+not\s+report\s+(?:any\s+)?", re.IGNORECASE)
_RELATIVE_CLAUSE = re.compile(r"^\s*,\s*(?:who|whose)\b[^,]*,")  # 'The patient, who recently moved, ...'
_SUBJECT = re.compile(r"^(?:the\s+|this\s+)?(?:patient|pt)\b('s)?|^(?:he|she)\b", re.IGNORECASE)
# Reporting verbs dropped in the patient's voice ('reports fever' -> 'I've had fever'); other reporting verbs such as
# 'notes' or 'recalls' are kept in the first person ('I recall an ant bite').
_REPORTING = re.compile(
    r"^(?:also\s+)?(?:reports|reported|complains\s+of|complained\s+of|endorses|presents\s+with|is\s+presenting\s+with|"
    r"presented\s+with)(?:\s+(that))?\s+",
    re.IGNORECASE,
)
_LATER_VERBS = re.compile(
    r"\b(and|but|or)\s+(mentions|notes|reports|describes|denies|states|says|feels|takes|works|drinks|smokes|has|is|was|"
    r"does|experiences|complains|admits|recalls|uses|lives)\b",
    re.IGNORECASE,
)
_VERB_START = frozenset(
    """works worked drinks drank smokes smoked lives lived uses used has had is was does did underwent
returned describes mentions notes attends takes took quit stopped exercises plays enjoys eats travels travelled traveled
spends consumes experiences recalls admits completed started began received visited states says feels denies
describes avoids sleeps walks runs reports complains""".split()
)
_LEADING_ADVERBS = frozenset("recently currently occasionally previously also".split())
_PARTICIPLES = frozenset(
    """diagnosed treated admitted hospitalized hospitalised discharged prescribed born seen
evaluated operated vaccinated tested found started""".split()
)
# 'notes that these symptoms ...' / 'states these symptoms began ...': the clause keeps its own subject.
_CLAUSE_REPORTING = re.compile(
    r"^(?:also\s+)?(?:notes|noted|mentions|mentioned|states|stated|says|said|explains|adds|reports|reported)\s+"
    r"(?:that\s+(?=\w)|(?=(?:these|this|the|it|there|they|he|she|symptoms)\b))",
    re.IGNORECASE,
)
_HISTORY_OF = re.compile(
    r"^(?:a|an)\s+(\S+?)[- ](hour|day|week|month|year)s?[- ]history\s+of\s+(?:experiencing\s+|having\s+)?",
    re.IGNORECASE,
)
_FEMALE_RELATIVES = re.compile(r"\b(mother|sister|wife|daughter|aunt|grandmother|girlfriend|mom|mum)\b", re.IGNORECASE)
_MALE_RELATIVES = re.compile(r"\b(father|brother|husband|son|uncle|grandfather|boyfriend|dad)\b", re.IGNORECASE)
_THIRD_TO_BASE = {
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
}
_ADVERBS = frozenset("also still often sometimes always never recently currently occasionally just now only".split())


def first_person(sentence: str, sex: str) -> str:
    """Reword a third-person note sentence as the patient speaking.

    'The patient reports a 1-month history of double vision.' -> 'For the past month, I've had double vision.'
    'She notes that her symptoms worsen after activity.' -> 'My symptoms worsen after activity.'
    """
    text = _DISCOURSE.sub("", sentence.strip())
    text = _DOES_NOT_REPORT.sub(r"\1 has no ", text)
    subject = _SUBJECT.match(text)
    if subject:
        rest = _RELATIVE_CLAUSE.sub("", text[subject.end() :]).lstrip()
        if subject.group(1):  # "The patient's mother ..." -> "My mother ..."
            text = "my " + rest
        else:
            text = _after_subject(rest)
    text = _swap_pronouns(text, sex)
    return _capitalise(_end(text))


def _after_subject(rest: str) -> str:
    clause = _CLAUSE_REPORTING.match(rest)
    if clause:
        return rest[clause.end() :]
    reporting = _REPORTING.match(rest)
    if not reporting:
        return _later_verbs("I " + _base_form(rest))
    said = rest[reporting.end() :]
    if reporting.group(1):  # 'reports that her symptoms worsen' -> 'her symptoms worsen'
        return said
    history = _HISTORY_OF.match(said)
    if history:
        amount, unit = history.group(1), history.group(2).lower()
        span = unit if amount.lower() in {"1", "one", "a", "an"} else f"{amount} {unit}s"
        return _later_verbs(f"For the past {span}, I've had {said[history.end() :]}")
    if said.split(" ", 1)[0].lower().endswith("ing"):
        return _later_verbs(f"I've been {said}")
    return _later_verbs(f"I've had {said}")


def _later_verbs(text: str) -> str:
    """'I describe my job ... and mentions poor sleep' -> '... and mention poor sleep'."""
    return _LATER_VERBS.sub(
        lambda m: f"{m.group(1)} {_THIRD_TO_BASE.get(m.group(2).lower()) or _strip_s(m.group(2))}", text
    )


def _base_form(rest: str) -> str:
    words = rest.split(" ")
    for index, word in enumerate(words):
        lower = word.lower()
        if lower in _ADVERBS:
            continue
        words[index] = _THIRD_TO_BASE.get(lower) or _strip_s(word)
        break
    return " ".join(words)


def _strip_s(verb: str) -> str:
    lower = verb.lower()
    if not lower.isalpha() or not lower.endswith("s") or lower.endswith("ss"):
        return verb
    if lower.endswith("ies"):
        return verb[:-3] + "y"
    if lower.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _swap_pronouns(text: str, sex: str) -> str:
    # When a relative of the patient's own sex is in the sentence, 'she'/'he' may be that relative: leave them.
    relatives = _FEMALE_RELATIVES if sex == "female" else _MALE_RELATIVES
    if relatives.search(text):
        return re.sub(r"\b[Tt]he patient's\b", "my", text)
    subject, possessive, obj, reflexive = (
        ("she", "her", "her", "herself") if sex == "female" else ("he", "his", "him", "himself")
    )
    text = re.sub(r"\b[Tt]he patient's\b", "my", text)
    text = re.sub(rf"\b{reflexive}\b", "myself", text, flags=re.IGNORECASE)
    text = re.sub(
        rf"\b{subject}\s+(\w+'?\w*)",
        lambda m: "I " + (_THIRD_TO_BASE.get(m.group(1).lower()) or _strip_s(m.group(1))),
        text,
        flags=re.IGNORECASE,
    )
    if possessive == obj:  # 'her': possessive before a noun-like word, object otherwise
        text = re.sub(r"\bher\b(?=\s+[a-z])", "my", text, flags=re.IGNORECASE)
        text = re.sub(r"\bher\b", "me", text, flags=re.IGNORECASE)
    else:
        text = re.sub(rf"\b{possessive}\b", "my", text, flags=re.IGNORECASE)
        text = re.sub(rf"\b{obj}\b", "me", text, flags=re.IGNORECASE)
    return re.sub(r"\bthe patient\b", "me", text, flags=re.IGNORECASE)


def patient_wording(text: str, category: str, sex: str, child: str = "") -> str:
    """What the patient (or, when `child` names the child, a parent) says for one statement of a case note.

    Full sentences are reworded by `first_person` / `parent_voice`; fragments get a subject that fits their section:
    a symptom 'Double vision.' -> "I've had double vision.", a condition 'Hypertension.' -> 'I have hypertension.', a
    drug 'Insulin.' -> 'I take insulin.', 'Non-smoker.' -> "I don't smoke.", 'Works as a cashier.' -> 'I work as a
    cashier.'
    """
    fragment = _fragment_wording(text.strip().rstrip("."), category)
    if child:
        if fragment is not None and fragment.startswith(("I ", "I'")):
            lower = text[:1].lower() + text[1:]
            return parent_voice(f"My {child} {lower}" if _starts_with_verb(text) else _to_child(fragment, child), child)
        return parent_voice(fragment or text, child)
    return first_person(fragment or text, sex)


def _fragment_wording(text: str, category: str) -> str | None:
    """First-person wording of a sentence fragment, or None when the text is a full sentence."""
    words = text.split()
    if not words or _SUBJECT.match(text):
        return None
    first, lower = words[0].lower(), text[:1].lower() + text[1:]
    if first == "not":
        return f"I'm {lower}"
    if first in _LEADING_ADVERBS and len(words) > 1:
        second = words[1].lower()
        if second.endswith("ing") or second in {"in", "on", "at", "off", "not"}:
            return f"I'm {lower}"
        if second in _PARTICIPLES:
            return f"I was {lower}"
        return f"I {first} {_base_form(' '.join(words[1:]))}"
    if first in _VERB_START:
        return _later_verbs("I " + _base_form(lower))
    if first.endswith("ing") and category in {"medication", "pmh", "social"}:
        return f"I'm {lower}"
    label = re.match(r"^([^:]{2,40}):\s*(.+)$", text)
    if label and category == "pmh":
        inner = _fragment_wording(label.group(2), category) or label.group(2)
        inner = inner if inner.startswith(("I ", "I'")) else inner[:1].lower() + inner[1:]
        return f"I have {label.group(1).lower()}; {inner}"
    if _FINITE.search(text) or category == "hpi":  # history sentences are whole sentences: first_person does them
        return None
    return _noun_phrase(lower, category, first)


_EVENT_VERBS = frozenset("regained lost fainted collapsed noticed developed vomited passed fell woke suffered".split())
_FINITE = re.compile(r"\b(is|are|was|were|has|have|had|does|do|did|can|will|would)\b", re.IGNORECASE)
_SOCIAL_PATTERNS = (
    (re.compile(r"^non-?\s*smoker\b", re.I), "I don't smoke"),
    (re.compile(r"^(former|ex-?)\s*smoker\b", re.I), "I used to smoke"),
    (re.compile(r"^(occasional|social)\s+(alcohol|drink)", re.I), "I drink alcohol occasionally"),
    (re.compile(r"^(moderate|light|minimal)\s+(alcohol|drink)", re.I), "I drink a moderate amount of alcohol"),
    (re.compile(r"^heavy\s+(alcohol|drink)", re.I), "I drink a lot of alcohol"),
)


def _noun_phrase(lower: str, category: str, first: str) -> str | None:
    if category == "social":
        for pattern, wording in _SOCIAL_PATTERNS:
            if pattern.search(lower):
                return wording
        return None
    if first == "history":
        return f"I have a {lower}"
    if (first.endswith("ed") or first in _PARTICIPLES) and category in {"pmh", "hpi"}:
        return f"I was {lower}"  # 'Treated for uveitis 8 months ago'
    if first in _EVENT_VERBS and category == "symptom":
        return f"I {lower}"  # 'Regained consciousness quickly'
    if category == "pmh":
        return f"I have {lower}"
    if category == "medication":
        return f"I take {lower}"
    if category in {"symptom", "hpi", "ros"}:
        return f"I've had {lower}"
    return None


def _starts_with_verb(text: str) -> bool:
    words = text.lower().split()
    return bool(words) and (words[0] in _VERB_START or (words[0] in _LEADING_ADVERBS and len(words) > 1))


def _to_child(text: str, child: str) -> str:
    """A first-person fragment wording turned to the parent's report ('I've had' -> 'My son has had')."""
    swaps = (
        ("I've had ", "has had "),
        ("I have ", "has "),
        ("I take ", "takes "),
        ("I was ", "was "),
        ("I'm ", "is "),
        ("I don't ", "doesn't "),
        ("I used to ", "used to "),
        ("I drink ", "drinks "),
    )
    for first, third in swaps:
        if text.startswith(first):
            return f"My {child} {third}{text[len(first) :]}"
    return text


def parent_voice(sentence: str, child: str) -> str:
    """Reword a note sentence as a parent speaking: 'The patient has a rash.' -> 'My son has a rash.'"""
    text = re.sub(
        r"^(?:the\s+)?(?:patient|infant|newborn|child|baby|boy|girl)\b",
        f"My {child}",
        sentence.strip(),
        flags=re.IGNORECASE,
    )
    text = re.sub(r"\b(?:the\s+)?patient's\b", f"my {child}'s", text, flags=re.IGNORECASE)
    text = re.sub(r"\bthe patient\b", f"my {child}", text, flags=re.IGNORECASE)
    return _capitalise(_end(text))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# Keywords --------------------------------------------------------------------------------------------------------


def keywords_for(text: str, extra: Iterable[str] = (), phrase: str | None = None) -> list[str]:
    """Keywords that let a natural question reach a fact: topics the text answers, its meaningful words, lay terms.

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
    words += sorted(text_topics(text))
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


def text_topics(text: str) -> set[str]:
    """History topics a statement answers: 'Non-smoker, drinks wine' -> {'smoking', 'alcohol'}; durations add
    'onset' and 'duration'."""
    norm = normalize(text).replace("blood pressure", "")
    found = set(topics_of(norm)) & TOPICS_FROM_TEXT
    found |= {topic for topic, pattern in _STRICT_TOPICS.items() if pattern.search(norm)}
    if _TIME.search(text.lower()):
        found |= {"onset", "duration"}
    return found


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
