"""Shared fixtures: the small chest-pain scenario used by unit tests, merged cases, loopback LLM servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from consultgym.scenarios.loader import load_library, load_scenario
from consultgym.scenarios.schema import Scenario

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def chest_scenario() -> Scenario:
    return load_scenario(FIXTURES / "chest_pain.yaml")


@pytest.fixture(scope="session")
def merged_cases() -> list[Scenario]:
    """Starter scenarios four at a time merged into one case (`merged`): the valid ones."""
    starter = load_library("starter")
    return [case for i in range(0, len(starter) - 3, 2) if (case := merged(starter[i : i + 4])) is not None]


def merged(scenarios: list[Scenario]) -> Scenario | None:
    """The first scenario with the facts and items of the others added under new ids (None if that is invalid): a
    case holding several onsets, smoking histories and their items, where many items tie on a question's words."""
    data = scenarios[0].model_dump(mode="json")
    for tag, donor in enumerate(scenarios[1:]):
        added = donor.model_dump(mode="json")
        for fact in added["facts"]:
            fact["id"] = f"{fact['id']}-{tag}"
        for item in added["must_ask"]:
            item["id"], item["facts"] = f"{item['id']}-{tag}", [f"{f}-{tag}" for f in item["facts"]]
        data["facts"] += added["facts"]
        data["must_ask"] += added["must_ask"]
    try:
        return Scenario.model_validate(data)
    except ValueError:  # a donor's facts name the first one's diagnosis
        return None


@pytest.fixture
def fake_openai():
    """A loopback OpenAI-compatible server (consultgym.testing.FakeOpenAIServer) answering "OK." until scripted.

    Script it with ``fake_openai.script([...])`` or ``fake_openai.script(fn, model="m")``; inspect
    ``fake_openai.chat_requests``. See `consultgym.testing.fake_openai` for replies, faults and latency.
    """
    from consultgym.testing import FakeOpenAIServer

    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def fast_llm(fake_openai):
    """``<role>_*`` options that reach the fake server with short timeouts and backoff, for gym.make or factories.

    >>> fast_llm("patient", model="p")  # doctest: +SKIP
    {'patient_model': 'p', 'patient_base_url': 'http://127.0.0.1:.../v1', 'patient_timeout': 0.5, ...}
    """

    def options(role: str, model: str = "m", **overrides: object) -> dict[str, object]:
        values = {"model": model, "base_url": fake_openai.base_url, "timeout": 0.5, "max_retries": 1, "backoff": 0.01}
        return {f"{role}_{key}": value for key, value in {**values, **overrides}.items()}

    return options


@pytest.fixture(scope="session")
def local_llm():
    """A real small model (SmolLM2-135M) behind llama.cpp's OpenAI-compatible server on 127.0.0.1, for ``real_llm``
    tests; skipped, with the pip commands, when the runtime or the model is not installed.

    One thread unless ``CONSULTGYM_LOCAL_LLM_THREADS`` says otherwise: on a loaded machine two threads collapse.
    """
    from consultgym.testing.local_llm import LocalLLM, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"real_llm: {reason}")
    with LocalLLM(threads=int(os.environ.get("CONSULTGYM_LOCAL_LLM_THREADS", "1"))) as server:
        yield server
