"""`consultgym serve` and its client env, end to end over loopback HTTP."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import consultgym  # noqa: F401 - registers the ids
from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.envs.builder import session_factory
from consultgym.envs.driver import run_sync
from consultgym.envs.remote import RemoteConsultationEnv
from consultgym.errors import ActionError, BackendError, ScenarioError
from consultgym.serve import create_app, running_server

SCENARIO = "chest-pain-58m"


@pytest.fixture(scope="module")
def url():
    with running_server(create_app(session_factory(scenarios="starter"))) as base_url:
        yield base_url


def play(env: gym.Env, seed: int, scenario: str | None = SCENARIO) -> list[tuple]:
    """A whole episode with the systematic doctor; returns every step."""
    obs, _ = env.reset(seed=seed, options={"scenario": scenario} if scenario else None)
    doctor, steps = SystematicDoctor(), []
    doctor.reset(obs, seed)
    while not steps or not (steps[-1][2] or steps[-1][3]):
        steps.append(env.step(run_sync(doctor.act(obs))))
        obs = steps[-1][0]
    return steps


def raw(url: str, method: str, path: str, body: bytes | None = None) -> tuple[int, dict]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_check_env_passes_on_the_client(url):
    env = RemoteConsultationEnv(url)
    check_env(env, skip_render_check=True)
    env.close()


def test_the_remote_env_plays_the_same_episode_as_the_local_one(url):
    remote = RemoteConsultationEnv(url)
    local = gym.make("consultgym/Consultation-v0")
    for seed, scenario in [(3, SCENARIO), (5, None)]:  # None: the seed draws the scenario, on both sides
        remote_steps, local_steps = play(remote, seed, scenario), play(local, seed, scenario)
        assert [s[:4] for s in remote_steps] == [s[:4] for s in local_steps]
        assert remote_steps[-1][4]["judgement"] == local_steps[-1][4]["judgement"]
    record = remote.record()
    assert record["judgement"]["reward"] == remote_steps[-1][1] and record["turns"]
    remote.close()


def test_64_concurrent_remote_episodes_complete(url):
    def one(seed: int) -> tuple[float, dict]:
        env = RemoteConsultationEnv(url)
        try:
            steps = play(env, seed, scenario=None)
            return steps[-1][1], steps[-1][4]
        finally:
            env.close()

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(one, range(64)))
    assert len(results) == 64 and all(info["judgement"]["reward"] == reward > 0 for reward, info in results)
    status, health = raw(url, "GET", "/health")
    assert status == 200 and health["active_sessions"] == 0  # every client released its episode


def test_cut_short_and_the_openenv_routes(url):
    env = RemoteConsultationEnv(url)
    env.reset(seed=0, options={"scenario": SCENARIO})
    env.step("When did the pain start? Does it spread anywhere?")
    reward, info = env.cut_short()
    assert reward > 0 and reward == info["judgement"]["reward"] and info["judgement"]["diagnosis_given"] is None
    with pytest.raises(ActionError, match="over"):
        env.step("Any fever?")
    status, state = raw(url, "GET", f"/state?episode_id={env.episode_id}")
    assert status == 200 and state == {
        "episode_id": env.episode_id,
        "step_count": 1,
        "done": True,
        "scenario_id": SCENARIO,
    }
    assert raw(url, "GET", "/schema")[1]["action"]["properties"]["text"]["type"] == "string"
    assert raw(url, "GET", "/metadata")[1]["name"] == "consultgym/Consultation-v0"
    env.close()


def test_bad_requests_get_one_line_errors(url):
    env = RemoteConsultationEnv(url)
    with pytest.raises(ActionError, match="reset it first"):
        env.step("Hello?")  # no episode yet
    with pytest.raises(ScenarioError, match="unknown scenario"):
        env.reset(seed=0, options={"scenario": "no-such-case"})
    assert raw(url, "POST", "/step", b"{not json")[1]["error"]["code"] == "INVALID_JSON"
    status, answer = raw(url, "POST", "/step", json.dumps({"episode_id": "x", "action": "text"}).encode())
    assert status == 422 and "action" in answer["error"]["message"]
    with pytest.raises(BackendError, match="cannot reach"):
        RemoteConsultationEnv("http://127.0.0.1:9").reset(seed=0)


def test_sessions_are_bounded_and_idle_ones_make_room():
    build = session_factory(scenarios="starter")
    with running_server(create_app(build, max_sessions=2, idle_timeout=3600)) as base_url:
        first, second, third = (RemoteConsultationEnv(base_url) for _ in range(3))
        first.reset(seed=0)
        second.reset(seed=1)
        with pytest.raises(BackendError, match="CAPACITY_REACHED"):
            third.reset(seed=2)
        first.close()
        assert third.reset(seed=2)[0]
    with running_server(create_app(build, max_sessions=1, idle_timeout=0.05)) as base_url:
        idle, fresh = RemoteConsultationEnv(base_url), RemoteConsultationEnv(base_url)
        idle.reset(seed=0)
        time.sleep(0.1)
        assert fresh.reset(seed=1)[0]  # the idle episode was dropped to make room
        with pytest.raises(ActionError, match="reset it first"):
            idle.step("Any fever?")


def test_the_serve_command_listens_on_loopback():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "consultgym.cli", "serve", "--port", str(port), "--max-turns", "2"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        env, deadline = RemoteConsultationEnv(f"http://127.0.0.1:{port}"), time.monotonic() + 30
        while True:
            try:
                env.reset(seed=0, options={"scenario": SCENARIO})
                break
            except BackendError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        env.step("When did it start?")
        assert env.step("Does it spread?")[3]  # --max-turns 2: truncated, and judged
        env.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert f"on http://127.0.0.1:{port}" in server.stderr.read()
