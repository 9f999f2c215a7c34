"""Generate scenarios from the DDXPlus knowledge graph: one plausible patient per (condition, seed).

A generated case takes its symptoms and risk factors from the condition's evidences (a seeded subset, so seeds
differ), its pertinent negatives from evidences only its differentials have, and its must-ask items from the
evidences that separate it from those differentials plus the standard history (onset, severity or duration,
medicines, allergies, past, family and social history). Values the release does not carry (where the pain is, how
long it has lasted, age, occupation) come from `ddxplus_tables`. DDXPlus has no examination or test data: a generated
case's `default_finding` is 'not_available', so any ``EXAMINE:`` or ``TEST:`` reports that nothing is recorded, except
a raised temperature at triage when the patient reports a fever. Every fact lists the history topics it answers
(`consultgym.authoring.topics`), and the differentials are the condition's knowledge-graph neighbours.

Determinism: everything random is drawn from one `random.Random` seeded with a string of the condition and seed.

Example:
    >>> scenario = generate_scenario("Pneumonia", seed=1)
    >>> scenario.id, scenario.diagnosis.name
    ('ddxplus-35-1', 'Pneumonia')
    >>> generate_scenario("pneumonia", seed=1) == scenario
    True
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from consultgym.authoring import ddxplus_tables as tables
from consultgym.authoring.ddxplus_wording import (
    ADULT_AGE,
    PAIN,
    PAIN_CHARACTER,
    PAIN_NAMES,
    PAIN_PRECISION,
    PAIN_RADIATION,
    PAIN_SEVERITY,
    PAIN_SPEED,
    RASH,
    RASH_DETAILS,
    FactWriter,
    PatientSketch,
    join_and,
)
from consultgym.authoring.gold import without_failing_items
from consultgym.authoring.topics import assign_topics
from consultgym.errors import ScenarioError
from consultgym.scenarios.knowledge import CITATION, LICENSE, Evidence, KnowledgeBase, load_knowledge
from consultgym.scenarios.loader import dump_scenario
from consultgym.scenarios.retrieval import facts_for_question
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
from consultgym.text import TOPICS, contains_phrase

P_SYMPTOM = 0.7  # chance that a non-presenting, non-key symptom of the condition is present
P_ANTECEDENT = 0.45  # chance that a risk factor of the condition is present
P_FOLLOW_UP = 0.85  # chance that a pain follow-up (character, radiation, ...) is described
P_RASH_DETAIL = 0.6  # chance that a rash follow-up (colour, itch, ...) is described
KEY_EVIDENCES = 2  # the top discriminating symptoms (and risk factor) are always present: every case can be told apart
MAX_DISCRIMINATING_ITEMS = 4
NEGATIVES = (3, 4)  # how many pertinent negatives a case has (inclusive range)
NEGATIVE_POOL = 8  # negatives are drawn from this many best-ranked candidates
CHILD_AGE = 12  # below this a parent answers
SCALE_FREE_AGE = 6  # below this a child cannot rate or describe pain, so scale follow-ups are left out

TRAVEL, FEVER = "E_204", "E_91"
SCALE_FOLLOW_UPS = (PAIN_CHARACTER, PAIN_SPEED, PAIN_SEVERITY, PAIN_PRECISION, PAIN_RADIATION)

GREETINGS = ("", "Hello doctor. ", "Hi. ", "Thanks for seeing me. ")

CATEGORY_ORDER = [
    FactCategory.hpi,
    FactCategory.symptom,
    FactCategory.ros,
    FactCategory.pmh,
    FactCategory.medication,
    FactCategory.allergy,
    FactCategory.family,
    FactCategory.social,
    FactCategory.demographics,
    FactCategory.exam,
    FactCategory.lab,
]


def generate_scenario(condition: str, seed: int) -> Scenario:
    """A scenario for a DDXPlus condition, identical for the same (condition, seed).

    Args:
        condition: any name of the condition ('URTI', 'common cold', 'pneumonia'), case-insensitive.
        seed: picks the patient, the subset of evidences and the wording choices.

    Raises:
        ScenarioError: unknown condition (with close names), or a generated case that fails its own checks.
    """
    return _CaseBuilder(load_knowledge(), condition, seed).build()


def generate_many(
    conditions: Iterable[str] | None = None, per_condition: int = 3, first_seed: int = 1
) -> list[Scenario]:
    """`per_condition` scenarios (seeds `first_seed`, `first_seed + 1`, ...) for each condition (default: all 49)."""
    names = list(conditions) if conditions is not None else load_knowledge().conditions()
    return [generate_scenario(name, seed) for name in names for seed in range(first_seed, first_seed + per_condition)]


def generate_command(
    condition: str | None = None,
    seed: int = 1,
    out: str | Path | None = None,
    count: int = 1,
    all_conditions: bool = False,
    per_condition: int = 3,
) -> str:
    """What `consultgym scenario generate` does; returns the text to print.

    One condition: `count` scenarios from `seed` on, written as YAML to `out` (a file when count is 1, else a folder)
    or returned as YAML when `out` is None. All conditions (`all_conditions`): `per_condition` scenarios each,
    written to the folder `out` as <id>.yaml.

    Raises:
        ScenarioError: no condition and not `all_conditions`, an unknown condition, or `out` missing in bulk mode.
    """
    if all_conditions:
        if out is None:
            raise ScenarioError("--all needs --out DIR to write one YAML file per scenario")
        written = write_scenarios(generate_many(per_condition=per_condition, first_seed=seed), out)
        return f"wrote {len(written)} scenarios to {out}"
    if condition is None:
        raise ScenarioError("give --condition NAME (see `consultgym.scenarios.knowledge.conditions()`) or --all")
    scenarios = [generate_scenario(condition, s) for s in range(seed, seed + count)]
    if out is None:
        return "---\n".join(dump_scenario(s) for s in scenarios)
    if count == 1 and Path(out).suffix in {".yaml", ".yml"}:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(dump_scenario(scenarios[0]), encoding="utf-8")
        return f"wrote {out}"
    written = write_scenarios(scenarios, out)
    return f"wrote {len(written)} scenarios to {out}"


def write_scenarios(scenarios: Sequence[Scenario], folder: str | Path) -> list[Path]:
    """Write each scenario to `folder`/<id>.yaml (creating the folder); returns the paths."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for scenario in scenarios:
        path = target / f"{scenario.id}.yaml"
        path.write_text(dump_scenario(scenario), encoding="utf-8")
        paths.append(path)
    return paths


