"""Register the environment ids with Gymnasium (string entry points: nothing heavy is imported until `make`)."""

from __future__ import annotations

from gymnasium.envs.registration import WrapperSpec, register, registry

ENV_IDS = ("consultgym/Consultation-v0", "consultgym/HistoryTaking-v0")
# Outermost, after any TimeLimit gym.make adds: an episode that limit truncates is judged (see envs.truncation).
JUDGE_WHEN_CUT_SHORT = WrapperSpec("JudgeWhenCutShort", "consultgym.envs.truncation:JudgeWhenCutShort", {})


def register_envs() -> None:
    """Idempotent: safe to call from every `import consultgym`."""
    if "consultgym/Consultation-v0" not in registry:
        register(
            id="consultgym/Consultation-v0",
            entry_point="consultgym.envs.consultation:ConsultationEnv",
            kwargs={"diagnosis": True},
            additional_wrappers=(JUDGE_WHEN_CUT_SHORT,),
        )
    if "consultgym/HistoryTaking-v0" not in registry:
        register(
            id="consultgym/HistoryTaking-v0",
            entry_point="consultgym.envs.consultation:ConsultationEnv",
            kwargs={"diagnosis": False},
            additional_wrappers=(JUDGE_WHEN_CUT_SHORT,),
        )
