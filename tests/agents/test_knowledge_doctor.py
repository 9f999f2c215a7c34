"""The knowledge-graph doctor asks informative questions, reads answers, and out-diagnoses the systematic doctor on the
cases generated from its own knowledge base."""

from __future__ import annotations

from pathlib import Path

from consultgym.agents.doctor.knowledge import KnowledgeDoctor
from consultgym.envs.driver import run_sync
from consultgym.report import summarize
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.settings import RunConfig


def test_questions_come_from_the_graph_and_answers_update_the_differential():
    doctor = KnowledgeDoctor()
    doctor.reset("I've had a cough and a high fever for three days.")
    for _ in range(4):  # condensed history, three questions a turn
        run_sync(doctor.act("No, I haven't noticed anything like that."))
    before = doctor.differential()
    turn = run_sync(doctor.act("No."))
    asked = list(doctor.asked)
    assert len(asked) == 3 and turn.count("?") >= 3
    assert all(doctor.kb.evidence(code).question in turn for code in asked)
    doctor.heard.append("Yes, I have a fever and I'm coughing up green phlegm.")
    after = doctor.differential()
    assert after != before
    assert {"Pneumonia", "Bronchitis", "URTI", "Influenza"} & {name for name, _ in after[:5]}


def test_beats_the_systematic_doctor_on_generated_cases(tmp_path: Path):
    results = {}
    for doctor in ("systematic", "knowledge"):
        out = tmp_path / f"{doctor}.jsonl"
        run(RunConfig(out=out, scenarios=["generated"], episodes=30, seed=1, doctor=doctor, progress=False))
        results[doctor] = summarize(load_run(out).episodes)
    assert results["knowledge"]["diagnosis_accuracy"] > results["systematic"]["diagnosis_accuracy"]
