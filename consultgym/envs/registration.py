"""Register the environment ids with Gymnasium (string entry points: nothing heavy is imported until `make`)."""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

ENV_IDS = ("consultgym/Consultation-v0", "consultgym/HistoryTaking-v0")


def register_envs() -> None:
    """Idempotent: safe to call from every `import consultgym`."""
    if "consultgym/Consultation-v0" not in registry:
        register(
            id="consultgym/Consultation-v0",
            entry_point="consultgym.envs.consultation:ConsultationEnv",
            kwargs={"diagnosis": True},
        )
    if "consultgym/HistoryTaking-v0" not in registry:
        register(
            id="consultgym/HistoryTaking-v0",
            entry_point="consultgym.envs.consultation:ConsultationEnv",
            kwargs={"diagnosis": False},
        )
