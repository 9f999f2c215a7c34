"""Reward and observation wrappers: shaping, per-scenario normalisation, a turn cost, chat-message observations.

The env's own reward is sparse: the judge's score on the last step. These wrappers reshape it without touching the
env, and stack in any order (they only read the wrapped env's rewards and the session's records):

- `ShapedCoverage`: weighted coverage gained each turn, taken back at the end, so the episode's sum is unchanged.
- `ScenarioNormalized`: each scenario's running median return maps to a common value (MedGRPO), so easy and hard
  scenarios pull on the policy equally.
- `TurnCost`: a fixed cost per turn, for shorter consultations.
- `TestCost`: a price for every ``TEST:`` and ``EXAMINE:`` request, so ordering everything is not free.
- `ChatMessages`: the observation becomes the dialogue as OpenAI chat messages (doctor = assistant, patient = user).

Example:
    >>> import gymnasium as gym, consultgym
    >>> env = TurnCost(ShapedCoverage(gym.make("consultgym/Consultation-v0")), cost=0.01)
    >>> obs, info = env.reset(seed=0)
"""

from __future__ import annotations

import statistics
from collections import defaultdict, deque
from typing import Any, SupportsFloat

import gymnasium as gym
from gymnasium.spaces import Dict, Sequence

from consultgym.actions import DoctorAction, parse_action
from consultgym.config import MAX_OBSERVATION_CHARS
from consultgym.envs.session import ConsultationSession
from consultgym.envs.spaces import UnicodeText
from consultgym.errors import ConfigError
from consultgym.scenarios.retrieval import mentioned_names
from consultgym.scenarios.schema import FactCategory
from consultgym.scenarios.test_names import canonical

Step = tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]


def session_of(env: gym.Env) -> ConsultationSession:
    """The `ConsultationSession` under any stack of wrappers."""
    session = getattr(env.unwrapped, "session", None)
    if not isinstance(session, ConsultationSession):
        raise ConfigError(f"{type(env.unwrapped).__name__} is not a consultgym env (it has no ConsultationSession)")
    return session


def coverage_weight(session: ConsultationSession) -> float:
    """The share of the final reward that coverage earns (0.7 in Consultation-v0, 1.0 in HistoryTaking-v0)."""
    judge = session.judge
    for source in (judge, getattr(judge, "offline_judge", None)):
        weight = getattr(source, "coverage_weight", None)
        if weight is not None:
            return float(weight)
    return 1.0


