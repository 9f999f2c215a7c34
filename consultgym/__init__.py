"""consultgym: Gymnasium environments for multi-turn medical consultations.

>>> import gymnasium as gym
>>> import consultgym  # registers consultgym/Consultation-v0 and consultgym/HistoryTaking-v0
>>> env = gym.make("consultgym/Consultation-v0")
"""

from consultgym.envs.registration import ENV_IDS, register_envs_on_import

register_envs_on_import()  # now if Gymnasium is loaded, else when it is: `import consultgym` stays cheap

__version__ = "0.1.0"

__all__ = [
    "ENV_IDS",
    "ActionError",
    "ConsultGymError",
    "ConsultationEnv",
    "ConfigError",
    "ConsultationSession",
    "EnvConfig",
    "Episode",
    "RunConfig",
    "Scenario",
    "ScenarioError",
    "load_library",
    "load_scenario",
    "make_vec",
]


def __getattr__(name: str) -> object:  # lazy public API: `import consultgym` stays cheap
    if name == "ConsultationEnv":
        from consultgym.envs.consultation import ConsultationEnv

        return ConsultationEnv
    if name == "ConsultationSession":
        from consultgym.envs.session import ConsultationSession

        return ConsultationSession
    if name in {"EnvConfig", "RunConfig"}:
        from consultgym import settings

        return getattr(settings, name)
    if name in {"ActionError", "ConfigError", "ConsultGymError", "ScenarioError"}:
        from consultgym import errors

        return getattr(errors, name)
    if name == "make_vec":
        from consultgym.envs.batch import make_vec

        return make_vec
    if name == "Episode":
        from consultgym.records import Episode

        return Episode
    if name in {"Scenario"}:
        from consultgym.scenarios.schema import Scenario

        return Scenario
    if name in {"load_library", "load_scenario"}:
        from consultgym.scenarios import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'consultgym' has no attribute {name!r}")
