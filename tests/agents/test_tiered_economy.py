"""The tiered guardian keeps its economy on ordinary turns: at most 1.3 patient-side LLM calls per patient turn.

Measured as ``benchmarks/llm_throughput.py`` does: the scripted doctor over the starter library, an LLM patient that
answers with the facts' own words, the tiered guardian, on the loopback server. Patient-side calls are the patient's
and the guardian's; a patient turn is a turn the guardian checked.
"""

from __future__ import annotations

import json

from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.scenarios.loader import load_library
from consultgym.settings import RunConfig
from consultgym.testing import FakeOpenAIServer
from consultgym.testing.scripted_models import FaithfulPatient

MAX_CALLS_PER_TURN = 1.3
ALL_SUPPORTED = {"sentences": [{"sentence": "x", "label": "supported", "reason": "ok", "facts": []}]}


def test_tiered_costs_at_most_1_3_patient_side_calls_per_turn_on_the_library(tmp_path):
    library = load_library("starter")
    out = tmp_path / "run.jsonl"
    with FakeOpenAIServer(
        by_model={"patient": FaithfulPatient(library), "guardian": json.dumps(ALL_SUPPORTED)}
    ) as fake:
        options = {
            f"{role}_{key}": value
            for role in ("patient", "guardian")
            for key, value in {"model": role, "base_url": fake.base_url, "timeout": 30.0}.items()
        }
        spec = RunConfig(
            out=out, scenarios=["starter"], episodes=len(library), concurrency=4, patient="llm", guardian="tiered",
            progress=False, **options,
        )  # fmt: skip
        summary = run(spec)
    assert (summary.completed, summary.errored) == (len(library), 0)
    episodes = load_run(out).episodes
    turns = sum(bool(turn.verdicts) for episode in episodes for turn in episode.turns)
    calls = {
        role: sum(episode.usage[role].calls for episode in episodes if role in episode.usage)
        for role in ("patient", "guardian")
    }
    assert turns > 5 * len(library) and calls["patient"] > 0
    assert (calls["patient"] + calls["guardian"]) / turns <= MAX_CALLS_PER_TURN, (calls, turns)
    sources = {verdict.source for episode in episodes for turn in episode.turns for verdict in turn.verdicts}
    assert "tiered:offline-grounded" in sources  # the offline pass stood without a call on ordinary turns