class ShapedCoverage(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Dense reward: the weighted must-ask coverage each turn gains, taken back on the last step.

    This is potential-based shaping with potential ``weight * coverage``, where coverage is the session's per-turn
    offline coverage (`Turn.coverage`: the share of rubric weight covered so far) and the potential of the final
    state is 0. A non-final step pays ``reward + weight * (coverage after the turn - coverage before it)``; the final
    step pays ``reward - weight * (coverage before it)``. So **an episode's sum equals the wrapped env's sum exactly**
    (up to float rounding): on a bare env, the judge's final reward. Only the timing of credit changes. With the
    offline judge, the final step of Consultation-v0 pays ``0.3 * diagnosis correct`` plus the coverage the final
    turn itself gained; with an LLM judge it also settles any difference between that judge and the offline coverage.

    Args:
        env: a consultgym env (or a wrapper of one).
        weight: the reward per unit of coverage; default: the judge's coverage weight (0.7 in Consultation-v0,
            1.0 in HistoryTaking-v0).
    """

    def __init__(self, env: gym.Env, weight: float | None = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, weight=weight)
        gym.Wrapper.__init__(self, env)
        self.weight = weight
        self._potential = 0.0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        self._potential = 0.0
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> Step:
        obs, reward, terminated, truncated, info = self.env.step(action)
        potential = 0.0 if terminated or truncated else self._weight() * self._coverage()
        shaped = float(reward) + potential - self._potential
        self._potential = potential
        return obs, shaped, terminated, truncated, info

    def _weight(self) -> float:
        return coverage_weight(session_of(self.env)) if self.weight is None else self.weight

    def _coverage(self) -> float:
        turns = session_of(self.env).turns
        return turns[-1].coverage if turns else 0.0


class ScenarioNormalized(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Per-scenario normalisation of the episode return, in the spirit of MedGRPO's difficulty balancing.

    For each scenario the wrapper keeps the returns of its last `window` episodes. When an episode ends, its return
    ``R`` (the sum of the wrapped env's rewards) is normalised with the median ``m`` of that scenario's returns,
    this episode's included (so the first episode of a scenario maps to `target` exactly):

    - ``mode="shift"`` (default): ``R - m + target``. Every scenario's median return becomes `target`, so a hard
      scenario (median 0.2) and an easy one (median 0.9) give the same reward to a median episode, and
      an episode 0.1 above its scenario's median earns ``target + 0.1`` on either.
    - ``mode="scale"``: ``R / max(m, floor) * target``: a relative improvement counts the same on any scenario.

    Steps before the last pass their reward through; the last step pays the difference, so the episode's sum is the
    normalised return. Statistics live in the wrapper instance (one per sub-env of a vector env); pass the same
    `stats` dict to several wrappers in one process to pool them.

    Args:
        env: a consultgym env (or a wrapper of one).
        target: the value a scenario's median return maps to.
        mode: ``shift`` or ``scale``.
        window: how many recent returns per scenario the median covers.
        floor: the smallest median ``scale`` divides by (a scenario nobody scores on would explode otherwise).
        stats: shared storage of recent returns, scenario id -> deque.
    """

    def __init__(
        self,
        env: gym.Env,
        target: float = 0.5,
        mode: str = "shift",
        window: int = 100,
        floor: float = 0.05,
        stats: dict[str, deque[float]] | None = None,
    ) -> None:
        if mode not in ("shift", "scale"):
            raise ConfigError(f"mode={mode!r}: use 'shift' or 'scale'")
        if window < 1 or floor <= 0:
            raise ConfigError(f"window must be >= 1 and floor > 0, got window={window}, floor={floor}")
        gym.utils.RecordConstructorArgs.__init__(self, target=target, mode=mode, window=window, floor=floor)
        gym.Wrapper.__init__(self, env)
        self.target, self.mode, self.window, self.floor = target, mode, window, floor
        self.stats: dict[str, deque[float]] = stats if stats is not None else defaultdict(self._history)
        self._return = 0.0
        self._scenario = ""

    def _history(self) -> deque[float]:
        return deque(maxlen=self.window)

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._return = 0.0
        self._scenario = session_of(self.env).scenario.id  # type: ignore[union-attr]
        return obs, info

    def step(self, action: Any) -> Step:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if not (terminated or truncated):
            self._return += float(reward)
            return obs, reward, terminated, truncated, info
        episode_return = self._return + float(reward)
        normalized = self.normalize(self._scenario, episode_return)
        info = {**info, "raw_return": episode_return, "scenario_median": self.median(self._scenario)}
        return obs, normalized - self._return, terminated, truncated, info

    def normalize(self, scenario_id: str, episode_return: float) -> float:
        """Record `episode_return` for the scenario and return it normalised (see the class docstring)."""
        history = self.stats.setdefault(scenario_id, self._history())
        history.append(episode_return)
        median = statistics.median(history)
        if self.mode == "shift":
            return episode_return - median + self.target
        return episode_return / max(median, self.floor) * self.target

    def median(self, scenario_id: str) -> float | None:
        """The scenario's current median return, None before its first episode ends."""
        history = self.stats.get(scenario_id)
        return statistics.median(history) if history else None


class TurnCost(gym.RewardWrapper, gym.utils.RecordConstructorArgs):
    """Subtracts `cost` from every step's reward, so an episode of T turns loses ``T * cost``.

    Args:
        env: a consultgym env (or a wrapper of one).
        cost: the price of one doctor turn (0.01 to 0.02 makes a 12-turn episode cost 0.12 to 0.24).
    """

    def __init__(self, env: gym.Env, cost: float = 0.01) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, cost=cost)
        gym.RewardWrapper.__init__(self, env)
        self.cost = cost

    def reward(self, reward: SupportsFloat) -> float:
        return float(reward) - self.cost


