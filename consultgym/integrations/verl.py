"""veRL adapter: `ConsultationInteraction`, a multi-turn interaction in which the patient answers the policy.

veRL's multi-turn rollout calls an interaction (``verl.interactions.base.BaseInteraction``) after each assistant turn:

- ``start_interaction(instance_id, **interaction_kwargs)``: one instance per trajectory; the dataset row's
  ``extra_info.interaction_kwargs`` carry ``scenario`` and ``seed``, so every sample of a GRPO group meets the same
  patient;
- ``generate_response(instance_id, messages)`` -> ``(should_terminate, response, turn_score, metadata)``: the last
  assistant message is the doctor's turn; the response is the patient's reply (the next user message);
- ``calculate_score(instance_id)``: the episode's reward (the judge's score once the consultation ended, else 0.0);
- ``finalize_interaction(instance_id)``: frees the instance.

Instances are keyed by id and live on veRL's event loop: LLM roles are awaited there directly, no thread. Register it
in veRL's interaction config (`interaction_config` writes the dict) and give each dataset row the prompt and
kwargs of `dataset_row`. The class subclasses veRL's `BaseInteraction` when veRL is installed, and works the same
without it (the contract tests run without veRL). ``pip install 'consultgym[verl]'`` installs veRL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from consultgym.envs.builder import session_factory
from consultgym.envs.session import ConsultationSession
from consultgym.errors import ActionError
from consultgym.settings import EnvConfig

CLASS_PATH = "consultgym.integrations.verl.ConsultationInteraction"
RESERVED = ("name", "class_name")  # keys of veRL's interaction config that are not consultgym settings
SYSTEM_PROMPT = (
    "You are a doctor seeing a patient. Ask at most 3 short questions per turn. Write 'EXAMINE: <what>' to examine, "
    "'TEST: <name>' to order a test, and 'DIAGNOSIS: <name>' to give your final diagnosis, which ends the consultation."
)

try:  # subclass veRL's base when it is there, so isinstance checks in veRL pass
    from verl.interactions.base import BaseInteraction as _Base
except ImportError:  # veRL is optional: the same contract, without it

    class _Base:  # type: ignore[no-redef]
        def __init__(self, config: dict[str, Any]) -> None:
            self.config = config
            self.name: str = config.get("name", "interaction_agent")


@dataclass
class _Instance:
    session: ConsultationSession
    reward: float = 0.0


class ConsultationInteraction(_Base):
    """A consultation per veRL trajectory: the policy is the doctor, this interaction the patient.

    Args:
        config: veRL's interaction config; besides ``name`` it takes the settings `gym.make` takes (``scenarios``,
            ``patient``, ``guardian``, ``judge``, ``diagnosis``, ``max_turns``, ``<role>_model`` ...); an unknown
            option raises `ConfigError` here.

    Pickling keeps the configuration, not live instances (their sessions belong to one process and loop).
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = dict(config or {})
        super().__init__(config)
        self.settings = EnvConfig.parse({key: value for key, value in config.items() if key not in RESERVED})
        self._build: Callable[[], ConsultationSession] | None = None
        self._instances: dict[str, _Instance] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])  # type: ignore[misc]

    def _session(self) -> ConsultationSession:
        self._build = self._build or session_factory(self.settings)
        return self._build()

    async def start_interaction(
        self, instance_id: str | None = None, scenario: str | None = None, seed: int = 0, **kwargs: Any
    ) -> str:
        """Start the consultation of one trajectory with the patient of (`scenario`, `seed`); returns its id."""
        instance_id = instance_id or str(uuid4())
        session = self._session()
        await session.areset(scenario, int(seed or 0))
        self._instances[instance_id] = _Instance(session)
        return instance_id

    async def generate_response(
        self, instance_id: str, messages: list[dict[str, Any]], **kwargs: Any
    ) -> tuple[bool, str, float, dict[str, Any]]:
        """Play the last assistant message as the doctor's turn; the patient's reply is the response.

        Returns:
            ``(should_terminate, reply, turn_score, metadata)``: the turn score is 0.0 until the last turn, which
            scores the judge's reward; the metadata carry the turn number and, at the end, the judgement.
        """
        instance = self._instances[instance_id]
        if instance.session.done:
            return True, "The consultation is over.", 0.0, {"error": "the consultation had already ended"}
        try:
            step = await instance.session.astep(_last_assistant_text(messages))
        except ActionError as exc:
            return True, "The consultation is over.", 0.0, {"error": str(exc)}
        instance.reward += step.reward
        metadata: dict[str, Any] = {
            "turn": step.info.get("turn"),
            "terminated": step.terminated,
            "truncated": step.truncated,
        }
        if "judgement" in step.info:
            metadata["judgement"] = step.info["judgement"]
        return step.terminated or step.truncated, step.observation, step.reward, metadata

    async def calculate_score(self, instance_id: str, **kwargs: Any) -> float:
        """The episode's reward: the judge's score once the consultation has ended, 0.0 before."""
        return self._instances[instance_id].reward

    async def finalize_interaction(self, instance_id: str, **kwargs: Any) -> None:
        """Forget the instance (its record is `session(instance_id).to_episode()` until then)."""
        self._instances.pop(instance_id, None)

    def session(self, instance_id: str) -> ConsultationSession:
        """The live session of an instance, e.g. to write its `to_episode()` record before finalising."""
        return self._instances[instance_id].session


def _last_assistant_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "assistant":
            content = message.get("content") or ""
            if isinstance(content, list):  # content parts
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content)
    return ""


def interaction_config(name: str = "consultation", **settings: Any) -> dict[str, Any]:
    """veRL's interaction config (write it as YAML; point ``interaction_config_path`` at it).

    Example:
        >>> interaction_config(patient="offline")["interaction"][0]["class_name"]
        'consultgym.integrations.verl.ConsultationInteraction'
    """
    return {"interaction": [{"name": name, "class_name": CLASS_PATH, "config": dict(settings)}]}


def dataset_row(opening: str, scenario: str, seed: int, name: str = "consultation") -> dict[str, Any]:
    """The parts of a veRL dataset row this interaction needs: the prompt and ``extra_info.interaction_kwargs``.

    Args:
        opening: the patient's opening words (`Scenario.opening`), the prompt's first user message.
        scenario: the scenario id; with `seed` it picks the patient.
        seed: the episode seed.
        name: the interaction's name in the config.
    """
    prompt = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": opening}]
    kwargs = {"name": name, "scenario": scenario, "seed": seed}
    return {"prompt": prompt, "extra_info": {"interaction_kwargs": kwargs}}
