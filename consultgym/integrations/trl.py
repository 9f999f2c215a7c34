"""TRL adapter: `ConsultationToolEnv`, a class for `GRPOTrainer(environment_factory=...)` (TRL >= 1.8).

TRL's contract for ``environment_factory`` (experimental in TRL), as read from its source:

- the trainer calls the factory with no arguments, once per rollout slot, and reuses the instances across batches:
  configure with `tool_env_factory(...)`, which returns a picklable `functools.partial` of the class;
- ``reset(**row)`` starts each episode with the dataset row's columns as keyword arguments; the text it returns is
  appended to the prompt's last message. Columns ``scenario`` (an id) and ``seed`` pick the patient: every
  completion of a GRPO group gets the same row, so the group meets the same patient;
- every other public method is a tool, its JSON schema built from its type hints and docstring (``Args:``). The
  tools are `ask_patient`, `examine`, `order_test` and `submit_diagnosis`; a tool that raises sends its message back
  to the model (as after the episode ended);
- ``get_reward()`` is the reward: TRL >= 1.8 reads it from the environment itself (logged as
  ``rewards/ConsultationToolEnv``, weight 1), so pass **no** ``reward_funcs`` for it, or it counts twice.

A rollout the trainer stops before the doctor ends it (the completion token budget, ``max_tool_calling_iterations``,
a model that stops calling tools) is judged in `get_reward` as if the doctor had said ``END INQUIRY``: it earns its
coverage reward with no diagnosis (``partial_credit=False``: 0.0).

Only `grpo_trainer` imports TRL; everything else works without it. ``pip install 'consultgym[trl]'``.

Example:
    >>> env = ConsultationToolEnv()
    >>> opening = env.reset(scenario="chest-pain-58m", seed=0)
    >>> reply = env.ask_patient("When did the pain start?")
    >>> closing = env.submit_diagnosis("inferior STEMI")
    >>> env.get_reward() > 0
    True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from consultgym.actions import ActionKind, parse_action
from consultgym.config import DEFAULT_MAX_TURNS, DEFAULT_QUESTIONS_PER_TURN
from consultgym.envs.driver import SessionDriver
from consultgym.envs.session import ConsultationSession, StepResult
from consultgym.errors import MissingExtraError
from consultgym.integrations import require, shared_session_builder
from consultgym.settings import EnvConfig

TOOL_SYSTEM_PROMPT = f"""You are a doctor seeing a patient. Take a focused history, examine, order tests, then \
give your diagnosis. Use the tools:
- ask_patient(question): ask up to {DEFAULT_QUESTIONS_PER_TURN} short questions at a time;
- examine(what): a physical examination, e.g. "abdomen", "cardiovascular";
- order_test(name): a test, e.g. "ECG", "full blood count";
- submit_diagnosis(diagnosis): your final diagnosis; this ends the consultation.
You have at most {DEFAULT_MAX_TURNS} tool calls. The patient only knows their own story: ask, do not assume."""

OVER = "The consultation is over; do not call any more tools."
TRL_FLOOR = (1, 8)  # the first TRL that reads `get_reward` from the environment (environment_factory: 0.29)


class ConsultationToolEnv:
    """One consultation at a time, driven through doctor tools (TRL ``environment_factory``).

    Args:
        config: the settings as an `EnvConfig`; or give them as keyword arguments, as `gym.make` takes them:
            ``scenarios`` (library name, folders or files), ``patient``, ``guardian``, ``judge``, ``diagnosis``,
            ``max_turns``, ``partial_credit``, and the LLM roles' ``<role>_model``, ``<role>_base_url`` ... Offline
            roles by default. An unknown option raises `ConfigError` here.

    Attributes:
        reward: the episode's reward so far (the judge's score once it ended, else 0.0).
        done: whether the consultation has ended.
        session: the `ConsultationSession` (its `to_episode()` is the run record), None before the first reset.

    One tool call is one doctor turn of the gym env, so the turn limit (12 by default) counts tool calls: a gym turn
    that asks, examines and orders a test at once is three tool calls here.

    Pickling keeps the configuration only (what a worker needs to rebuild it), not a running consultation.
    """

    def __init__(self, config: EnvConfig | None = None, **settings: Any) -> None:
        self.config = EnvConfig.parse(config if config is not None else settings)  # bad settings fail here
        self.session: ConsultationSession | None = None
        self.reward = 0.0
        self.done = False
        self._build: Callable[[], ConsultationSession] | None = None
        self._driver: SessionDriver | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(config=state["config"])  # type: ignore[misc]

    def reset(self, **kwargs: Any) -> str:
        """Start a consultation. TRL passes the dataset row: ``scenario`` (id) and ``seed`` pick the patient.

        Returns:
            The patient's opening words, for the trainer to append to the prompt (on a line of their own).

        Raises:
            ValueError: the row has neither a ``scenario`` nor a ``seed`` column, so every rollout would meet the same
                patient.
        """
        scenario = kwargs.get("scenario") or kwargs.get("scenario_id")
        if scenario is None and kwargs.get("seed") is None:
            raise ValueError(
                f"reset() got a row without 'scenario' or 'seed' (columns: {sorted(kwargs)}), so every rollout would "
                "meet the same patient; build the dataset with consultgym.integrations.trl.dataset_rows(...)"
            )
        if self.session is None or self._driver is None:
            self._build = self._build or shared_session_builder(self.config)
            self.session = self._build()
            self._driver = SessionDriver(self.session)
        opening, _ = self._driver.run(self.session.areset(scenario, int(kwargs.get("seed") or 0)))
        self.reward, self.done = 0.0, False
        return f"\n\nPatient: {opening}"

    def ask_patient(self, question: str) -> str:
        """Ask the patient one or more questions about their symptoms and history.

        Args:
            question: The question or questions, in plain words, e.g. "When did the pain start? Does it spread?"

        Returns:
            What the patient says.
        """
        text = _one_line(question)
        if parse_action(text).kind != ActionKind.ask:
            raise ValueError("ask_patient takes questions only; use examine, order_test or submit_diagnosis for those")
        return self._act(text)

    def examine(self, what: str) -> str:
        """Examine the patient physically.

        Args:
            what: The part or system to examine, e.g. "abdomen", "cardiovascular", "chest".

        Returns:
            The examination findings.
        """
        return self._act(f"EXAMINE: {_one_line(what) or 'general'}")

    def order_test(self, name: str) -> str:
        """Order a test or investigation.

        Args:
            name: The test, e.g. "ECG", "troponin", "urine dipstick", "full blood count".

        Returns:
            The test result.
        """
        return self._act(f"TEST: {_one_line(name) or 'general'}")

    def submit_diagnosis(self, diagnosis: str) -> str:
        """Give your final diagnosis. This ends the consultation.

        Args:
            diagnosis: The single most likely diagnosis, e.g. "acute appendicitis".

        Returns:
            A confirmation that the consultation has ended.
        """
        self._act(f"DIAGNOSIS: {_one_line(diagnosis)}")
        return "Diagnosis recorded. " + OVER

    def get_reward(self) -> float:
        """The episode's reward, once the rollout is over: TRL calls it after generation.

        A consultation still running (the trainer stopped it: token budget, tool-call cap, no more tool calls) is
        ended here and judged as if the doctor had said ``END INQUIRY``, with no diagnosis.

        Returns:
            The judge's reward (0.0 before any reset).
        """
        if self.session is not None and self.session.scenario is not None and not self.done:
            assert self._driver is not None  # set with the session
            self.reward += self._driver.run(self.session.acut_short()).reward
            self.done = True
        return self.reward

    def _act(self, text: str) -> str:
        if self.session is None:
            raise ValueError("No consultation is running: reset() must be called first.")
        if self.done:
            raise ValueError(OVER)
        assert self._driver is not None  # set with the session
        step: StepResult = self._driver.run(self.session.astep(text))
        self.reward += step.reward
        self.done = step.terminated or step.truncated
        if step.truncated:
            return f"{step.observation}\n(The turn limit is reached. {OVER})"
        return step.observation


def _one_line(text: object) -> str:
    """Tool arguments arrive as model text: one line, so they cannot smuggle a second directive."""
    return " ".join(str(text).split())


def tool_calls_for(turn: str) -> list[tuple[str, str]]:
    """The tool calls that play a text doctor turn (as `SystematicDoctor` or `LLMDoctor` write them).

    Questions become one `ask_patient` call, each ``EXAMINE:`` an `examine` call, each ``TEST:`` an `order_test`
    call, and ``DIAGNOSIS:`` a `submit_diagnosis` call (``END INQUIRY`` has no tool). Handy for driving the tool env
    with a text doctor, or for turning text trajectories into tool-call demonstrations.

    Example:
        >>> tool_calls_for("Any fever? Any vomiting?")
        [('ask_patient', 'Any fever? Any vomiting?')]
        >>> tool_calls_for("TEST: urine dipstick")
        [('order_test', 'urine dipstick')]
    """
    action = parse_action(turn)
    calls = [("ask_patient", " ".join(action.questions))] if action.questions else []
    calls += [("examine", what) for what in action.exams]
    calls += [("order_test", name) for name in action.tests]
    if action.diagnosis is not None:
        calls.append(("submit_diagnosis", action.diagnosis))
    return calls


def tool_env_factory(**config: Any) -> Callable[[], ConsultationToolEnv]:
    """A no-argument factory of configured `ConsultationToolEnv` (picklable), for ``environment_factory``.

    Example:
        >>> factory = tool_env_factory(scenarios="starter", patient="offline")
        >>> isinstance(factory(), ConsultationToolEnv)
        True
    """
    return functools.partial(ConsultationToolEnv, **config)


def dataset_rows(
    scenario_ids: Sequence[str], seeds: Sequence[int], system_prompt: str = TOOL_SYSTEM_PROMPT
) -> list[dict[str, Any]]:
    """Training rows: a conversational ``prompt`` plus the ``scenario`` and ``seed`` columns `reset` reads.

    One row per (scenario, seed) pair; TRL repeats each row for the completions of its GRPO group, and appends the
    patient's opening (what `reset` returns) to the prompt's last message.

    Example:
        >>> row = dataset_rows(["chest-pain-58m"], seeds=[3])[0]
        >>> (row["scenario"], row["seed"], row["prompt"][-1]["role"])
        ('chest-pain-58m', 3, 'user')
    """
    user = "A new patient has come in. Start the consultation."
    prompt = [{"role": "system", "content": system_prompt}, {"role": "user", "content": user}]
    return [{"prompt": prompt, "scenario": s, "seed": seed} for s in scenario_ids for seed in seeds]


def grpo_trainer(model: Any, train_dataset: Any, args: Any = None, **config: Any) -> Any:
    """A TRL `GRPOTrainer` over consultations, its reward read once: from the environments' `get_reward`.

    Args:
        model: a model id or a loaded model.
        train_dataset: a `datasets.Dataset` of `dataset_rows`.
        args: a `trl.GRPOConfig`.
        config: the tool env settings (see `ConsultationToolEnv`); ``processing_class`` and other `GRPOTrainer`
            keywords are passed to the trainer.

    Raises:
        MissingExtraError: TRL is not installed, or older than 1.8.
    """
    trl = require("trl", "trl")
    check_trl_version(trl.__version__)
    trainer_keys = {"processing_class", "callbacks", "peft_config", "eval_dataset"}
    trainer_kwargs = {key: config.pop(key) for key in trainer_keys & set(config)}
    return trl.GRPOTrainer(
        model=model,
        train_dataset=train_dataset,
        args=args,
        environment_factory=tool_env_factory(**config),
        **trainer_kwargs,
    )


def check_trl_version(version: str) -> None:
    """Raise `MissingExtraError` unless `version` reads rewards from environments (TRL >= 1.8).

    Example:
        >>> check_trl_version("1.16.0")
        >>> check_trl_version("0.29.1")
        Traceback (most recent call last):
        ...
        consultgym.errors.MissingExtraError: trl 0.29.1 does not read get_reward from environments (TRL >= 1.8 does); \
upgrade with: pip install 'consultgym[trl]'
    """
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]]
    if tuple(parts) < TRL_FLOOR:
        raise MissingExtraError(
            f"trl {version} does not read get_reward from environments (TRL >= 1.8 does); "
            "upgrade with: pip install 'consultgym[trl]'"
        )
