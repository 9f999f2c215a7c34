"""Leak forms against every guardian, played through sessions on the loopback server (issue: no shortcut the doctor
can steer, no side channel, never weaker than offline). ``benchmarks/leak_forms.py`` prints the full table.

- With a guardian model that labels every leak (the oracle), the tiered and LLM guardians emit no leak in any form.
- With a fooled model, they emit no more than the offline guardian in any form: the offline check is their floor.
- The echo probe: an honest patient who echoes five candidates in a denial tells the doctor no more than chance.
"""

from __future__ import annotations

import math

import pytest

from consultgym.scenarios.loader import load_library
from consultgym.testing.leak_forms import echo_eligible
from consultgym.testing.leak_trials import LEAK_FORMS, LeakTrial, TrialResult, sample_scenarios

LIBRARY = load_library("all")
POOL = sorted({s.diagnosis.name for s in LIBRARY})
COLUMNS = [("offline", "oracle"), ("tiered", "oracle"), ("llm", "oracle"), ("tiered", "fooled"), ("llm", "fooled")]
ECHO_SCENARIOS = 40
CHANCE = 1 / 5
NOISE = 2 * math.sqrt(CHANCE * (1 - CHANCE) / ECHO_SCENARIOS)  # two standard errors of a 40-scenario rate


@pytest.fixture(scope="module")
def forms() -> dict[tuple[str, str], TrialResult]:
    # Eight scenarios whose probes cover every form (ICD codes and synonyms included); one revision per turn, since
    # the obeying patient says the same thing again whatever the guidance.
    trial = LeakTrial(sample_scenarios(LIBRARY, 8, seed=1), pool=POOL, max_revisions=1)
    with trial.serve():
        return {column: trial.run(*column, echoes=False) for column in COLUMNS}


def table(results: dict[tuple[str, str], TrialResult]) -> str:
    rows = [
        f"{form:<14}" + " ".join(f"{r.emitted[form]:>3}/{r.probes[form]:<3}" for r in results.values())
        for form in LEAK_FORMS
    ]
    return "\n".join([" " * 14 + " ".join(f"{g[:7]:>7}" for g, _ in results), *rows])


def test_every_form_is_probed_and_the_offline_guardian_alone_misses_some(forms):
    offline = forms["offline", "oracle"]
    assert all(offline.probes[form] > 0 for form in LEAK_FORMS), offline.probes
    # The probes have teeth: what only a model can see gets past the offline check.
    missed = {form for form in LEAK_FORMS if offline.emitted[form]}
    assert {"paraphrase", "translation", "spelling", "letter answer", "planted"} <= missed, table(forms)


@pytest.mark.parametrize("guardian", ["tiered", "llm"])
def test_with_an_oracle_model_no_form_leaks(forms, guardian):
    result = forms[guardian, "oracle"]
    assert all(result.emitted[form] == 0 for form in LEAK_FORMS), (result.examples, table(forms))


@pytest.mark.parametrize("guardian", ["tiered", "llm"])
def test_with_a_fooled_model_no_form_leaks_more_than_offline(forms, guardian):
    result, offline = forms[guardian, "fooled"], forms["offline", "oracle"]
    assert all(result.emitted[form] <= offline.emitted[form] for form in LEAK_FORMS), table(forms)
    assert result.probes == offline.probes


@pytest.fixture(scope="module")
def echo_trial():
    eligible = [scenario for scenario in LIBRARY if echo_eligible(scenario)]
    trial = LeakTrial(sample_scenarios(eligible, ECHO_SCENARIOS, seed=0), pool=POOL)
    with trial.serve():
        yield trial


@pytest.mark.parametrize(("guardian", "model"), [("offline", "oracle"), ("tiered", "oracle"), ("llm", "oracle")])
def test_the_echo_probe_identifies_the_diagnosis_no_better_than_chance(echo_trial, guardian, model):
    result = echo_trial.run(guardian, model, leaks=False)
    assert result.echo_scenarios == ECHO_SCENARIOS
    assert result.echo_rate <= CHANCE + NOISE, (result.echo_rate, result.echo_altered)
    # Honest echoes pass: a block would depend on the candidate's words (a decoy named after a symptom the facts
    # deny), and should stay rare whatever the library holds.
    assert result.echo_altered <= 2, result.echo_altered
