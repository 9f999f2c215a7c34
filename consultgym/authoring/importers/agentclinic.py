"""Import AgentClinic-MedQA-extended OSCE cases (MIT) as consultgym scenarios.

Each JSONL line holds one case under ``OSCE_Examination``: the patient actor's script (demographics, history,
symptoms, past medical and social history, review of systems, sometimes medications or family history), the
physical examination findings, the test results and the correct diagnosis. The conversion makes one atomic fact per
statement (denial lists become one pertinent negative per item), rewords each in the patient's voice, flattens
examination findings into exam facts and test results into lab facts, and derives must-ask items from the case: the
time course of the complaint, each secondary symptom, the relevant history, the review of systems, each examination
and each test; when the diagnosis is a DDXPlus condition, also the evidences that separate it from its differentials
and that the case reports. Statements whose wording would name the diagnosis are dropped.

Example (the first case of the shipped source file; `import_agentclinic` converts them all):
    >>> import json
    >>> from consultgym.scenarios.loader import LIBRARY_ROOT
    >>> source = LIBRARY_ROOT.parent / "data" / "agentclinic" / SOURCE_NAME
    >>> scenario = convert_case(json.loads(source.read_text(encoding="utf-8").splitlines()[0]), line=1)
    >>> scenario.id, scenario.diagnosis.name
    ('agentclinic-medqa-001', 'Myasthenia gravis')
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from consultgym.authoring.differentials import with_library_differentials
from consultgym.authoring.gold import without_failing_items
from consultgym.authoring.importers.agentclinic_rubric import CaseOutline, derive_must_ask
from consultgym.authoring.importers.agentclinic_tables import (
    DIAGNOSIS_SYNONYMS,
    EXAM_WORDS,
    SPECIALTIES,
    TEST_WORDS,
    TO_DDXPLUS,
)
from consultgym.authoring.importers.fragments import Speaker
from consultgym.authoring.importers.grammar import end_sentence
from consultgym.authoring.importers.requests import request_names, section_words
from consultgym.authoring.importers.statements import (
    GENERAL_APPEARANCE,
    NOTHING_ELSE_SAY,
    NOTHING_ELSE_TEXT,
    Kind,
    classify,
    denial_say,
    unremarkable_item,
)
from consultgym.authoring.importers.voice import first_person, own_words, parent_voice, patient_wording
from consultgym.authoring.importers.wording import (
    NOT_GIVEN,
    clauses_with_but,
    denial_items,
    humanise,
    keywords_for,
    leaves,
    sentences,
)
from consultgym.authoring.topics import assign_topics, fact_topics
from consultgym.errors import ScenarioError
from consultgym.scenarios.knowledge import load_knowledge
from consultgym.scenarios.loader import format_validation_error
from consultgym.scenarios.schema import (
    Diagnosis,
    Fact,
    FactCategory,
    Patient,
    Priority,
    RubricItem,
    Scenario,
    Source,
)
from consultgym.text import contains_phrase, is_negated, normalize

DATASET = "agentclinic-medqa-extended"
LICENSE = "MIT"
CITATION = (
    'Schmidgall S. et al. "AgentClinic: a multimodal agent benchmark to evaluate AI in simulated clinical '
    'environments", 2024'
)
SOURCE_NAME = "agentclinic_medqa_extended.jsonl"
CHILD_AGE = 12  # below this a parent answers


def read_cases(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, case) for each non-empty line of an AgentClinic JSONL file.

    Raises:
        ScenarioError: the file is missing, a line is not JSON, or a case lacks the OSCE fields; the message names the
            file and the line number.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the AgentClinic file ({exc})") from None
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):  # the last line may lack its newline
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}: line {number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        problem = _structure_problem(case)
        if problem:
            raise ScenarioError(f"{path}: line {number}: {problem}")
        cases.append((number, case))
    if not cases:
        raise ScenarioError(f"{path}: no cases found")
    return cases


def _structure_problem(case: Any) -> str | None:
    if not isinstance(case, dict) or not isinstance(case.get("OSCE_Examination"), dict):
        return "expected an object with an 'OSCE_Examination' object"
    osce = case["OSCE_Examination"]
    if not isinstance(osce.get("Patient_Actor"), dict):
        return "OSCE_Examination.Patient_Actor is missing or not an object"
    if not isinstance(osce.get("Correct_Diagnosis"), str) or not osce["Correct_Diagnosis"].strip():
        return "OSCE_Examination.Correct_Diagnosis is missing or empty"
    for field in ("Demographics", "History"):
        if not isinstance(osce["Patient_Actor"].get(field), str):
            return f"OSCE_Examination.Patient_Actor.{field} is missing or not text"
    return None


def import_agentclinic(path: str | Path) -> list[Scenario]:
    """Every case of an AgentClinic-MedQA JSONL file as a validated scenario, in file order; cases whose diagnosis is
    not a DDXPlus condition take their differentials from their library neighbours."""
    scenarios = [convert_case(case, number, Path(path).name) for number, case in read_cases(path)]
    return with_library_differentials(scenarios)


def convert_case(case: dict[str, Any], line: int, source_name: str = SOURCE_NAME) -> Scenario:
    """One AgentClinic case (the object of one JSONL line) as a scenario with id ``agentclinic-medqa-NNN``.

    Raises:
        ScenarioError: the case cannot become a valid scenario; the message names the line.
    """
    try:
        return _CaseConverter(case, line, source_name).build()
    except ValidationError as exc:
        raise ScenarioError(f"{source_name}: line {line}: {format_validation_error(exc)}") from None


def import_command(path: str | Path, out: str | Path) -> str:
    """What `consultgym scenario import agentclinic FILE --out DIR` does; returns the line to print."""
    from consultgym.authoring.generator import write_scenarios

    written = write_scenarios(import_agentclinic(path), out)
    return f"wrote {len(written)} scenarios to {out}"


class _CaseConverter:
    """Builds one scenario from one case; facts are added in reading order."""

    def __init__(self, case: dict[str, Any], line: int, source_name: str) -> None:
        self.osce = case["OSCE_Examination"]
        self.actor = self.osce["Patient_Actor"]
        self.line = line
        self.source_name = source_name
        self.diagnosis = self._diagnosis()
        self.age, self.sex, self.age_phrase = _demographics(self.actor["Demographics"], self.actor.get("History", ""))
        self.child = self.age < CHILD_AGE
        self.facts: list[Fact] = []
        self.groups: dict[str, list[str]] = {}  # named groups of fact ids (symptoms, ros, exam sections, tests)
        self.dropped = 0

    # Assembly ------------------------------------------------------------------------------------------------------

    def build(self) -> Scenario:
        self._history()
        self._symptoms()
        self._field("Past_Medical_History", FactCategory.pmh, "pmh")
        for key in ("Current_Medications", "Medications", "Drug_History"):
            self._field(key, FactCategory.medication, "med")
        self._field("Family_History", FactCategory.family, "fam")
        self._field("Social_History", FactCategory.social, "soc")
        self._field("Review_of_Systems", FactCategory.ros, "ros")
        self._findings(self.osce.get("Physical_Examination_Findings"), FactCategory.exam, "exam")
        self._findings(self.osce.get("Test_Results"), FactCategory.lab, "lab")
        if not self.facts:
            raise ScenarioError(f"{self.source_name}: line {self.line}: the case has no usable statements")
        opening = self._opening()
        self.facts = assign_topics(self.facts, opening)
        draft = self._scenario(opening, [RubricItem(id="draft", ask="draft", priority=Priority.routine)])
        origin = f"{self.source_name}: line {self.line}"
        outline = CaseOutline(origin, self.groups, ddxplus_condition(self.diagnosis.name))
        return without_failing_items(self._scenario(opening, derive_must_ask(draft, outline)))

    def _scenario(self, opening: str, items: list[RubricItem]) -> Scenario:
        condition = ddxplus_condition(self.diagnosis.name)
        return Scenario(
            id=f"agentclinic-medqa-{self.line:03d}",
            title=self._title(),
            specialty=self._specialty(),
            source=Source(
                dataset=DATASET, license=LICENSE, reference=f"{CITATION}; {self.source_name} line {self.line}"
            ),
            patient=self._patient(),
            opening=opening,
            facts=self.facts,
            must_ask=items,
            diagnosis=self.diagnosis,
            tags=["agentclinic", "medqa", *([condition] if condition else [])],
            # The OSCE lists the examinations and tests that were done; what it does not list is not known.
            default_finding="not_available",
        )

    def _diagnosis(self) -> Diagnosis:
        name = " ".join(self.osce["Correct_Diagnosis"].split())
        condition = ddxplus_condition(name)
        kb = load_knowledge()
        differentials = [kb.condition(c).display_name for c in kb.differentials(condition)] if condition else []
        return Diagnosis(name=name, synonyms=diagnosis_synonyms(name), differentials=differentials)

    def _patient(self) -> Patient:
        demographics = self.actor["Demographics"].strip().rstrip(".")
        persona = _a(demographics) if demographics[:1].isdigit() else demographics
        persona = persona[:1].upper() + persona[1:]
        job = _occupation(self.actor.get("Social_History"))
        if job:
            persona += f" who works as {job}"
        informant = ""
        if self.child:
            informant = self._informant()
            persona += f"; the {informant} answers for the child"
        return Patient(age=self.age, sex=self.sex, persona=persona + ".", informant=informant)

    def _title(self) -> str:
        complaint = str(self.actor.get("Symptoms", {}).get("Primary_Symptom") or "Consultation").strip().rstrip(".")
        complaint = complaint.split(";")[0]
        if len(complaint) > 70:
            complaint = complaint[:70].rsplit(" ", 1)[0].rstrip(",")
        noun = _noun(self.age, self.sex)
        title = f"{complaint} in {_a(self.age_phrase)} {noun}".replace("  ", " ")
        if any(contains_phrase(title, name) for name in self.diagnosis.names):
            return f"Consultation with {_a(self.age_phrase)} {noun}"
        return title

    def _specialty(self) -> str:
        if self.age < 16:
            return "paediatrics"
        sections = [
            humanise(k) for k in (self.osce.get("Physical_Examination_Findings") or {}) if "vital" not in k.lower()
        ]
        for section in sections:
            for stem_word, specialty in SPECIALTIES:
                if stem_word in section.split() or (len(stem_word) > 3 and stem_word in section):
                    return specialty
        return "general"

    # Statements ------------------------------------------------------------------------------------------------

    def _speaker(self) -> Speaker:
        return Speaker.child(self._child_noun(), self.sex) if self.child else Speaker.patient()

    def _parent(self) -> tuple[str, str, str]:
        """(child noun, informant, sex) for `parent_voice`."""
        return self._child_noun(), self._informant(), self.sex

    def _child_noun(self) -> str:
        return "baby" if self.age < 1 else "son" if self.sex == "male" else "daughter"

    def _say(self, text: str, category: FactCategory = FactCategory.hpi) -> str:
        child = self._child_noun() if self.child else ""
        return patient_wording(text, category.value, self.sex, child, self._informant())

    def _informant(self) -> str:
        history = self.actor.get("History", "").lower()
        return "mother" if "mother" in history else "father" if "father" in history else "parent"

    def _add(
        self,
        prefix: str,
        category: FactCategory,
        text: str,
        say: str,
        present: bool,
        keywords: list[str],
        group: str | None = None,
        requested_by: list[str] | None = None,
    ) -> str | None:
        fact_id = self._unique_id(prefix, text)
        fact = Fact(
            id=fact_id,
            category=category,
            text=text,
            say=say,
            present=present,
            keywords=keywords,
            requested_by=requested_by or [],
        )
        if self._leaks(fact):
            self.dropped += 1
            return None
        self.facts.append(fact)
        if group:
            self.groups.setdefault(group, []).append(fact_id)
        return fact_id

    def _leaks(self, fact: Fact) -> bool:
        if fact.hidden_until_requested or fact.category == FactCategory.family:
            return False
        return any(contains_phrase(fact.spoken, name) for name in self.diagnosis.names)

    def _unique_id(self, prefix: str, text: str) -> str:
        words = [w for w in normalize(re.sub(r"^(denies|no|reports)\s+", "", text, flags=re.I)).split() if w.isalnum()]
        base = f"{prefix}_" + "_".join(words[:4]) if words else prefix
        taken = {f.id for f in self.facts}
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        return candidate

    def _statement(
        self, sentence: str, category: FactCategory, prefix: str, group: str | None = None, phrase: str | None = None
    ) -> None:
        """One sentence as facts: a denial list becomes one pertinent negative per item; remarks for the examiner
        are dropped and a clinician's observations become examination findings."""
        kind = classify(sentence, category.value)
        if kind == Kind.remark:
            self.dropped += 1
        elif kind == Kind.nothing_else:
            self._nothing_else(group)
        elif kind == Kind.unremarkable:
            item = unremarkable_item(sentence, category.value)
            self._denials([item], FactCategory.family if "family" in item else FactCategory.pmh, prefix, group)
        elif kind == Kind.observation:
            self._add("exam", FactCategory.exam, end_sentence(sentence), "", True, keywords_for(sentence), None,
                      requested_by=GENERAL_APPEARANCE)  # fmt: skip
        elif denial_items(sentence):
            self._denials(denial_items(sentence) or [], category, prefix, group)
        else:
            self._assertion(sentence, category, prefix, group, phrase)

    def _assertion(self, sentence: str, category: FactCategory, prefix: str, group: str | None, phrase: str | None):
        category = _refine_category(sentence, category)
        text = end_sentence(sentence)
        present = not ((is_negated(sentence) and len(sentence.split()) <= 8) or _NEGATIVE_STATEMENT.match(sentence))
        self._add(prefix, category, text, self._say(text, category), present, keywords_for(text, phrase=phrase), group)

    def _denials(self, items: list[str], category: FactCategory, prefix: str, group: str | None) -> None:
        for item in items:
            item = re.sub(r"\s+as per (?:the )?patient's knowledge$", "", item)
            say = denial_say(item, self._speaker())
            say = own_words(say, self.sex) if not self.child else parent_voice(say, "ros", *self._parent())
            keywords = keywords_for(item, phrase=item)
            self._add(prefix, _denial_category(category, item), f"Denies {item}.", say, False, keywords, group)

    def _nothing_else(self, group: str | None) -> None:
        if not any(f.text == NOTHING_ELSE_TEXT for f in self.facts):
            keywords = ["associated", "other symptoms", "anything else"]
            self._add("ros", FactCategory.ros, NOTHING_ELSE_TEXT, NOTHING_ELSE_SAY, False, keywords, group)

    def _history(self) -> None:
        for sentence in sentences(self.actor.get("History", "")):
            for clause in clauses_with_but(sentence):
                self._statement(clause, FactCategory.hpi, "hpi", group="history")

    def _symptoms(self) -> None:
        symptoms = self.actor.get("Symptoms") or {}
        primary = symptoms.get("Primary_Symptom")
        if isinstance(primary, str) and primary.strip():
            for part in _split_symptoms(primary):
                self._statement(part, FactCategory.symptom, "symptom", group="primary", phrase=part)
        secondary = symptoms.get("Secondary_Symptoms") or []
        for item in secondary if isinstance(secondary, list) else [secondary]:
            if isinstance(item, str) and item.strip() and not NOT_GIVEN.match(item.strip()):
                self._statement(item.strip(), FactCategory.symptom, "symptom", group="secondary", phrase=item)

    def _field(self, key: str, category: FactCategory, prefix: str) -> None:
        value = self.actor.get(key)
        entries = value if isinstance(value, list) else [value]  # a list of drugs or conditions: one fact each
        for path, text in (leaf for entry in entries if entry is not None for leaf in leaves(entry)):
            label = humanise(path[-1]) if path else ""
            for sentence in sentences(text):
                labelled = category in {FactCategory.pmh, FactCategory.medication}
                if (
                    labelled
                    and label
                    and label not in {"surgeries", "chronic conditions"}
                    and len(sentence.split()) <= 4
                ):
                    sentence = f"{label[:1].upper()}{label[1:]}: {sentence}"  # {'Epilepsy': 'Taking phenytoin'}
                parts = _split_social(sentence) if category == FactCategory.social else clauses_with_but(sentence)
                for part in parts:
                    self._statement(part, category, prefix, group=prefix)

    def _findings(self, value: Any, category: FactCategory, prefix: str) -> None:
        if not isinstance(value, dict):
            return
        vocabulary = EXAM_WORDS if category == FactCategory.exam else TEST_WORDS
        for path, text in leaves(value):
            names = [humanise(p) for p in path]
            label = " - ".join(names)
            extra = section_words(names, vocabulary)
            fact_text = f"{label[:1].upper()}{label[1:]}: {text}" if label else text
            group = f"{prefix}:{path[0]}" if path else prefix
            requested_by = request_names(names, vocabulary) or (
                GENERAL_APPEARANCE if category == FactCategory.exam else ["laboratory tests", "tests", "labs"]
            )
            self._add(prefix, category, fact_text, "", True, extra + keywords_for(label), group, requested_by)

    # Opening ---------------------------------------------------------------------------------------------------

    def _opening(self) -> str:
        primary = str((self.actor.get("Symptoms") or {}).get("Primary_Symptom") or "").strip().rstrip(".")
        complaint = primary[:1].lower() + primary[1:] if primary[1:2].islower() or len(primary) < 2 else primary
        if self.child:
            who = "baby" if self.age < 1 else "son" if self.sex == "male" else "daughter"
            opening = (
                f"I've brought my {who} in because of {complaint}." if complaint else f"I'm worried about my {who}."
            )
        else:
            opening = (
                first_person(f"I've come in because of {complaint}.", self.sex)
                if complaint
                else ("I haven't been feeling well.")
            )
        if any(contains_phrase(opening, name) for name in self.diagnosis.names):
            return "I haven't been feeling well." if not self.child else "I'm worried about my child."
        return opening


