"""Every bad input that used to misbehave is refused with one clear line, before any large allocation; nothing is lost.

The cases are the ones found by trying consultgym as a new user and as a hostile input would (issue 14): duplicate YAML
keys, FIFOs and huge files posing as scenarios, a flood of facts, run-file lines that are deep, non-finite, out of
range or from another run, out-of-range CLI values, bad output paths, malformed or unreachable model URLs, and runs
whose episodes all errored.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import gymnasium as gym
import pytest
import yaml

import consultgym  # noqa: F401 - registers the env ids
from consultgym.app.data import index_run
from consultgym.cli import main
from consultgym.errors import ConfigError, ScenarioError
from consultgym.files import MAX_SCENARIO_BYTES
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.scenarios.loader import load_scenario
from consultgym.scenarios.schema import MAX_FACTS
from consultgym.settings import RunConfig
from consultgym.testing import FakeOpenAIServer, unused_base_url

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chest_pain.yaml"
VALID = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
SMALL_PEAK = 8_000_000  # bytes: far below the size of any input refused here


def one_line(message: str) -> str:
    text = message.strip()
    assert "\n" not in text and "Traceback" not in text, text[:500]
    return text


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------- scenario files
def test_a_duplicate_key_is_refused_naming_both_lines(tmp_path, capsys):
    path = tmp_path / "twice.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8") + "diagnosis:\n  name: Costochondritis\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"line \d+, column 1: duplicate key 'diagnosis' \(first at line \d+\)"):
        load_scenario(path)
    assert main(["scenario", "validate", str(path)]) == 1
    printed = capsys.readouterr()
    assert "duplicate key 'diagnosis'" in one_line(printed.out) and "0/1 scenarios valid" in printed.err


@pytest.mark.timeout(60)  # a FIFO that is opened for reading blocks forever: the bound turns a hang into a failure
def test_a_fifo_named_yaml_is_refused_not_read(tmp_path, capsys):
    fifo = tmp_path / "library" / "case.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="a FIFO .named pipe., not a regular file"):
        load_scenario(fifo)
    assert main(["scenario", "validate", str(fifo.parent)]) == 1
    assert "FIFO" in one_line(capsys.readouterr().out)
    with pytest.raises(ScenarioError, match="FIFO"):
        gym.make("consultgym/Consultation-v0", scenarios=str(fifo.parent))


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(200_000_000)  # sparse: no disk or memory spent on it here
    tracemalloc.start()
    try:
        with pytest.raises(
            ScenarioError, match=rf"200,000,000 bytes, more than a scenario file may have \({MAX_SCENARIO_BYTES:,}\)"
        ):
            load_scenario(huge)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < SMALL_PEAK


def test_a_huge_string_value_is_refused_with_its_field(tmp_path):
    path = write_yaml(tmp_path / "long.yaml", {**VALID, "title": "x" * 50_000})
    with pytest.raises(ScenarioError, match="title: String should have at most 4000 characters"):
        load_scenario(path)


def _facts(count: int) -> list[dict[str, str]]:
    return [{"id": f"f{i}", "category": "symptom", "text": f"Symptom number {i}."} for i in range(count)]


def test_too_many_facts_are_refused_with_the_count(tmp_path):
    path = write_yaml(tmp_path / "many.yaml", {**VALID, "facts": [*VALID["facts"], *_facts(MAX_FACTS)]})
    with pytest.raises(ScenarioError, match=rf"facts: List should have at most {MAX_FACTS} items"):
        load_scenario(path)


def test_100k_facts_are_refused_by_size_without_parsing(tmp_path):
    path = write_yaml(tmp_path / "flood.yaml", {**VALID, "facts": _facts(100_000)})
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError, match="bytes, more than a scenario file may have"):
            load_scenario(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < SMALL_PEAK  # the old loader parsed it first: 660 MB


# ---------------------------------------------------------------------------------------------------- run files
@pytest.fixture
def finished_run(tmp_path) -> Path:
    out = tmp_path / "run.jsonl"
    summary = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=3, progress=False))
    assert summary.completed == 3
    return out


def _episode_line(out: Path, index: int = 0) -> dict:
    return json.loads(out.read_text(encoding="utf-8").splitlines()[index])


def _append(out: Path, *lines: str) -> None:
    with open(out, "a", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def _rerun(out: Path) -> None:
    summary = run(RunConfig(out=out, scenarios=[FIXTURE], episodes=3, progress=False))
    assert (summary.skipped, summary.errored) == (3, 0)


def test_a_deeply_nested_line_is_skipped_by_report_the_app_and_resume(finished_run, capsys):
    deep = "[" * 200_000 + "]" * 200_000
    _append(finished_run, deep)
    loaded = load_run(finished_run)
    assert len(loaded.episodes) == 3 and len(loaded.warnings) == 1 and "nested deeper" in loaded.warnings[0]
    assert main(["report", str(finished_run)]) == 0
    assert "run.jsonl:4: skipped a line nested deeper" in capsys.readouterr().err
    indexed = index_run(finished_run)
    assert len(indexed.records) == 3 and not indexed.error
    _rerun(finished_run)  # resume: the line is moved aside, not lost
    assert finished_run.with_suffix(".rejected.jsonl").read_text(encoding="utf-8").strip() == deep
    assert load_run(finished_run).warnings == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda e: e["judgement"].update(coverage=float("nan")), "not a number a run file may hold"),
        (lambda e: e["judgement"].update(reward=float("inf")), "not a number a run file may hold"),
        (lambda e: e["judgement"].update(coverage=5.0), "judgement.coverage: Input should be less than or equal to 1"),
        (lambda e: e["turns"][0].update(coverage=-0.5), "turns.0.coverage: Input should be greater than or equal"),
        (lambda e: e.update(index=-1), "index: Input should be greater than or equal to 0"),
        (lambda e: e["usage"].setdefault("patient", {}).update(calls=-3), "usage.patient.calls"),
        (lambda e: e.update(schema_version=2), "schema version 2; this consultgym reads version 1"),
    ],
)
def test_non_finite_out_of_range_and_foreign_version_values_are_skipped(finished_run, change, problem):
    episode = _episode_line(finished_run)
    change(episode)
    episode["index"] = episode["index"] if episode["index"] < 0 else 99  # a new key, so only the value is at fault
    _append(finished_run, json.dumps(episode))  # json.dumps writes NaN and Infinity as bare words
    loaded = load_run(finished_run)
    assert len(loaded.episodes) == 3, "a bad episode was counted"
    assert len(loaded.warnings) == 1 and problem in loaded.warnings[0] and ":4: skipped" in loaded.warnings[0]


def test_episodes_of_another_run_are_neither_counted_nor_kept(finished_run, tmp_path, capsys):
    other = tmp_path / "other.jsonl"
    run(RunConfig(out=other, scenarios=[FIXTURE], episodes=4, seed=5, progress=False))
    _append(finished_run, *other.read_text(encoding="utf-8").splitlines())  # two runs concatenated
    assert main(["report", "--json", str(finished_run)]) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["episodes"] == 3  # not 7
    assert printed.err.count("an episode of run 'other', not of this run ('run')") == 4
    _rerun(finished_run)  # a resume keeps only its own episodes, and moves the others aside
    assert len(load_run(finished_run).episodes) == 3
    assert len(finished_run.with_suffix(".rejected.jsonl").read_text(encoding="utf-8").splitlines()) == 4


def test_a_repeated_episode_is_counted_once(finished_run):
    _append(finished_run, json.dumps(_episode_line(finished_run, 1)))
    loaded = load_run(finished_run)
    assert len(loaded.episodes) == 3 and "a repeat of the episode at line 2" in loaded.warnings[0]


@pytest.mark.timeout(60)
def test_a_run_file_that_is_a_fifo_or_device_is_refused(tmp_path, capsys):
    fifo = tmp_path / "run.jsonl"
    os.mkfifo(fifo)
    assert main(["report", str(fifo)]) == 1
    assert "a FIFO (named pipe), not a regular file" in one_line(capsys.readouterr().err)
    assert main(["report", "/dev/zero"]) == 1
    assert "a device, not a regular file" in one_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------------------------------------ CLI
@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--max-turns", "0"], "--max-turns=0: Input should be greater than or equal to 1"),
        (["--max-turns", "-1"], "--max-turns=-1: Input should be greater than or equal to 1"),
        (["--concurrency", "0"], "--concurrency=0: Input should be greater than or equal to 1"),
        (["--concurrency", "-3"], "--concurrency=-3: Input should be greater than or equal to 1"),
        (["--episodes", "0"], "--episodes=0: Input should be greater than or equal to 1"),
        (["--seed", "-1"], "--seed=-1: Input should be greater than or equal to 0"),
        (["--ray-actors", "0"], "--ray-actors=0: Input should be greater than or equal to 1"),
        (["--out", ""], "--out='': give a file path"),
        (["--out", "/dev/full"], "--out='/dev/full': not a regular file"),
        (["--out", "."], "--out='.': a folder"),
        (["--patient", "llm"], "--patient-model is required for --patient='llm'"),
        (["--patient-model", "m"], "--patient-model is set, but --patient='offline' uses no model"),
        (["--patinet-model", "m"], "unknown argument --patinet-model; did you mean --patient-model?"),
        (["--patient", "llm", "--patient-model", "m", "--patient-base-url", "htp:/x"], "not an http(s) URL"),
        (["--patient", "llm", "--patient-model", "m", "--patient-base-url", "http://h:99999/v1"], "the port is not"),
        (["--patient", "llm", "--patient-model", "m", "--patient-base-url", "http://u:sk-1@h/v1"], "credentials"),
        (["--max-turns", "x"], "argument --max-turns: invalid int value: 'x'"),
    ],
)
def test_run_refuses_bad_flags_in_one_line_before_writing(tmp_path, monkeypatch, capsys, flags, expected):
    monkeypatch.chdir(tmp_path)
    out = [] if "--out" in flags else ["--out", str(tmp_path / "run.jsonl")]
    try:
        code = main(["run", "--quiet", *out, *flags])
    except SystemExit as exited:  # usage errors (an unknown flag, a word for a number) exit 2
        code = exited.code
    assert code in (1, 2)
    assert expected in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_an_unreachable_model_server_is_refused_in_seconds_not_after_every_episode(tmp_path, capsys):
    url = unused_base_url()
    code = main(["run", "--quiet", "--out", str(tmp_path / "run.jsonl"), "--patient", "llm", "--patient-model", "m",
                 "--patient-base-url", url])  # fmt: skip
    assert code == 1
    assert f"patient: cannot reach {url} (connection refused)" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_a_run_whose_episodes_all_errored_exits_1_and_report_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "run.jsonl"
    with FakeOpenAIServer(["Hi."], api_key="sk-not-yours") as server:  # every call fails: authentication
        code = main(["run", "--quiet", "--scenarios", str(FIXTURE), "--episodes", "3", "--out", str(out),
                     "--patient", "llm", "--patient-model", "m", "--patient-base-url", server.base_url,
                     "--patient-max-retries", "0"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 1 and "0 completed, 3 errored" in printed.out
    assert "error: 3 of 3 episodes errored (3 x patient LLM backend" in one_line(printed.err)
    assert "authentication failed" in printed.err and "rerun the same command" in printed.err
    assert main(["report", str(out)]) == 1
    printed = capsys.readouterr()
    assert "diagnosis accuracy  n/a" in printed.out and "coverage            n/a" in printed.out
    assert "error (x3)" in printed.out and "none of its 3 episodes finished" in one_line(printed.err)
    assert main(["report", "--json", str(out)]) == 1
    report = json.loads(capsys.readouterr().out)  # strict JSON: no NaN
    assert report["diagnosis_accuracy"] is None and report["common_errors"][0][1] == 3


def test_a_run_with_some_errored_episodes_exits_1(tmp_path, monkeypatch, capsys):
    from consultgym.agents.doctor import scripted

    original = scripted.ScriptedDoctor.act
    calls = {"n": 0}

    async def flaky(self, observation):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("policy crashed")
        return await original(self, observation)

    monkeypatch.setattr(scripted.ScriptedDoctor, "act", flaky)
    code = main(["run", "--quiet", "--scenarios", str(FIXTURE), "--episodes", "3", "--out", str(tmp_path / "r.jsonl")])
    err = capsys.readouterr().err
    assert code == 1 and "1 of 3 episodes errored (1 x RuntimeError: policy crashed)" in err


# ------------------------------------------------------------------------------------------------------- gym.make
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"patinet_model": "gpt-4o"}, "unknown option patinet_model; did you mean patient_model?"),
        ({"max_turn": 3}, "unknown option max_turn; did you mean max_turns?"),
        ({"scenario": "starter"}, "unknown option scenario; did you mean scenarios?"),
        ({"patient_model": "gpt-4o"}, "patient_model is set, but patient='offline' uses no model"),
        ({"guardian_model": "g"}, "guardian_model is set, but guardian='offline' uses no model"),
        ({"judge_models": "a,b"}, "judge_models is set, but judge='offline' uses no model; set judge='panel'"),
        ({"patient": "llm"}, "patient_model is required for patient='llm'"),
        ({"judge": "panel"}, "judge_models is required for judge='panel'"),
        ({"guardian": "strict"}, "guardian='strict' is not one of 'offline', 'llm', 'tiered' or 'off'"),
        ({"max_turns": 0}, "max_turns=0: Input should be greater than or equal to 1"),
        ({"max_turns": -1}, "max_turns=-1: Input should be greater than or equal to 1"),
        ({"questions_per_turn": 0}, "questions_per_turn=0"),
        ({"patient": "llm", "patient_model": "m", "patient_base_url": "localhost:8000"}, "not an http(s) URL"),
    ],
)
def test_gym_make_refuses_unknown_and_misplaced_options(kwargs, expected):
    with pytest.raises(ConfigError) as caught:
        gym.make("consultgym/Consultation-v0", **kwargs)
    assert expected in one_line(str(caught.value))


def test_a_key_passed_as_an_option_is_refused_without_being_echoed():
    with pytest.raises(ConfigError) as caught:
        gym.make("consultgym/Consultation-v0", patient="llm", patient_model="m", patient_api_key="sk-secret-123")
    message = one_line(str(caught.value))
    assert "unknown option patient_api_key; did you mean patient_api_key_env?" in message
    assert "sk-secret-123" not in message


# --------------------------------------------------------------------------------------------------- config files
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("out: r.jsonl\nepisodes: 2\nepisodes: 3\n", "line 3, column 1: duplicate key 'episodes'"),
        (
            "out: r.jsonl\npatient:\n  kind: llm\n  modle: m\n",
            "run.yaml: unknown option patient.modle; did you mean patient.model?",
        ),
        ("out: r.jsonl\nmax_turns: 0\n", "run.yaml: max_turns=0: Input should be greater than or equal to 1"),
        ("- out\n", "run.yaml: a config file holds a mapping of settings"),
        ("out: r.jsonl\ndiagnosis: false\n", "diagnosis is set by env for a run; use env=consultgym/HistoryTaking-v0"),
    ],
)
def test_a_bad_config_file_is_refused_naming_file_and_key(tmp_path, monkeypatch, capsys, content, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.yaml").write_text(content, encoding="utf-8")
    assert main(["run", "--config", "run.yaml"]) == 1
    assert expected in one_line(capsys.readouterr().err)
    assert not (tmp_path / "r.jsonl").exists()


@pytest.mark.timeout(60)
def test_a_config_file_that_is_a_fifo_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "run.yaml")
    assert main(["run", "--config", str(tmp_path / "run.yaml")]) == 1
    assert "not a regular file" in one_line(capsys.readouterr().err)
