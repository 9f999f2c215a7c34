"""`ConsultationEnv`: the Gymnasium face of a `ConsultationSession`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from consultgym.config import MAX_ACTION_CHARS, MAX_OBSERVATION_CHARS
from consultgym.envs.builder import build_session, load_scenarios
from consultgym.envs.driver import SessionDriver
from consultgym.envs.spaces import UnicodeText
from consultgym.errors import ConfigError
from consultgym.settings import EnvConfig


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
    The fields of `consultgym.settings.EnvConfig`, flat or nested, or ``config=EnvConfig(...)``: ``scenarios``
    (library name, folder, file or a list of `Scenario`; default "starter"), ``patient`` (offline|llm), ``guardian``
    (offline|llm|tiered|off), ``judge`` (offline|llm|panel); an LLM role takes ``<role>_model``, ``<role>_base_url``
    ...; ``max_turns``, ``max_revisions``, ``questions_per_turn``, ``partial_credit`` (default True); and
    ``render_mode`` ("ansi"). An unknown or misplaced option raises `ConfigError` naming it (``max_turn=3``: did you
    mean max_turns?).

    ## Version History
    * v0: initial release.

    Example:
        >>> import gymnasium as gym, consultgym
        >>> env = gym.make("consultgym/Consultation-v0")
        >>> obs, info = env.reset(seed=0, options={"scenario": "chest-pain-58m"})
        >>> obs, reward, terminated, truncated, info = env.step("When did the pain start?")
        >>> obs, reward, terminated, truncated, info = env.step("DIAGNOSIS: inferior STEMI")
        >>> terminated, info["judgement"]["diagnosis_correct"]
        (True, True)
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, config: EnvConfig | None = None, render_mode: str | None = None, **settings: Any) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode={render_mode!r} is not supported; use 'ansi' or None")
        self.config = _settings(config, settings)
        self.session = build_session(self.config, load_scenarios(self.config))
        self.action_space = UnicodeText(max_length=MAX_ACTION_CHARS)
        self.observation_space = UnicodeText(max_length=MAX_OBSERVATION_CHARS)
        self.render_mode = render_mode
        self._driver = SessionDriver(self.session)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        # Without an explicit scenario, both the scenario and the patient's wording come from the env's seeded RNG.
        episode_seed = int(self.np_random.integers(2**31 - 1))
        obs, info = self._driver.run(self.session.areset(options.get("scenario"), episode_seed))
        return obs, info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        result = self._driver.run(self.session.astep(action))
        return result.observation, result.reward, result.terminated, result.truncated, result.info

    def cut_short(self) -> tuple[float, dict[str, Any]]:
        """End the running episode now, judged as if the doctor had said ``END INQUIRY`` (no diagnosis).

        Returns:
            The reward it earns (its coverage reward; 0.0 with ``partial_credit=False``) and an info dict with the
            ``judgement``.

        Raises:
            ActionError: the episode already ended or never started.
        """
        result = self._driver.run(self.session.acut_short())
        return result.reward, result.info

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self.session.render_text()
        return None

    def close(self) -> None:
        self._driver.close()


def _settings(config: EnvConfig | None, settings: dict[str, Any]) -> EnvConfig:
    """The env's settings: keyword arguments, or a config (beside which only the env id's ``diagnosis`` may come)."""
    if config is None:
        return EnvConfig.parse(settings)
    config = EnvConfig.parse(config)
    if set(settings) - {"diagnosis"}:
        extra = ", ".join(sorted(set(settings) - {"diagnosis"}))
        raise ConfigError(f"give settings either in config=EnvConfig(...) or as keyword arguments, not both ({extra})")
    if "diagnosis" in settings:  # the registered id decides it
        config = config.model_copy(update={"diagnosis": bool(settings["diagnosis"])})
    return config
