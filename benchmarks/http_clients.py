"""Client CPU per chat-completions call, by HTTP client, as a ratio to a raw aiohttp request of the same run.

    python benchmarks/http_clients.py [--calls 3000] [--in-flight 32 256]

The loopback server runs in its own process with no latency; every client sends the same request (a system prompt,
a question) and gets the same reply. Rows:

- ``raw aiohttp``: the floor (pre-encoded body, response bytes read, nothing parsed);
- ``raw httpx``: `httpx.AsyncClient` with a pool sized to the calls in flight, JSON encoded and decoded;
- ``aiohttp + json``: aiohttp with the JSON work a real client does (encode the request, decode the reply);
- ``openai client.post`` and ``openai create``: the SDK's low-level post and `chat.completions.create`;
- ``ChatBackend.complete``: consultgym's backend (retries, timeout, usage accounting), what every LLM role calls.

This is the measurement behind the choice of transport in `consultgym.agents.chat_client`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable

from harness import FLOOR_MODEL, Measured, ServerProcess, cpu, floor_body, gather_bounded, machine_line

Call = Callable[[], Awaitable[object]]
Setup = Callable[[str, int], Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]]
MESSAGES = json.loads(floor_body())["messages"]
BODY = {"model": FLOOR_MODEL, "messages": MESSAGES, "temperature": 0.0}
HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer not-needed"}


async def raw_aiohttp(base_url: str, in_flight: int):
    import aiohttp

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    data, url = floor_body(), f"{base_url}/chat/completions"

    async def one() -> object:
        async with session.post(url, data=data, headers=HEADERS) as response:
            return await response.read()

    return one, session.close


async def aiohttp_json(base_url: str, in_flight: int):
    import aiohttp

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    url = f"{base_url}/chat/completions"

    async def one() -> object:
        async with session.post(url, data=json.dumps(BODY), headers=HEADERS) as response:
            return json.loads(await response.read())["choices"][0]["message"]["content"]

    return one, session.close


async def raw_httpx(base_url: str, in_flight: int):
    import httpx

    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    client = httpx.AsyncClient(base_url=base_url, limits=limits, headers=HEADERS, timeout=60)

    async def one() -> object:
        response = await client.post("/chat/completions", content=json.dumps(BODY))
        return json.loads(response.content)["choices"][0]["message"]["content"]

    return one, client.aclose


async def openai_post(base_url: str, in_flight: int):
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletion

    client = AsyncOpenAI(base_url=base_url, api_key="not-needed", max_retries=0)

    async def one() -> object:
        return await client.post("/chat/completions", cast_to=ChatCompletion, body=BODY)

    return one, client.close


async def openai_create(base_url: str, in_flight: int):
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="not-needed", max_retries=0)

    async def one() -> object:
        return await client.chat.completions.create(model=FLOOR_MODEL, messages=MESSAGES, temperature=0.0)

    return one, client.close


async def chat_backend(base_url: str, in_flight: int):
    from consultgym.agents.llm import ChatBackend, aclose_clients
    from consultgym.config import LLMSettings

    backend = ChatBackend(LLMSettings(model=FLOOR_MODEL, base_url=base_url))

    async def one() -> object:
        return await backend.complete(MESSAGES)

    return one, aclose_clients


CLIENTS: dict[str, Setup] = {
    "raw aiohttp (floor)": raw_aiohttp,
    "aiohttp + json": aiohttp_json,
    "raw httpx, tuned pool": raw_httpx,
    "openai client.post": openai_post,
    "openai create": openai_create,
    "ChatBackend.complete": chat_backend,
}


async def measure(setup: Setup, base_url: str, in_flight: int, calls: int) -> Measured:
    one, close = await setup(base_url, in_flight)
    try:
        await gather_bounded(in_flight * 2, in_flight, one)  # warm: connections, imports, pools
        wall, started = time.perf_counter(), cpu()
        await gather_bounded(calls, in_flight, one)
        return Measured(calls, cpu() - started, time.perf_counter() - wall)
    finally:
        await close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--rounds", type=int, default=2, help="each client is measured this often; the least counts")
    parser.add_argument("--clients", nargs="+", choices=list(CLIENTS), default=list(CLIENTS), help="(floor always)")
    args = parser.parse_args()
    print(machine_line())
    with ServerProcess(latency=0.0) as server:
        for in_flight in args.in_flight:
            best: dict[str, Measured] = {}
            for _ in range(args.rounds):  # interleaved rounds: a burst of load hits every client alike
                for name, setup in CLIENTS.items():
                    if name not in args.clients and name != "raw aiohttp (floor)":
                        continue
                    result = asyncio.run(measure(setup, server.base_url, in_flight, args.calls))
                    if name not in best or result.cpu_per < best[name].cpu_per:
                        best[name] = result
            floor = best["raw aiohttp (floor)"].cpu_per
            print(f"\n{in_flight} calls in flight, {args.calls} calls, least of {args.rounds} rounds:")
            for name, result in best.items():
                print(
                    f"  {name:24s} {result.cpu_per * 1e3:6.3f} ms CPU/call  x{result.cpu_per / floor:5.2f} of raw "
                    f"aiohttp   ({result.per_wall_second:,.0f} calls/s wall)"
                )


if __name__ == "__main__":
    main()
