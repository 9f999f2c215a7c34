"""`consultgym serve`: consultations over HTTP for remote trainers, one session per episode id, on one event loop.

The routes follow OpenEnv's HTTP conventions where they exist (``POST /reset`` with ``seed`` and ``episode_id``,
``POST /step`` with an ``action`` object, answers carrying ``observation``, ``reward`` and ``done``; ``GET /health``,
``/metadata``, ``/schema``, ``/state``; a ``CAPACITY_REACHED`` error code). OpenEnv's HTTP reset and step are
stateless (its sessions live on a WebSocket); here every request names its ``episode_id``, so plain HTTP clients keep
an episode across requests. Additions: ``terminated``, ``truncated`` and ``info`` beside ``done`` (Gymnasium's
step), ``POST /close``, ``POST /cut_short`` (judge a running episode as if the doctor had said ``END INQUIRY``), and
``GET /episode`` (the run record of an ended episode).

Sessions are bounded (``max_sessions``): an episode left idle longer than ``idle_timeout`` seconds is dropped when
room is needed, and a reset beyond the bound is refused with HTTP 503. The server listens on 127.0.0.1 unless told
otherwise; it has no authentication, so only bind another address inside a network you trust.

The client is `consultgym.envs.remote.RemoteConsultationEnv`, a `gymnasium.Env`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from consultgym.config import MAX_ACTION_CHARS, MAX_OBSERVATION_CHARS
from consultgym.envs.session import ConsultationSession, StepResult
from consultgym.errors import ActionError, ConfigError, ConsultGymError, ScenarioError
from consultgym.settings import EnvConfig

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8010
DEFAULT_MAX_SESSIONS = 256
DEFAULT_IDLE_TIMEOUT_S = 600.0
MAX_ID_CHARS = 255  # OpenEnv's bound on episode ids


class ServeError(ConsultGymError):
    """A request the server refuses: carries the HTTP status and an OpenEnv-style error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


@dataclass
class _Live:
    session: ConsultationSession
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    seen: float = field(default_factory=time.monotonic)
    steps: int = 0


class EpisodeStore:
    """The live episodes of a server: one `ConsultationSession` per episode id, at most `max_sessions` of them."""

    def __init__(self, build: Callable[[], ConsultationSession], max_sessions: int, idle_timeout: float) -> None:
        if max_sessions < 1 or idle_timeout <= 0:
            raise ConfigError(f"max_sessions must be >= 1 and idle_timeout > 0 (got {max_sessions}, {idle_timeout})")
        self.build, self.max_sessions, self.idle_timeout = build, max_sessions, idle_timeout
        self.live: dict[str, _Live] = {}

    def get(self, episode_id: Any) -> _Live:
        live = self.live.get(str(episode_id))
        if live is None:
            raise ServeError(404, "SESSION_ERROR", f"no live episode {episode_id!r}: reset it first (or it was closed)")
        live.seen = time.monotonic()
        return live

    def open(self, episode_id: str) -> _Live:
        """The episode's entry, reusing its session when the id is live; makes room by dropping idle episodes."""
        if episode_id in self.live:
            return self.get(episode_id)
        if len(self.live) >= self.max_sessions:
            cutoff = time.monotonic() - self.idle_timeout
            for idle in [key for key, live in self.live.items() if live.seen < cutoff]:
                del self.live[idle]
        if len(self.live) >= self.max_sessions:
            raise ServeError(
                503, "CAPACITY_REACHED", f"{self.max_sessions} episodes are live; close some or retry later"
            )
        self.live[episode_id] = _Live(self.build())
        return self.live[episode_id]

    def close(self, episode_id: Any) -> bool:
        return self.live.pop(str(episode_id), None) is not None


def step_payload(episode_id: str, result: StepResult) -> dict[str, Any]:
    """OpenEnv's step answer (observation, reward, done) plus Gymnasium's terminated, truncated and info."""
    return {
        "episode_id": episode_id,
        "observation": {"text": result.observation},
        "reward": result.reward,
        "done": result.terminated or result.truncated,
        "terminated": result.terminated,
        "truncated": result.truncated,
        "info": result.info,
    }


