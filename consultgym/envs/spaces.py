"""A text space that accepts any unicode string: gymnasium's `Text` only accepts its charset (alphanumeric)."""

from __future__ import annotations

import string
from typing import Any

from gymnasium.spaces import Text

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
