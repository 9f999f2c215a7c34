"""A text space that accepts any unicode string: gymnasium's `Text` only accepts its charset (alphanumeric).

Plain ``gym.make_vec(..., vectorization_mode="async")`` (shared memory on) raises a TypeError that names the fix, since
gymnasium cannot carry text through shared memory (`consultgym.make_vec` sets ``shared_memory=False``).
"""

from __future__ import annotations

import multiprocessing as mp
import string
from types import ModuleType
from typing import Any

from gymnasium.spaces import Text
from gymnasium.vector.utils import create_shared_memory

# What `sample()` draws from: ASCII printable text plus accented, Greek, Cyrillic and CJK letters, so that random
# actions exercise the unicode path. `contains()` accepts any character.
SAMPLE_CHARSET = string.ascii_letters + string.digits + string.punctuation + " " + "éüñçøßàâœαβγδжщ中文病痛—’"


class UnicodeText(Text):
    """Any string of at most `max_length` characters."""

    def __init__(self, max_length: int, *, min_length: int = 0, seed: Any = None) -> None:
        super().__init__(max_length=max_length, min_length=min_length, charset=SAMPLE_CHARSET, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, UnicodeText) and (self.min_length, self.max_length) == (
            other.min_length,
            other.max_length,
        )


@create_shared_memory.register(UnicodeText)
def _refuse_shared_memory(space: UnicodeText, n: int = 1, ctx: ModuleType = mp) -> Any:
    """`AsyncVectorEnv` (shared memory is its default) cannot carry text: say so instead of returning garbage.

    gymnasium decodes a `Text` from shared memory once, when the vector env is built, as indices into the space's
    charset: every later observation would read back as a run of the charset's first letter.
    """
    raise TypeError(
        f"{space} observations cannot live in shared memory: build async vector envs with "
        "consultgym.make_vec(env_id, num_envs, mode='async'), or pass vector_kwargs={'shared_memory': False}"
    )
