"""Shared fixtures: the small chest-pain scenario used by unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultgym.scenarios.loader import load_scenario
from consultgym.scenarios.schema import Scenario

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def chest_scenario() -> Scenario:
    return load_scenario(FIXTURES / "chest_pain.yaml")
