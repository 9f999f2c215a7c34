"""Episode filters shared by the Run and Replay pages, without Streamlit: apply them, and carry them in a URL.

The same `Filters` value narrows the run table and the replay picker, so a filter set on one page holds on the other,
and `to_params` / `from_params` put it in (and read it from) the query string of a link. One test, `keeps`, decides
for a summary row, in plain Python, so Replay filters its rows without loading pandas and the Run page its DataFrame
with the same rule (`apply`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from consultgym.app.data import EpisodeRow

STATUSES = ("all", "completed", "errors")
FULL_RANGE = (0.0, 1.0)


@dataclass(frozen=True)
class Filters:
    """Which episodes to show. Empty or full values keep everything.

    Attributes:
        scenarios: keep only these scenario ids.
        reward: inclusive bounds on the reward; unscored episodes pass only the full 0..1 range.
        coverage: inclusive bounds on the coverage, the same way.
        flagged: keep episodes with a turn the guardian flagged.
        issues: keep episodes where an emitted reply still carried a guardian issue.
        status: "all", "completed" (no error) or "errors" (failed episodes only).
        search: words that must all appear in the episode's text (scenario, dialogue, diagnosis, error).
    """

    scenarios: tuple[str, ...] = ()
    reward: tuple[float, float] = FULL_RANGE
    coverage: tuple[float, float] = FULL_RANGE
    flagged: bool = False
    issues: bool = False
    status: str = "all"
    search: str = ""
    problems: tuple[str, ...] = field(default=(), compare=False)  # what `from_params` could not read

    def keeps(self, row: Any, text: str | None = None) -> bool:
        """Whether the episode of a summary `row` passes: an `EpisodeRow`, or a DataFrame row tuple with its fields.

        `text` is the episode's lower-case searchable text; without it the search words are not applied.
        """
        return (
            (not self.scenarios or row.scenario_id in self.scenarios)
            and _in_range(row.reward, self.reward)
            and _in_range(row.coverage, self.coverage)
            and (not self.flagged or row.flagged > 0)
            and (not self.issues or row.emitted_issues > 0)
            and (self.status != "completed" or row.error == "")
            and (self.status != "errors" or row.error != "")
            and (text is None or all(word in text for word in self.search.lower().split()))
        )

    def select(self, rows: Sequence[EpisodeRow], texts: Sequence[str] | None = None) -> list[EpisodeRow]:
        """The rows that pass; `texts[position]` is each episode's lower-case searchable text."""
        return [row for row in rows if self.keeps(row, None if texts is None else texts[row.position])]

    def apply(self, summary: pd.DataFrame, texts: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of a summary DataFrame that pass, by the same rule as `select`."""
        rows = summary.itertuples(index=False)
        keep = [self.keeps(row, None if texts is None else texts[row.position]) for row in rows]
        return summary.loc[keep] if keep else summary

    @property
    def active(self) -> bool:
        return self != Filters()

    def to_params(self) -> dict[str, str | list[str]]:
        """Query parameters for the filters that narrow anything (defaults are left out, so links stay short)."""
        params: dict[str, str | list[str]] = {}
        if self.scenarios:
            params["scenario"] = list(self.scenarios)
        for name in ("reward", "coverage"):
            low, high = getattr(self, name)
            if (low, high) != FULL_RANGE:
                params[name] = f"{low:g}-{high:g}"
        for name in ("flagged", "issues"):
            if getattr(self, name):
                params[name] = "1"
        if self.status != "all":
            params["status"] = self.status
        if self.search:
            params["q"] = self.search
        return params

    @classmethod
    def from_params(cls, params: Mapping[str, str | Sequence[str]]) -> Filters:
        """Filters from query parameters; a value that cannot be read is skipped and named in `problems`."""
        values: dict[str, object] = {}
        problems: list[str] = []
        scenarios = params.get("scenario", ())
        scenarios = [scenarios] if isinstance(scenarios, str) else list(scenarios)
        values["scenarios"] = tuple(s for part in scenarios for s in part.split(",") if s)
        for name in ("reward", "coverage"):
            if name in params:
                bounds = _range(_last(params[name]))
                if bounds is None:
                    problems.append(f"{name}={_last(params[name])!r} is not a range like 0.5-1")
                else:
                    values[name] = bounds
        for name in ("flagged", "issues"):
            values[name] = _last(params.get(name, "")) in {"1", "true", "yes"}
        status = _last(params.get("status", "all"))
        if status in STATUSES:
            values["status"] = status
        else:
            problems.append(f"status={status!r} is not one of {', '.join(STATUSES)}")
        values["search"] = _last(params.get("q", "")).strip()
        return cls(**values, problems=tuple(problems))  # type: ignore[arg-type]


PARAM_NAMES = ("scenario", "reward", "coverage", "flagged", "issues", "status", "q")


def _in_range(value: float, bounds: tuple[float, float]) -> bool:
    """Within the inclusive bounds; an unscored episode (NaN) passes only the full 0..1 range."""
    low, high = bounds
    if math.isnan(value):
        return low <= 0.0 and high >= 1.0
    return low <= value <= high


def _range(text: str) -> tuple[float, float] | None:
    try:
        low, high = (float(part) for part in text.split("-", 1))
    except ValueError:
        return None
    if not 0.0 <= low <= high <= 1.0:
        return None
    return (low, high)


def _last(value: str | Sequence[str]) -> str:
    if isinstance(value, str):
        return value
    return value[-1] if value else ""
