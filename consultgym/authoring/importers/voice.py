"""The patient's own words for a statement of a third-person case note.

`patient_wording` turns 'The patient reports a 1-month history of double vision.' into 'For the past month, I've had
double vision.', a fragment such as 'Retired school teacher.' into "I'm a retired school teacher.", and, when a parent
answers for a child, 'The mother reports that the infant has not passed meconium.' into 'My baby has not passed
meconium.' The rules are small and deliberate; `consultgym.authoring.importers.voice_check.wording_problems` lists what
an output must never contain (third-person references to the speaker, 'me is', 'I takes', ...), and the importer
falls back to a plainer wording when a rule would produce one.
"""

from __future__ import annotations

import re

from consultgym.authoring.importers.fragments import Speaker, fragment_wording
from consultgym.authoring.importers.grammar import (
    ADVERBS,
    FUNCTION_WORDS,
    base_form,
    capitalise,
    end_sentence,
    later_verbs,
)
from consultgym.text import normalize_apostrophes

_DISCOURSE = re.compile(
    r"^(?:additionally|also|furthermore|moreover|however|in addition|interestingly|notably|of note|importantly|"
    r"newborn|infant|neonate),?\s+",
    re.IGNORECASE,
)
# A sentence that starts with its reporting verb ('States that ...', 'Expresses feeling ...') has the patient as its
# implied subject.
_SUBJECTLESS_REPORT = re.compile(
    r"^(?=(?:states|shares|mentions|reports|expresses|describes|notes|admits|complains|endorses|recalls)\b)", re.I
)
_DOES_NOT_REPORT = re.compile(r"^((?:the\s+)?(?:patient|he|she))\s+does\s+not\s+report\s+(?:any\s+)?", re.IGNORECASE)
_RELATIVE_CLAUSE = re.compile(r"^\s*,\s*(?:who|whose)\b[^,]*,")  # 'The patient, who recently moved, ...'
_SUBJECT = re.compile(r"^(?:the\s+|this\s+)?(?:patient|pt)\b('s)?|^(?:he|she)\b", re.IGNORECASE)
# Reporting verbs dropped in the patient's voice ('reports fever' -> "I've had fever").
_REPORTING = re.compile(
    r"^(?:also\s+)?(?:reports|reported|complains\s+of|complained\s+of|endorses|presents\s+with|is\s+presenting\s+with|"
    r"presented\s+with|presents?\s+complaining\s+of|mentions|mentioned|describes|described|expresses|notes|noted|"
    r"shares)(?:\s+(that))?\s+"
    r"(?:(?:a\s+)?complaints?\s+of\s+)?",
    re.IGNORECASE,
)
# 'notes that these symptoms ...' / 'states these symptoms began ...': the clause keeps its own subject.
_CLAUSE_REPORTING = re.compile(
    r"^(?:also\s+)?(?:notes|noted|mentions|mentioned|states|stated|says|said|explains|adds|reports|reported|"
    r"describes|recalls|believes|feels|shares)\s+(?:that\s+(?=\w)|(?=(?:these|this|it|there|they|symptoms|he|she|his|"
    r"her)\b))",
    re.IGNORECASE,
)
_NOTICED = re.compile(r"^(?:the\s+)?(?:recent\s+)?(?:appearance|formation|presence|development|onset)\s+of\s+", re.I)
_HISTORY_OF = re.compile(
    r"^(?:a|an)\s+(\S+?)[- ](hour|day|week|month|year)s?[- ](?:long[- ])?history\s+of\s+(?:experiencing\s+|having\s+)?",
    re.IGNORECASE,
)
_FEMALE_RELATIVES = re.compile(
    r"\b(mother|sister|wife|daughter|aunt|grandmother|girlfriend|mom|mum|niece|cousin|roommate|friend)\b", re.I
)
_MALE_RELATIVES = re.compile(
    r"\b(father|brother|husband|son|uncle|grandfather|boyfriend|dad|nephew|cousin|roommate|friend)\b", re.I
)


