"""Optional adapters to RL trainers and cluster runtimes; each imports its heavy package only where it is used.

- `consultgym.integrations.trl`: `ConsultationToolEnv`, a TRL ``environment_factory`` class (extra: ``trl``).
- `consultgym.integrations.verl`: `ConsultationInteraction`, a veRL multi-turn interaction, and `compute_score`,
  its reward function (extra: ``verl``).
- `consultgym.integrations.ray_rollouts`: run files written by Ray actors (extra: ``ray``).

The adapter classes themselves work without their trainer installed (their contract is plain Python); only the
functions that build a trainer or start a cluster import it, through `require`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import ModuleType

from consultgym.envs.session import ConsultationSession
from consultgym.errors import MissingExtraError
from consultgym.settings import EnvConfig

_builders: dict[str, Callable[[], ConsultationSession]] = {}
_builders_lock = threading.Lock()


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or raise `MissingExtraError` carrying the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module} is not installed ({exc}); install it with: pip install 'consultgym[{extra}]'"
        ) from None


def shared_session_builder(settings: EnvConfig) -> Callable[[], ConsultationSession]:
    """One session builder per distinct settings in this process: the library is loaded once, not per trajectory.

    Trainers build an adapter per rollout slot (TRL) or per trajectory (veRL's agent loop builds its interactions for
    every sample); loading the library each time costs 2 to 86 ms. Each call of the builder still returns a session
    with fresh roles, so concurrent episodes never share state.
    """
    from consultgym.envs.builder import session_factory

    key = settings.model_dump_json()
    with _builders_lock:
        if key not in _builders:
            _builders[key] = session_factory(settings)
        return _builders[key]
