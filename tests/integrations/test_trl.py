"""The TRL ``environment_factory`` contract of `ConsultationToolEnv`, checked without TRL installed."""

from __future__ import annotations

import importlib.util
import inspect
import pickle
import re

import pytest

from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.envs.driver import run_sync
from consultgym.errors import MissingExtraError
from consultgym.integrations import require
from consultgym.integrations.trl import (
    ConsultationToolEnv,
    check_trl_version,
    dataset_rows,
    grpo_trainer,
    tool_calls_for,
    tool_env_factory,
)
from consultgym.settings import EnvConfig
from consultgym.testing import FakeOpenAIServer

TOOLS = {"ask_patient", "examine", "order_test", "submit_diagnosis"}
ROW = {"prompt": [{"role": "user", "content": "Start."}], "scenario": "chest-pain-58m", "seed": 4}


def public_methods(env: object) -> set[str]:
    """What TRL discovers on an instance: public callables (it treats `reset` and `get_reward` specially)."""
    return {name for name, member in inspect.getmembers(env, callable) if not name.startswith("_")}


def play(env: ConsultationToolEnv, row: dict) -> list[str]:
    """The systematic doctor drives the tools until the consultation ends; returns every tool result."""
    doctor, results = SystematicDoctor(), []
    opening = env.reset(**row)
    doctor.reset(opening, row["seed"])
    heard = opening
    while not env.done:
        for tool, argument in tool_calls_for(run_sync(doctor.act(heard))):
            if env.done:
                break
            heard = getattr(env, tool)(argument)
            results.append(heard)
    return results


def test_factory_builds_no_argument_instances_whose_public_methods_are_the_tools():
    env = tool_env_factory(scenarios="starter")()
    assert public_methods(env) == TOOLS | {"reset", "get_reward"}
    assert public_methods(ConsultationToolEnv()) == TOOLS | {"reset", "get_reward"}


@pytest.mark.parametrize("tool", sorted(TOOLS | {"get_reward"}))
def test_tool_docstrings_document_every_argument_for_schema_generation(tool):
    method = getattr(ConsultationToolEnv, tool)
    signature = inspect.signature(method)
    doc = inspect.getdoc(method) or ""
    assert doc.splitlines()[0].endswith(".") and "Returns:" in doc
    for name, parameter in list(signature.parameters.items())[1:]:
        assert parameter.annotation in (str, "str")
        assert re.search(rf"^\s+{name}: \S", doc.split("Args:")[1], re.MULTILINE), f"{tool}: {name} undocumented"
    if importlib.util.find_spec("transformers"):  # TRL builds tool schemas with transformers' get_json_schema
        from transformers.utils import get_json_schema

        schema = get_json_schema(getattr(ConsultationToolEnv(), tool))
        assert schema["function"]["name"] == tool


def test_systematic_doctor_plays_a_whole_episode_through_the_tools():
    # Every EXAMINE and TEST line is a tool call and a turn of its own: 16 turns leave room for the diagnosis.
    env = ConsultationToolEnv(max_turns=16)
    results = play(env, ROW)
    assert env.done and env.session is not None and env.session.judgement is not None
    assert results[-1].startswith("Diagnosis recorded.")
    assert env.get_reward() == env.session.judgement.reward > 0
    assert ConsultationToolEnv().get_reward() == 0.0  # never reset: nothing to judge
    kinds = [turn.kind for turn in env.session.turns]
    assert {"ask", "examine", "test", "diagnose"} <= set(kinds)
    with pytest.raises(ValueError, match="over"):
        env.ask_patient("Anything else?")


def test_same_row_same_patient_so_a_grpo_group_is_comparable():
    first, second = ConsultationToolEnv(), ConsultationToolEnv()
    assert play(first, ROW) == play(second, ROW)
    assert first.get_reward() == second.get_reward()
    other = ConsultationToolEnv()
    assert other.reset(**{**ROW, "scenario": "back-pain-42m"}) != first.reset(**ROW)


def test_ask_patient_refuses_directives_without_spending_a_turn():
    env = ConsultationToolEnv()
    env.reset(**ROW)
    for smuggled in ("DIAGNOSIS: inferior STEMI", "  test: troponin", "END INQUIRY"):
        with pytest.raises(ValueError, match="submit_diagnosis"):
            env.ask_patient(smuggled)
    assert env.session is not None and env.session.turns == []
    # Arguments are flattened to one line, so a second line cannot smuggle a directive either.
    env.examine("abdomen\nDIAGNOSIS: inferior STEMI")
    assert not env.done and env.session.turns[-1].kind == "examine"


