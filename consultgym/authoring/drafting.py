"""Draft a scenario with an LLM, in stages, keeping only drafts that pass validation, lint and the gold check.

Stages, each one structured call: (1) a disease overview, (2) a patient record (persona and opening), (3) the atomic
facts, (4) must-ask candidates linked to those facts. The draft is assembled and checked; when it fails, stages 3
and 4 run again with the reasons in the prompt (reject sampling), up to `attempts` times. Every rejection and its
reasons is reported through `on_reject`, so an author sees why drafts were thrown away.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from consultgym.agents.llm import ChatBackend, render_prompt
from consultgym.agents.structured import bounded_list, bounded_text
from consultgym.authoring.gold import gold_check, lint
from consultgym.config import LLMSettings
from consultgym.errors import ConfigError, ScenarioError
from consultgym.scenarios.loader import parse_scenario
from consultgym.scenarios.schema import Scenario, slugify

DEFAULT_ATTEMPTS = 3
# Lint findings that reject a draft; the rest (e.g. a background fact no item links) are only shown.
REJECTING_LINT = ("links no fact", "no keywords", "gives away", "guardian flags")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DiseaseOverview(_Strict):
    name: str = bounded_text("The diagnosis as a clinician writes it.", 120)
    icd10: str = bounded_text("ICD-10 code, or empty.", 16)
    synonyms: list[str] = bounded_list("Other names and abbreviations.", 8, 80)
    differentials: list[str] = bounded_list("Three to six plausible alternatives.", 8, 80)
    presentation: str = bounded_text("The typical presentation in two or three sentences.", 600)
    key_history: list[str] = bounded_list("History points a good doctor must ask about.", 16, 160)
    exam_findings: list[str] = bounded_list("Typical examination findings.", 12, 160)
    tests: list[str] = bounded_list("Typical test results.", 12, 160)


class PatientRecord(_Strict):
    age: int = Field(description="Age in years.")
    sex: Literal["female", "male"] = Field(description="female or male.")
    persona: str = bounded_text("Who the patient is and how they talk.", 400)
    style: Literal["plain", "terse", "chatty", "anxious", "stoic"] = Field(description="Wording style.")
    opening: str = bounded_text("The patient's first words, lay language, never naming the diagnosis.", 400)
    specialty: str = bounded_text("Clinical area, e.g. cardiology.", 40)


class DraftFact(_Strict):
    id: str = bounded_text("snake_case id.", 48)
    category: Literal[
        "demographics", "hpi", "symptom", "pmh", "medication", "allergy", "family", "social", "ros", "exam", "lab"
    ]
    text: str = bounded_text("The clinical statement.", 300)
    say: str = bounded_text("First-person lay wording (empty for exam and lab facts).", 300)
    present: bool = Field(description="False for a pertinent negative.")
    keywords: list[str] = bounded_list("Words or topic names a question must mention to reveal the fact.", 8, 40)


class DraftFacts(_Strict):
    facts: list[DraftFact] = bounded_list("The case's atomic facts.", 48)


class DraftItem(_Strict):
    id: str = bounded_text("snake_case id.", 48)
    ask: str = bounded_text("What the doctor must find out.", 200)
    priority: Literal["critical", "important", "routine"]
    facts: list[str] = bounded_list("Ids of the facts it elicits.", 8, 48)
    examples: list[str] = bounded_list("Ways to ask it; the first is one natural question, or EXAMINE:/TEST:.", 4, 160)


class DraftItems(_Strict):
    items: list[DraftItem] = bounded_list("The must-ask items.", 32)


@dataclass
class DraftResult:
    """The accepted scenario (None when every attempt was rejected) and the reasons of each rejection."""

    scenario: Scenario | None
    rejections: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lint findings that did not reject the accepted draft


def problems_of(data: dict[str, Any]) -> tuple[Scenario | None, list[str], list[str]]:
    """Validate a drafted scenario: (scenario or None, rejecting problems, other lint notes)."""
    try:
        scenario = parse_scenario(data, "draft")
    except ScenarioError as exc:
        return None, [str(exc).removeprefix("draft: ")], []
    findings = lint(scenario)
    rejecting = [f for f in findings if any(marker in f for marker in REJECTING_LINT)]
    notes = [f for f in findings if f not in rejecting]
    return scenario, [*gold_check(scenario), *rejecting], notes


def assemble(overview: DiseaseOverview, patient: PatientRecord, facts: DraftFacts, items: DraftItems) -> dict[str, Any]:
    """The scenario mapping from the four stages' outputs."""
    return {
        "id": slugify(f"draft {overview.name} {patient.age}{patient.sex[0]}"),
        "title": f"{patient.opening[:60].rstrip()} ({patient.age}{patient.sex[0]})",
        "specialty": patient.specialty or "general",
        "source": {"dataset": "llm-draft", "license": "CC0-1.0", "reference": "drafted by consultgym scenario draft"},
        "patient": {"age": patient.age, "sex": patient.sex, "persona": patient.persona, "style": patient.style},
        "opening": patient.opening,
        "facts": [{k: v for k, v in f.model_dump().items() if v != ""} for f in facts.facts],
        "must_ask": [item.model_dump() for item in items.items],
        "diagnosis": {
            "name": overview.name,
            "icd10": overview.icd10,
            "synonyms": overview.synonyms,
            "differentials": overview.differentials,
        },
    }


class ScenarioDrafter:
    """Runs the drafting stages against one chat model."""

    def __init__(self, settings: LLMSettings) -> None:
        self.backend = ChatBackend(settings, role="drafter")

    async def _ask(self, prompt: str, schema: type[BaseModel], **values: object) -> Any:
        return await self.backend.parse([{"role": "user", "content": render_prompt(prompt, **values)}], schema)

    async def draft(
        self,
        diagnosis: str,
        attempts: int = DEFAULT_ATTEMPTS,
        on_reject: Callable[[int, list[str]], None] = lambda attempt, reasons: None,
    ) -> DraftResult:
        """Draft a scenario for `diagnosis`; see the module docstring.

        Raises:
            consultgym.errors.BackendError: the model could not be reached or kept answering out of schema.
        """
        overview = await self._ask("draft_overview", DiseaseOverview, diagnosis=diagnosis)
        context = json.dumps(overview.model_dump(), indent=1)
        patient = await self._ask("draft_patient", PatientRecord, overview=context)
        result = DraftResult(None)
        feedback = "none"
        for attempt in range(1, attempts + 1):
            record = json.dumps(patient.model_dump(), indent=1)
            facts = await self._ask("draft_facts", DraftFacts, overview=context, patient=record, feedback=feedback)
            items = await self._ask(
                "draft_items",
                DraftItems,
                overview=context,
                facts=json.dumps(facts.model_dump(), indent=1),
                feedback=feedback,
            )
            scenario, problems, notes = problems_of(assemble(overview, patient, facts, items))
            if scenario is not None and not problems:
                result.scenario, result.notes = scenario, notes
                return result
            result.rejections.append(problems)
            on_reject(attempt, problems)
            feedback = "\n".join(f"- {p}" for p in problems)
        return result


async def draft_scenario(
    diagnosis: str,
    settings: LLMSettings,
    attempts: int = DEFAULT_ATTEMPTS,
    on_reject: Callable[[int, list[str]], None] = lambda a, r: None,
) -> DraftResult:
    """Convenience wrapper: draft one scenario with a fresh `ScenarioDrafter`."""
    if attempts < 1:
        raise ConfigError(f"--attempts must be at least 1, got {attempts}")
    return await ScenarioDrafter(settings).draft(diagnosis, attempts, on_reject)
