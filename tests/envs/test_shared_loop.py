"""One event loop thread and one HTTP connection pool per process, shared by every LLM gym env and adapter."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading

import gymnasium as gym
import pytest

import consultgym  # noqa: F401 - registers the env ids
from consultgym.agents import chat_client
from consultgym.envs.driver import SharedLoop
from consultgym.integrations.trl import ConsultationToolEnv


def llm_env(server, **extra):
    options = {"patient": "llm", "patient_model": "p", "patient_base_url": server.base_url, "patient_timeout": 10.0}
    return gym.make("consultgym/Consultation-v0", **options, **extra)


def test_two_hundred_llm_envs_share_one_loop_thread_and_one_connection_pool(fake_openai):
    fake_openai.script("It started a while ago.")
    before = threading.active_count()  # the test's own threads and the fake server's
    envs = []
    for index in range(200):
        env = llm_env(fake_openai)
        env.reset(seed=index)
        assert env.step("When did it start?")[0].startswith("It started a while ago.")
        envs.append(env)
    tool = ConsultationToolEnv(patient="llm", patient_model="p", patient_base_url=fake_openai.base_url)
    tool.reset(scenario="chest-pain-58m", seed=0)
    assert tool.ask_patient("When did it start?").startswith("It started")  # the TRL adapter uses it too
    names = [t.name for t in threading.enumerate()]
    assert threading.active_count() <= before + 1 and names.count("consultgym-loop") == 1  # + 1: unless running
    shared = SharedLoop.get().loop
    assert list(chat_client._SESSIONS) == [shared]  # one aiohttp session (one pool) for all of them
    assert fake_openai.request_count == 201
    for env in envs:
        env.close()
    assert not SharedLoop.get().loop.is_closed()  # closing an env leaves the process's loop to the others


def test_envs_on_several_threads_step_at_once(fake_openai):
    fake_openai.script("I'm not sure.")
    fake_openai.latency = 0.2
    envs = [llm_env(fake_openai) for _ in range(8)]
    results: list[str] = []

    def play(env) -> None:
        env.reset(seed=0)
        results.append(env.step("Any fever?")[0])

    threads = [threading.Thread(target=play, args=(env,)) for env in envs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 8 and all(r.startswith("I'm not sure.") for r in results)
    received = [r.received_at for r in fake_openai.chat_requests]
    assert max(received) - min(received) < 0.2 * 8  # the calls overlapped on the one loop (served side by side)


def test_stepping_from_inside_the_loop_is_refused_clearly(fake_openai):
    env = llm_env(fake_openai)
    env.reset(seed=0)

    async def step_inside():
        return env.step("Any fever?")

    with pytest.raises(RuntimeError, match="await the session's coroutines"):
        SharedLoop.get().run(step_inside())


def _child_steps(base_url: str, results) -> None:
    from consultgym.testing import FakeOpenAIServer  # noqa: F401 - the parent's server is reachable by URL

    env = gym.make("consultgym/Consultation-v0", patient="llm", patient_model="p", patient_base_url=base_url)
    env.reset(seed=0)
    results.put((env.step("Any fever?")[0], SharedLoop.get().pid == multiprocessing.current_process().pid))


def test_a_forked_child_gets_its_own_loop(fake_openai):
    fake_openai.script("No fever.")
    env = llm_env(fake_openai)
    env.reset(seed=0)
    env.step("Any fever?")  # the parent's loop is running
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_child_steps, args=(fake_openai.base_url, results))
    child.start()
    reply, own = results.get(timeout=60)
    child.join(30)
    assert reply.startswith("No fever.") and own and child.exitcode == 0


def test_offline_envs_use_no_loop_at_all():
    env = gym.make("consultgym/Consultation-v0")
    env.reset(seed=0)
    before = SharedLoop._instance
    env.step("When did it start?")
    assert SharedLoop._instance is before  # run synchronously, without an event loop
    asyncio.run(asyncio.sleep(0))  # and a user's own loop is untouched
