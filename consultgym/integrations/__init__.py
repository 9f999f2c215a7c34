"""Optional adapters to RL trainers and cluster runtimes; each imports its heavy package only where it is used.

- `consultgym.integrations.trl`: `ConsultationToolEnv`, a TRL ``environment_factory`` class (extra: ``trl``).
- `consultgym.integrations.verl`: `ConsultationInteraction`, a veRL multi-turn interaction (extra: ``verl``).
- `consultgym.integrations.ray_rollouts`: run files written by Ray actors (extra: ``ray``).

The adapter classes themselves work without their trainer installed (their contract is plain Python); only the
functions that build a trainer or start a cluster import it, through `require`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from consultgym.errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or raise `MissingExtraError` carrying the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module} is not installed ({exc}); install it with: pip install 'consultgym[{extra}]'"
        ) from None
