"""The offline rubric judge: a pure function from (scenario, doctor turns, diagnosis) to a `Judgement`.

A doctor turn is cut into units (questions, ``EXAMINE:`` and ``TEST:`` requests). A unit covers a must-ask item when
it elicits one of the item's facts (the same retrieval rule the offline patient uses), when one of the item's keywords
matches it, or when it closely restates the item's `ask` or an example. Anti-gaming: only the first
`questions_per_turn` units of a turn count, and one turn credits at most `questions_per_turn` items, so listing every
question at once, or hiding them in one long sentence, earns no more than asking them one turn at a time. An item
counts once, at the first turn that covers it.

Diagnosis: only the first candidate of the doctor's answer counts ('A or B', 'A, B', 'A and B' are judged as 'A'); it
is correct when it contains every core word of the expected name or of a synonym ('likely acute appendicitis' matches
'appendicitis'), is not negated or dismissed ('STEMI unlikely'), and does not also name a differential ('unstable angina
STEMI' is a hedge, not an answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set

from consultgym.actions import parse_action
from consultgym.agents.base import JudgeAgent
from consultgym.agents.patient.offline import answer_units, facts_for_unit
from consultgym.config import DEFAULT_COVERAGE_WEIGHT, DEFAULT_DIAGNOSIS_WEIGHT, DEFAULT_QUESTIONS_PER_TURN
from consultgym.records import ItemResult, Judgement
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.schema import RubricItem, Scenario
from consultgym.text import content_words, is_negated, keyword_matches, normalize

QUALIFIERS = frozenset(
    content_words("acute chronic severe mild moderate primary secondary uncomplicated simple typical atypical episode")
)
HEDGES = re.compile(
    r"^(most likely|likely|probable|probably|possible|possibly|suspected|suspect|presumed|query|i think( it s)?|"
    r"this is|it is|it s|consistent with|working diagnosis( is)?)\s+"
)
_CANDIDATE_SPLIT = re.compile(r"\s*(?:,|;|/|&|\+|\bor\b|\band\b|\bvs\b|\bversus\b|\n)\s*", re.IGNORECASE)
# Words that dismiss the candidate they sit next to: 'STEMI unlikely' names STEMI but does not diagnose it.
DISMISSALS = re.compile(
    r"\b(unlikely|improbable|excluded|ruled out|rule out|anything but|other than|except|rather than|instead of)\b"
)
RESTATEMENT_OVERLAP = 0.6  # share of an example's content words a unit must repeat to count as asking it


def item_covered_by(item: RubricItem, scenario: Scenario, kind: str, unit: str) -> bool:
    """Whether one unit of a doctor turn covers a must-ask item."""
    elicited = {f.id for f in facts_for_unit(scenario, kind, unit)}
    return _covers(item, scenario, kind, unit, elicited, content_words(unit))


def _covers(item: RubricItem, scenario: Scenario, kind: str, unit: str, elicited: set[str], words: set[str]) -> bool:
    if elicited.intersection(item.facts):
        return True
    if kind != "ask":
        return False
    if any(keyword_matches(k, unit) for k in item.keywords):
        return True
    return any(_restates(words, example) for example in _example_words(scenario)[item.id])


def _restates(words: set[str], example_words: frozenset[str]) -> bool:
    if len(example_words) < 2:
        return False
    overlap = len(example_words & words)
    return overlap >= 2 and overlap / len(example_words) >= RESTATEMENT_OVERLAP


@per_scenario
def _example_words(scenario: Scenario) -> dict[str, list[frozenset[str]]]:
    return {
        item.id: [
            frozenset(content_words(t))
            for t in (item.ask, *item.examples)
            if not t.lstrip().upper().startswith(("EXAMINE", "TEST"))
        ]
        for item in scenario.must_ask
    }


def items_covered_in_turn(
    scenario: Scenario, turn: str, already: set[str], limit: int = DEFAULT_QUESTIONS_PER_TURN
) -> list[tuple[str, str]]:
    """(item id, evidence) for the items this turn newly covers, at most `limit` of them."""
    units = answer_units(parse_action(turn))[:limit]
    covered: list[tuple[str, str]] = []
    for kind, unit in units:
        elicited = {f.id for f in facts_for_unit(scenario, kind, unit)}
        words = content_words(unit)
        for item in scenario.must_ask:
            if len(covered) == limit:
                return covered
            if item.id not in already and _covers(item, scenario, kind, unit, elicited, words):
                already.add(item.id)
                covered.append((item.id, unit if kind == "ask" else f"{kind.upper()}: {unit}"))
    return covered


def diagnosis_matches(scenario: Scenario, given: str | None) -> bool:
    """Normalised match of the doctor's first diagnosis candidate against the name and synonyms.

    Hedging earns nothing: only the first of 'A or B', 'A, B', 'A and B', 'A / B' counts; a candidate that also names
    one of the scenario's differentials ('unstable angina STEMI') or dismisses itself ('STEMI unlikely') is wrong.
    A name that itself holds a separator ('Acute COPD exacerbation / infection') matches when given whole.
    """
    if not given or not given.strip():
        return False
    whole = HEDGES.sub("", normalize(given))
    if any(whole == normalize(name) for name in scenario.diagnosis.names):
        return True
    first = _CANDIDATE_SPLIT.split(given.strip(), maxsplit=1)[0]
    if is_negated(first) or DISMISSALS.search(normalize(first)):
        return False
    candidate = content_words(HEDGES.sub("", normalize(first)))
    for name in scenario.diagnosis.names:
        core = content_words(name) - QUALIFIERS or content_words(name)
        if core and core <= candidate:
            return not _names_a_differential(scenario, candidate, content_words(name))
    return False


def _names_a_differential(scenario: Scenario, candidate: set[str], name_words: set[str]) -> bool:
    """Whether the candidate also holds a differential's core words, beyond the expected name's own words."""
    for differential in scenario.diagnosis.differentials:
        core = content_words(differential) - QUALIFIERS or content_words(differential)
        if core and core <= candidate and not core <= name_words:
            return True
    return False


def score(
    scenario: Scenario,
    doctor_turns: Sequence[str],
    diagnosis: str | None,
    *,
    questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
    coverage_weight: float = DEFAULT_COVERAGE_WEIGHT,
    diagnosis_weight: float = DEFAULT_DIAGNOSIS_WEIGHT,
) -> Judgement:
    """Score one consultation. Pure: the same inputs always give the same judgement.

    Args:
        scenario: the case with its must-ask items and diagnosis.
        doctor_turns: the doctor's turns in order (the text as sent).
        diagnosis: the diagnosis the doctor gave, or None.
        questions_per_turn: units per turn that can earn credit.
        coverage_weight: weight of weighted coverage in the reward.
        diagnosis_weight: weight of a correct diagnosis in the reward (0 for history taking only).
    """
    covered: dict[str, tuple[int, str]] = {}
    for index, turn in enumerate(doctor_turns):
        for item_id, evidence in items_covered_in_turn(scenario, turn, set(covered), questions_per_turn):
            covered[item_id] = (index, evidence)
    items = [
        ItemResult(
            id=item.id,
            covered=item.id in covered,
            turn=covered.get(item.id, (None, ""))[0],
            evidence=covered.get(item.id, (None, ""))[1],
            weight=item.priority.weight,
        )
        for item in scenario.must_ask
    ]
    correct = diagnosis_matches(scenario, diagnosis)
    return assemble(
        scenario, items, len(doctor_turns), diagnosis, correct, coverage_weight, diagnosis_weight, "offline"
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
) -> Judgement:
    """A judgement from per-item results: weighted coverage, the coverage curve over `n_turns`, and the reward.

    Shared by every judge, so the arithmetic behind the number everyone quotes lives in one place.
    """
    total = scenario.total_weight
    curve = [
        round(sum(i.weight for i in items if i.covered and i.turn is not None and i.turn <= t) / total, 6)
        for t in range(n_turns)
    ]
    coverage = round(sum(i.weight for i in items if i.covered) / total, 6)
    return Judgement(
        items=items,
        coverage=coverage,
        curve=curve,
        diagnosis_given=diagnosis,
        diagnosis_expected=scenario.diagnosis.name,
        diagnosis_correct=correct,
        reward=round(coverage_weight * coverage + diagnosis_weight * float(correct), 6),
        judge=judge,
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

    def score(self, scenario: Scenario, doctor_turns: Sequence[str], diagnosis: str | None) -> Judgement:
        return score(
            scenario,
            doctor_turns,
            diagnosis,
            questions_per_turn=self.questions_per_turn,
            coverage_weight=self.coverage_weight,
            diagnosis_weight=self.diagnosis_weight,
        )

    async def judge(self, scenario: Scenario, doctor_turns: list[str], diagnosis: str | None) -> Judgement:
        return self.score(scenario, doctor_turns, diagnosis)

    def items_covered(self, scenario: Scenario, doctor_text: str, already: Set[str]) -> list[str]:
        found = items_covered_in_turn(scenario, doctor_text, set(already), self.questions_per_turn)
        return [item_id for item_id, _ in found]
