"""Every shipped scenario loads, passes the gold check, and the starter library meets its content bar."""

from __future__ import annotations

import pytest

from consultgym.authoring.gold import gold_check
from consultgym.scenarios.loader import load_library, scenario_files
from consultgym.scenarios.schema import FactCategory

ALL = load_library("all")
STARTER = load_library("starter")


@pytest.mark.parametrize("scenario", ALL, ids=[s.id for s in ALL])
def test_gold_check(scenario):
    assert gold_check(scenario) == []


def test_every_file_is_loaded():
    assert len(scenario_files("all")) == len(ALL)


def test_starter_library_content():
    assert len(STARTER) >= 12
    assert len({s.specialty for s in STARTER}) >= 8
    for s in STARTER:
        categories = [f.category for f in s.facts]
        assert len(s.facts) >= 15, s.id
        assert sum(not f.present for f in s.facts) >= 1, s.id
        assert FactCategory.exam in categories and FactCategory.lab in categories, s.id
        assert len(s.must_ask) >= 8, s.id
        assert len({i.priority for i in s.must_ask}) >= 2, s.id
        assert s.diagnosis.synonyms and s.diagnosis.differentials, s.id
        assert s.patient.persona, s.id
