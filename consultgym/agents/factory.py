"""Build the roles of a consultation from their typed settings (`consultgym.settings`).

Offline roles need nothing; an LLM role gets the `LLMSettings` its config carries. Each call returns a fresh role, so
concurrent sessions never share usage counts or state.
"""

from __future__ import annotations

from typing import get_args

from consultgym.agents.base import DoctorAgent, GuardianAgent, JudgeAgent, PatientAgent
from consultgym.agents.guardian.offline import NoGuardian, OfflineGuardian
from consultgym.agents.judge.offline import RubricJudge
from consultgym.agents.patient.offline import OfflinePatient
from consultgym.config import (
    DEFAULT_COVERAGE_WEIGHT,
    DEFAULT_DIAGNOSIS_WEIGHT,
    DEFAULT_MAX_TURNS,
    DEFAULT_QUESTIONS_PER_TURN,
)
from consultgym.settings import DoctorConfig, GuardianConfig, JudgeConfig, PatientConfig


def make_patient(
    config: PatientConfig | str = "offline", questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN
) -> PatientAgent:
    config = PatientConfig.parse(config)
    if config.llm is None:
        return OfflinePatient(questions_per_turn)
    from consultgym.agents.patient.llm import LLMPatient

    return LLMPatient(config.llm, questions_per_turn)


def make_guardian(config: GuardianConfig | str = "offline") -> GuardianAgent:
    config = GuardianConfig.parse(config)
    if config.kind == "off":
        return NoGuardian()
    if config.llm is None:
        return OfflineGuardian()
    from consultgym.agents.guardian.llm import LLMGuardian

    return LLMGuardian(config.llm, tiered=config.kind == "tiered")


def make_judge(
    config: JudgeConfig | str = "offline",
    questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
    coverage_weight: float = DEFAULT_COVERAGE_WEIGHT,
    diagnosis_weight: float = DEFAULT_DIAGNOSIS_WEIGHT,
) -> JudgeAgent:
    config = JudgeConfig.parse(config)
    offline = RubricJudge(questions_per_turn, coverage_weight, diagnosis_weight)
    if config.kind == "offline":
        return offline
    from consultgym.agents.judge.llm import LLMJudge, PanelJudge

    if config.kind == "llm":
        assert config.llm is not None  # the config's validator requires it
        return LLMJudge(config.llm, offline)
    members = [offline if settings is None else LLMJudge(settings, offline) for settings in config.member_settings()]
    return PanelJudge(members, config.vote, offline)


# The doctor kinds, as the settings define them.
DOCTORS: tuple[str, ...] = get_args(DoctorConfig.model_fields["kind"].annotation)


def make_doctor(
    config: DoctorConfig | str = "systematic",
    questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> DoctorAgent:
    config = DoctorConfig.parse(config)
    if config.kind == "systematic":
        from consultgym.agents.doctor.systematic import SystematicDoctor

        return SystematicDoctor(questions_per_turn)
    if config.kind == "knowledge":
        from consultgym.agents.doctor.knowledge import KnowledgeDoctor

        return KnowledgeDoctor()
    from consultgym.agents.doctor.llm import LLMDoctor

    assert config.llm is not None  # the config's validator requires it
    return LLMDoctor(config.llm, questions_per_turn, max_turns)