def create_app(
    build: Callable[[], ConsultationSession],
    *,
    env_id: str = "consultgym/Consultation-v0",
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S,
) -> Starlette:
    """The Starlette app serving the sessions `build` makes (e.g. ``session_factory(scenarios="starter")``)."""
    store = EpisodeStore(build, max_sessions, idle_timeout)

    async def reset(body: dict[str, Any]) -> dict[str, Any]:
        episode_id = str(body.get("episode_id") or uuid4().hex)[:MAX_ID_CHARS]
        if body.get("release"):
            store.close(body["release"])
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ServeError(422, "VALIDATION_ERROR", f"seed={seed!r}: give a non-negative integer")
        live = store.open(episode_id)
        async with live.lock:
            opening, info = await live.session.areset(body.get("scenario"), int(seed or 0))
            live.steps = 0
        return {"episode_id": episode_id, "observation": {"text": opening}, "reward": None, "done": False, "info": info}

    async def step(body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("action")
        if not isinstance(action, dict) or "text" not in action:
            raise ServeError(422, "VALIDATION_ERROR", 'the body needs "action": {"text": "<the doctor\'s turn>"}')
        live = store.get(body.get("episode_id"))
        async with live.lock:
            result = await live.session.astep(action["text"])
            live.steps += 1
        return step_payload(str(body["episode_id"]), result)

    async def cut_short(body: dict[str, Any]) -> dict[str, Any]:
        live = store.get(body.get("episode_id"))
        async with live.lock:
            result = await live.session.acut_short()
        return step_payload(str(body["episode_id"]), result)

    async def close(body: dict[str, Any]) -> dict[str, Any]:
        return {"episode_id": body.get("episode_id"), "closed": store.close(body.get("episode_id"))}

    async def state(query: dict[str, Any]) -> dict[str, Any]:
        live = store.get(query.get("episode_id"))
        session = live.session
        scenario_id = session.scenario.id if session.scenario else None
        return {
            "episode_id": query["episode_id"],
            "step_count": live.steps,
            "done": session.done,
            "scenario_id": scenario_id,
        }

    async def episode(query: dict[str, Any]) -> dict[str, Any]:
        session = store.get(query.get("episode_id")).session
        if not session.done:
            raise ServeError(409, "SESSION_ERROR", "the episode is still running: its record is ready when it ends")
        return session.to_episode(env_id=env_id).model_dump(mode="json")

    async def health(_: dict[str, Any]) -> dict[str, Any]:
        return {"status": "healthy", "active_sessions": len(store.live), "max_sessions": store.max_sessions}

    async def metadata(_: dict[str, Any]) -> dict[str, Any]:
        return {"name": env_id, "description": "A doctor interviews a simulated patient (consultgym).", "version": "v0"}

    async def schema(_: dict[str, Any]) -> dict[str, Any]:
        text = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
        return {
            "action": {**text, "properties": {"text": {"type": "string", "maxLength": MAX_ACTION_CHARS}}},
            "observation": {**text, "properties": {"text": {"type": "string", "maxLength": MAX_OBSERVATION_CHARS}}},
            "state": {
                "type": "object",
                "properties": {"episode_id": {"type": "string"}, "step_count": {"type": "integer"}},
            },
        }

    def route(path: str, handler: Callable[[dict[str, Any]], Any], method: str) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                data = dict(request.query_params) if method == "GET" else await _json_body(request)
                return JSONResponse(await handler(data))
            except ServeError as exc:
                return _error(exc.status, exc.code, str(exc))
            except ActionError as exc:
                return _error(409, "SESSION_ERROR", str(exc))
            except (ScenarioError, ConfigError) as exc:
                return _error(422, "VALIDATION_ERROR", str(exc))
            except ConsultGymError as exc:  # a backend that stays down: the episode's failure, not the server's
                return _error(502, "EXECUTION_ERROR", str(exc))

        return Route(path, endpoint, methods=[method])

    routes = [
        route("/reset", reset, "POST"),
        route("/step", step, "POST"),
        route("/cut_short", cut_short, "POST"),
        route("/close", close, "POST"),
        route("/state", state, "GET"),
        route("/episode", episode, "GET"),
        route("/health", health, "GET"),
        route("/metadata", metadata, "GET"),
        route("/schema", schema, "GET"),
    ]
    return Starlette(routes=routes)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ServeError(422, "INVALID_JSON", f"the body is not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ServeError(422, "INVALID_JSON", "the body must be a JSON object")
    return body


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _uvicorn_server(app: Starlette) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=75, lifespan="off", access_log=False)
    return uvicorn.Server(config)


def serve(app: Starlette, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run `app` with uvicorn until interrupted."""
    server = _uvicorn_server(app)
    server.config.host, server.config.port = host, port
    server.run()


@contextlib.contextmanager
def running_server(app: Starlette, host: str = DEFAULT_HOST) -> Iterator[str]:
    """Serve `app` on a free port in a background thread; yields its base URL (for tests, benchmarks, notebooks).

    Example:
        >>> from consultgym.envs.builder import session_factory
        >>> with running_server(create_app(session_factory(scenarios="starter"))) as url:
        ...     url.startswith("http://127.0.0.1:")
        True
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    server = _uvicorn_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="consultgym-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the consultgym server did not start within 10 s")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_settings(
    settings: EnvConfig,
    *,
    env_id: str = "consultgym/Consultation-v0",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S,
) -> None:
    """`consultgym serve`: serve sessions built from `settings` (what `gym.make` takes) until interrupted."""
    import sys

    from consultgym.envs.builder import session_factory

    settings = settings.model_copy(update={"diagnosis": env_id != "consultgym/HistoryTaking-v0"})
    app = create_app(session_factory(settings), env_id=env_id, max_sessions=max_sessions, idle_timeout=idle_timeout)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {host}: the server has no authentication", file=sys.stderr)
    print(f"consultgym serve: {env_id} on http://{host}:{port} (at most {max_sessions} live episodes)", file=sys.stderr)
    serve(app, host, port)
