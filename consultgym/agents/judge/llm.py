"""`LLMJudge` grades a whole consultation in one structured call; `PanelJudge` combines several judges by vote.

The LLM judge asks for every must-ask item at once: covered or not, the first doctor turn that covers it, and a
verbatim quote of the doctor's words from that turn. The quote is checked against that turn (whitespace and case
normalised): a quote that is not there is rejected and the item is not covered, so a judge that invents evidence
cannot raise coverage. As in the offline judge, one turn credits at most ``questions_per_turn`` items. The diagnosis
is judged by the model; the offline `diagnosis_matches` is kept beside it in ``diagnosis_offline_match``. Coverage,
curve and reward use the weights of the offline `RubricJudge` it wraps.

A call that still fails after the backend's bounded retries yields ``Judgement(scored=False, error=...)`` with every
item unscored: it is kept and counted, but excluded from means (and the env's reward is 0 for it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence, Set
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from consultgym.actions import DoctorAction
from consultgym.agents.base import JudgeAgent
from consultgym.agents.judge.offline import RubricJudge, assemble, diagnosis_matches, tests_ordered
from consultgym.agents.llm import LLMParticipant, Message, render_prompt
from consultgym.agents.structured import bounded_list, bounded_text
from consultgym.config import LLMSettings
from consultgym.errors import BackendError, ConfigError
from consultgym.records import ItemResult, Judgement
from consultgym.scenarios.schema import Scenario

Vote = Literal["majority", "unanimous", "any"]
VOTES: tuple[str, ...] = ("majority", "unanimous", "any")
MIN_QUOTE_CHARS = 3  # an empty or one-letter "quote" occurs in every turn; it is no evidence


class ItemGrade(BaseModel):
    """The judge model's grade for one must-ask item."""

    model_config = ConfigDict(extra="forbid")

    id: str = bounded_text("The checklist item id.", 64)
    covered: bool = Field(description="Whether a doctor turn covered the item.")
    turn: int | None = Field(description="Number (from 1) of the first turn that covers it; null when not covered.")
    quote: str = bounded_text("The doctor's exact words from that turn that cover it; empty when not covered.", 160)


class DiagnosisGrade(BaseModel):
    """The judge model's verdict on the doctor's diagnosis."""

    model_config = ConfigDict(extra="forbid")

    correct: bool = Field(description="Whether the doctor's diagnosis names the expected condition.")
    reason: str = bounded_text("Why, in a few words.", 120)


class JudgeReport(BaseModel):
    """The structured reply of the judge model. Each call bounds ``items`` by the scenario's must-ask count."""

    model_config = ConfigDict(extra="forbid")

    items: list[ItemGrade] = bounded_list("One grade per checklist item.", 64)
    diagnosis: DiagnosisGrade = Field(description="The verdict on the diagnosis.")


def report_schema(scenario: Scenario) -> type[JudgeReport]:
    """`JudgeReport` for `scenario`: at most one grade per must-ask item, and each grade's id one of the items' ids.

    Both bounds are for the server's grammar (a small model listed eight grades with ids "1" to "8", which match no
    item); validation stays lenient, and `judgement_from_report` ignores ids it does not know.
    """
    return _report_schema(tuple(item.id for item in scenario.must_ask))


@cache
def _report_schema(ids: tuple[str, ...]) -> type[JudgeReport]:
    id_field = Field(description="The checklist item id.", json_schema_extra={"enum": list(ids)})
    grade = create_model("ItemGrade", __base__=ItemGrade, __doc__=ItemGrade.__doc__, id=(str, id_field))
    items = (list[grade], bounded_list("One grade per checklist item.", max(1, len(ids))))  # type: ignore[valid-type]
    return create_model("JudgeReport", __base__=JudgeReport, __doc__=JudgeReport.__doc__, items=items)