def patient_wording(text: str, category: str, sex: str, child: str = "", informant: str = "") -> str:
    """What the patient (or, when `child` names the child, the parent `informant`) says for one note statement.

    Full sentences are reworded by `first_person` / `parent_voice`; fragments get a subject that fits their section:
    a symptom 'Double vision.' -> "I've had double vision.", a condition 'Hypertension.' -> 'I have hypertension.', a
    drug 'Insulin.' -> 'I take insulin.', 'Non-smoker.' -> "I don't smoke.", 'Retired school teacher.' -> "I'm a
    retired school teacher."
    """
    text = clean_statement(text)
    if child:
        return parent_voice(text, category, child, informant or "parent", sex)
    fragment = fragment_wording(text, category, Speaker.patient())
    return own_words(fragment, sex) if fragment is not None else first_person(text, sex)


def own_words(text: str, sex: str) -> str:
    """Text already in the first person with the patient's remaining third-person references swapped ('No changes
    in his diet.' -> 'No changes in my diet.')."""
    return capitalise(swap_pronouns(_family_in_first_person(text), sex))


def _family_in_first_person(text: str) -> str:
    """'The mother is concerned about her daughter's ...', said by the daughter: 'My mother is concerned about my'."""
    text = re.sub(r"\b(?:the|his|her) (mother|father|parents)\b", r"my \1", text, flags=re.IGNORECASE)
    if not re.search(r"\b(mother|father|parents)\b.*\b(her|his) (daughter|son)\b", text, flags=re.IGNORECASE):
        return text
    text = re.sub(r"\b(?:her|his) (?:daughter|son)'s\b", "my", text, flags=re.IGNORECASE)
    text = re.sub(
        r"\b(?:her|his) (?:daughter|son) (has|is|was|does|had)\b",
        lambda m: "I " + base_form(m.group(1)),
        text,
        flags=re.I,
    )
    return re.sub(r"\b(?:her|his) (?:daughter|son)\b", "me", text, flags=re.IGNORECASE)


def clean_statement(text: str) -> str:
    """Unified apostrophes and no leading discourse marker ('Additionally, ...')."""
    text = normalize_apostrophes(text).strip()
    return capitalise(_DISCOURSE.sub("", text))


def first_person(sentence: str, sex: str) -> str:
    """Reword a third-person note sentence as the patient speaking.

    'The patient reports a 1-month history of double vision.' -> 'For the past month, I've had double vision.'
    'She notes that her symptoms worsen after activity.' -> 'My symptoms worsen after activity.'
    """
    text = _SUBJECTLESS_REPORT.sub("The patient ", clean_statement(sentence))
    text = _DOES_NOT_REPORT.sub(r"\1 has no ", text)
    subject = _SUBJECT.match(text)
    if subject:
        rest = _RELATIVE_CLAUSE.sub("", text[subject.end() :]).lstrip()
        text = "my " + rest if subject.group(1) else _after_subject(rest)
    text = swap_pronouns(_family_in_first_person(_own_symptoms(text)), sex)
    return capitalise(end_sentence(text))


def _own_symptoms(text: str) -> str:
    """'..., symptoms have not improved' -> '..., my symptoms have not improved'."""
    return re.sub(r"(^|, )(?:the )?(symptoms|pain)\b", r"\1my \2", text)


_ACCOMPANIED = re.compile(
    r"^(?:presents|presented|is presenting|comes in|came in)\s+(?:to [^,]+? )?with\s+(?:her|his)\s+"
    r"(mother|father|parents|husband|wife|partner|boyfriend|girlfriend|daughter|son|sister|brother|friend|roommates?)\b",
    re.IGNORECASE,
)


def _after_subject(rest: str) -> str:
    accompanied = _ACCOMPANIED.match(rest)
    if accompanied:
        return later_verbs(f"I've come in with my {accompanied.group(1)}{rest[accompanied.end() :]}")
    clause = _CLAUSE_REPORTING.match(rest)
    if clause:
        return rest[clause.end() :]
    reporting = _REPORTING.match(rest)
    if not reporting:
        return later_verbs("I " + base_form(rest))
    said = rest[reporting.end() :]
    if reporting.group(1):  # 'reports that her symptoms worsen' -> 'her symptoms worsen'
        return said
    history = _HISTORY_OF.match(said)
    if history:
        amount, unit = history.group(1), history.group(2).lower()
        span = unit if amount.lower() in {"1", "one", "a", "an"} else f"{amount} {unit}s"
        return later_verbs(f"For the past {span}, I've had {said[history.end() :]}")
    noticed = _NOTICED.match(said)
    if noticed:
        return later_verbs(f"I've noticed {said[noticed.end() :]}")
    if said.split(" ", 1)[0].lower().endswith("ing") and said.split(" ", 1)[0].lower() not in _ING_NOUNS:
        return later_verbs(f"I've been {said}")
    return later_verbs(f"I've had {said}")


