"""The one way to build sessions: typed settings in, `ConsultationSession` out.

`gym.make`, `consultgym run` (locally and on Ray actors), `rollout_batch`, the TRL and veRL adapters and the app's Play
page all build their sessions here, from an `EnvConfig` (or a `RunConfig`, which is one).

Example:
    >>> build = session_factory(scenarios="starter", max_turns=4)
    >>> session = build()
    >>> session.max_turns, len(session.scenarios) > 10
    (4, True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from consultgym.agents.factory import make_guardian, make_judge, make_patient
from consultgym.config import DEFAULT_COVERAGE_WEIGHT, DEFAULT_DIAGNOSIS_WEIGHT
from consultgym.envs.session import ConsultationSession
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario
from consultgym.settings import EnvConfig


def load_scenarios(config: EnvConfig) -> list[Scenario]:
    """The scenario library the settings name (Scenario objects are used as they are).

    Raises:
        ScenarioError: a file is invalid, nothing was found, or two scenarios share an id.
    """
    if all(isinstance(s, Scenario) for s in config.scenarios):
        return list(config.scenarios)  # type: ignore[arg-type]
    return load_library([str(s) for s in config.scenarios])


def build_session(config: EnvConfig, library: Sequence[Scenario]) -> ConsultationSession:
    """A session over `library` with fresh roles built from `config`.

    ``config.diagnosis=False`` is history taking: the reward is weighted coverage only.
    """
    weights = (DEFAULT_COVERAGE_WEIGHT, DEFAULT_DIAGNOSIS_WEIGHT) if config.diagnosis else (1.0, 0.0)
    return ConsultationSession(
        library,
        make_patient(config.patient, config.questions_per_turn),
        make_guardian(config.guardian),
        make_judge(config.judge, config.questions_per_turn, *weights),
        max_revisions=config.max_revisions,
        questions_per_turn=config.questions_per_turn,
        max_turns=config.max_turns,
        partial_credit=config.partial_credit,
    )


def session_factory(
    config: EnvConfig | None = None, library: Sequence[Scenario] | None = None, **settings: Any
) -> Callable[[], ConsultationSession]:
    """A function building fresh sessions from the same settings (the library is loaded once).

    Each call returns a session with its own roles, so concurrent sessions never mix their usage counts. Bad settings
    raise `ConfigError` here, before any episode starts.

    Args:
        config: the settings; or give them as keyword arguments, as `gym.make` takes them.
        library: the scenarios, when already loaded (default: load what the settings name).
        settings: flat or nested settings (``patient="llm", patient_model=...``), when `config` is None.
    """
    if config is None:
        config = EnvConfig.parse(settings)
    elif settings:
        config = type(config).parse({**config.model_dump(exclude_unset=True), **settings})
    scenarios = list(library) if library is not None else load_scenarios(config)

    def build() -> ConsultationSession:
        return build_session(config, scenarios)

    build()  # fail fast: a role that cannot be built fails here, before any episode starts
    return build
