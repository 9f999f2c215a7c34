"""Every kind of invalid scenario fails with a ScenarioError naming the file and the field path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from consultgym.errors import ScenarioError
from consultgym.scenarios.loader import load_library, load_scenario, parse_scenario

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chest_pain.yaml"
BASE = yaml.safe_load(FIXTURE.read_text())


def broken(mutate) -> dict:
    data = copy.deepcopy(BASE)
    mutate(data)
    return data


CASES = [
    ("unknown top-level field", lambda d: d.update(colour="red"), "colour"),
    ("missing required field", lambda d: d.pop("opening"), "opening"),
    ("bad fact category", lambda d: d["facts"][0].update(category="gossip"), "facts.0.category"),
    ("unknown fact field", lambda d: d["facts"][1].update(sayy="x"), "facts.1.sayy"),
    ("bad slug id", lambda d: d.update(id="Not A Slug"), "id"),
    ("duplicate fact id", lambda d: d["facts"][1].update(id="onset"), "facts"),
    ("duplicate item id", lambda d: d["must_ask"][1].update(id="ask_onset"), "must_ask"),
    ("unknown fact reference", lambda d: d["must_ask"][0].update(facts=["nope"]), "must_ask.0.facts"),
    ("bad priority", lambda d: d["must_ask"][0].update(priority="urgent"), "must_ask.0.priority"),
    ("opening names the diagnosis", lambda d: d.update(opening="I think I have a STEMI."), "opening"),
    (
        "history fact names the diagnosis",
        lambda d: d["facts"][0].update(say="My MI began at 8."),
        "facts.0.say",
    ),
    ("age out of range", lambda d: d["patient"].update(age=300), "patient.age"),
    ("bad sex", lambda d: d["patient"].update(sex="robot"), "patient.sex"),
    ("empty facts", lambda d: d.update(facts=[], must_ask=[]), "facts"),
    ("wrong type", lambda d: d["facts"][0].update(present="maybe"), "facts.0.present"),
    ("max_turns zero", lambda d: d.update(max_turns=0), "max_turns"),
]


@pytest.mark.parametrize(("what", "mutate", "path"), CASES, ids=[c[0] for c in CASES])
def test_invalid_scenario_names_field_path(what, mutate, path, tmp_path):
    target = tmp_path / "bad.yaml"
    target.write_text(yaml.safe_dump(broken(mutate)))
    with pytest.raises(ScenarioError) as err:
        load_scenario(target)
    message = str(err.value)
    assert message.startswith(str(target)), message
    assert path in message, message


def test_fixture_is_valid():
    scenario = parse_scenario(BASE, "fixture")
    assert scenario.id == "fixture-chest-pain"
    assert scenario.total_weight == sum(i.priority.weight for i in scenario.must_ask)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("facts: [unclosed", "not valid YAML at line"),
        ("- just\n- a list\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_unreadable_files(tmp_path, content, expected):
    target = tmp_path / "x.yaml"
    target.write_text(content)
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(target)


def test_missing_file_and_library(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.yaml")
    with pytest.raises(ScenarioError, match="libraries: "):
        load_library("no-such-library")


def test_duplicate_ids_across_files(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(FIXTURE.read_text())
    with pytest.raises(ScenarioError, match="already used"):
        load_library(tmp_path)
