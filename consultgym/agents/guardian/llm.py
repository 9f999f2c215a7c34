"""`LLMGuardian`: a chat model labels every sentence of a patient reply against the scenario's facts.

Labels: supported, unsupported, contradicts, leak (the reply names or hints at the diagnosis). Every label but
supported becomes a `GuardianIssue` located in the reply; a label on a sentence the reply does not contain (a model
that labels words of its own) is ignored. The verdict's source is ``llm``. The reply's schema is length-bounded (one
label per sentence of the reply plus one, at most MAX_SENTENCES; short reasons), so a small model under a grammar
closes its JSON instead of looping to the token cap (measured with SmolLM2-135M: up to 593 tokens for a two-sentence
reply while 12 labels were allowed).

Never weaker than offline: the offline check's issues (leaks, contradictions, unsupported terms, numbers and codes,
role breaks and non-answers) are added to the model's, so a fooled model lets through at most what the offline
guardian would.

``tiered=True`` runs the offline check first: when it flags issues they stand, without a call (``tiered:offline``).
When it passes, the pass stands (``tiered:offline-grounded``) unless the doctor's question or the reply gives a
reason to look closer (`consultgym.agents.guardian.escalation`: a coded or multiple-choice question, an illness
named, words the scenario lacks); then the model decides (``tiered:llm``).

Fail closed: when the call fails, times out or its reply does not validate (after the backend's bounded retries), the
verdict is never a pass by default. The error goes into `Verdict.error`, the offline check decides, and the source
says so (``llm-failed:offline``, or ``tiered:llm-failed:offline``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from consultgym.agents.base import GuardianAgent, PatientContext
from consultgym.agents.guardian.conduct import sentences
from consultgym.agents.guardian.escalation import escalation
from consultgym.agents.guardian.offline import OfflineGuardian, distinct
from consultgym.agents.llm import LLMParticipant, Message, render_prompt
from consultgym.agents.structured import bounded_list, bounded_text, with_max_items
from consultgym.config import LLMSettings
from consultgym.errors import BackendError
from consultgym.records import GuardianIssue, IssueKind, Verdict
from consultgym.scenarios.schema import Scenario

MAX_SENTENCES = 12
MAX_SENTENCE_CHARS = 240


class SentenceLabel(BaseModel):
    """The guardian model's label for one sentence of the reply."""

    model_config = ConfigDict(extra="forbid")

    sentence: str = bounded_text("The sentence, copied from the reply.", MAX_SENTENCE_CHARS)
    label: Literal["supported", "unsupported", "contradicts", "leak"] = Field(description="The sentence's label.")
    reason: str = bounded_text("Why, in a few words.", 80)
    facts: list[str] = bounded_list("Ids of the facts that bear on the sentence.", 3, 64)


class GuardianReport(BaseModel):
    """The structured reply of the guardian model: one label per sentence."""

    model_config = ConfigDict(extra="forbid")

    sentences: list[SentenceLabel] = bounded_list("Every sentence of the reply, in order.", MAX_SENTENCES)


def report_schema(reply: str) -> type[GuardianReport]:
    """`GuardianReport` allowing one label per sentence of `reply`, plus one, and at most MAX_SENTENCES."""
    return with_max_items(GuardianReport, "sentences", min(MAX_SENTENCES, len(sentences(reply)) + 1))


def guardian_messages(reply: str, ctx: PatientContext) -> list[Message]:
    scenario = ctx.scenario
    patient = scenario.patient
    content = render_prompt(
        "guardian",
        age=patient.age,
        sex=patient.sex,
        persona=patient.persona,
        opening=scenario.opening,
        facts="\n".join(f"- {f.id}: {f.text}" + ("" if f.present else " (a denial)") for f in scenario.facts),
        diagnosis=" / ".join(scenario.diagnosis.names)
        + (f" (ICD-10 {scenario.diagnosis.icd10})" if scenario.diagnosis.icd10 else ""),
        question=ctx.action.text,
        reply=reply,
    )
    return [{"role": "user", "content": content}]


def report_to_issues(report: GuardianReport, reply: str, scenario: Scenario) -> list[GuardianIssue]:
    """Every sentence not labelled supported and found in the reply, as an issue quoting the reply's own words.

    A sentence the reply does not contain is ignored: acting on it would revise a reply for words it never said.
    """
    issues = []
    for item in report.sentences:
        span = locate(item.sentence, reply)
        if item.label == "supported" or span is None:
            continue
        start, end = span
        issues.append(
            GuardianIssue(
                kind=IssueKind(item.label),
                text=reply[start:end],
                start=start,
                detail=item.reason,
                facts=[fact_id for fact_id in item.facts if fact_id in scenario.fact_index],
            )
        )
    return issues


def locate(sentence: str, reply: str) -> tuple[int, int] | None:
    """Where `sentence` occurs in `reply` (with the reply's end punctuation), ignoring case, spacing, quotes and
    punctuation; None when it does not.

    >>> locate("i have  a COUGH", "Well, I have a cough. No fever.")
    (6, 21)
    """
    words = re.findall(r"\w+", sentence)
    if not words:
        return None
    pattern = r"\W+".join(re.escape(word) for word in words)
    match = re.search(rf"(?<!\w){pattern}(?!\w)", reply, re.IGNORECASE)
    if not match:
        return None
    end = match.end()
    while end < len(reply) and reply[end] in ".!?":
        end += 1
    return match.start(), end


def with_floor(model_issues: list[GuardianIssue], offline_issues: list[GuardianIssue]) -> list[GuardianIssue]:
    """The model's issues plus every offline issue they do not already cover (the same clause, flagged as a leak when
    the offline one is).

    The offline check is the floor: a name match, a contradiction, an unsupported term, number or code costs nothing
    to find, so a model that missed it, or was talked out of it by the reply itself, must not let it through.
    """

    def covered(issue: GuardianIssue) -> bool:
        return any(
            issue.text in other.text and (issue.kind != IssueKind.leak or other.kind == IssueKind.leak)
            for other in model_issues
            if other.text
        )

    return model_issues + [issue for issue in offline_issues if not covered(issue)]


class LLMGuardian(LLMParticipant, GuardianAgent):
    """A chat model as the guardian, optionally behind the offline check (``tiered``). Fails closed.

    Args:
        settings: how to reach the model.
        tiered: run the offline check first and ask the model only about replies it passes.
    """

    def __init__(self, settings: LLMSettings, tiered: bool = False) -> None:
        super().__init__(name="tiered" if tiered else "llm")
        self.tiered = tiered
        self.offline_guardian = OfflineGuardian()
        self.connect(settings, "guardian")

    async def check(self, reply: str, ctx: PatientContext) -> Verdict:
        prefix = "tiered:" if self.tiered else ""
        offline = self.offline_guardian.verdict(reply, ctx.scenario, ctx)
        if self.tiered:
            if not offline.ok:
                return offline.model_copy(update={"source": "tiered:offline"})
            if escalation(reply, ctx) is None:
                return offline.model_copy(update={"source": "tiered:offline-grounded"})
        try:
            report = await self.backend.parse(guardian_messages(reply, ctx), report_schema(reply))
            if reply.strip() and not report.sentences:
                raise BackendError(f"{self.backend.where()}: the model labelled no sentence of a non-empty reply")
        except BackendError as exc:
            return offline.model_copy(update={"source": f"{prefix}llm-failed:offline", "error": str(exc)})
        issues = with_floor(report_to_issues(report, reply, ctx.scenario), offline.issues)
        return Verdict(ok=not issues, issues=distinct(issues), source=f"{prefix}llm")

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "tiered": self.tiered}