# Helpers -----------------------------------------------------------------------------------------------------------


def ddxplus_condition(diagnosis: str) -> str | None:
    """The DDXPlus condition an AgentClinic diagnosis names, if any."""
    name = " ".join(diagnosis.lower().split())
    if name in TO_DDXPLUS:
        return TO_DDXPLUS[name]
    try:
        return load_knowledge().resolve(name)
    except ScenarioError:
        return None


def diagnosis_synonyms(name: str) -> list[str]:
    """Other names for a diagnosis: a parenthesised abbreviation and the name without it, apostrophe variants, and
    the hand table `DIAGNOSIS_SYNONYMS`."""
    found: list[str] = []
    match = re.match(r"^(.*?)\s*\(([^)]+)\)\s*$", name)
    base = match.group(1).strip() if match else name
    if match:
        found += [base, match.group(2).strip()]
    plain = base.replace("’", "'")
    found += [plain, re.sub(r"'s\b", "", plain), plain.replace("é", "e")]
    found += DIAGNOSIS_SYNONYMS.get(base.lower(), ())
    return [s for s in dict.fromkeys(found) if s and s != name]


def _demographics(text: str, history: str) -> tuple[int, str, str]:
    """(age in years, sex, age phrase) from text such as '35-year-old female' or 'Newborn, female'."""
    lower = text.lower()
    match = re.search(r"(\d+)[- ](year|month|week|day)s?[- ]old", lower)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        age = amount if unit == "year" else amount // 12 if unit == "month" else 0
        phrase = f"{amount}-{unit}-old"
    else:
        age, phrase = 0, "newborn"
    return min(age, 120), _sex(lower, history), phrase