_ING_NOUNS = frozenset(
    "morning evening swelling tingling burning ringing something nothing anything everything thing during spring "
    "wedding building clothing ceiling hearing bleeding itching".split()
)


def swap_pronouns(text: str, sex: str) -> str:
    """The patient's third-person pronouns as 'I', 'me', 'my', 'myself', until a relative of the same sex appears
    (after 'her mother', a later 'she' is the mother)."""
    relatives = _FEMALE_RELATIVES if sex == "female" else _MALE_RELATIVES
    text = re.sub(r"\b[Tt]he patient's\b|\b[Pp]atient's\b", "my", text)
    words = text.split(" ")
    subject, possessive, obj, reflexive = (
        ("she", "her", "her", "herself") if sex == "female" else ("he", "his", "him", "himself")
    )
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        core, tail = _split_punctuation(word)
        lower = core.lower()
        if lower == "the" and index + 1 < len(words) and _split_punctuation(words[index + 1])[0].lower() == "patient":
            index += 1
            core, tail = _split_punctuation(words[index])
            lower = "patient"
        following = _split_punctuation(words[index + 1])[0].lower() if index + 1 < len(words) else ""
        if lower == subject or (lower == "patient" and _looks_like_verb(following)):
            out.append(_keep_case(word, "I") + tail)
            index = _conjugate_after(words, index + 1, out) if not tail else index + 1
            continue
        if lower == "patient":
            core = "me"
        elif lower == reflexive:
            core = "myself"
        elif lower == possessive and possessive == obj:
            core = "my" if following and following not in FUNCTION_WORDS and not following.endswith("ly") else "me"
        elif lower == possessive:
            core = "my"
        elif lower == obj:
            core = "me"
        out.append(_keep_case(word, core) + tail)
        if relatives.search(core) and not relatives.search(" ".join(words[:index])):
            out.extend(words[index + 1 :])
            break
        index += 1
    return " ".join(out)


def _looks_like_verb(word: str) -> bool:
    return word in {"is", "was", "has", "had", "does", "did", "can", "will", "would"} or word.endswith(("s", "ed"))


def _conjugate_after(words: list[str], index: int, out: list[str]) -> int:
    """Append the words after a new 'I' up to and including its verb, in the first person; returns the next index."""
    while index < len(words) and words[index].lower() in ADVERBS:
        out.append(words[index])
        index += 1
    if index < len(words):
        core, tail = _split_punctuation(words[index])
        out.append(base_form(core) + tail)
        index += 1
    return index


def _split_punctuation(word: str) -> tuple[str, str]:
    match = re.match(r"^(.*?)([.,;:!?)]*)$", word)
    return (match.group(1), match.group(2)) if match else (word, "")


def _keep_case(original: str, replacement: str) -> str:
    return capitalise(replacement) if original[:1].isupper() and replacement != original else replacement


# Parents speaking for a child -------------------------------------------------------------------------------------

_CHILD = r"(?:the\s+|this\s+|a\s+)?(?:patient|pt|child|infant|newborn|neonate|baby|boy|girl|toddler|son|daughter)"
_PARENT = {
    "mother": r"(?:mother|mom|mum)",
    "father": r"(?:father|dad)",
    "parent": r"(?:mother|mom|mum|father|dad|parent)",
}


