"""The loopback fake OpenAI server: scripts, faults, records and concurrency, through the real openai client."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from consultgym.testing import FakeOpenAIServer, FaultSpec, Reply

HELLO = [{"role": "user", "content": "hello"}]


async def _ask(server: FakeOpenAIServer, model: str = "m", timeout: float = 2.0, **kwargs):
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)
    try:
        return await client.chat.completions.create(model=model, messages=HELLO, timeout=timeout, **kwargs)
    finally:
        await client.close()


def test_list_script_is_consumed_in_order_and_its_last_reply_repeats(fake_openai):
    fake_openai.script(["one", {"a": 1}, Reply("three", prompt_tokens=7, completion_tokens=2)])
    texts = [asyncio.run(_ask(fake_openai)).choices[0].message.content for _ in range(2)]
    third = asyncio.run(_ask(fake_openai))
    fourth = asyncio.run(_ask(fake_openai))
    assert texts == ["one", json.dumps({"a": 1})]
    assert third.choices[0].message.content == fourth.choices[0].message.content == "three"
    assert (third.usage.prompt_tokens, third.usage.completion_tokens, third.usage.total_tokens) == (7, 2, 9)


def test_callable_and_per_model_scripts_and_the_request_record(fake_openai):
    fake_openai.script(lambda request: f"echo {request['messages'][-1]['content']}")
    fake_openai.script("guarded", model="g")
    assert asyncio.run(_ask(fake_openai)).choices[0].message.content == "echo hello"
    assert asyncio.run(_ask(fake_openai, model="g")).choices[0].message.content == "guarded"
    recorded = fake_openai.chat_requests
    assert [r.model for r in recorded] == ["m", "g"]
    assert recorded[0].text == "hello" and recorded[0].headers["authorization"] == "Bearer test-key"
    assert fake_openai.request_count == 2 and len(fake_openai.requests_for("g")) == 1


def test_json_schema_requests_get_the_scripted_json_and_are_marked_structured(fake_openai):
    fake_openai.script({"ok": True})
    schema = {"type": "json_schema", "json_schema": {"name": "X", "schema": {"type": "object"}, "strict": True}}
    reply = asyncio.run(_ask(fake_openai, response_format=schema))
    assert json.loads(reply.choices[0].message.content) == {"ok": True}
    assert fake_openai.chat_requests[-1].structured


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (FaultSpec.http(500), openai.InternalServerError),
        (FaultSpec.http(429), openai.RateLimitError),
        (FaultSpec.timeout(), openai.APITimeoutError),
        (FaultSpec.drop(), openai.APIConnectionError),
        (FaultSpec.malformed(), ValueError),
    ],
)
def test_scripted_faults_reach_the_client_as_errors(fake_openai, fault, error):
    fake_openai.script([fault, "fine"])
    with pytest.raises(error):
        asyncio.run(_ask(fake_openai, timeout=0.3))
    assert asyncio.run(_ask(fake_openai)).choices[0].message.content == "fine"


def test_fault_rates_are_seeded_and_reproducible():
    def outcomes() -> list[str]:
        with FakeOpenAIServer("ok", faults={"http": 0.5}, fault_seed=3) as server:
            results = []
            for _ in range(12):
                try:
                    asyncio.run(_ask(server))
                    results.append("ok")
                except openai.InternalServerError:
                    results.append("500")
            return results

    first = outcomes()
    assert first == outcomes() and "ok" in first and "500" in first


def test_unknown_model_gets_404_and_a_wrong_key_401():
    with FakeOpenAIServer(models=["known"], api_key="right") as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="right", max_retries=0)
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="unknown", messages=HELLO)
        with pytest.raises(openai.AuthenticationError):
            asyncio.run(_ask(server, model="known"))  # _ask sends "test-key"
        assert [m.id for m in client.models.list()] == ["known"]
        client.close()


def test_streaming_requests_get_server_sent_events(fake_openai):
    fake_openai.script("streamed reply")

    async def collect() -> str:
        client = openai.AsyncOpenAI(base_url=fake_openai.base_url, api_key="k", max_retries=0)
        stream = await client.chat.completions.create(model="m", messages=HELLO, stream=True)
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
        await client.close()
        return text

    assert asyncio.run(collect()) == "streamed reply"


def test_hundreds_of_concurrent_requests_are_all_answered():
    async def burst(server: FakeOpenAIServer, n: int) -> list[str]:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        replies = await asyncio.gather(*(client.chat.completions.create(model="m", messages=HELLO) for _ in range(n)))
        await client.close()
        return [r.choices[0].message.content for r in replies]

    # No wall-clock bound here (shared machines vary 5x); benchmarks/llm_throughput.py measures the overlap.
    with FakeOpenAIServer("ok", latency=0.01) as server:
        assert asyncio.run(burst(server, 256)) == ["ok"] * 256
        assert server.request_count == 256


def test_a_script_that_raises_answers_500_and_is_kept(fake_openai):
    fake_openai.script(lambda request: request["no such key"])
    with pytest.raises(openai.InternalServerError, match="KeyError"):
        asyncio.run(_ask(fake_openai))
    assert isinstance(fake_openai.script_errors[0], KeyError)