def scenario_id(kb: KnowledgeBase, condition: str, seed: int) -> str:
    """An opaque id: the condition's number among the 49, not its name, because ids reach the policy in `info`."""
    return f"ddxplus-{kb.conditions().index(kb.resolve(condition)) + 1:02d}-{seed}"


class _CaseBuilder:
    """Builds one case. Holds the random generator so that every draw happens in a fixed order."""

    def __init__(self, kb: KnowledgeBase, condition: str, seed: int) -> None:
        self.kb = kb
        self.name = kb.resolve(condition)
        self.seed = seed
        self.record = kb.condition(self.name)
        self.profile = tables.PROFILES[self.name]
        self.rng = random.Random(f"ddxplus:{self.name}:{seed}")
        self.diagnosis_names = self.record.names
        self.facts: list[Fact] = []
        self.fact_of: dict[str, str] = {}  # evidence code -> fact id

    # The case ------------------------------------------------------------------------------------------------

    def build(self) -> Scenario:
        self.patient = self._sample_patient()
        side = self.rng.choice(["R", "L"])
        self.writer = FactWriter(self.kb, self.record, self.profile, self.rng, self.patient, side)
        self.differentials = self.kb.differentials(self.name, 5)
        self.present = self._pick_evidences()
        for code in self.present:
            self._add(self.writer.evidence_fact(code), code)
        self.negatives = self._pick_negatives()
        for code in self.negatives:
            self._add(self.writer.binary_fact(self.kb.evidence(code), present=False), code)
        self._add_travel()
        self._add_standard_history()
        self._add_exam_and_tests()
        self.facts.sort(key=lambda f: CATEGORY_ORDER.index(f.category))
        opening = self._opening()
        self.facts = assign_topics(self.facts, opening)
        draft = self._scenario(opening, [RubricItem(id="draft", ask="draft", priority=Priority.routine)])
        self.draft = draft
        return without_failing_items(self._scenario(opening, self._must_ask(draft, opening)))

    def _scenario(self, opening: str, items: list[RubricItem]) -> Scenario:
        return Scenario(
            id=scenario_id(self.kb, self.name, self.seed),
            title=self._title(),
            specialty=self.profile.specialty,
            source=Source(
                dataset="ddxplus",
                license=LICENSE,
                reference=f"{CITATION}. Condition: {self.name}. Generated by consultgym (seed {self.seed}).",
            ),
            patient=self._patient(),
            opening=opening,
            facts=self.facts,
            must_ask=items,
            diagnosis=Diagnosis(
                name=self.record.display_name,
                icd10=self.record.icd10,
                synonyms=[n for n in self.diagnosis_names if n != self.record.display_name],
                differentials=[self.kb.condition(d).display_name for d in self.differentials],
            ),
            tags=["ddxplus", self.name],
            default_finding="not_available",
        )

    # Patient ---------------------------------------------------------------------------------------------------

    def _sample_patient(self) -> PatientSketch:
        band = self.rng.choice(self.profile.ages)
        value = self.rng.randint(band.low, band.high)
        months = value if band.unit == "months" else None
        age = value // 12 if band.unit == "months" else value
        sex = "female" if self.rng.random() < self.profile.female_share else "male"
        style = self.rng.choice(tables.STYLES)
        informant = self.rng.choice(["mother", "father"]) if age < CHILD_AGE else ""
        return PatientSketch(age, months, sex, self._occupation(age), style, informant)

    def _occupation(self, age: int) -> str:
        job = self.rng.choice(tables.OCCUPATIONS)
        if age < ADULT_AGE:
            return "school pupil" if age >= 5 else ""
        if age <= 22 and self.rng.random() < 0.5:
            return "student"
        return f"retired {job}" if age >= 67 else job

    def _patient(self) -> Patient:
        sketch = self.patient
        style = tables.STYLE_DESCRIPTIONS[sketch.style]
        if sketch.child:
            _, his, him = sketch.pronouns
            who = f"{_a(sketch.age_phrase).capitalize()} {sketch.noun}"
            persona = (
                f"{who}, brought in by {his} {sketch.informant}, who answers for {him}; "
                f"the {sketch.informant} {_verb_phrase(style)}."
            )
        else:
            persona = f"{_a(sketch.age_phrase).capitalize()} {sketch.occupation or sketch.noun}; {style}."
        return Patient(age=sketch.age, sex=sketch.sex, persona=persona, style=sketch.style, informant=sketch.informant)

    def _eligible(self, code: str) -> bool:
        phrasing = self.kb.evidence(code).phrasing
        if code in self.profile.exclude:
            return False
        if phrasing.get("sex") == "female" and self.patient.sex != "female":
            return False
        if phrasing.get("adult") and self.patient.age < ADULT_AGE:
            return False
        return not (code == "E_167" and not 16 <= self.patient.age <= 45)

    # Which evidences ---------------------------------------------------------------------------------------------

    def _pick_evidences(self) -> list[str]:
        roots = [c for c in self.kb.evidences_of(self.name) if self.kb.evidence(c).is_root and c != TRAVEL]
        roots = [c for c in roots if self._eligible(c)]
        presenting = [c for c in self.profile.presenting if c in roots]
        ranked = [c for c in self.kb.discriminating_evidences(self.name, self.differentials) if c in roots]
        chosen = list(dict.fromkeys(presenting + _symptoms_first(self.kb, ranked, KEY_EVIDENCES, 1)))
        for code in roots:
            chance = P_ANTECEDENT if self.kb.evidence(code).is_antecedent else P_SYMPTOM
            if code not in chosen and self.rng.random() < chance:
                chosen.append(code)
        chosen = self._one_per_group(chosen)
        return chosen + self._follow_ups(chosen)

    def _one_per_group(self, codes: list[str]) -> list[str]:
        kept = list(codes)
        for group in tables.EXCLUSIVE_GROUPS:
            members = [c for c in kept if c in group]
            kept = [c for c in kept if c not in members[1:]]
        return kept

    def _follow_ups(self, chosen: list[str]) -> list[str]:
        linked = self.record.evidences
        extra: list[str] = []
        if PAIN in chosen:
            scales = SCALE_FOLLOW_UPS if self.patient.age >= SCALE_FREE_AGE else ()
            extra += [c for c in scales if c in linked and (c == PAIN_SEVERITY or self.rng.random() < P_FOLLOW_UP)]
        if RASH in chosen:
            extra += [c for c in RASH_DETAILS if c in linked and self.rng.random() < P_RASH_DETAIL]
        return extra

    def _pick_negatives(self) -> list[str]:
        own = self.record.evidences
        counts: dict[str, int] = {}
        for other in self.differentials:
            for code in self.kb.informative_evidences(other) - own:
                counts[code] = counts.get(code, 0) + 1
        candidates = [c for c in counts if self._deniable(c)]
        # A symptom the differentials cause is a more useful negative than one of their risk factors.
        weight = {c: counts[c] * (1 if self.kb.evidence(c).is_antecedent else 2) for c in candidates}
        candidates.sort(key=lambda c: (-weight[c], int(c[2:])))
        pool = candidates[:NEGATIVE_POOL]
        self.rng.shuffle(pool)
        chosen = pool[: self.rng.randint(*NEGATIVES)]
        return sorted(chosen, key=candidates.index)

    def _deniable(self, code: str) -> bool:
        evidence = self.kb.evidence(code)
        if evidence.data_type != "B" or not self._eligible(code) or evidence.fact_id in self.fact_of.values():
            return False
        return not any(code in group and group & set(self.present) for group in tables.CONFLICT_GROUPS)

    # Facts -----------------------------------------------------------------------------------------------------

    def _add(self, fact: Fact | None, code: str | None = None) -> None:
        """Keep a fact unless the patient would name the diagnosis by saying it; remember which evidence it tells."""
        if fact is None or self._leaks(fact):
            return
        self.facts.append(fact)
        if code is not None:
            self.fact_of[code] = fact.id

    def _leaks(self, fact: Fact) -> bool:
        """Whether the patient would name the diagnosis by saying this fact (family history may)."""
        if fact.hidden_until_requested or fact.category == FactCategory.family:
            return False
        return any(contains_phrase(fact.spoken, name) for name in self.diagnosis_names)

    def _add_travel(self) -> None:
        evidence = self.kb.evidence(TRAVEL)
        travelled = self.profile.travel and self.rng.random() < self.profile.travel_share
        if not travelled:
            self._add(
                Fact(
                    id=evidence.fact_id,
                    category=FactCategory.social,
                    text="Has not travelled out of the country in the last 4 weeks.",
                    say=self.writer.voice(evidence.phrasing["neg"]),
                    present=False,
                    keywords=evidence.keywords,
                ),
                TRAVEL,
            )
            return
        region = self.rng.choice(self.profile.travel)
        where = tables.REGIONS.get(region, region)
        self._add(
            Fact(
                id=evidence.fact_id,
                category=FactCategory.social,
                text=f"Travelled to {where} in the last 4 weeks.",
                say=self.writer.voice(f"I was in {where} within the last month."),
                keywords=[*evidence.keywords, "abroad"],
            ),
            TRAVEL,
        )

    def _add_standard_history(self) -> None:
        self._add(self._onset_fact())
        have = {f.category for f in self.facts}
        voice = self.writer.voice
        if FactCategory.medication not in have:
            self._add(self._medication_fact())
        if FactCategory.allergy not in have:
            self._add(
                _fact(
                    "no_allergies",
                    "allergy",
                    "No known drug allergies.",
                    voice("I'm not allergic to any medicines."),
                    present=False,
                )
            )
        # Up-to-date vaccinations are not an illness: the patient still has no past history to speak of.
        if not any(f.category == FactCategory.pmh and f.present and f.id != "vaccinations" for f in self.facts):
            self._add(
                _fact(
                    "no_past_history",
                    "pmh",
                    "No significant past medical history.",
                    voice("I've always been pretty healthy."),
                    present=False,
                )
            )
        if FactCategory.family not in have:
            self._add(
                _fact(
                    "no_family_history",
                    "family",
                    "No significant family history.",
                    "Nothing runs in the family that I know of.",
                    present=False,
                )
            )
        for fact in self._child_social_facts() if self.patient.child else self._social_facts():
            self._add(fact)

    def _onset_fact(self) -> Fact:
        course = self.profile.course
        amount = self.rng.randint(course.low, course.high)
        unit = course.unit if amount != 1 else course.unit.rstrip("s")
        return _fact(
            "onset",
            "hpi",
            f"The symptoms began {amount} {unit} ago, {course.manner}.",
            self.writer.voice(f"It started {amount} {unit} ago, {course.manner}."),
            keywords=["onset", "duration"],
        )

    def _medication_fact(self) -> Fact:
        if set(self.present) & tables.TREATED_CONDITIONS:
            return _fact(
                "regular_medication",
                "medication",
                "Takes regular medication for the conditions above; cannot recall the names.",
                self.writer.voice(
                    "I take my regular medicines for those conditions, but I can't remember their names."
                ),
            )
        return _fact(
            "no_medications",
            "medication",
            "Takes no regular medications.",
            self.writer.voice("I don't take any regular medicines."),
            present=False,
        )

    def _child_social_facts(self) -> list[Fact]:
        he, his, _ = self.patient.pronouns
        facts = [
            _fact(
                "home",
                "social",
                "Lives at home with both parents.",
                f"{he.capitalize()} lives at home with us, {his} parents.",
                keywords=["living"],
            )
        ]
        if "E_222" not in self.present:
            facts.append(
                _fact(
                    "no_smoke_exposure",
                    "social",
                    "Nobody smokes in the household.",
                    "Nobody smokes at home.",
                    present=False,
                    keywords=["smoking"],
                )
            )
        return facts

    def _social_facts(self) -> list[Fact]:
        facts = []
        if not set(self.present) & set(tables.OCCUPATION_EVIDENCE):
            facts.append(self._occupation_fact())
        if not set(self.fact_of) & {"E_79", "E_191"}:
            facts.append(
                _fact(
                    "non_smoker",
                    "social",
                    "Has never smoked.",
                    "I've never smoked.",
                    present=False,
                    keywords=["smoking"],
                )
            )
        if "E_78" not in self.fact_of:
            facts.append(self._alcohol_fact())
        return facts

    def _occupation_fact(self) -> Fact:
        job = self.patient.occupation
        if job.startswith("retired "):
            say = f"I'm retired; I used to work as {_a(job.removeprefix('retired '))}."
        elif job in {"student", "school pupil"}:
            say = "I'm a student." if job == "student" else "I'm still at school."
        else:
            say = f"I work as {_a(job)}."
        return _fact("occupation", "social", f"Occupation: {job}.", say, keywords=["occupation"])

    def _alcohol_fact(self) -> Fact:
        if self.patient.age >= 18 and self.rng.random() < 0.6:
            return _fact(
                "alcohol",
                "social",
                "Drinks alcohol occasionally.",
                "I have the odd drink at the weekend.",
                keywords=["alcohol"],
            )
        return _fact(
            "alcohol",
            "social",
            "Does not drink alcohol.",
            "I don't drink alcohol.",
            present=False,
            keywords=["alcohol"],
        )

    def _add_exam_and_tests(self) -> None:
        """DDXPlus records history only: every examination and test is 'not available' (the scenario's default),
        except the temperature taken at triage when the patient reports a fever."""
        if self.fact_of.get(FEVER) in {f.id for f in self.facts if f.present}:
            self._add(
                Fact(
                    id="vital_signs",
                    category=FactCategory.exam,
                    text="Temperature raised (febrile) at triage; no other vital signs are recorded.",
                    keywords=list(tables.VITAL_SIGNS),
                    requested_by=list(tables.VITAL_SIGNS),
                )
            )

    # Opening and title -------------------------------------------------------------------------------------------

    def _presenting_facts(self) -> list[Fact]:
        index = {f.id: f for f in self.facts}
        ids = [self.fact_of.get(code) for code in self.profile.presenting]
        return [index[i] for i in ids if i in index and index[i].present][:2]

    def _opening(self) -> str:
        greeting = self.rng.choice(GREETINGS)
        words = [f.spoken for f in self._presenting_facts()] or [self.writer.voice("I haven't been feeling well.")]
        if self.patient.child:
            relation = "baby" if self.patient.age < 1 else "son" if self.patient.sex == "male" else "daughter"
            greeting += f"I've brought my {relation} in. "
        opening = greeting + " ".join(words)
        if any(contains_phrase(opening, name) for name in self.diagnosis_names):
            return greeting + self.writer.voice("I haven't been feeling well.")
        return opening

    def _title(self) -> str:
        complaints = [self._complaint(code) for code in self.profile.presenting if self.fact_of.get(code)][:2]
        what = join_and(complaints or ["feeling unwell"])
        return f"{what[:1].upper()}{what[1:]} in {_a(self.patient.age_phrase)} {self.patient.noun}"

    def _complaint(self, code: str) -> str:
        if code != PAIN:
            return tables.COMPLAINTS.get(code, self.kb.evidence(code).label)
        pain = next((f for f in self.facts if f.id == self.fact_of.get(PAIN)), None)
        words = [k for k in (pain.keywords if pain else []) if k in PAIN_NAMES]
        return PAIN_NAMES[words[0]] if words else "pain"

    # Must-ask items ----------------------------------------------------------------------------------------------

    def _must_ask(self, draft: Scenario, opening: str) -> list[RubricItem]:
        items = self._discriminating_items(opening) + self._negative_items()
        items += self._standard_items(draft)
        return items

    def _discriminating_items(self, opening: str) -> list[RubricItem]:
        presenting = set(self.profile.presenting)
        present_ids = {f.id for f in self.facts if f.present}
        ranked = [
            c
            for c in self.kb.discriminating_evidences(self.name, self.differentials)
            if c not in presenting and self.fact_of.get(c) in present_ids
        ]
        codes = _symptoms_first(self.kb, ranked, MAX_DISCRIMINATING_ITEMS - 1, 1)
        items = []
        for rank, code in enumerate(codes):
            evidence = self.kb.evidence(code)
            critical = rank < 2 and not _mentions_keyword(opening, evidence.keywords)
            items.append(self._evidence_item(evidence, Priority.critical if critical else Priority.important))
        travel = self._facts_by_id().get(self.fact_of.get(TRAVEL, ""))
        if self.profile.travel and travel is not None and travel.present:
            items.append(
                self._evidence_item(self.kb.evidence(TRAVEL), Priority.critical, ask="Ask about recent travel abroad")
            )
        return items

    def _negative_items(self) -> list[RubricItem]:
        """The two best-ranked pertinent negatives: a good doctor rules out what the differentials would cause."""
        codes = [c for c in self.negatives if c in self.fact_of and not self.kb.evidence(c).is_antecedent][:2]
        priorities = [Priority.important, Priority.routine]
        return [
            self._evidence_item(self.kb.evidence(code), priority, ask=f"Rule out {self.kb.evidence(code).label}")
            for code, priority in zip(codes, priorities, strict=False)
        ]

    def _evidence_item(self, evidence: Evidence, priority: Priority, ask: str | None = None) -> RubricItem:
        fact_id = self.fact_of[evidence.code]
        named = [f"Have you had {evidence.label}?", *(f"Any {keyword}?" for keyword in evidence.keywords[:2])]
        if evidence.category == FactCategory.medication and evidence.keywords:
            named.insert(0, f"Have you taken any {evidence.keywords[:2][-1]}?")
        asked = [evidence.question, evidence.question_en, *named]
        # A question reaching its fact on its own comes first: it is the one the gold doctor asks.
        examples = sorted(
            dict.fromkeys(asked), key=lambda q: fact_id not in {f.id for f in facts_for_question(self.draft, q)}
        )
        return RubricItem(
            id=f"ask_{evidence.fact_id}",
            ask=ask or f"Ask about {evidence.label}",
            priority=priority,
            facts=[fact_id],
            examples=examples,
        )

    def _standard_items(self, draft: Scenario) -> list[RubricItem]:
        severity = self.fact_of.get(PAIN_SEVERITY)
        him = self.patient.pronouns[2]
        social = f"Does anyone smoke at home around {him}?" if self.patient.child else "Do you smoke or drink alcohol?"
        plan = [
            (
                "ask_onset",
                "Establish when the symptoms started and how long they have lasted",
                Priority.important,
                ["When did this start?", "How long has this been going on?"],
                {FactCategory.hpi},
            ),
            (
                "ask_severity",
                "Ask how severe the pain is",
                Priority.important,
                ["How bad is the pain on a scale of 0 to 10?", "How severe is the pain?"],
                {FactCategory.hpi},
            ),
            (
                "ask_medications",
                "Ask about current medications",
                Priority.routine,
                ["Do you take any medications?", "Are you on any regular medicines?"],
                {FactCategory.medication},
            ),
            (
                "ask_allergies",
                "Ask about allergies",
                Priority.routine,
                ["Do you have any allergies?", "Are you allergic to anything?"],
                {FactCategory.allergy},
            ),
            (
                "ask_past_history",
                "Ask about past medical history",
                Priority.routine,
                ["Do you have any medical conditions, or have you been ill in the past?", "Any previous illnesses?"],
                {FactCategory.pmh},
            ),
            (
                "ask_family_history",
                "Ask about family history",
                Priority.routine,
                ["Does anything run in your family?", "Any illnesses in the family?"],
                {FactCategory.family},
            ),
            (
                "ask_social_history",
                "Ask about smoking and alcohol" if not self.patient.child else "Ask about smoking at home",
                Priority.routine,
                [social, "Do you smoke?" if not self.patient.child else "Does anyone at home smoke?"],
                {FactCategory.social},
            ),
        ]
        items = []
        for item_id, ask, priority, examples, categories in plan:
            revealed = [f.id for f in facts_for_question(draft, examples[0]) if f.category in categories]
            if item_id == "ask_severity":
                revealed = [severity] if severity in revealed else []
            if revealed:
                items.append(RubricItem(id=item_id, ask=ask, priority=priority, facts=revealed, examples=examples))
        return items

    def _facts_by_id(self) -> dict[str, Fact]:
        return {f.id: f for f in self.facts}

    # Voice -----------------------------------------------------------------------------------------------------


