"""Build the roles of a consultation from plain settings (what `gym.make` kwargs and CLI flags carry).

Offline roles need nothing. An LLM role takes ``<role>_model`` and optionally ``<role>_base_url``,
``<role>_api_key_env``, ``<role>_temperature`` ... (see `consultgym.config.LLMSettings`).
"""

from __future__ import annotations

from typing import Any

from consultgym.agents.base import DoctorAgent, GuardianAgent, JudgeAgent, PatientAgent
from consultgym.agents.guardian.offline import NoGuardian, OfflineGuardian
from consultgym.agents.judge.offline import RubricJudge
from consultgym.agents.patient.offline import OfflinePatient
from consultgym.config import DEFAULT_COVERAGE_WEIGHT, DEFAULT_DIAGNOSIS_WEIGHT, DEFAULT_QUESTIONS_PER_TURN
from consultgym.errors import ConfigError

PATIENTS = ("offline", "llm")
GUARDIANS = ("offline", "llm", "tiered", "off")
JUDGES = ("offline", "llm", "panel")
DOCTORS = ("systematic", "knowledge", "llm")


def _choose(role: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{role}={value!r} is not one of {', '.join(allowed)}")
    return value


def llm_options(role: str, options: dict[str, Any]) -> dict[str, Any]:
    """The ``<role>_*`` options with the prefix removed: {'patient_model': 'm'} -> {'model': 'm'}."""
    prefix = f"{role}_"
    return {key[len(prefix) :]: value for key, value in options.items() if key.startswith(prefix) and value is not None}


def make_patient(
    kind: str = "offline", questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN, **options: Any
) -> PatientAgent:
    if _choose("patient", kind, PATIENTS) == "offline":
        return OfflinePatient(questions_per_turn)
    from consultgym.agents.patient.llm import LLMPatient

    return LLMPatient.from_options(questions_per_turn=questions_per_turn, **llm_options("patient", options))


def make_guardian(kind: str = "offline", **options: Any) -> GuardianAgent:
    kind = _choose("guardian", kind, GUARDIANS)
    if kind == "offline":
        return OfflineGuardian()
    if kind == "off":
        return NoGuardian()
    from consultgym.agents.guardian.llm import LLMGuardian

    return LLMGuardian.from_options(tiered=kind == "tiered", **llm_options("guardian", options))


def make_judge(
    kind: str = "offline",
    questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
    coverage_weight: float = DEFAULT_COVERAGE_WEIGHT,
    diagnosis_weight: float = DEFAULT_DIAGNOSIS_WEIGHT,
    **options: Any,
) -> JudgeAgent:
    kind = _choose("judge", kind, JUDGES)
    offline = RubricJudge(questions_per_turn, coverage_weight, diagnosis_weight)
    if kind == "offline":
        return offline
    from consultgym.agents.judge.llm import LLMJudge, PanelJudge

    if kind == "llm":
        return LLMJudge.from_options(offline=offline, **llm_options("judge", options))
    return PanelJudge.from_options(offline=offline, **llm_options("judge", options))


def make_doctor(kind: str = "systematic", **options: Any) -> DoctorAgent:
    kind = _choose("doctor", kind, DOCTORS)
    if kind == "systematic":
        from consultgym.agents.doctor.systematic import SystematicDoctor

        return SystematicDoctor()
    if kind == "knowledge":
        from consultgym.agents.doctor.knowledge import KnowledgeDoctor

        return KnowledgeDoctor()
    from consultgym.agents.doctor.llm import LLMDoctor

    return LLMDoctor.from_options(**llm_options("doctor", options))