def _sex(demographics: str, history: str) -> str:
    if re.search(r"\b(female|woman|girl|lady|gravida|primigravid|nulliparous)\b", demographics):
        return "female"
    if re.search(r"\b(male|man|boy|gentleman)\b", demographics):
        return "male"
    words = normalize(history).split()
    she = sum(w in {"she", "her", "hers", "herself"} for w in words)
    he = sum(w in {"he", "his", "him", "himself"} for w in words)
    return "female" if she > he else "male" if he > she else "other"


def _noun(age: int, sex: str) -> str:
    if age >= 16:
        return {"female": "woman", "male": "man"}.get(sex, "adult")
    return {"female": "girl", "male": "boy"}.get(sex, "child")


def _a(phrase: str) -> str:
    vowel_sound = phrase[:1].lower() in "aeiou" or re.match(r"(8|11|18)\b|8\d\b", phrase) is not None
    return ("an " if vowel_sound else "a ") + phrase


def _occupation(social: Any) -> str:
    text = " ".join(t for _, t in leaves(social)) if social is not None else ""
    match = re.search(
        r"\b(?:works|worked|working|employed)\s+(?:as|at)\s+(an?\s+[a-z][a-z -]*?)(?=\s+(?:at|in|for)\b|[.,;]|$)",
        text,
        flags=re.IGNORECASE,
    )
    return match.group(1).strip() if match else ""


