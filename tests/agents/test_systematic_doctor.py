"""The systematic-history doctor: one question per unit, no knowledge of any case, a diagnosis read from findings."""

from __future__ import annotations

from pathlib import Path

from consultgym.actions import parse_action
from consultgym.agents.doctor import findings, profiles, systematic
from consultgym.agents.doctor.findings import conditions_named
from consultgym.agents.doctor.systematic import SystematicDoctor, plan_turns
from consultgym.agents.factory import DOCTORS, make_doctor
from consultgym.envs.driver import run_sync
from consultgym.report import summarize
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.retrieval import match_turn
from consultgym.settings import RunConfig
from consultgym.text import contains_phrase

STARTER = load_library("starter")
SCRIPTED_STARTER_COVERAGE = 0.675  # the fitted scripted doctor this one replaces, before the reward rule changed


def play(doctor: SystematicDoctor, opening: str, replies: list[str]) -> list[str]:
    doctor.reset(opening)
    turns = [run_sync(doctor.act(opening))]
    for reply in replies:
        turns.append(run_sync(doctor.act(reply)))
    return turns


def test_it_is_the_default_baseline():
    assert DOCTORS[0] == "systematic" and "scripted" not in DOCTORS
    assert isinstance(make_doctor(), SystematicDoctor)


def test_one_question_per_unit_and_never_a_shotgun_turn():
    for scenario in STARTER:
        doctor = SystematicDoctor()
        doctor.reset(scenario.opening)
        for turn in plan_turns(doctor.profile):
            action = parse_action(turn)
            assert all(line.count("?") <= 3 for line in action.questions), turn
            assert not match_turn(scenario, action, 3)[1], (scenario.id, turn)


def test_the_diagnosis_is_what_a_report_concludes_else_the_working_diagnosis():
    doctor = SystematicDoctor()
    turns = play(doctor, "I've got a pain in my chest.", ["It started an hour ago."] * 7)
    assert turns[-1] == "EXAMINE: vital signs\nEXAMINE: cardiovascular\nEXAMINE: respiratory"
    run_sync(doctor.act("Heart sounds normal."))
    assert run_sync(doctor.act("Chest X-ray: consolidation consistent with pneumonia.")) == "DIAGNOSIS: pneumonia"
    doctor.reset("I've got a pain in my chest.")
    assert doctor.diagnose() == "Chest pain of undetermined cause"


def test_negated_and_non_disease_conclusions_name_nothing():
    assert conditions_named(["CT: no evidence of haemorrhage.", "Consistent with a benign process."]) == []
    assert conditions_named(["Biopsy: findings suggestive of sarcoidosis."]) == ["sarcoidosis"]


def test_no_lookup_table_fitted_to_the_library():
    """No diagnosis (or synonym) of any shipped scenario is written into the doctor's tables: its profiles, its
    checklist or the words by which it recognises a stated conclusion."""
    tables = [repr(profile) for profile in profiles.PROFILES.values()]
    tables += [*systematic.HISTORY, *systematic.BACKGROUND, *findings._HEADS]
    text = "\n".join(tables)
    names = {name for s in load_library("all") for name in s.diagnosis.names if len(name) > 4}
    assert sorted(name for name in names if contains_phrase(text, name)) == []


def test_coverage_on_the_starter_library_stays_near_the_fitted_doctor_it_replaces(tmp_path: Path):
    out = tmp_path / "starter.jsonl"
    run(RunConfig(out=out, scenarios=["starter"], seed=0, doctor="systematic", progress=False))
    summary = summarize(load_run(out).episodes)
    assert abs(summary["coverage_mean"] - SCRIPTED_STARTER_COVERAGE) <= 0.1, summary["coverage_mean"]
    assert summary["doctor"] == "systematic"
