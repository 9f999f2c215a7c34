"""ChatBackend against the loopback server: retries, errors, structured output, usage and the response cache."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel, ConfigDict, Field

from consultgym.agents.llm import ChatBackend, aclose_clients
from consultgym.agents.structured import response_format, unbounded_paths
from consultgym.config import LLMSettings
from consultgym.errors import BackendError, ConfigError
from consultgym.records import Usage
from consultgym.settings import EnvConfig
from consultgym.testing import FakeOpenAIServer, FaultSpec, Reply, unused_base_url

HELLO = [{"role": "user", "content": "hello"}]
_SCHEMA_ERROR = "JSON schema conversion failed: unsupported keyword"


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int


def fast(base_url: str, **overrides) -> LLMSettings:
    values = {"model": "m", "base_url": base_url, "timeout": 0.5, "max_retries": 2, "backoff": 0.01, **overrides}
    return LLMSettings(**values)


class Meter:
    """A usage accumulator, the way roles keep theirs."""

    def __init__(self) -> None:
        self.usage = Usage()

    def __call__(self, usage: Usage) -> None:
        self.usage = self.usage.add(usage)


def run(backend: ChatBackend, coro_factory):
    async def main():
        try:
            return await coro_factory(backend)
        finally:
            await aclose_clients()

    return asyncio.run(main())


def test_complete_and_parse_return_text_and_a_validated_model(fake_openai):
    fake_openai.script(["plain text", '{"value": 3}', '```json\n{"value": 4}\n```'])
    backend = ChatBackend(fast(fake_openai.base_url))
    assert run(backend, lambda b: b.complete(HELLO)) == "plain text"
    assert run(backend, lambda b: b.parse(HELLO, Answer)) == Answer(value=3)
    assert run(backend, lambda b: b.parse(HELLO, Answer)) == Answer(value=4)  # fenced JSON from local models
    structured = fake_openai.chat_requests[1].body
    assert structured["response_format"]["json_schema"]["name"] == "Answer"
    assert structured["temperature"] == 0.0 and structured["model"] == "m"


@pytest.mark.parametrize(
    "fault",
    [
        FaultSpec.http(429),
        FaultSpec.http(502),
        FaultSpec.http(503),
        FaultSpec.http(504),
        FaultSpec.timeout(),
        FaultSpec.drop(),
        FaultSpec.malformed(),
    ],
)
def test_transient_failures_are_retried_a_bounded_number_of_times_then_raise(fake_openai, fault):
    fake_openai.script([fault])
    meter = Meter()
    backend = ChatBackend(fast(fake_openai.base_url, max_retries=2, timeout=0.3), on_usage=meter, role="patient")
    with pytest.raises(BackendError) as error:
        run(backend, lambda b: b.complete(HELLO))
    assert fake_openai.request_count == 3  # one attempt and two retries, all seen by the server
    assert meter.usage.calls == 3 and meter.usage.errors == 3
    message = str(error.value)
    assert "\n" not in message and fake_openai.base_url in message and "'m'" in message and "3 attempts" in message


def test_a_retry_that_succeeds_returns_the_reply_and_counts_every_attempt(fake_openai):
    fake_openai.script([FaultSpec.http(503), FaultSpec.timeout(), "finally"])
    meter = Meter()
    backend = ChatBackend(fast(fake_openai.base_url, timeout=0.3), on_usage=meter)
    assert run(backend, lambda b: b.complete(HELLO)) == "finally"
    assert fake_openai.request_count == 3
    assert (meter.usage.calls, meter.usage.errors) == (3, 2)
    assert meter.usage.failures == {"server unavailable (HTTP 5xx)": 1, "timeout": 1}
    assert meter.usage.completion_tokens > 0 and meter.usage.latency_s > 0


@pytest.mark.parametrize("status", [400, 422, 500])
def test_a_request_the_server_rejects_with_a_reason_fails_at_once_keeping_its_words(fake_openai, status, monkeypatch):
    monkeypatch.setenv("CONSULTGYM_TEST_KEY", "sk-test-SECRET-1234567890")
    explained = f"{_SCHEMA_ERROR} (request had Authorization: Bearer sk-test-SECRET-1234567890)"
    fake_openai.script(FaultSpec.http(status, explained))
    meter = Meter()
    settings = fast(fake_openai.base_url, api_key_env="CONSULTGYM_TEST_KEY", max_retries=3)
    with pytest.raises(BackendError) as error:
        run(ChatBackend(settings, on_usage=meter), lambda b: b.complete(HELLO))
    assert fake_openai.request_count == 1  # deterministic: the same request fails the same way
    message = str(error.value)
    assert f"HTTP {status}" in message and _SCHEMA_ERROR in message  # the server's explanation is kept ...
    assert "SECRET" not in message and "\n" not in message  # ... without the credentials it echoed
    assert meter.usage.errors == 1 and sum(meter.usage.failures.values()) == 1


def test_a_500_without_an_explanation_is_retried(fake_openai):
    fake_openai.script([FaultSpec.http(500, ""), "finally"])
    backend = ChatBackend(fast(fake_openai.base_url, max_retries=1))
    assert run(backend, lambda b: b.complete(HELLO)) == "finally"
    assert fake_openai.request_count == 2


def test_a_structured_reply_cut_at_max_tokens_says_so_and_is_not_retried_at_temperature_zero(fake_openai):
    fake_openai.script(Reply('{"value": 12', finish_reason="length"))
    meter = Meter()
    backend = ChatBackend(fast(fake_openai.base_url, max_tokens=5, max_retries=3), on_usage=meter)
    with pytest.raises(BackendError, match="cut at max_tokens=5"):
        run(backend, lambda b: b.parse(HELLO, Answer))
    assert fake_openai.request_count == 1 and meter.usage.failures == {"reply cut at max_tokens": 1}
    sampled = ChatBackend(fast(fake_openai.base_url, max_tokens=5, max_retries=1, temperature=0.7))
    with pytest.raises(BackendError, match="2 attempts"):  # sampling may close the JSON next time
        run(sampled, lambda b: b.parse(HELLO, Answer))


def test_a_server_that_refuses_string_bounds_gets_the_schema_without_them(fake_openai):
    refusal = (
        "Invalid schema for response_format 'Bounded': In context=('properties', 'name'), 'maxLength' is not permitted."
    )
    fake_openai.script([FaultSpec.http(400, refusal), '{"name": "a", "tags": []}', '{"name": "b", "tags": []}'])
    first = ChatBackend(fast(fake_openai.base_url, max_retries=0))
    assert run(first, lambda b: b.parse(HELLO, Bounded)).name == "a"
    again = ChatBackend(fast(fake_openai.base_url, max_retries=0))  # a later episode's backend remembers it
    assert run(again, lambda b: b.parse(HELLO, Bounded)).name == "b"
    schemas = [json.dumps(r.body["response_format"]) for r in fake_openai.chat_requests]
    assert "maxLength" in schemas[0] and "maxLength" not in schemas[1] + schemas[2] and "maxItems" in schemas[2]


class Bounded(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=20)
    tags: list[str] = Field(max_length=3, json_schema_extra={"items": {"type": "string", "maxLength": 10}})


class Unbounded(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tags: list[str]


def test_structured_calls_need_length_bounded_schemas():
    assert unbounded_paths(Bounded.model_json_schema()) == []
    assert response_format(Bounded)["json_schema"]["schema"]["properties"]["name"]["maxLength"] == 20
    with pytest.raises(TypeError, match=r"Unbounded: .*properties\.name.*properties\.tags"):
        response_format(Unbounded)


def test_an_unparseable_structured_reply_is_retried_then_raises(fake_openai):
    fake_openai.script(['{"value": "not a number"}', "not json at all"])
    backend = ChatBackend(fast(fake_openai.base_url, max_retries=1))
    with pytest.raises(BackendError, match="does not validate as Answer"):
        run(backend, lambda b: b.parse(HELLO, Answer))
    assert fake_openai.request_count == 2


def test_a_refused_connection_is_one_line_naming_the_url():
    url = unused_base_url()
    backend = ChatBackend(fast(url, max_retries=1), role="guardian")
    with pytest.raises(BackendError) as error:
        run(backend, lambda b: b.complete(HELLO))
    message = str(error.value)
    assert "\n" not in message and url in message and "connection refused" in message and "guardian" in message


def test_a_wrong_model_name_fails_at_once_with_what_to_check():
    with FakeOpenAIServer(models=["served"]) as server:
        backend = ChatBackend(fast(server.base_url, model="typo"))
        with pytest.raises(BackendError) as error:
            run(backend, lambda b: b.complete(HELLO))
        assert server.request_count == 1  # a 404 is not retried
    message = str(error.value)
    assert "'typo'" in message and "404" in message and "/models" in message and "\n" not in message


def test_an_auth_failure_names_the_key_variable_and_never_the_key(monkeypatch):
    secret = "sk-test-SECRET-1234567890"
    monkeypatch.setenv("CONSULTGYM_TEST_KEY", secret)
    with FakeOpenAIServer(api_key="another-key") as server:
        backend = ChatBackend(fast(server.base_url, api_key_env="CONSULTGYM_TEST_KEY"))
        with pytest.raises(BackendError) as error:
            run(backend, lambda b: b.complete(HELLO))
        assert server.chat_requests[0].headers["authorization"] == f"Bearer {secret}"  # the key was sent ...
    message = str(error.value)
    assert "401" in message and "$CONSULTGYM_TEST_KEY" in message and secret not in message  # ... never shown
    assert secret not in str(backend.describe())


def test_a_local_server_needs_no_key_but_openai_does(monkeypatch, fake_openai):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    backend = ChatBackend(fast(fake_openai.base_url))
    run(backend, lambda b: b.complete(HELLO))
    assert fake_openai.chat_requests[0].headers["authorization"] == "Bearer not-needed"
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        ChatBackend(LLMSettings(model="gpt-4o-mini"))


def test_usage_is_kept_per_role_instance_though_the_client_is_shared(fake_openai):
    first, second = Meter(), Meter()
    a = ChatBackend(fast(fake_openai.base_url), on_usage=first)
    b = ChatBackend(fast(fake_openai.base_url), on_usage=second)

    async def both():
        try:
            await asyncio.gather(a.complete(HELLO), a.complete(HELLO), b.complete(HELLO))
        finally:
            await aclose_clients()

    asyncio.run(both())
    assert (first.usage.calls, second.usage.calls) == (2, 1)


def test_the_cache_replays_identical_requests_without_calls(fake_openai, tmp_path):
    fake_openai.script(['{"value": 1}', '{"value": 2}'])
    meter = Meter()
    writer = ChatBackend(fast(fake_openai.base_url, cache="readwrite", cache_dir=str(tmp_path)), on_usage=meter)
    assert run(writer, lambda b: b.parse(HELLO, Answer)) == Answer(value=1)
    assert run(writer, lambda b: b.parse(HELLO, Answer)) == Answer(value=1)
    assert fake_openai.request_count == 1 and meter.usage.cache_hits == 1
    # The key covers the whole request: another temperature is another entry.
    hotter = ChatBackend(fast(fake_openai.base_url, cache="readwrite", cache_dir=str(tmp_path), temperature=0.7))
    assert run(hotter, lambda b: b.parse(HELLO, Answer)) == Answer(value=2)
    assert fake_openai.request_count == 2


def test_cache_modes_read_and_write(fake_openai, tmp_path):
    fake_openai.script(["first", "second", "third"])
    settings = {"cache_dir": str(tmp_path)}
    reader = ChatBackend(fast(fake_openai.base_url, cache="read", **settings))
    assert run(reader, lambda b: b.complete(HELLO)) == "first"  # a miss is not stored in read mode
    writer = ChatBackend(fast(fake_openai.base_url, cache="write", **settings))
    assert run(writer, lambda b: b.complete(HELLO)) == "second"
    assert run(writer, lambda b: b.complete(HELLO)) == "third"  # write mode always calls, storing the latest
    assert run(reader, lambda b: b.complete(HELLO)) == "third"
    assert fake_openai.request_count == 3


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({}, "patient_model is required for patient='llm'"),
        ({"patient_model": "m", "patient_temprature": 1}, "unknown option patient_temprature; did you mean patient_t"),
        ({"patient_model": "m", "patient_base_url": "localhost:8000"}, "patient_base_url='localhost:8000': not an"),
        ({"patient_model": "m", "patient_base_url": "http://u:sk-x@h/v1"}, "credentials do not belong in the URL"),
    ],
)
def test_settings_errors_name_the_option(options, match):
    with pytest.raises(ConfigError, match=match):
        EnvConfig.parse({"patient": "llm", **options})


def test_a_role_counts_its_usage_and_is_freed_without_the_cycle_collector(fake_openai):
    """The backend's usage sink holds its role weakly: a finished episode's roles go by reference counting."""
    import gc
    import weakref

    from consultgym.agents.doctor.llm import LLMDoctor

    fake_openai.script("When did it start?")
    doctor = LLMDoctor(fast(fake_openai.base_url))
    assert run(doctor.backend, lambda b: b.complete(HELLO)) == "When did it start?"
    assert doctor.usage.calls == 1 and doctor.usage.prompt_tokens > 0  # counted into the role
    gone = weakref.ref(doctor)
    gc.disable()
    try:
        del doctor
        assert gone() is None
    finally:
        gc.enable()


def test_backends_built_alike_share_their_derived_settings_but_see_a_changed_key(monkeypatch):
    monkeypatch.setenv("CONSULTGYM_TEST_KEY", "sk-first-0123456789")
    settings = LLMSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key_env="CONSULTGYM_TEST_KEY")
    a, b = ChatBackend(settings, role="patient"), ChatBackend(settings, role="patient")
    assert a.settings is b.settings and a.settings.max_tokens is not None  # the role's default cap, applied once
    assert a._headers["Authorization"] == "Bearer sk-first-0123456789"
    monkeypatch.setenv("CONSULTGYM_TEST_KEY", "sk-second-0123456789")
    assert ChatBackend(settings, role="patient")._headers["Authorization"] == "Bearer sk-second-0123456789"


@pytest.mark.parametrize("failure", ["", "timeout", "malformed response body"])
def test_add_call_counts_as_adding_a_one_call_usage(failure):
    before = Usage(calls=3, prompt_tokens=10, completion_tokens=4, latency_s=0.5, errors=1, failures={"timeout": 1})
    for start in (Usage(), before):
        one = Usage(
            calls=1, prompt_tokens=7, completion_tokens=2, latency_s=0.25, errors=int(bool(failure)),
            failures={failure: 1} if failure else {},
        )  # fmt: skip
        assert start.add_call(0.25, 7, 2, failure) == start.add(one)


def test_a_roles_usage_counts_failed_attempts_by_kind(fake_openai):
    from consultgym.agents.doctor.llm import LLMDoctor

    fake_openai.script([FaultSpec.http(503), FaultSpec.malformed(), "Fine."])
    doctor = LLMDoctor(fast(fake_openai.base_url))
    assert run(doctor.backend, lambda b: b.complete(HELLO)) == "Fine."
    usage = doctor.usage
    assert (usage.calls, usage.errors) == (3, 2)
    assert usage.failures == {"malformed response body": 1, "server unavailable (HTTP 5xx)": 1}
