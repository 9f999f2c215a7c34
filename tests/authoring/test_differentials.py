"""Every shipped scenario names plausible alternatives, none of which the judge accepts as its diagnosis."""

from __future__ import annotations

from consultgym.agents.judge.diagnosis import is_correct
from consultgym.authoring.differentials import with_library_differentials
from consultgym.authoring.importers.agentclinic import ddxplus_condition
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario
from consultgym.text import normalize


def test_every_shipped_scenario_has_differentials_that_are_not_its_diagnosis():
    for scenario in load_library("all"):
        differentials = scenario.diagnosis.differentials
        assert len(differentials) >= 3 and len(set(differentials)) == len(differentials), scenario.id
        accepted = {normalize(name) for name in scenario.diagnosis.names}
        assert not accepted & {normalize(other) for other in differentials}, scenario.id


def test_library_neighbours_are_never_accepted_as_the_diagnosis():
    """Differentials taken from neighbouring cases skip any name the judge would accept. (Knowledge-base
    differentials are the knowledge base's: 'Chronic rhinosinusitis' beside 'Acute rhinosinusitis'.)"""
    for scenario in load_library("agentclinic"):
        if ddxplus_condition(scenario.diagnosis.name) is None:
            for other in scenario.diagnosis.differentials:
                assert not is_correct(scenario.diagnosis, other), (scenario.id, other)


def test_library_neighbours_fill_only_missing_differentials_and_prefer_similar_cases():
    library = load_library("agentclinic")[:40]
    bare = [_without_differentials(s) if i % 2 else s for i, s in enumerate(library)]
    filled = with_library_differentials(bare)
    assert [s.id for s in filled] == [s.id for s in library]
    for before, after in zip(bare, filled, strict=True):
        if before.diagnosis.differentials:
            assert after.diagnosis.differentials == before.diagnosis.differentials
        else:
            assert len(after.diagnosis.differentials) == 5
            names = {s.diagnosis.name for s in library if s.id != before.id}
            assert set(after.diagnosis.differentials) <= names
    assert with_library_differentials(bare) == filled  # deterministic


def _without_differentials(scenario: Scenario) -> Scenario:
    diagnosis = {**scenario.diagnosis.model_dump(), "differentials": []}
    return Scenario.model_validate({**scenario.model_dump(), "diagnosis": diagnosis})