def _without_parent_frame(text: str, parent: str, child: str) -> str:
    """The statement without 'The mother reports that ...': the parent is the one speaking."""
    owner = rf"(?:(?:the\s+)?{_CHILD}'s\s+|his\s+|her\s+|the\s+)?"
    speaker = rf"(?:{owner}{parent}s?|(?:the\s+)?parents|they)"
    frames = (
        (rf"^{speaker}\s+(?:also\s+)?describes?\s+(him|her)\s+as\b", _describes),
        (rf"^{speaker}\s+(?:also\s+)?reports?\s+(?:noticing|seeing|observing)\s+", "I've noticed "),
        (rf"^{speaker}\s+(?:also\s+)?reports?\s+having\s+", "I "),
        (rf"^{speaker}\s+(?:also\s+)?(?:reports?|notes?|mentions?|states?|says?|explains?)\s+(?:that\s+)?", ""),
        (rf"^{speaker}\s+(?:has|have)\s+(noticed|observed)", r"We've \1"),
        (r"^(?:reports|complains of|endorses)\s+", f"My {child} has had "),
        (r"^(he|she)\s+(?:also\s+)?(?:reports|complains of|endorses)\s+", r"\1's been complaining of "),
        (r"\bbut notes that\b", "but"),
    )
    for pattern, replacement in frames:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return text


# The child the note talks about ('the infant', 'the patient's'), but not 'the first child' of a family or a
# 'well-child visit'.
_CHILD_MENTION = re.compile(
    r"(?<!first )(?<!second )(?<!only )(?<!eldest )(?<!youngest )(?<!well-)(?:^|\b(?:the|this)\s+)"
    r"(?:patient|pt|child|infant|newborn|neonate|baby|boy|girl|toddler)('s)?\b",
    re.IGNORECASE,
)


def _as_i(match: re.Match[str]) -> str:
    return (" " if match.group(0)[:1] == " " else "") + "I"


def _describes(match: re.Match[str]) -> str:
    return "He is" if match.group(1).lower() == "him" else "She is"


def _informant_pronouns(text: str, informant: str, child_sex: str) -> str:
    """A mother speaking about her son says 'I' and 'my' where the note says 'she' and 'her' (and a father about his
    daughter); when parent and child share a pronoun it stays the child's."""
    if informant == "mother" and child_sex == "male":
        she, her = "she", "her"
    elif informant == "father" and child_sex == "female":
        she, her = "he", "his"
    else:
        return text
    text = re.sub(rf"\b{she}\b", "I", text, flags=re.IGNORECASE)
    return re.sub(rf"\b{her}\b", "my", text, flags=re.IGNORECASE)


def parent_voice(sentence: str, category: str, child: str, informant: str, sex: str) -> str:
    """Reword a note statement as the parent `informant` speaking about their `child` ('son', 'daughter', 'baby').

    'The mother reports that the infant has not passed meconium.' -> 'My baby has not passed meconium.'
    'Bilious vomiting.' -> 'My baby has had bilious vomiting.'
    """
    parent = _PARENT.get(informant, _PARENT["parent"])
    text = _without_parent_frame(clean_statement(sentence), parent, child)
    text = re.sub(rf"(?:^|\b(?:the|his|her|{_CHILD}'s)\s+){parent}\b(?!'s)", _as_i, text, flags=re.IGNORECASE)
    text = _informant_pronouns(text, informant, sex)
    text = re.sub(
        r"\bI ((?:also |then |later |now |first )?)(\w+)\b", lambda m: "I " + m.group(1) + base_form(m.group(2)), text
    )
    text = re.sub(r"\b(?:her|his|the) (son|daughter|baby|infant)\b", f"my {child}", text, flags=re.IGNORECASE)
    text = _CHILD_MENTION.sub(
        lambda m: (" " if m.group(0)[:1] == " " else "") + f"my {child}" + (m.group(1) or ""), text
    )
    text = re.sub(
        rf"^my {child} (?:is|was) brought in by (?:me|I|us|(?:his|her) (?:parents|mother|father))\b",
        f"I've brought my {child} in",
        text,
        flags=re.I,
    )
    text = re.sub(r"\b(with|to|for|by) I\b", r"\1 me", text)
    fragment = fragment_wording(text, category, Speaker.child(child, sex))
    text = fragment if fragment is not None else text
    return capitalise(end_sentence(re.sub(r"\bmy my\b", "my", text, flags=re.IGNORECASE)))
