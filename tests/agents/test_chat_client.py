"""The thin chat-completions client: one pooled session per event loop, closed with the loop, errors that say why."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

from consultgym.agents import chat_client
from consultgym.agents.chat_client import (
    ChatHTTPError,
    ChatTransportError,
    MalformedResponse,
    auth_headers,
    post_chat,
)
from consultgym.agents.llm import ChatBackend
from consultgym.config import LLMSettings
from consultgym.testing import FakeOpenAIServer, FaultSpec, Reply, unused_base_url

BODY = {"model": "m", "messages": [{"role": "user", "content": "Héllo ✓"}]}


def url(server: FakeOpenAIServer) -> str:
    return f"{server.base_url}/chat/completions"


def test_a_reply_carries_content_finish_reason_and_tokens(fake_openai):
    fake_openai.script(Reply("Bonjour ✓", prompt_tokens=7, completion_tokens=3, finish_reason="length"))
    reply = asyncio.run(post_chat(url(fake_openai), auth_headers("k-123"), BODY))
    assert (reply.content, reply.finish_reason, reply.prompt_tokens, reply.completion_tokens) == (
        "Bonjour ✓",
        "length",
        7,
        3,
    )
    request = fake_openai.chat_requests[0]
    assert request.body == BODY  # unicode sent as it is, nothing added
    assert request.headers["authorization"] == "Bearer k-123" and request.headers["content-type"] == "application/json"


def test_backends_on_one_loop_share_one_session_and_asyncio_run_closes_it(fake_openai):
    a, b = (ChatBackend(LLMSettings(model="m", base_url=fake_openai.base_url)) for _ in range(2))
    # Other loops' pools are not this test's: the gym envs' shared loop keeps one when an env test ran first.
    others = set(chat_client._SESSIONS)

    async def both():
        await asyncio.gather(a.complete(BODY["messages"]), b.complete(BODY["messages"]))
        pooled = chat_client._SESSIONS[asyncio.get_running_loop()][0]
        await a.complete(BODY["messages"])
        return pooled, len(set(chat_client._SESSIONS) - others)

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)  # an unclosed aiohttp session or connector would warn
        pooled, sessions = asyncio.run(both())
        gc.collect()
    assert sessions == 1 and pooled.closed  # closed when asyncio.run shut the loop's async generators down
    assert not set(chat_client._SESSIONS) - others
    assert fake_openai.request_count == 3


def test_each_loop_gets_its_own_session_closed_with_it():
    async def grab():
        return await chat_client.session()

    first, second = asyncio.run(grab()), asyncio.run(grab())
    assert first is not second and first.closed and second.closed


def test_an_error_status_keeps_the_servers_words_and_whether_it_explained(fake_openai):
    fake_openai.script(FaultSpec.http(400))
    with pytest.raises(ChatHTTPError) as error:
        asyncio.run(post_chat(url(fake_openai), auth_headers("k"), BODY))
    assert error.value.status == 400 and error.value.explained
    assert error.value.message == "Injected fault: HTTP 400."


def test_transport_failures_say_what_to_check(fake_openai):
    with pytest.raises(ChatTransportError, match="connection refused"):
        asyncio.run(post_chat(f"{unused_base_url()}/chat/completions", auth_headers("k"), BODY))
    fake_openai.script(FaultSpec.drop())
    with pytest.raises(ChatTransportError, match="dropped before a response"):
        asyncio.run(post_chat(url(fake_openai), auth_headers("k"), BODY))
    with pytest.raises(ChatTransportError, match="cannot resolve the host"):
        asyncio.run(post_chat("http://no-such-host.invalid/v1/chat/completions", auth_headers("k"), BODY))


@pytest.mark.parametrize("body", [FaultSpec.malformed(), '{"choices": 3}'])
def test_a_body_that_is_not_a_chat_completion_is_malformed(fake_openai, body):
    if isinstance(body, str):
        fake_openai.script(lambda request: body)  # a reply whose *content* is odd is fine ...
        reply = asyncio.run(post_chat(url(fake_openai), auth_headers("k"), BODY))
        assert reply.content == body
        return
    fake_openai.script(body)  # ... a body that is not chat-completion JSON is not
    with pytest.raises(MalformedResponse, match="malformed response body"):
        asyncio.run(post_chat(url(fake_openai), auth_headers("k"), BODY))


def test_the_key_is_in_no_error(fake_openai, monkeypatch):
    secret = "sk-consultgym-NEVER-SHOWN-0123456789"
    monkeypatch.setenv("CONSULTGYM_CLIENT_KEY", secret)
    fake_openai.script([FaultSpec.http(500), FaultSpec.drop(), FaultSpec.malformed()])
    backend = ChatBackend(
        LLMSettings(
            model="m", base_url=fake_openai.base_url, api_key_env="CONSULTGYM_CLIENT_KEY", max_retries=2, backoff=0
        )
    )
    with pytest.raises(Exception) as error:
        asyncio.run(backend.complete(BODY["messages"]))
    assert secret not in str(error.value) and secret not in repr(error.value)
    assert all(r.headers["authorization"] == f"Bearer {secret}" for r in fake_openai.chat_requests)
