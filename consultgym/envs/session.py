"""`ConsultationSession`: the async core of one consultation, with no Gymnasium import.

A session holds a scenario library and the roles (patient, guardian, judge). `areset` picks a scenario and returns
the patient's opening words; each `astep` takes the doctor's text, runs the patient-turn loop, and returns what the
patient said; the last step returns the judge's reward. Hidden facts, the rubric and the diagnosis never appear in an
observation, and in `info` only once the episode has ended.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from consultgym.actions import DoctorAction, parse_action
from consultgym.agents.base import (
    Exchange,
    GuardianAgent,
    JudgeAgent,
    Participant,
    PatientAgent,
    PatientContext,
)
from consultgym.agents.guardian.leaks import names_diagnosis
from consultgym.agents.patient.turn import PatientTurn, TurnResult
from consultgym.config import DEFAULT_MAX_REVISIONS, DEFAULT_QUESTIONS_PER_TURN
from consultgym.errors import ActionError, ScenarioError
from consultgym.records import Episode, GuardianIssue, IssueKind, Judgement, Turn, Usage
from consultgym.scenarios.schema import Scenario

ENDED = "The consultation has ended."


@dataclass
class StepResult:
    observation: str
    reward: float
    terminated: bool
    truncated: bool
    info: dict[str, Any] = field(default_factory=dict)


class ConsultationSession:
    """One consultation at a time over a scenario library.

    Args:
        scenarios: the library; `areset` picks by id or, without one, by seed.
        patient, guardian, judge: the roles.
        max_revisions: guardian-driven revisions before the fact-only fallback.
        questions_per_turn: questions answered and credited per doctor turn.
        max_turns: overrides each scenario's turn limit.
        loop: how each patient turn is driven: ``direct`` (default) or ``graph`` (LangGraph); same transcripts.
        partial_credit: an episode cut short (the turn limit, `acut_short`) is judged as if the doctor had said
            ``END INQUIRY`` with no diagnosis, and earns that reward; False makes it earn 0.0 (the judgement is
            still recorded).
    """

    def __init__(
        self,
        scenarios: Sequence[Scenario],
        patient: PatientAgent,
        guardian: GuardianAgent,
        judge: JudgeAgent,
        *,
        max_revisions: int = DEFAULT_MAX_REVISIONS,
        questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
        max_turns: int | None = None,
        loop: str = "direct",
        partial_credit: bool = True,
    ) -> None:
        if not scenarios:
            raise ScenarioError("a consultation session needs at least one scenario")
        self.scenarios = {s.id: s for s in scenarios}
        self.scenario_ids = list(self.scenarios)
        self.patient, self.guardian, self.judge = patient, guardian, judge
        self.turn_loop = PatientTurn(patient, guardian, max_revisions, questions_per_turn, loop)
        self.questions_per_turn = questions_per_turn
        self.max_turns = max_turns
        self.partial_credit = partial_credit
        self.scenario: Scenario | None = None
        self.seed = 0
        self.turns: list[Turn] = []
        self.judgement: Judgement | None = None
        self.terminated = self.truncated = False
        self._covered: set[str] = set()
        self._gained = 0.0
        # Kept as the turns are played, so that a turn costs the same however many came before it.
        self._exchanges: list[Exchange] = []
        self._revealed_ids: frozenset[str] = frozenset()

    @property
    def offline(self) -> bool:
        """Every role is offline (no LLM call)."""
        return all(role.offline for role in self.roles.values())

    @property
    def synchronous(self) -> bool:
        """Nothing awaits real I/O, so `run_sync` can drive `areset`/`astep`: offline roles and the direct loop.

        (LangGraph hands steps to a thread pool, so the ``graph`` loop needs an event loop even offline.)
        """
        return self.offline and self.turn_loop.loop == "direct"

    @property
    def roles(self) -> dict[str, Participant]:
        return {"patient": self.patient, "guardian": self.guardian, "judge": self.judge}

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    @property
    def turn_limit(self) -> int:
        assert self.scenario is not None
        return self.max_turns or self.scenario.turn_limit

    def pick_scenario(self, scenario: str | Scenario | None, seed: int) -> Scenario:
        if isinstance(scenario, Scenario):
            return scenario
        if scenario is None:
            return self.scenarios[self.scenario_ids[random.Random(seed).randrange(len(self.scenario_ids))]]
        if scenario not in self.scenarios:
            raise ScenarioError(
                f"unknown scenario id {scenario!r}; {len(self.scenarios)} loaded, e.g. {self.scenario_ids[:3]}"
            )
        return self.scenarios[scenario]

    async def areset(self, scenario: str | Scenario | None = None, seed: int = 0) -> tuple[str, dict[str, Any]]:
        """Start a consultation; returns the patient's opening words and an info dict without hidden data."""
        self.scenario = self.pick_scenario(scenario, seed)
        self.seed = seed
        self.turns, self.judgement = [], None
        self._exchanges, self._revealed_ids = [], frozenset()
        self.terminated = self.truncated = False
        self._covered, self._gained = set(), 0.0
        return self.scenario.opening, {
            "scenario_id": self.scenario.id,
            "turn": 0,
            "max_turns": self.turn_limit,
        }

    async def astep(self, doctor_text: object) -> StepResult:
        """Play one doctor turn. Raises ActionError when the action is not text or the episode is over."""
        if self.scenario is None or self.done:
            raise ActionError("the consultation is over or was never started; call reset() first")
        action = parse_action(doctor_text)
        index = len(self.turns)
        usage_before = self._usage_snapshot()
        if action.ends_episode:
            result = TurnResult(reply=ENDED)
            revealed: list[str] = []
        else:
            ctx = PatientContext(self.scenario, action, self._history(), index, self.seed, self._revealed())
            result = await self.turn_loop.run(ctx)
            revealed = [] if result.fallback_issue else self.patient.revealed(ctx)
        turn = self._record_turn(index, action, result, revealed, usage_before)
        self.terminated = action.ends_episode
        self.truncated = not self.terminated and len(self.turns) >= self.turn_limit
        info = self._step_info(turn, action, result)
        reward = await self._judge(action.diagnosis, info) if self.done else 0.0
        return StepResult(turn.reply, reward, self.terminated, self.truncated, info)

    async def acut_short(self) -> StepResult:
        """End an unfinished episode from outside (a token budget, an iteration cap, a trainer's turn limit).

        It is judged as if the doctor had said ``END INQUIRY``: the coverage so far, no diagnosis. The reward is that
        judgement's (0.0 with ``partial_credit=False``); the result is truncated, with the judgement in `info`.

        Raises:
            ActionError: the episode already ended or never started.
        """
        if self.scenario is None or self.done:
            raise ActionError("the consultation is over or was never started; nothing to cut short")
        self.truncated = True
        info: dict[str, Any] = {"turn": len(self.turns), "cut_short": True}
        reward = await self._judge(None, info)
        return StepResult(ENDED, reward, False, True, info)

    async def _judge(self, diagnosis: str | None, info: dict[str, Any]) -> float:
        """Judge the ended episode; its usage counts to the last turn. Returns the reward it earns."""
        assert self.scenario is not None
        before_judge = self._usage_snapshot()
        self.judgement = await self.judge.judge(self.scenario, [t.doctor for t in self.turns], diagnosis)
        if self.turns:
            self.turns[-1].usage.update(self._usage_delta(before_judge))
        info["judgement"] = self.judgement.as_json()
        if not self.judgement.scored or (self.truncated and not self.partial_credit):
            return 0.0
        return self.judgement.reward

    def _history(self) -> tuple[Exchange, ...]:
        return tuple(self._exchanges)

    def _revealed(self) -> frozenset[str]:
        return self._revealed_ids

    def _record_turn(
        self,
        index: int,
        action: DoctorAction,
        result: TurnResult,
        revealed: list[str],
        usage_before: dict[str, Usage],
    ) -> Turn:
        assert self.scenario is not None
        weights = self.scenario.item_weights
        for item_id in self.judge.items_covered(self.scenario, action, self._covered):
            if item_id in weights and item_id not in self._covered:
                self._covered.add(item_id)
                self._gained += weights[item_id]
        turn = Turn(
            index=index,
            doctor=action.text,
            kind=action.kind.value,
            drafts=result.drafts,
            verdicts=result.verdicts,
            reply=result.reply,
            fallback=result.fallback,
            fallback_issue=result.fallback_issue,
            facts_revealed=revealed,
            coverage=round(self._gained / self.scenario.total_weight, 6),
            usage=self._usage_delta(usage_before),
        )
        self.turns.append(turn)
        self._exchanges.append(Exchange(turn.doctor, turn.reply))
        if revealed:
            self._revealed_ids = self._revealed_ids.union(revealed)
        return turn

    def _step_info(self, turn: Turn, action: DoctorAction, result: TurnResult) -> dict[str, Any]:
        verdict = result.verdicts[-1] if result.verdicts else None
        issues = [
            # A leaked diagnosis must not reach the policy through info: a leak's span is redacted, and so is any
            # other issue's span that names it (an 'unsupported' clause is often the very sentence that leaked).
            {"kind": i.kind.value, "text": "[redacted]" if self._names_diagnosis(i) else i.text}
            for v in result.verdicts
            for i in v.issues
        ]
        return {
            "turn": turn.index + 1,
            "action": action.kind.value,
            "action_truncated": action.truncated,
            "guardian": {
                "flagged": turn.flagged,
                "attempts": result.attempts,
                "issues": issues,
                "source": verdict.source if verdict else "none",
                "fallback": result.fallback,
                "fallback_issue": result.fallback_issue,
            },
        }

    def _names_diagnosis(self, issue: GuardianIssue) -> bool:
        assert self.scenario is not None
        return issue.kind == IssueKind.leak or names_diagnosis(issue.text, self.scenario)

    def _usage_snapshot(self) -> dict[str, Usage]:
        return {name: role.usage for name, role in self.roles.items()}

    def _usage_delta(self, before: dict[str, Usage]) -> dict[str, Usage]:
        delta = {}
        for name, role in self.roles.items():
            if role.usage is not before[name]:
                old, new = before[name], role.usage
                delta[name] = new.minus(old)
        return delta

    def messages(self) -> list[dict[str, str]]:
        """The dialogue in OpenAI chat format from the doctor's side: patient = user, doctor = assistant."""
        if self.scenario is None:
            return []
        messages = [{"role": "user", "content": self.scenario.opening}]
        for turn in self.turns:
            messages.append({"role": "assistant", "content": turn.doctor})
            if turn.reply != ENDED:
                messages.append({"role": "user", "content": turn.reply})
        return messages

    def transcript(self) -> list[Turn]:
        return list(self.turns)

    def render_text(self) -> str:
        """The transcript as plain text (the env's ``ansi`` render)."""
        if self.scenario is None:
            return ""
        lines = [f"[{self.scenario.title}]", f"PATIENT: {self.scenario.opening}"]
        for turn in self.turns:
            lines.append(f"DOCTOR: {turn.doctor}")
            if turn.reply != ENDED:
                lines.append(f"PATIENT: {turn.reply}")
        if self.judgement is not None:
            lines.append(
                f"[coverage {self.judgement.coverage:.2f}, diagnosis correct: {self.judgement.diagnosis_correct}]"
            )
        return "\n".join(lines) + "\n"

    def to_episode(
        self, index: int = 0, run_id: str = "", env_id: str = "", config: dict[str, Any] | None = None
    ) -> Episode:
        """The finished (or interrupted) consultation as a run record."""
        assert self.scenario is not None
        usage: dict[str, Usage] = {}
        for turn in self.turns:
            for role, u in turn.usage.items():
                usage[role] = usage.get(role, Usage()).add(u)
        return Episode(
            run_id=run_id,
            index=index,
            scenario_id=self.scenario.id,
            seed=self.seed,
            env_id=env_id or "consultgym/Consultation-v0",
            config=config or {name: role.describe() for name, role in self.roles.items()},
            opening=self.scenario.opening,
            turns=self.turns,
            judgement=self.judgement,
            terminated=self.terminated,
            truncated=self.truncated,
            usage=usage,
        )
