"""The offline rubric judge: a pure function from (scenario, doctor turns, diagnosis) to a `Judgement`.

Coverage: a doctor turn is cut into units (questions, ``EXAMINE:`` and ``TEST:`` requests); only the first
`questions_per_turn` count, and each covers at most one must-ask item, its best match, and only when the unit is about
that item (`consultgym.agents.judge.items`). A turn holding a shotgun unit (too long, too many topics or tests at once)
covers nothing. An item counts once, at the first turn that covers it.

Diagnosis: one candidate, named, not hedged (`consultgym.agents.judge.diagnosis`).

The session asks `RubricJudge.items_covered` on every turn for the running coverage; the judge keeps those answers
(`CoverageLedger`) and, when the episode it judges is the one it followed, scores from them instead of matching every
turn again: the same judgement for half the work.

The rule, its bounds and worked examples: docs/scoring.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence, Set
from dataclasses import dataclass, field

from consultgym.actions import DoctorAction, parse_action
from consultgym.agents.base import JudgeAgent
from consultgym.agents.judge.diagnosis import is_correct
from consultgym.agents.judge.items import item_covered_by, items_covered_in_turn
from consultgym.config import DEFAULT_COVERAGE_WEIGHT, DEFAULT_DIAGNOSIS_WEIGHT, DEFAULT_QUESTIONS_PER_TURN
from consultgym.records import ItemResult, Judgement
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.schema import Scenario

__all__ = ["RubricJudge", "assemble", "diagnosis_matches", "item_covered_by", "items_covered_in_turn", "score"]


def diagnosis_matches(scenario: Scenario, given: str | None) -> bool:
    """Whether the doctor's answer names the scenario's diagnosis, once, and no other disease."""
    return is_correct(scenario.diagnosis, given)


def tests_ordered(doctor_turns: Sequence[str | DoctorAction]) -> list[str]:
    """Every ``EXAMINE:`` and ``TEST:`` request of the consultation, in order ('TEST: ECG')."""
    ordered = []
    for turn in doctor_turns:
        action = turn if isinstance(turn, DoctorAction) else parse_action(turn)
        ordered += [f"EXAMINE: {what}" for what in action.exams] + [f"TEST: {name}" for name in action.tests]
    return ordered


def score(
    scenario: Scenario,
    doctor_turns: Sequence[str],
    diagnosis: str | None,
    *,
    questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
    coverage_weight: float = DEFAULT_COVERAGE_WEIGHT,
    diagnosis_weight: float = DEFAULT_DIAGNOSIS_WEIGHT,
    followed: CoverageLedger | None = None,
) -> Judgement:
    """Score one consultation. Pure: the same inputs always give the same judgement.

    Args:
        scenario: the case with its must-ask items and diagnosis.
        doctor_turns: the doctor's turns in order (the text as sent).
        diagnosis: the diagnosis the doctor gave, or None.
        questions_per_turn: units per turn that can earn credit.
        coverage_weight: weight of weighted coverage in the reward.
        diagnosis_weight: weight of a correct diagnosis in the reward (0 for history taking only).
        followed: the coverage already found turn by turn, used when it is of exactly these turns (else ignored).
    """
    turns: Sequence[str | DoctorAction]
    if followed is not None and followed.holds(scenario, doctor_turns, questions_per_turn):
        per_turn, turns = followed.found, followed.actions
    else:
        known: set[str] = set()
        per_turn = [items_covered_in_turn(scenario, turn, known, questions_per_turn) for turn in doctor_turns]
        turns = doctor_turns
    # Every item starts as its shared uncovered result; only the covered ones get a record of their own, so a case
    # with hundreds of items costs what the consultation covered.
    items = list(uncovered_results(scenario))
    positions = item_positions(scenario)
    covered_at: list[int] = []
    for index, found in enumerate(per_turn):
        for item_id, evidence in found:
            at = positions[item_id]
            items[at] = ItemResult(id=item_id, covered=True, turn=index, evidence=evidence, weight=items[at].weight)
            covered_at.append(at)
    correct = diagnosis_matches(scenario, diagnosis)
    return assemble(
        scenario,
        items,
        len(doctor_turns),
        diagnosis,
        correct,
        coverage_weight,
        diagnosis_weight,
        "offline",
        tests=tests_ordered(turns),
        covered=[items[at] for at in sorted(set(covered_at))],
    )


def assemble(
    scenario: Scenario,
    items: list[ItemResult],
    n_turns: int,
    diagnosis: str | None,
    correct: bool,
    coverage_weight: float,
    diagnosis_weight: float,
    judge: str,
    tests: list[str] | None = None,
    covered: list[ItemResult] | None = None,
) -> Judgement:
    """A judgement from per-item results: weighted coverage, the coverage curve over `n_turns`, and the reward.

    Shared by every judge, so the arithmetic behind the number everyone quotes lives in one place. `tests` are the
    consultation's ``EXAMINE:``/``TEST:`` requests in order (`tests_ordered`); `covered`, the covered ones among
    `items` in rubric order when the caller knows them (a case may have hundreds of items and an episode cover ten).
    """
    total = scenario.total_weight
    if covered is None:
        covered = [item for item in items if item.covered]
    curve = [round(gained / total, 6) for gained in _gained_by_turn(covered, n_turns)]
    coverage = round(sum(item.weight for item in covered) / total, 6)
    return Judgement(
        items=items,
        coverage=coverage,
        curve=curve,
        diagnosis_given=diagnosis,
        diagnosis_expected=scenario.diagnosis.name,
        diagnosis_correct=correct,
        tests_ordered=tests or [],
        reward=round(coverage_weight * coverage + diagnosis_weight * float(correct), 6),
        judge=judge,
    )


@per_scenario
def uncovered_results(scenario: Scenario) -> tuple[ItemResult, ...]:
    """Each must-ask item's result when nothing covered it, in rubric order."""
    weights = scenario.item_weights
    return tuple(ItemResult(id=item.id, covered=False, weight=weights[item.id]) for item in scenario.must_ask)