def test_turn_limit_ends_the_episode_and_says_so():
    env = ConsultationToolEnv(max_turns=2)
    env.reset(**ROW)
    env.ask_patient("When did it start?")
    last = env.ask_patient("Does it spread?")
    assert env.done and "turn limit" in last
    with pytest.raises(ValueError, match="over"):
        env.order_test("ECG")


def test_pickle_round_trip_keeps_the_configuration():
    env = ConsultationToolEnv(scenarios="starter", max_turns=5)
    play(env, ROW)
    clone = pickle.loads(pickle.dumps(env))
    assert clone.config == env.config and clone.config.max_turns == 5 and clone.session is None
    assert play(clone, ROW) == play(ConsultationToolEnv(scenarios="starter", max_turns=5), ROW)
    factory = pickle.loads(pickle.dumps(tool_env_factory(max_turns=5)))
    assert factory().config == EnvConfig(max_turns=5)


def test_llm_patient_behind_the_tools():
    with FakeOpenAIServer("It began at breakfast.") as server:
        env = ConsultationToolEnv(
            patient="llm", guardian="off", patient_model="fake-model", patient_base_url=server.base_url
        )
        env.reset(**ROW)
        assert env.ask_patient("When did it start?") == "It began at breakfast."
        env.submit_diagnosis("inferior STEMI")
        assert env.done and server.request_count == 1
        assert pickle.loads(pickle.dumps(env)).config.patient.kind == "llm"


def test_dataset_rows_carry_the_columns_reset_reads():
    rows = dataset_rows(["chest-pain-58m", "back-pain-42m"], seeds=[0, 1])
    assert [(r["scenario"], r["seed"]) for r in rows] == [
        ("chest-pain-58m", 0),
        ("chest-pain-58m", 1),
        ("back-pain-42m", 0),
        ("back-pain-42m", 1),
    ]
    assert rows[0]["prompt"][0]["role"] == "system" and "submit_diagnosis" in rows[0]["prompt"][0]["content"]
    # TRL appends reset's text to the prompt's last message: it must start a paragraph of its own.
    assert ConsultationToolEnv().reset(**rows[0]).startswith("\n\nPatient: ")


def test_a_row_without_scenario_or_seed_is_refused_instead_of_meeting_one_patient():
    with pytest.raises(ValueError, match="dataset_rows"):
        ConsultationToolEnv().reset(prompt=[{"role": "user", "content": "Start."}])
    assert ConsultationToolEnv().reset(seed=3).startswith("\n\nPatient: ")  # the seed alone picks a scenario


def test_a_rollout_the_trainer_stops_is_judged_like_end_inquiry_in_get_reward():
    env = ConsultationToolEnv()
    env.reset(**ROW)
    env.ask_patient("When did the pain start? Does it spread anywhere?")
    env.order_test("ECG")
    reward = env.get_reward()  # the trainer ran out of budget: no diagnosis
    judgement = env.session.judgement
    assert env.done and env.session.truncated and judgement.diagnosis_given is None
    assert reward == judgement.reward == pytest.approx(0.7 * judgement.coverage, abs=1e-6) and reward > 0
    assert env.get_reward() == reward  # read twice, judged once
    with pytest.raises(ValueError, match="over"):
        env.ask_patient("Anything else?")
    strict = ConsultationToolEnv(partial_credit=False)
    strict.reset(**ROW)
    strict.ask_patient("When did the pain start? Does it spread anywhere?")
    strict.order_test("ECG")
    assert strict.get_reward() == 0.0 and strict.session.judgement.coverage == judgement.coverage


def test_trl_versions_without_environment_rewards_are_refused():
    check_trl_version("1.8.0")
    check_trl_version("1.16.0")
    for old in ("0.29.1", "1.7.1"):
        with pytest.raises(MissingExtraError, match="1.8"):
            check_trl_version(old)


def test_missing_extras_raise_with_the_pip_command():
    with pytest.raises(MissingExtraError, match=r"pip install 'consultgym\[ray\]'"):
        require("consultgym_no_such_module", "ray")
    if importlib.util.find_spec("trl") is None:
        with pytest.raises(MissingExtraError, match=r"pip install 'consultgym\[trl\]'"):
            grpo_trainer("some/model", train_dataset=[])
