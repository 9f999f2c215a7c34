"""Quality checks a scenario must pass before it ships.

- `gold_check` (errors): a doctor who asks each must-ask item's first example, one per turn, reaches full coverage,
  and the offline patient reveals every fact the item links.
- `lint` (warnings): an item that links no fact, a fact nobody can reach, an opening that gives away a fact the
  critical items are meant to uncover, a fact-only reply that the offline guardian would reject.
"""

from __future__ import annotations

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.offline import review
from consultgym.agents.judge.offline import score
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.errors import ScenarioError
from consultgym.scenarios.schema import FactCategory, Priority, RubricItem, Scenario
from consultgym.text import TOPICS, contains_phrase

NEEDS_KEYWORDS = {FactCategory.hpi, FactCategory.symptom, FactCategory.ros, FactCategory.social}


def gold_question(item: RubricItem) -> str:
    """What the gold doctor asks for an item: its first example, else its `ask`."""
    return item.examples[0] if item.examples else item.ask


def revealed_by(scenario: Scenario, question: str) -> list[str]:
    """Ids of the facts the offline patient reveals when asked `question` alone."""
    return fact_only_reply(PatientContext(scenario, parse_action(question)))[1]


def gold_check(scenario: Scenario) -> list[str]:
    """Problems that make the scenario unfit to ship; empty when it passes."""
    return [problem for problems in item_problems(scenario).values() for problem in problems]


def item_problems(scenario: Scenario) -> dict[str, list[str]]:
    """The gold check's problems by must-ask item id (only items that have one)."""
    problems: dict[str, list[str]] = {}
    judgement = score(scenario, [gold_question(item) for item in scenario.must_ask], None)
    for result in judgement.items:
        if not result.covered:
            question = gold_question(_item(scenario, result.id))
            problems.setdefault(result.id, []).append(f"must_ask {result.id}: asking {question!r} earns no credit")
    for item in scenario.must_ask:
        missing = set(item.facts) - set(revealed_by(scenario, gold_question(item)))
        if missing:
            problems.setdefault(item.id, []).append(
                f"must_ask {item.id}: {gold_question(item)!r} does not reveal {', '.join(sorted(missing))}"
            )
    return {item.id: problems[item.id] for item in scenario.must_ask if item.id in problems}


def without_failing_items(scenario: Scenario, rounds: int = 4) -> Scenario:
    """The scenario without the must-ask items that fail the gold check (generators use it: an item no focused
    question can earn is not a fair item). Dropping one item can change which item another question earns, so this
    repeats until nothing fails, at most `rounds` times.

    Raises:
        ScenarioError: items still fail after `rounds` rounds, or none is left.
    """
    for _ in range(rounds):
        failing = item_problems(scenario)
        if not failing:
            return scenario
        kept = [item for item in scenario.must_ask if item.id not in failing]
        if not kept:
            raise ScenarioError(f"{scenario.id}: every must-ask item fails the gold check: {failing}")
        # Validated anew, not model_copy: a copy would carry the cached total weight of the old rubric.
        scenario = Scenario.model_validate({**scenario.model_dump(), "must_ask": [i.model_dump() for i in kept]})
    problems = gold_check(scenario)
    if problems:
        raise ScenarioError(f"{scenario.id}: gold-check problems remain: {'; '.join(problems)}")
    return scenario


def _item(scenario: Scenario, item_id: str) -> RubricItem:
    return next(item for item in scenario.must_ask if item.id == item_id)


def lint(scenario: Scenario) -> list[str]:
    """Warnings worth an author's look; none of them stops a scenario from loading."""
    warnings = [f"must_ask {i.id}: links no fact" for i in scenario.must_ask if not i.facts]
    reachable = {fid for item in scenario.must_ask for fid in revealed_by(scenario, gold_question(item))}
    linked = {fid for item in scenario.must_ask for fid in item.facts}
    for fact in scenario.facts:
        if fact.category in NEEDS_KEYWORDS and not fact.keywords:
            warnings.append(f"fact {fact.id}: no keywords, so no question can reveal it")
        elif fact.id not in reachable and fact.id not in linked:
            warnings.append(f"fact {fact.id}: no must-ask item links or reaches it")
    critical = {fid for i in scenario.must_ask if i.priority == Priority.critical for fid in i.facts}
    for fact in (f for f in scenario.facts if not f.hidden_until_requested):
        given_away = [k for k in fact.keywords if k not in TOPICS and contains_phrase(scenario.opening, k)]
        if fact.id in critical and given_away:
            warnings.append(
                f"opening gives away fact {fact.id} (mentions {given_away[0]!r}) that a critical item asks for"
            )
    for item in scenario.must_ask:
        reply = fact_only_reply(PatientContext(scenario, parse_action(gold_question(item))))[0]
        for issue in review(reply, scenario):
            warnings.append(
                f"must_ask {item.id}: the guardian flags the fact-only reply ({issue.kind}: {issue.detail})"
            )
    return warnings
