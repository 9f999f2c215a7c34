"""Typed settings: one model for gym.make, the CLI and config files; flags generated from it; records from it."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import consultgym
from consultgym.cli import build_parser, main
from consultgym.config import LLMSettings
from consultgym.errors import ConfigError
from consultgym.flags import given_settings, settings_from
from consultgym.runfile import load_run, read_manifest
from consultgym.settings import EnvConfig, JudgeConfig, RunConfig, option_names


def test_flat_and_nested_spellings_are_the_same_settings():
    flat = EnvConfig(patient="llm", patient_model="m", patient_timeout=5, judge="panel", judge_models="a,offline")
    nested = EnvConfig(
        patient={"kind": "llm", "model": "m", "timeout": 5},
        judge={"kind": "panel", "models": ["a", "offline"]},
    )
    also_nested = EnvConfig.parse({"patient": {"kind": "llm", "llm": {"model": "m", "timeout": 5}},
                                   "judge": {"kind": "panel", "models": "a,offline"}})  # fmt: skip
    assert flat == nested == also_nested
    assert flat.patient.llm == LLMSettings(model="m", timeout=5)
    assert [s.model if s else None for s in flat.judge.member_settings()] == ["a", None]


def test_a_panel_shares_the_judge_settings_among_its_models():
    judge = JudgeConfig.parse({"kind": "panel", "models": "a,b", "base_url": "http://h:1/v1", "timeout": 3})
    assert [(s.model, s.base_url, s.timeout) for s in judge.member_settings()] == [
        ("a", "http://h:1/v1", 3),
        ("b", "http://h:1/v1", 3),
    ]
    assert JudgeConfig.parse({"kind": "panel", "models": "offline"}).llm is None  # an all-offline panel needs no model


def test_gym_make_takes_the_typed_config_too():
    config = EnvConfig(scenarios="starter", max_turns=2, guardian="off")
    env = gym.make("consultgym/HistoryTaking-v0", config=config)
    assert env.unwrapped.config.max_turns == 2 and env.unwrapped.config.diagnosis is False  # the id decides it
    env.reset(seed=0)
    assert env.step("Any fever?")[2:4] == (False, False) and env.step("Any cough?")[3] is True
    with pytest.raises(ConfigError, match="not both"):
        gym.make("consultgym/Consultation-v0", config=config, max_turns=3)


def test_every_run_setting_has_a_flag_and_help_shows_its_default(capsys):
    parser = build_parser()
    run = next(a for a in parser._actions if a.dest == "command").choices["run"]
    flags = {s for action in run._actions for s in action.option_strings}
    expected = {"--" + name.replace("_", "-") for name in option_names(RunConfig)} - {"--diagnosis"}
    assert expected <= flags, expected - flags
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in ("(default: 1)", "(default: starter)", "(default: offline)", "(default: consultgym/Consultation-v0)",
                  "(default: 60.0)", "(default: scripted)", "(required)"):  # fmt: skip
        assert shown in text, shown


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == f"consultgym {consultgym.__version__}"


def test_a_config_file_and_flags_make_one_run_flags_winning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.yaml").write_text(
        "out: runs/a.jsonl\nscenarios: [starter]\nepisodes: 5\nseed: 3\nguardian: off\nmax_turns: 4\n", encoding="utf-8"
    )
    assert main(["run", "--config", "run.yaml", "--episodes", "2", "--quiet"]) == 0
    manifest = read_manifest(tmp_path / "runs" / "a.jsonl")
    assert manifest.seed == 3 and manifest.config["guardian"] == "off" and manifest.config["max_turns"] == 4
    assert len(load_run(tmp_path / "runs" / "a.jsonl").episodes) == 2  # the flag won


def test_json_config_files_nested_roles_and_flags_merge(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"out": "x.jsonl", "patient": {"kind": "llm", "model": "m"}}), encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(["run", "--config", str(path), "--patient-temperature", "0.5"])
    config = settings_from(RunConfig, args.config, given_settings(args, RunConfig))
    assert config.patient.llm == LLMSettings(model="m", temperature=0.5)


def test_records_hold_what_was_set_and_never_a_key(tmp_path):
    config = RunConfig(out=tmp_path / "r.jsonl", patient="llm", patient_model="m", patient_api_key_env="MY_KEY",
                       patient_cache_dir=str(tmp_path))  # fmt: skip
    record = config.record()
    assert record["patient"] == "llm" and record["patient_model"] == "m" and record["patient_api_key_env"] == "MY_KEY"
    assert "patient_cache_dir" not in record and "patient_temperature" not in record  # unset: the default applies


def test_a_run_config_decides_diagnosis_by_its_env(tmp_path):
    assert RunConfig(out=tmp_path / "r.jsonl").diagnosis is True
    assert RunConfig(out=tmp_path / "r.jsonl", env="consultgym/HistoryTaking-v0").diagnosis is False
    copy = RunConfig.model_validate(RunConfig(out=tmp_path / "r.jsonl").model_dump())  # a dump validates back
    assert copy.diagnosis is True
