"""`JudgeWhenCutShort`: an episode that a wrapper truncates (Gymnasium's `TimeLimit`) is judged, not left at 0.

The env judges every episode it ends itself. `gym.make(..., max_episode_steps=N)` stacks a `TimeLimit` outside the
env, which truncates on its own: without this wrapper that last step would carry reward 0 and no judgement. Both
registered ids put it outermost (``additional_wrappers``), so `gym.make` and `gym.make_vec` always have it.
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym

from consultgym.envs.wrappers import session_of


class JudgeWhenCutShort(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """When an outer limit truncates a running consultation, judge it as if the doctor had said ``END INQUIRY``.

    The step that truncated pays the episode's coverage reward (0.0 with ``partial_credit=False``) and carries the
    ``judgement`` in `info`, exactly as when the env's own turn limit ends it.
    """

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        session = session_of(self.env)
        if truncated and not session.done:
            extra, cut_info = self.env.unwrapped.cut_short()  # type: ignore[attr-defined]
            reward = float(reward) + extra
            info = {**info, "judgement": cut_info["judgement"], "cut_short": True}
        return obs, reward, terminated, truncated, info