@per_scenario
def item_positions(scenario: Scenario) -> dict[str, int]:
    """Each must-ask item's place in the rubric."""
    return {item.id: position for position, item in enumerate(scenario.must_ask)}


def _gained_by_turn(covered: list[ItemResult], n_turns: int) -> list[float]:
    """The weight covered by the end of each turn, from the covered items (one pass, whatever the number of turns)."""
    new = [0.0] * n_turns
    for item in covered:
        if item.turn is not None and item.turn < n_turns:
            new[item.turn] += item.weight
    return list(itertools.accumulate(new))


@dataclass
class CoverageLedger:
    """The items each turn of one episode newly covered, in order, as the session asked for them."""

    scenario: Scenario
    questions_per_turn: int
    running: Set[str]  # the caller's running set of covered ids: one per episode (the session's)
    actions: list[DoctorAction] = field(default_factory=list)
    found: list[list[tuple[str, str]]] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)

    def add(self, action: DoctorAction, found: list[tuple[str, str]]) -> None:
        self.actions.append(action)
        self.found.append(found)
        self.covered.update(item_id for item_id, _ in found)

    def holds(self, scenario: Scenario, doctor_turns: Sequence[str], questions_per_turn: int) -> bool:
        """Whether this is the coverage of exactly these turns of this scenario, under the same limit."""
        return (
            scenario is self.scenario
            and questions_per_turn == self.questions_per_turn
            and len(doctor_turns) == len(self.actions)
            and all(turn == action.text for turn, action in zip(doctor_turns, self.actions, strict=True))
        )


class RubricJudge(JudgeAgent):
    """The offline judge as a participant (see `score`)."""

    def __init__(
        self,
        questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
        coverage_weight: float = DEFAULT_COVERAGE_WEIGHT,
        diagnosis_weight: float = DEFAULT_DIAGNOSIS_WEIGHT,
    ) -> None:
        super().__init__(name="offline")
        self.questions_per_turn = questions_per_turn
        self.coverage_weight = coverage_weight
        self.diagnosis_weight = diagnosis_weight
        self.ledger: CoverageLedger | None = None  # the episode `items_covered` has followed, turn by turn

    def score(self, scenario: Scenario, doctor_turns: Sequence[str], diagnosis: str | None) -> Judgement:
        return score(
            scenario,
            doctor_turns,
            diagnosis,
            questions_per_turn=self.questions_per_turn,
            coverage_weight=self.coverage_weight,
            diagnosis_weight=self.diagnosis_weight,
            followed=self.ledger,
        )

    async def judge(self, scenario: Scenario, doctor_turns: list[str], diagnosis: str | None) -> Judgement:
        return self.score(scenario, doctor_turns, diagnosis)

    def items_covered(self, scenario: Scenario, action: DoctorAction, already: Set[str]) -> list[str]:
        found = items_covered_in_turn(scenario, action, set(already), self.questions_per_turn)
        self._follow(scenario, action, already, found)
        return [item_id for item_id, _ in found]

    def _follow(
        self, scenario: Scenario, action: DoctorAction, already: Set[str], found: list[tuple[str, str]]
    ) -> None:
        """Keep the episode's coverage while its turns come in order from its start; anything else drops it.

        An episode is told apart by the running set its caller passes (a session makes a new one at each reset), and
        each kept turn was matched against exactly the coverage before it, so a ledger that `holds` the judged turns
        gives what matching them again would.
        """
        ledger = self.ledger
        if ledger is None or already is not ledger.running or ledger.scenario is not scenario:
            if already:  # joined mid-episode: nothing to keep
                self.ledger = None
                return
            ledger = self.ledger = CoverageLedger(scenario, self.questions_per_turn, already)
        elif ledger.covered != already:  # the caller's coverage is not what this judge found: stop following
            self.ledger = None
            return
        ledger.add(action, found)
