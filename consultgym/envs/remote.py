"""`RemoteConsultationEnv`: a `gymnasium.Env` whose consultations run on a `consultgym serve` server.

It behaves as the local env does (same spaces, the same episode for the same seed and options, the judgement in
``info`` at the end, `cut_short`), while the patient, guardian and judge run in the server's process: a trainer on
one machine steps consultations served from another. Each reset starts a new episode id on the server and releases
the previous one; `close` releases the last.

Example:
    >>> from consultgym.envs.builder import session_factory
    >>> from consultgym.serve import create_app, running_server
    >>> with running_server(create_app(session_factory(scenarios="starter"))) as url:
    ...     env = RemoteConsultationEnv(url)
    ...     obs, info = env.reset(seed=0, options={"scenario": "chest-pain-58m"})
    ...     obs, reward, terminated, truncated, info = env.step("DIAGNOSIS: inferior STEMI")
    ...     env.close()
    >>> terminated, reward == info["judgement"]["reward"]
    (True, True)
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import uuid4

import gymnasium as gym

from consultgym.config import MAX_ACTION_CHARS, MAX_OBSERVATION_CHARS
from consultgym.envs.spaces import UnicodeText
from consultgym.errors import ActionError, BackendError, ConfigError, ScenarioError

DEFAULT_URL = "http://127.0.0.1:8010"
_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class RemoteConsultationEnv(gym.Env[str, str]):
    """A consultation env served by ``consultgym serve`` (see `consultgym.serve`).

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:8010``.
        timeout: seconds one request may take (an LLM patient's turn included).

    Raises:
        BackendError: the server cannot be reached, or failed a request.
        ActionError: a step on an ended episode, or with an action that is not text.
    """

    metadata = {"render_modes": []}

    def __init__(self, base_url: str = DEFAULT_URL, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ConfigError(f"base_url={base_url!r}: give the server's http://host:port")
        self.base_url = base_url.rstrip("/")
        self._address = (parts.hostname, parts.port or 80)
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self.episode_id: str | None = None
        self.action_space = UnicodeText(max_length=MAX_ACTION_CHARS)
        self.observation_space = UnicodeText(max_length=MAX_OBSERVATION_CHARS)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        # As the local env: the episode seed comes from the env's RNG, so the same seed meets the same patient.
        body = {
            "episode_id": uuid4().hex,
            "seed": int(self.np_random.integers(2**31 - 1)),
            "scenario": (options or {}).get("scenario"),
            "release": self.episode_id,
        }
        answer = self._request("POST", "/reset", body)
        self.episode_id = answer["episode_id"]
        return answer["observation"]["text"], answer["info"]

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if not isinstance(action, str):
            raise ActionError(f"the action must be text (str), got {type(action).__name__}")
        answer = self._request("POST", "/step", {"episode_id": self.episode_id, "action": {"text": action}})
        return _step(answer)

    def cut_short(self) -> tuple[float, dict[str, Any]]:
        """End the running episode now, judged as if the doctor had said ``END INQUIRY``; returns (reward, info)."""
        _, reward, _, _, info = _step(self._request("POST", "/cut_short", {"episode_id": self.episode_id}))
        return reward, info

    def record(self) -> dict[str, Any]:
        """The ended episode's run record (`records.Episode` as JSON)."""
        return self._request("GET", "/episode?" + urlencode({"episode_id": self.episode_id}))

    def close(self) -> None:
        if self.episode_id is not None:
            try:
                self._request("POST", "/close", {"episode_id": self.episode_id})
            except BackendError:
                pass  # the server is gone: nothing left to release
            self.episode_id = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        for attempt in range(2):  # a keep-alive connection the server closed while idle is reopened once
            if self._connection is None:
                self._connection = http.client.HTTPConnection(*self._address, timeout=self._timeout)
            try:
                self._connection.request(method, path, body=payload, headers=headers)
                response = self._connection.getresponse()
                status, raw = response.status, response.read()
                break
            except _RETRYABLE as exc:
                self._connection.close()
                self._connection = None
                if attempt:
                    raise BackendError(f"{self.base_url}{path}: the server closed the connection ({exc})") from None
            except OSError as exc:
                self._connection.close()
                self._connection = None
                raise BackendError(f"{self.base_url}{path}: cannot reach the consultgym server ({exc})") from None
        answer: dict[str, Any] = json.loads(raw)
        if status == 200:
            return answer
        error = answer.get("error", {})
        message = f"{self.base_url}{path}: {error.get('message', raw[:200])}"
        if status in (404, 409):
            raise ActionError(message)
        if status == 422:
            raise ScenarioError(message) if "scenario" in message else ConfigError(message)
        raise BackendError(f"{message} (HTTP {status} {error.get('code', '')})")


def _step(answer: dict[str, Any]) -> tuple[str, float, bool, bool, dict[str, Any]]:
    reward = float(answer["reward"] or 0.0)
    return answer["observation"]["text"], reward, answer["terminated"], answer["truncated"], answer["info"]