def normalise_quote(text: str) -> str:
    """Lowercase, straight quotes, single spaces: how a quote is compared with the doctor's turn."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.lower().split()).strip(" \"'")


def quote_in_turn(quote: str, turn: str) -> bool:
    """Whether a judge's quote occurs in the doctor's turn (normalised), and is long enough to be evidence."""
    needle = normalise_quote(quote)
    return len(needle) >= MIN_QUOTE_CHARS and needle in normalise_quote(turn)


def judge_messages(scenario: Scenario, doctor_turns: Sequence[str], diagnosis: str | None, limit: int) -> list[Message]:
    items = []
    for item in scenario.must_ask:
        examples = "; ".join(f'"{e}"' for e in item.examples)
        items.append(f"- {item.id}: {item.ask}" + (f" (e.g. {examples})" if examples else ""))
    turns = [f"Turn {i}: " + text.replace("\n", "\n    ") for i, text in enumerate(doctor_turns, start=1)]
    content = render_prompt(
        "judge",
        items="\n".join(items),
        turns="\n".join(turns) or "(the doctor said nothing)",
        questions_per_turn=limit,
        expected=scenario.diagnosis.name,
        synonyms=", ".join(scenario.diagnosis.synonyms) or "none",
        given=diagnosis if diagnosis and diagnosis.strip() else "(none given)",
    )
    return [{"role": "user", "content": content}]


def judgement_from_report(
    report: JudgeReport,
    scenario: Scenario,
    doctor_turns: Sequence[str],
    diagnosis: str | None,
    offline: RubricJudge,
    judge: str,
) -> Judgement:
    """Check the report's evidence and score it with the offline judge's weights. Pure."""
    grades: dict[str, ItemGrade] = {}
    for grade in report.items:
        grades.setdefault(grade.id, grade)  # the first grade of an item counts; repeats cannot add credit
    claims = []
    for order, item in enumerate(scenario.must_ask):
        graded = grades.get(item.id)
        if graded is None or not graded.covered or graded.turn is None:
            continue
        index = graded.turn - 1
        if 0 <= index < len(doctor_turns) and quote_in_turn(graded.quote, doctor_turns[index]):
            claims.append((index, order, item.id, graded.quote))
    credited: dict[str, tuple[int, str]] = {}
    per_turn: dict[int, int] = {}
    for index, _, item_id, quote in sorted(claims):
        if per_turn.get(index, 0) < offline.questions_per_turn:
            per_turn[index] = per_turn.get(index, 0) + 1
            credited[item_id] = (index, quote)
    items = [
        ItemResult(
            id=item.id,
            covered=item.id in credited,
            turn=credited.get(item.id, (None, ""))[0],
            evidence=credited.get(item.id, (None, ""))[1],
            weight=item.priority.weight,
            scored=item.id in grades,
        )
        for item in scenario.must_ask
    ]
    correct = bool(diagnosis and diagnosis.strip()) and report.diagnosis.correct
    return _scored(items, scenario, doctor_turns, diagnosis, correct, offline, judge)


def _scored(
    items: list[ItemResult],
    scenario: Scenario,
    doctor_turns: Sequence[str],
    diagnosis: str | None,
    correct: bool,
    offline: RubricJudge,
    judge: str,
    error: str = "",
) -> Judgement:
    """Coverage, curve and reward from item results, with the offline judge's weights."""
    judgement = assemble(
        scenario,
        items,
        len(doctor_turns),
        diagnosis,
        correct,
        offline.coverage_weight,
        offline.diagnosis_weight,
        judge,
        tests=tests_ordered(doctor_turns),
    )
    update = {"diagnosis_offline_match": diagnosis_matches(scenario, diagnosis), "error": error}
    return judgement.model_copy(update=update)


def unscored(scenario: Scenario, diagnosis: str | None, judge: str, error: str) -> Judgement:
    """The judgement of a judge that failed: kept and counted, excluded from means."""
    return Judgement(
        items=[ItemResult(id=i.id, covered=False, weight=i.priority.weight, scored=False) for i in scenario.must_ask],
        diagnosis_given=diagnosis,
        diagnosis_expected=scenario.diagnosis.name,
        diagnosis_offline_match=diagnosis_matches(scenario, diagnosis),
        judge=judge,
        scored=False,
        error=error,
    )


class LLMJudge(LLMParticipant, JudgeAgent):
    """One structured call per episode; quotes are verified; a failed call is unscored, never zero.

    Args:
        settings: how to reach the model.
        offline: the offline judge whose questions_per_turn, coverage_weight and diagnosis_weight apply.
    """

    def __init__(self, settings: LLMSettings, offline: RubricJudge | None = None) -> None:
        super().__init__(name="llm")
        self.offline_judge = offline or RubricJudge()
        self.connect(settings, "judge")

    @property
    def label(self) -> str:
        return f"llm:{self.backend.settings.model}"

    def items_covered(self, scenario: Scenario, action: DoctorAction, already: Set[str]) -> list[str]:
        """The offline judge's running estimate: the model grades the whole consultation once, at the end."""
        return self.offline_judge.items_covered(scenario, action, already)

    async def judge(self, scenario: Scenario, doctor_turns: list[str], diagnosis: str | None) -> Judgement:
        messages = judge_messages(scenario, doctor_turns, diagnosis, self.offline_judge.questions_per_turn)
        try:
            report = await self.backend.parse(messages, report_schema(scenario))
        except BackendError as exc:
            return unscored(scenario, diagnosis, self.label, str(exc))
        return judgement_from_report(report, scenario, doctor_turns, diagnosis, self.offline_judge, self.label)