def _split_symptoms(text: str) -> list[str]:
    """'Fatigue, abdominal pain' -> two symptoms; a long description with commas stays whole."""
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+", text.strip().rstrip(".")) if p.strip()]
    # 'Rash on scalp and forehead' is one symptom: a part that only names a place belongs to the one before.
    whole = all(len(p.split()) <= 4 and not _ONLY_A_PLACE.match(p) for p in parts)
    return parts if len(parts) > 1 and whole else [text.strip()]


_ONLY_A_PLACE = re.compile(
    r"^(?:the\s+)?(?:(?:left|right|upper|lower|both)\s+)*(?:scalp|forehead|face|neck|trunk|back|chest|abdomen|arms?|"
    r"legs?|hands?|feet|extremities|limbs|groin|buttocks|knees?|elbows?|wrists?|ankles?|hips?|shoulders?)$",
    re.IGNORECASE,
)


def _split_social(sentence: str) -> list[str]:
    """'Non-smoker, drinks wine occasionally.' -> ['Non-smoker.', 'Drinks wine occasionally.'] when the parts answer
    different questions (smoking, alcohol, work ...)."""
    if denial_items(sentence):
        return [sentence]
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|;\s*", sentence.rstrip(".")) if p.strip()]
    # Only parts that each answer their own question and read on their own ('alcohol' or 'or drug use' do not).
    topics = [frozenset(fact_topics("social", p)) for p in parts]
    whole = all(len(normalize(p).split()) >= 2 and not re.match(r"^(or|and|nor)\b", p, re.IGNORECASE) for p in parts)
    if len(parts) > 1 and whole and all(topics) and len(set(topics)) == len(parts):
        return [p[:1].upper() + p[1:] + "." for p in parts]
    return [sentence]


