"""veRL adapter: `ConsultationInteraction` (the patient answers the policy) and `compute_score` (its reward).

How veRL runs it, as read from veRL's source (`ToolAgentLoop`, `BaseInteraction`, the reward loop's
`NaiveRewardManager`):

- each dataset row names its agent loop (``agent_name: tool_agent``); the agent loop builds the interactions of
  the interaction config for every sample and calls ``start_interaction(request_id, **interaction_kwargs)``, with
  the row's ``extra_info.interaction_kwargs``: ``name``, ``scenario`` and ``seed`` (so every sample of a GRPO group
  meets the same patient);
- after each assistant turn it calls ``generate_response(request_id, messages, **interaction_kwargs)`` ->
  ``(should_terminate, reply, turn_score, metadata)``, appends the reply as the next user message and the turn score
  to ``turn_scores``; it never calls ``calculate_score`` or ``finalize_interaction``;
- the agent loop may stop before the doctor ends the consultation (``max_assistant_turns``, ``max_user_turns``, the
  response length): the interaction is not told;
- the reward manager then calls ``compute_score(data_source, solution_str, ground_truth, extra_info)``, where
  ``extra_info`` is the row's, plus the agent loop's ``turn_scores``.

So the reward travels as turn scores: each turn scores the weighted must-ask coverage it gained, and the last turn
the rest of the judge's reward. They sum to the episode's reward, and a consultation veRL stops early keeps the
coverage it earned: its partial credit, as if the doctor had said ``END INQUIRY`` (with ``partial_credit=False``
every turn scores 0 until the doctor ends it). `compute_score` returns that sum.

The class subclasses veRL's `BaseInteraction` when veRL is installed, and works the same without it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from consultgym.envs.session import ConsultationSession
from consultgym.envs.wrappers import coverage_weight
from consultgym.errors import ActionError
from consultgym.integrations import shared_session_builder
from consultgym.scenarios.schema import Scenario
from consultgym.settings import EnvConfig

CLASS_PATH = "consultgym.integrations.verl.ConsultationInteraction"
DATA_SOURCE = "consultgym"  # the rows' data_source: what `compute_score` scores
AGENT_LOOP = "tool_agent"  # veRL's agent loop that drives interactions
MAX_INSTANCES = 4096  # live trajectories one interaction keeps (veRL never finalizes them): the oldest go first
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
    reward: float = 0.0  # the judge's reward once the consultation ended
    paid: float = 0.0  # the turn scores given so far


class ConsultationInteraction(_Base):
    """A consultation per veRL trajectory: the policy is the doctor, this interaction the patient.

    Args:
        config: veRL's interaction config; besides ``name`` it takes the settings `gym.make` takes (``scenarios``,
            ``patient``, ``guardian``, ``judge``, ``diagnosis``, ``max_turns``, ``partial_credit``,
            ``<role>_model`` ...); an unknown option raises `ConfigError` here.

    The library is loaded once per process and settings (veRL builds interactions per sample). Pickling keeps the
    configuration, not live instances (their sessions belong to one process and loop).
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = dict(config or {})
        super().__init__(config)
        self.settings = EnvConfig.parse({key: value for key, value in config.items() if key not in RESERVED})
        self.partial_credit = self.settings.partial_credit
        self._build: Callable[[], ConsultationSession] | None = None
        self._instances: OrderedDict[str, _Instance] = OrderedDict()

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])  # type: ignore[misc]

    def _session(self) -> ConsultationSession:
        self._build = self._build or shared_session_builder(self.settings)
        return self._build()

    async def start_interaction(
        self, instance_id: str | None = None, scenario: str | None = None, seed: int = 0, **kwargs: Any
    ) -> str:
        """Start the consultation of one trajectory with the patient of (`scenario`, `seed`); returns its id."""
        instance_id = instance_id or str(uuid4())
        session = self._session()
        await session.areset(scenario, int(seed or 0))
        self._instances[instance_id] = _Instance(session)
        while len(self._instances) > MAX_INSTANCES:
            self._instances.popitem(last=False)
        return instance_id

    async def generate_response(
        self, instance_id: str, messages: list[dict[str, Any]], **kwargs: Any
    ) -> tuple[bool, str, float, dict[str, Any]]:
        """Play the last assistant message as the doctor's turn; the patient's reply is the response.

        Returns:
            ``(should_terminate, reply, turn_score, metadata)``. The turn score is the weighted coverage this turn
            gained (0.0 with ``partial_credit=False``); on the last turn, the judge's reward minus the scores already
            given, so a trajectory's turn scores sum to its reward. The metadata carry the turn number, the coverage
            so far and, at the end, the judgement.
        """
        instance = self._instances[instance_id]
        if instance.session.done:
            return True, "The consultation is over.", 0.0, {"error": "the consultation had already ended"}
        try:
            step = await instance.session.astep(_last_assistant_text(messages))
        except ActionError as exc:
            return True, "The consultation is over.", 0.0, {"error": str(exc)}
        ended = step.terminated or step.truncated
        coverage = instance.session.turns[-1].coverage
        if ended:
            instance.reward = step.reward
            turn_score = step.reward - instance.paid
        elif self.partial_credit:
            turn_score = coverage_weight(instance.session) * coverage - instance.paid
        else:
            turn_score = 0.0
        instance.paid += turn_score
        metadata: dict[str, Any] = {
            "turn": step.info.get("turn"),
            "coverage": coverage,
            "terminated": step.terminated,
            "truncated": step.truncated,
        }
        if "judgement" in step.info:
            metadata["judgement"] = step.info["judgement"]
        return ended, step.observation, turn_score, metadata

    async def calculate_score(self, instance_id: str, **kwargs: Any) -> float:
        """The episode's reward: the judge's score once the consultation has ended, 0.0 before (veRL never calls it)."""
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