def _symptoms_first(kb: KnowledgeBase, ranked: list[str], symptoms: int, antecedents: int) -> list[str]:
    """The best `symptoms` symptoms then the best `antecedents` risk factors of a ranked list, topped up from the
    rest when either kind runs short: what a patient feels separates conditions more tellingly than risk factors."""
    felt = [c for c in ranked if not kb.evidence(c).is_antecedent]
    risks = [c for c in ranked if kb.evidence(c).is_antecedent]
    chosen = felt[:symptoms] + risks[:antecedents]
    rest = [c for c in ranked if c not in chosen]
    return chosen + rest[: symptoms + antecedents - len(chosen)]


def _mentions_keyword(opening: str, keywords: Iterable[str]) -> bool:
    return any(k not in TOPICS and contains_phrase(opening, k) for k in keywords)


def _a(noun: str) -> str:
    """The noun with its indefinite article: 'an engineer', 'an 8-year-old', 'an 18-month-old', 'a 7-year-old'."""
    vowel_sound = noun[:1].lower() in "aeiou" or re.match(r"(8|11|18)\b|8\d\b", noun) is not None
    return ("an " if vowel_sound else "a ") + noun


def _verb_phrase(style: str) -> str:
    """A style description as a predicate: 'answers plainly', 'is worried ...'."""
    return style if style.split()[0].endswith("s") else f"is {style}"


def _fact(
    fact_id: str, category: str, text: str, say: str = "", present: bool = True, keywords: Iterable[str] = ()
) -> Fact:
    return Fact(
        id=fact_id, category=FactCategory(category), text=text, say=say, present=present, keywords=list(keywords)
    )