def passes(votes: int, voters: int, rule: str) -> bool:
    """Whether `votes` yes-votes out of `voters` carry under the rule (majority is strict: a tie fails)."""
    if voters == 0:
        return False
    if rule == "any":
        return votes >= 1
    if rule == "unanimous":
        return votes == voters
    return 2 * votes > voters


class PanelJudge(JudgeAgent):
    """Several judges (LLM models and/or the offline judge) combined per item and for the diagnosis by vote.

    Only scored judgements vote; when none is scored the panel's judgement is unscored. An item counts as covered at
    the earliest turn by which enough judges have it covered.

    Args:
        judges: the members.
        vote: majority (more than half), unanimous, or any.
        offline: the offline judge whose weights apply.
    """

    def __init__(
        self, judges: Sequence[JudgeAgent], vote: str = "majority", offline: RubricJudge | None = None
    ) -> None:
        if vote not in VOTES:
            raise ConfigError(f"judge_vote={vote!r} is not one of {', '.join(VOTES)}")
        if not judges:
            raise ConfigError("a judge panel needs at least one judge (judge_models=a,b,c)")
        super().__init__(name="panel")
        self.judges = list(judges)
        self.vote = vote
        self.offline_judge = offline or RubricJudge()

    @property
    def offline(self) -> bool:
        return all(judge.offline for judge in self.judges)

    @property
    def label(self) -> str:
        return f"panel:{self.vote}(" + ",".join(_label(j) for j in self.judges) + ")"

    def items_covered(self, scenario: Scenario, action: DoctorAction, already: Set[str]) -> list[str]:
        """The offline judge's running estimate: the members grade the whole consultation once, at the end."""
        return self.offline_judge.items_covered(scenario, action, already)

    def describe(self) -> dict[str, object]:
        return {"kind": "panel", "vote": self.vote, "judges": [j.describe() for j in self.judges]}

    async def judge(self, scenario: Scenario, doctor_turns: list[str], diagnosis: str | None) -> Judgement:
        before = [j.usage for j in self.judges]
        if self.offline:  # no event loop may be running (the env drives offline roles with run_sync)
            results = [await j.judge(scenario, doctor_turns, diagnosis) for j in self.judges]
        else:
            results = await asyncio.gather(*(j.judge(scenario, doctor_turns, diagnosis) for j in self.judges))
        for member, old in zip(self.judges, before, strict=True):
            if member.usage is not old:
                self.usage = self.usage.add(member.usage.minus(old))
        return combine(list(results), self.vote, scenario, doctor_turns, diagnosis, self.offline_judge, self.label)


def combine(
    judgements: list[Judgement],
    vote: str,
    scenario: Scenario,
    doctor_turns: Sequence[str],
    diagnosis: str | None,
    offline: RubricJudge,
    label: str,
) -> Judgement:
    """The panel's judgement from its members' by the voting rule (pure)."""
    failures = "; ".join(f"{j.judge}: {j.error}" for j in judgements if not j.scored)
    scored = [j for j in judgements if j.scored]
    if not scored:
        return unscored(scenario, diagnosis, label, failures or "no judge scored the episode")
    items = [_vote_item(item.id, item.priority.weight, scored, vote) for item in scenario.must_ask]
    correct = passes(sum(j.diagnosis_correct for j in scored), len(scored), vote)
    error = f"{len(judgements) - len(scored)} of {len(judgements)} judges failed: {failures}" if failures else ""
    return _scored(items, scenario, doctor_turns, diagnosis, correct, offline, label, error)


def _vote_item(item_id: str, weight: float, judgements: list[Judgement], vote: str) -> ItemResult:
    results = [r for j in judgements for r in j.items if r.id == item_id and r.scored]
    turns = sorted((r.turn, r.evidence) for r in results if r.covered and r.turn is not None)
    for count, (turn, evidence) in enumerate(turns, start=1):
        if passes(count, len(results), vote):
            return ItemResult(id=item_id, covered=True, turn=turn, evidence=evidence, weight=weight)
    return ItemResult(id=item_id, covered=False, weight=weight, scored=bool(results))


def _label(judge: JudgeAgent) -> str:
    return getattr(judge, "label", judge.name)