def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict[str, Any] | None = None, **kwargs: Any
) -> float:
    """veRL's reward function for consultation rows: the sum of the trajectory's turn scores (its episode reward).

    Point veRL at it with ``custom_reward_function.path=pkg://consultgym.integrations.verl`` and
    ``custom_reward_function.name=compute_score`` (see `trainer_overrides`). Rows of another ``data_source`` go to
    veRL's ``default_compute_score``.

    Raises:
        ValueError: ``extra_info`` has no ``turn_scores``: the reward did not come through veRL's agent loop with the
            consultation interaction, or the legacy reward manager dropped them.

    Example:
        >>> compute_score("consultgym", "...", "chest-pain-58m", {"turn_scores": [0.1, 0.05, 0.4]})
        0.55
    """
    if data_source != DATA_SOURCE:
        from verl.utils.reward_score import default_compute_score

        return default_compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)
    turn_scores = (extra_info or {}).get("turn_scores")
    if turn_scores is None:
        raise ValueError(
            f"a {DATA_SOURCE!r} row reached compute_score without extra_info['turn_scores'] (keys: "
            f"{sorted(extra_info or {})}); run it through agent_name={AGENT_LOOP!r} with the consultation interaction "
            "and reward_model.use_reward_loop=True (consultgym.integrations.verl.trainer_overrides)"
        )
    return round(float(sum(turn_scores)), 6)


def interaction_config(name: str = "consultation", **settings: Any) -> dict[str, Any]:
    """veRL's interaction config (write it as YAML; point ``interaction_config_path`` at it).

    Example:
        >>> interaction_config(patient="offline")["interaction"][0]["class_name"]
        'consultgym.integrations.verl.ConsultationInteraction'
    """
    return {"interaction": [{"name": name, "class_name": CLASS_PATH, "config": dict(settings)}]}


def trainer_overrides(interaction_config_path: str, max_turns: int = 12) -> list[str]:
    """The veRL trainer overrides (Hydra ``key=value``) that run consultations and score them with `compute_score`.

    Example:
        >>> "custom_reward_function.name=compute_score" in trainer_overrides("consultation_interaction.yaml")
        True
    """
    multi_turn = "actor_rollout_ref.rollout.multi_turn"
    return [
        f"{multi_turn}.enable=True",
        f"{multi_turn}.interaction_config_path={interaction_config_path}",
        f"{multi_turn}.max_user_turns={max_turns}",
        f"{multi_turn}.max_assistant_turns={max_turns + 1}",
        "data.return_raw_chat=True",
        "reward_model.reward_manager=naive",
        "reward_model.use_reward_loop=True",
        "custom_reward_function.path=pkg://consultgym.integrations.verl",
        "custom_reward_function.name=compute_score",
    ]


def dataset_row(opening: str, scenario: str, seed: int, name: str = "consultation", index: int = 0) -> dict[str, Any]:
    """One veRL training row: the prompt, the reward fields veRL's reward manager reads, and the interaction kwargs.

    Args:
        opening: the patient's opening words (`Scenario.opening`), the prompt's first user message.
        scenario: the scenario id; with `seed` it picks the patient. Also the row's ``reward_model.ground_truth``.
        seed: the episode seed.
        name: the interaction's name in the config.
        index: the row's index (``extra_info.index``; veRL groups the samples of a prompt by it).

    Example:
        >>> row = dataset_row("I have chest pain.", "chest-pain-58m", 0)
        >>> row["data_source"], row["agent_name"], row["reward_model"]["ground_truth"]
        ('consultgym', 'tool_agent', 'chest-pain-58m')
    """
    prompt = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": opening}]
    kwargs = {"name": name, "scenario": scenario, "seed": int(seed)}
    return {
        "data_source": DATA_SOURCE,
        "agent_name": AGENT_LOOP,
        "prompt": prompt,
        "ability": "consultation",
        "reward_model": {"style": "rule", "ground_truth": scenario},
        "extra_info": {"index": int(index), "scenario": scenario, "seed": int(seed), "interaction_kwargs": kwargs},
    }


def dataset_rows(scenarios: Sequence[Scenario], seeds: Sequence[int], name: str = "consultation") -> list[dict]:
    """One `dataset_row` per (scenario, seed), indexed in order (write them with ``Dataset.to_parquet``)."""
    pairs = [(scenario, seed) for scenario in scenarios for seed in seeds]
    return [dataset_row(s.opening, s.id, seed, name, index) for index, (s, seed) in enumerate(pairs)]