def _denial_category(category: FactCategory, item: str) -> FactCategory:
    if re.search(r"\bfamily\b", item.lower()):
        return FactCategory.family
    if re.search(r"\b(medications?|medicines?|prescriptions?)\b", item.lower()):
        return FactCategory.medication
    if re.search(r"\ballerg", item.lower()):
        return FactCategory.allergy
    if re.search(r"\b(past medical|medical history|surgical history|medical conditions?|chronic (illness|disease)s?)\b",
                 item.lower()):  # fmt: skip
        return FactCategory.pmh
    return FactCategory.ros if category == FactCategory.symptom else category


def _refine_category(sentence: str, category: FactCategory) -> FactCategory:
    lower = sentence.lower()
    if category in {FactCategory.hpi, FactCategory.pmh, FactCategory.social} and re.search(
        r"\bfamily history\b", lower
    ):
        return FactCategory.family
    if category == FactCategory.pmh and re.match(r"^(current(ly)?\s+)?(medications?|taking|takes|on)\b", lower):
        return FactCategory.medication
    if category in {FactCategory.hpi, FactCategory.pmh} and re.search(
        r"\b(take|takes|taking|on)\s+(any\s+)?(regular\s+)?medications?\b|\bmedications?(\s+regimen)?\s+(includes?|"
        r"consists?|are|is)\b|\bmedication list\b",
        lower,
    ):
        return FactCategory.medication  # 'The boy does not take any medications.'
    if category == FactCategory.pmh and re.search(r"\ballerg", lower):
        return FactCategory.allergy
    return category


_NEGATIVE_STATEMENT = re.compile(
    r"^(?:the\s+)?(?:patient|he|she|pt)?\s*(?:does\s+not|doesn't|did\s+not|didn't|has\s+not|hasn't|has\s+never|"
    r"is\s+not|isn't|was\s+not|wasn't)\b|^non-?\s*smoker\b",
    re.IGNORECASE,
)
