"""`ConsultationEnv`: the Gymnasium face of a `ConsultationSession`."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import gymnasium as gym

from consultgym.config import (
    DEFAULT_LIBRARY,
    DEFAULT_MAX_REVISIONS,
    DEFAULT_QUESTIONS_PER_TURN,
    MAX_ACTION_CHARS,
    MAX_OBSERVATION_CHARS,
)
from consultgym.envs.session import build_session, run_sync
from consultgym.envs.spaces import UnicodeText
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario

T = TypeVar("T")


class ConsultationEnv(gym.Env[str, str]):
    """A doctor interviews a simulated patient who knows only a scenario's facts.

    ## Description
    Each episode is one consultation. The patient opens with a complaint in their own words; the doctor (the agent)
    asks questions, examines, orders tests and finally gives a diagnosis. Every patient reply is checked by a guardian
    against the scenario's facts and revised when it hallucinates or leaks the diagnosis. At the end a rubric judge
    scores how many of the scenario's must-ask items the doctor covered, and whether the diagnosis is right.

    ## Action Space
    `UnicodeText(max_length=4000)`: the doctor's turn as free text. Conventions, parsed in one place
    (`consultgym.actions`): ``DIAGNOSIS: <text>`` ends the episode; ``END INQUIRY`` ends history taking;
    ``EXAMINE: <what>`` and ``TEST: <name>`` reveal matching exam and lab findings. Longer turns are truncated
    (``info["action_truncated"]``); control characters are replaced by spaces; a non-string raises ActionError.

    ## Observation Space
    `UnicodeText(max_length=20000)`: what the patient says. Any unicode text.

    ## Rewards
    Sparse: 0 on every step but the last, where it is the judge's reward. Consultation-v0:
    ``0.7 * weighted coverage + 0.3 * diagnosis correct``; HistoryTaking-v0: weighted coverage. Shaping and
    per-scenario normalisation are wrappers (`consultgym.envs.wrappers`).

    ## Starting State
    ``reset(seed, options={"scenario": id})`` picks that scenario (or one drawn from the seed) and returns the patient's
    opening. The same seed and options always give the same episode for the same actions.

    ## Episode End
    Terminated by ``DIAGNOSIS:`` or ``END INQUIRY``; truncated after the scenario's turn limit (default 12), or after
    ``max_episode_steps`` when `gym.make` was given one (Gymnasium's `TimeLimit`, judged by the registered
    `JudgeWhenCutShort` wrapper). ``info["judgement"]`` then holds
    the full score breakdown. A truncated episode is judged as if the doctor had said ``END INQUIRY``: it earns its
    coverage reward, with no diagnosis (``partial_credit=False``: 0.0). To stop an episode for a reason of your own
    (a token budget), call ``env.unwrapped.cut_short()``: it judges the episode the same way and returns its reward.

    ## Arguments
    ``scenarios``: library name, folder, file or a list of `Scenario` (default "starter");
    ``patient``: offline|llm; ``guardian``: offline|llm|tiered|off; ``judge``: offline|llm|panel; LLM roles take
    ``<role>_model``, ``<role>_base_url`` ...; ``max_turns``, ``max_revisions``, ``questions_per_turn``,
    ``loop`` ("direct", the default, or "graph": the patient turn through LangGraph, same transcripts),
    ``partial_credit`` (default True), ``render_mode`` ("ansi").

    ## Version History
    * v0: initial release.

    Example:
        >>> import gymnasium as gym, consultgym
        >>> env = gym.make("consultgym/Consultation-v0")
        >>> obs, info = env.reset(seed=0, options={"scenario": "chest-pain-inferior-stemi"})
        >>> obs, reward, terminated, truncated, info = env.step("When did the pain start?")
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        scenarios: str | Sequence[Scenario] = DEFAULT_LIBRARY,
        patient: str = "offline",
        guardian: str = "offline",
        judge: str = "offline",
        *,
        diagnosis: bool = True,
        max_turns: int | None = None,
        max_revisions: int = DEFAULT_MAX_REVISIONS,
        questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
        loop: str = "direct",
        partial_credit: bool = True,
        render_mode: str | None = None,
        **llm_options: Any,
    ) -> None:
        library = load_library(scenarios) if isinstance(scenarios, str) else list(scenarios)
        self.session = build_session(
            library,
            patient,
            guardian,
            judge,
            diagnosis=diagnosis,
            max_turns=max_turns,
            max_revisions=max_revisions,
            questions_per_turn=questions_per_turn,
            loop=loop,
            partial_credit=partial_credit,
            **llm_options,
        )
        self.action_space = UnicodeText(max_length=MAX_ACTION_CHARS)
        self.observation_space = UnicodeText(max_length=MAX_OBSERVATION_CHARS)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode={render_mode!r} is not supported; use 'ansi' or None")
        self.render_mode = render_mode
        self._runner = LoopRunner()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        # Without an explicit scenario, both the scenario and the patient's wording come from the env's seeded RNG.
        episode_seed = int(self.np_random.integers(2**31 - 1))
        obs, info = self._run(self.session.areset(options.get("scenario"), episode_seed))
        return obs, info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        result = self._run(self.session.astep(action))
        return result.observation, result.reward, result.terminated, result.truncated, result.info

    def cut_short(self) -> tuple[float, dict[str, Any]]:
        """End the running episode now, judged as if the doctor had said ``END INQUIRY`` (no diagnosis).

        Returns:
            The reward it earns (its coverage reward; 0.0 with ``partial_credit=False``) and an info dict with the
            ``judgement``.

        Raises:
            ActionError: the episode already ended or never started.
        """
        result = self._run(self.session.acut_short())
        return result.reward, result.info

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self.session.render_text()
        return None

    def close(self) -> None:
        self._runner.close()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return run_sync(coro) if self.session.synchronous else self._runner.run(coro)


class LoopRunner:
    """Runs coroutines of LLM roles on one private event loop in a daemon thread.

    One loop for the env's lifetime, because async HTTP clients bind to the loop they first ran on; a thread, so the
    env also works when the caller is already inside a running event loop (Jupyter, async trainers).
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.submit(coro).result()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start `coro` on the loop; its future, to wait on from this thread."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="consultgym-env-loop", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def close(self) -> None:
        if self._loop is not None:
            from consultgym.agents.llm import aclose_clients

            # The pooled HTTP clients are bound to this loop: close their connections before the loop goes.
            asyncio.run_coroutine_threadsafe(aclose_clients(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = self._thread = None
