"""The scenario data model: what a simulated patient knows and what a doctor must find out.

A `Scenario` is a case: the patient's opening words, the atomic `Fact`s the patient may reveal, the `RubricItem`s a
good doctor must ask about (each linked to the facts it elicits), and the expected `Diagnosis`. Models forbid unknown
fields, so a typo in a YAML file fails loudly with its field path.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from consultgym.config import DEFAULT_MAX_TURNS, PRIORITY_WEIGHTS
from consultgym.text import TOPICS, contains_phrase, normalize

SLUG = r"^[a-z0-9][a-z0-9_.-]*$"
# Bounds far above any real case (the shipped library's longest text has 287 characters, its largest case 50 facts and
# 19 items), so that a pasted book or a generated flood fails at once with the field that broke them.
MAX_TEXT_CHARS = 4_000
MAX_FACTS = 500
MAX_ITEMS = 200


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, str_max_length=MAX_TEXT_CHARS)


class FactCategory(StrEnum):
    """Where a fact belongs in a clinical history. Exam and lab facts are revealed only on request."""

    demographics = "demographics"
    hpi = "hpi"
    symptom = "symptom"
    pmh = "pmh"
    medication = "medication"
    allergy = "allergy"
    family = "family"
    social = "social"
    ros = "ros"
    exam = "exam"
    lab = "lab"


HIDDEN_UNTIL_REQUESTED = frozenset({FactCategory.exam, FactCategory.lab})


class Priority(StrEnum):
    """How much a must-ask item weighs: critical 3, important 2, routine 1."""

    critical = "critical"
    important = "important"
    routine = "routine"

    @property
    def weight(self) -> float:
        return PRIORITY_WEIGHTS[self.value]


class Source(_Model):
    dataset: str = Field(description="Where the case comes from, e.g. 'consultgym-starter', 'ddxplus', 'agentclinic'.")
    license: str = Field(description="Licence of the source material, e.g. 'MIT', 'CC-BY-4.0'.")
    reference: str = Field(default="", description="Citation, URL or case index in the source dataset.")


class Patient(_Model):
    age: int = Field(ge=0, le=120, description="Age in years (0 for infants).")
    sex: str = Field(pattern=r"^(female|male|other)$", description="female, male or other.")
    persona: str = Field(description="Who the patient is and how they talk, e.g. 'a retired teacher, anxious, chatty'.")
    style: str = Field(
        default="plain",
        pattern=r"^(plain|terse|chatty|anxious|stoic)$",
        description="Wording style of the offline patient: plain, terse, chatty, anxious or stoic (never content).",
    )
    informant: str = Field(
        default="",
        description="Who answers when the patient cannot (e.g. 'mother' for a child); empty when the patient speaks.",
    )


class Fact(_Model):
    id: str = Field(pattern=SLUG, description="Unique id within the scenario, e.g. 'onset'.")
    category: FactCategory = Field(description="Clinical category; exam and lab facts are revealed only on request.")
    text: str = Field(min_length=1, description="The clinical statement, e.g. 'Chest pain began 2 hours ago.'")
    say: str = Field(default="", description="First-person wording the patient uses, e.g. 'It started two hours ago.'")
    present: bool = Field(default=True, description="False marks a pertinent negative (the patient denies it).")
    keywords: list[str] = Field(
        default_factory=list,
        description="Words, phrases or topic names (see consultgym.text.TOPICS) that a question must mention "
        "for the patient to reveal this fact.",
    )
    topics: list[str] = Field(
        default_factory=list,
        description="History-taking topics this fact answers (names from consultgym.text.TOPICS, e.g. 'onset', "
        "'location'), so a generic question such as 'Where is it?' reaches it.",
    )
    requested_by: list[str] = Field(
        default_factory=list,
        description="Exam and lab facts only: the test or examined-system names that reveal it, e.g. "
        "['Chest X-ray', 'CXR'] or ['cardiovascular']. TEST:/EXAMINE: match these names, never the result text.",
    )

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        for topic in topics:
            if topic not in TOPICS:
                raise ValueError(f"unknown topic {topic!r}; choose from {', '.join(sorted(TOPICS))}")
        return topics

    @property
    def spoken(self) -> str:
        """What the patient says when revealing this fact."""
        return self.say or self.text

    @property
    def hidden_until_requested(self) -> bool:
        return self.category in HIDDEN_UNTIL_REQUESTED


class RubricItem(_Model):
    id: str = Field(pattern=SLUG, description="Unique id within the scenario, e.g. 'ask_radiation'.")
    ask: str = Field(min_length=1, description="What the doctor must find out, e.g. 'Whether the pain radiates'.")
    priority: Priority = Field(default=Priority.important, description="critical (3), important (2) or routine (1).")
    facts: list[str] = Field(default_factory=list, description="Ids of the facts this item elicits.")
    examples: list[str] = Field(
        default_factory=list, description="Ways a doctor might ask it; the first is used by the gold check."
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="Extra words or topics that show a doctor turn asked about this item.",
    )


class Diagnosis(_Model):
    name: str = Field(min_length=1, description="The expected diagnosis.")
    icd10: str = Field(default="", description="ICD-10 code when known.")
    synonyms: list[str] = Field(default_factory=list, description="Other names accepted as the same diagnosis.")
    differentials: list[str] = Field(default_factory=list, description="Plausible alternatives (not accepted).")

    @property
    def names(self) -> list[str]:
        """The name and every synonym: the strings whose mention counts as a leak or a correct answer."""
        return [self.name, *self.synonyms]


class Scenario(_Model):
    id: str = Field(pattern=SLUG, description="Unique slug, e.g. 'chest-pain-stemi'.")
    title: str = Field(min_length=1, description="Short human title.")
    specialty: str = Field(default="general", description="Clinical area, e.g. 'cardiology'.")
    source: Source = Field(description="Provenance and licence.")
    patient: Patient = Field(description="Age, sex and persona of the simulated patient.")
    opening: str = Field(min_length=1, description="What the patient says first, in their own words.")
    facts: list[Fact] = Field(min_length=1, max_length=MAX_FACTS, description="The atomic facts the patient knows.")
    must_ask: list[RubricItem] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Items a good doctor must cover."
    )
    diagnosis: Diagnosis = Field(description="The expected diagnosis.")
    max_turns: int | None = Field(default=None, ge=1, le=100, description="Turn limit; default from config.")
    tags: list[str] = Field(default_factory=list, description="Free labels, e.g. DDXPlus condition name.")
    default_finding: Literal["normal", "not_available"] = Field(
        default="normal",
        description="What an examination or test the case does not list returns: 'normal' (within normal limits) "
        "or 'not_available'.",
    )

    @field_validator("facts")
    @classmethod
    def _unique_fact_ids(cls, facts: list[Fact]) -> list[Fact]:
        _require_unique([f.id for f in facts], "fact")
        return facts

    @field_validator("must_ask")
    @classmethod
    def _unique_item_ids(cls, items: list[RubricItem]) -> list[RubricItem]:
        _require_unique([i.id for i in items], "must-ask item")
        return items

    @model_validator(mode="after")
    def _check_cross_references(self) -> Scenario:
        known = {f.id for f in self.facts}
        for index, item in enumerate(self.must_ask):
            for fact_id in item.facts:
                if fact_id not in known:
                    raise ValueError(
                        f"must_ask.{index}.facts: unknown fact id {fact_id!r} in item {item.id!r}; "
                        f"known ids: {', '.join(sorted(known))}"
                    )
        if sum(item.priority.weight for item in self.must_ask) <= 0:
            raise ValueError("must_ask: the item weights must sum above zero")
        self._check_no_diagnosis_leak()
        return self

    def _check_no_diagnosis_leak(self) -> None:
        spoken = [("opening", self.opening)]
        # Family history may name the condition ("my father had a heart attack"): that is not the patient's diagnosis.
        spoken += [
            (f"facts.{i}.say", f.spoken)
            for i, f in enumerate(self.facts)
            if not f.hidden_until_requested and f.category != FactCategory.family
        ]
        for where, text in spoken:
            for name in self.diagnosis.names:
                if contains_phrase(text, name):
                    raise ValueError(f"{where}: names the diagnosis {name!r}; the patient must not know it")

    @cached_property
    def fact_index(self) -> dict[str, Fact]:
        """Facts by id (cached: the model is frozen)."""
        return {f.id: f for f in self.facts}

    def fact(self, fact_id: str) -> Fact:
        return self.fact_index[fact_id]

    @cached_property
    def item_weights(self) -> dict[str, float]:
        """Each must-ask item's weight by id (cached: read on every turn)."""
        return {item.id: item.priority.weight for item in self.must_ask}

    @cached_property
    def total_weight(self) -> float:
        return sum(self.item_weights.values())

    @property
    def turn_limit(self) -> int:
        return self.max_turns or DEFAULT_MAX_TURNS


def _require_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(ids):
        if value in seen:
            raise ValueError(f"{index}.id: duplicate {what} id {value!r}; ids must be unique")
        seen.add(value)


def slugify(text: str) -> str:
    """Turn a title into a scenario id: 'Acute MI (STEMI)' -> 'acute-mi-stemi'."""
    slug = re.sub(r"[^a-z0-9]+", "-", normalize(text)).strip("-")
    return slug or "scenario"