class TestCost(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Charges for investigations: every ``TEST:`` request of a turn costs `cost`, every ``EXAMINE:`` `exam_cost`.

    A ``TEST:`` line is charged for every test it names ('TEST: ECG and troponin' orders two; a shotgun line naming
    six costs six), and at least once; a request is charged when it is written, answered or not. `prices` gives
    particular tests their own price, by any of their names (synonyms count: a price for 'CT' also prices
    'computed tomography'). The charge of the step is in ``info["test_cost"]``.

    Args:
        env: a consultgym env (or a wrapper of one).
        cost: the price of one test.
        exam_cost: the price of one examination.
        prices: test name -> price, overriding `cost` for those tests.

    Example:
        >>> import gymnasium as gym, consultgym
        >>> env = TestCost(gym.make("consultgym/Consultation-v0"), cost=0.02, prices={"CT": 0.1})
        >>> _ = env.reset(seed=0)
        >>> env.step("TEST: CT head\\nTEST: blood count")[-1]["test_cost"]
        0.12
    """

    __test__ = False  # not a pytest class, whatever its name

    def __init__(
        self, env: gym.Env, cost: float = 0.02, exam_cost: float = 0.005, prices: dict[str, float] | None = None
    ) -> None:
        if cost < 0 or exam_cost < 0 or any(price < 0 for price in (prices or {}).values()):
            raise ConfigError(f"test prices must be >= 0, got cost={cost}, exam_cost={exam_cost}, prices={prices}")
        gym.utils.RecordConstructorArgs.__init__(self, cost=cost, exam_cost=exam_cost, prices=prices)
        gym.Wrapper.__init__(self, env)
        self.cost, self.exam_cost = cost, exam_cost
        self.prices = {canonical(name): price for name, price in sorted((prices or {}).items())}

    def step(self, action: Any) -> Step:
        obs, reward, terminated, truncated, info = self.env.step(action)
        turns = session_of(self.env).turns
        charge = self.charge(parse_action(turns[-1].doctor)) if turns else 0.0
        return obs, float(reward) - charge, terminated, truncated, {**info, "test_cost": charge}

    def charge(self, action: DoctorAction) -> float:
        """What one parsed turn's requests cost."""
        tests = sum(self._price(name) for name in action.tests)
        return round(tests + self.exam_cost * len(action.exams), 6)

    def _price(self, line: str) -> float:
        named = mentioned_names(line, {}, FactCategory.lab) or [line]
        return sum(self.prices.get(canonical(name), self.cost) for name in named)


def chat_message_space(max_chars: int = MAX_OBSERVATION_CHARS) -> Sequence:
    """A gymnasium space of chat messages: a sequence of ``{"role": str, "content": str}`` dicts (any unicode)."""
    message = Dict({"role": UnicodeText(max_length=16, min_length=1), "content": UnicodeText(max_length=max_chars)})
    return Sequence(message)


class ChatMessages(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """The observation becomes the whole dialogue so far as OpenAI chat messages, ready for a chat template.

    The patient speaks as ``user``, the doctor as ``assistant`` (the policy's own turns), as in
    `ConsultationSession.messages`; an optional system prompt comes first. The space is a gymnasium `Sequence` of
    `Dict` spaces, whose members are tuples: the observation is a tuple of dicts (``list(obs)`` gives the list an
    OpenAI client or ``tokenizer.apply_chat_template`` takes). It passes `check_env`.

    Args:
        env: a consultgym env (or a wrapper of one).
        system_prompt: prepended as a ``system`` message when given.
    """

    def __init__(self, env: gym.Env, system_prompt: str | None = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, system_prompt=system_prompt)
        gym.ObservationWrapper.__init__(self, env)
        self.system_prompt = system_prompt
        self.observation_space = chat_message_space()

    def observation(self, observation: Any) -> tuple[dict[str, str], ...]:
        messages = session_of(self.env).messages()
        if self.system_prompt:
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        return tuple(messages)
