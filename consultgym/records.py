"""The record of a consultation: what runs write (one `Episode` per JSON line) and what the app replays.

The guardian's `Verdict` and the judge's `Judgement` are defined here because they are part of the record; the
agents produce them, the runner writes them, the report and the app read them. No API key is ever stored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from consultgym.config import RECORD_SCHEMA_VERSION

Share = Annotated[float, Field(ge=0.0, le=1.0)]  # coverage: a share of the rubric's weight
Count = Annotated[int, Field(ge=0)]


class _Record(BaseModel):
    # NaN and infinity are refused everywhere: a record read back must summarise to the numbers that were written.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class IssueKind(StrEnum):
    unsupported = "unsupported"  # a clinical detail no fact supports
    contradicts = "contradicts"  # contradicts a fact (e.g. a flipped negation)
    leak = "leak"  # names the diagnosis, a synonym or the rubric
    non_answer = "non_answer"  # does not answer the question: loops, or repeats an earlier reply to another question
    role_break = "role_break"  # speaks as the doctor or an assistant, not as the patient


class GuardianIssue(_Record):
    kind: IssueKind = Field(description="unsupported, contradicts, leak, non_answer or role_break.")
    text: str = Field(description="The offending span of the reply.")
    start: int = Field(default=-1, description="Character offset of the span in the reply (-1 when unknown).")
    detail: str = Field(default="", description="Why it was flagged, e.g. the fact it contradicts.")
    facts: list[str] = Field(default_factory=list, description="Ids of facts that bear on the span.")


class Verdict(_Record):
    ok: bool = Field(description="True when the reply has no issues.")
    issues: list[GuardianIssue] = Field(default_factory=list, description="What is wrong with the reply.")
    source: str = Field(default="offline", description="Which guardian decided: offline, llm, tiered:offline, ...")
    error: str = Field(default="", description="Why an LLM guardian call failed, when it did (then offline decided).")


class Usage(_Record):
    calls: Count = 0
    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    latency_s: float = Field(default=0.0, ge=0.0)
    errors: Count = 0
    cache_hits: Count = 0
    failures: dict[str, Count] = Field(
        default_factory=dict, description="Failed attempts by kind (timeout, reply cut at max_tokens, ...)."
    )

    def add(self, other: Usage) -> Usage:
        return self._combine(other, 1)

    def add_call(self, latency_s: float, prompt_tokens: int, completion_tokens: int, failure: str = "") -> Usage:
        """This usage plus one call (failed with `failure`, when given): ``add(Usage(calls=1, ...))`` in one step,
        one object built instead of two (every LLM attempt counts here)."""
        failures: dict[str, int] = {}
        if self.failures or failure:
            merged = dict(self.failures)
            if failure:
                merged[failure] = merged.get(failure, 0) + 1
            failures = {kind: count for kind, count in sorted(merged.items()) if count}
        return Usage(
            calls=self.calls + 1,
            prompt_tokens=self.prompt_tokens + prompt_tokens,
            completion_tokens=self.completion_tokens + completion_tokens,
            latency_s=self.latency_s + latency_s,
            errors=self.errors + (1 if failure else 0),
            cache_hits=self.cache_hits,
            failures=failures,
        )

    def minus(self, other: Usage) -> Usage:
        """What was used since `other` was taken (`other` is an earlier state of the same counter)."""
        return self._combine(other, -1)

    def _combine(self, other: Usage, sign: int) -> Usage:
        # Spelled out, not a loop over the fields: every LLM attempt adds one Usage to its role's (the hot path).
        failures: dict[str, int] = {}
        if self.failures or other.failures:
            merged = dict(self.failures)
            for kind, count in other.failures.items():
                merged[kind] = merged.get(kind, 0) + sign * count
            failures = {kind: count for kind, count in sorted(merged.items()) if count}
        return Usage(
            calls=self.calls + sign * other.calls,
            prompt_tokens=self.prompt_tokens + sign * other.prompt_tokens,
            completion_tokens=self.completion_tokens + sign * other.completion_tokens,
            latency_s=self.latency_s + sign * other.latency_s,
            errors=self.errors + sign * other.errors,
            cache_hits=self.cache_hits + sign * other.cache_hits,
            failures=failures,
        )


class ItemResult(_Record):
    # Frozen: the judge hands every episode the same record for an item nobody covered (a case may have hundreds).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str = Field(description="Rubric item id.")
    covered: bool = Field(description="Whether a doctor turn covered the item.")
    turn: int | None = Field(default=None, ge=0, description="Index of the doctor turn that covered it first.")
    evidence: str = Field(default="", description="The doctor's words that covered it.")
    weight: float = Field(default=1.0, gt=0.0, description="Priority weight of the item.")
    scored: bool = Field(default=True, description="False when the judge could not grade this item.")


class Judgement(_Record):
    items: list[ItemResult] = Field(default_factory=list)
    coverage: Share = Field(default=0.0, description="Weighted share of must-ask items covered, 0..1.")
    curve: list[Share] = Field(default_factory=list, description="Weighted coverage after each doctor turn.")
    diagnosis_given: str | None = Field(default=None, description="The diagnosis the doctor gave, if any.")
    diagnosis_expected: str = Field(default="", description="The scenario's diagnosis.")
    diagnosis_correct: bool = Field(default=False)
    tests_ordered: list[str] = Field(
        default_factory=list, description="Every EXAMINE:/TEST: request in order, e.g. 'TEST: ECG' (for test costs)."
    )
    diagnosis_offline_match: bool | None = Field(default=None, description="The offline match, beside an LLM verdict.")
    reward: float = Field(default=0.0, description="The episode's reward from this judgement.")
    judge: str = Field(default="offline", description="Which judge produced it.")
    scored: bool = Field(default=True, description="False when the judge failed; excluded from means, counted.")
    error: str = Field(default="")

    def as_json(self) -> dict[str, Any]:
        """The same as ``model_dump(mode="json")``, built faster for a case with hundreds of items.

        An item result's fields are JSON values already (str, bool, int, float, None), so a copy of them is its JSON
        form, at a tenth of the serializer's cost per item; the session builds this at every episode's end.
        """
        data = self.model_dump(mode="json", exclude={"items"})
        return {"items": list(map(dict.copy, map(vars, self.items))), **data}


class Turn(_Record):
    index: Count = Field(description="0-based index of the doctor turn.")
    doctor: str = Field(description="The doctor's text as received (after truncation).")
    kind: str = Field(description="ask, examine, test, diagnose or end.")
    drafts: list[str] = Field(default_factory=list, description="Every patient draft, the rejected ones first.")
    verdicts: list[Verdict] = Field(default_factory=list, description="The guardian's verdict on each draft.")
    reply: str = Field(default="", description="What the patient said (the observation).")
    fallback: bool = Field(default=False, description="True when the reply was built only from facts.")
    fallback_issue: bool = Field(
        default=False,
        description="True when the fact-only fallback itself failed the guardian's check, so the patient said the "
        "neutral line instead (revealing nothing).",
    )
    facts_revealed: list[str] = Field(default_factory=list, description="Ids of facts revealed by this turn.")
    coverage: Share = Field(default=0.0, description="Offline weighted coverage after this turn.")
    usage: dict[str, Usage] = Field(default_factory=dict, description="LLM usage by role during this turn.")

    @property
    def flagged(self) -> bool:
        """The first draft had issues."""
        return bool(self.verdicts) and not self.verdicts[0].ok

    @property
    def emitted_with_issues(self) -> bool:
        """The emitted reply had issues: the last verdict (on the last draft or on the fact-only fallback) rejected
        it, and it was not replaced by the neutral line."""
        return bool(self.verdicts) and not self.verdicts[-1].ok and not self.fallback_issue


class Episode(_Record):
    schema_version: int = Field(default=RECORD_SCHEMA_VERSION)
    run_id: str = Field(default="", description="Name of the run.")
    index: Count = Field(description="Episode index within the run.")
    scenario_id: str
    seed: Count
    env_id: str = Field(default="consultgym/Consultation-v0")
    config: dict[str, Any] = Field(default_factory=dict, description="Doctor/patient/guardian/judge settings, no keys.")
    opening: str = Field(default="")
    turns: list[Turn] = Field(default_factory=list)
    judgement: Judgement | None = None
    terminated: bool = False
    truncated: bool = False
    usage: dict[str, Usage] = Field(default_factory=dict, description="LLM usage by role over the episode.")
    duration_s: float = Field(default=0.0, ge=0.0)
    error: str = Field(default="", description="Why the episode failed; empty when it completed.")

    @property
    def key(self) -> tuple[int, str, int]:
        """Identifies an episode within a run: resuming skips the keys already finished."""
        return (self.index, self.scenario_id, self.seed)

    @property
    def ok(self) -> bool:
        return not self.error and self.judgement is not None


class RunManifest(_Record):
    """Written beside a run file (`<out>.manifest.json`): a rerun must match it to resume into the same file."""

    schema_version: int = Field(default=RECORD_SCHEMA_VERSION)
    run_id: str
    scenarios: list[str] = Field(description="Scenario ids in the run's seeded order.")
    seed: int
    env_id: str
    config: dict[str, Any] = Field(default_factory=dict, description="Role settings (never API keys).")
