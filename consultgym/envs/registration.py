"""Register the environment ids with Gymnasium, without importing Gymnasium (string entry points: nothing heavy is
imported until `make`).

`import consultgym` must stay cheap: the app and the command line never make an env, and Gymnasium brings numpy
(together about 0.25 s of CPU at start-up). Gymnasium 1.x loads no plugin entry points, so `register_envs_on_import`
registers the ids right away when Gymnasium's registry is already loaded, and otherwise the moment it is: a one-shot
finder on `sys.meta_path` wraps the loader of ``gymnasium.envs.registration`` to register after the module has run.
Either way the ids are in the registry before any code can call `gym.make`.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

ENV_IDS = ("consultgym/Consultation-v0", "consultgym/HistoryTaking-v0")
DIAGNOSIS = {"consultgym/Consultation-v0": True, "consultgym/HistoryTaking-v0": False}
ENTRY_POINT = "consultgym.envs.consultation:ConsultationEnv"
REGISTRY_MODULE = "gymnasium.envs.registration"


def register_envs() -> None:
    """Register both ids (imports Gymnasium). Idempotent: safe to call from every `import consultgym`."""
    from gymnasium.envs.registration import WrapperSpec, register, registry

    # Outermost, after any TimeLimit gym.make adds: an episode that limit truncates is judged (see envs.truncation).
    judge_when_cut_short = WrapperSpec("JudgeWhenCutShort", "consultgym.envs.truncation:JudgeWhenCutShort", {})
    for env_id in ENV_IDS:
        if env_id not in registry:
            register(
                id=env_id,
                entry_point=ENTRY_POINT,
                kwargs={"diagnosis": DIAGNOSIS[env_id]},
                additional_wrappers=(judge_when_cut_short,),
            )


def register_envs_on_import() -> None:
    """Register now if Gymnasium's registry is loaded, else as soon as it is (without importing it here)."""
    if REGISTRY_MODULE in sys.modules:
        register_envs()
    elif not any(isinstance(finder, _RegisterAfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterImport())


class _RegisterAfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: gives ``gymnasium.envs.registration`` the usual spec with a loader that registers our ids
    right after executing the module, then leaves `sys.meta_path`."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != REGISTRY_MODULE:
            return None
        sys.meta_path.remove(self)  # once, and the usual search below must not come back here
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _RegisteringLoader(spec.loader)
        return spec


class _RegisteringLoader(importlib.abc.Loader):
    """Gymnasium's own loader, then `register_envs`."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        register_envs()

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ...: what tracebacks and inspect ask for
        return getattr(self._loader, name)
