"""Deep links, without Streamlit: what a URL's query string asks the app to show, and the URL of a view.

``/replay?run=runs/a.jsonl&episode=3&scenario=rash-71f&flagged=1`` opens episode 3 (the record's ``index``) of that
run with those filters; ``/?page=compare&run=a.jsonl&b=b.jsonl&metric=coverage`` works too. A link can only name a
run the app already offers (given on the command line, uploaded, or under ./runs), by path, by its path relative to
the working directory, or by file name, so a URL cannot make the app read an arbitrary file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from consultgym.app.filters import Filters

PAGES = ("run", "replay", "compare", "side", "play", "author")
METRICS = ("reward", "coverage", "diagnosis")
GROUPINGS = ("item", "scenario")
Params = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Link:
    """What a query string asks for; None (or empty filters) where it says nothing."""

    page: str | None = None
    run: str | None = None
    run_b: str | None = None
    episode: int | None = None
    metric: str | None = None
    by: str | None = None
    filters: Filters = Filters()
    problems: tuple[str, ...] = field(default=())


def parse(params: Params, runs: Sequence[str], cwd: Path | None = None) -> Link:
    """Read a query string (values as given by ``st.query_params``); unreadable values become `problems`."""
    problems: list[str] = []
    page = _choice(params, "page", PAGES, problems)
    run = _run(params, "run", runs, cwd, problems)
    run_b = _run(params, "b", runs, cwd, problems)
    episode = None
    if "episode" in params:
        text = _last(params["episode"])
        if text.isdigit():
            episode = int(text)
        else:
            problems.append(f"episode={text!r} is not an episode number")
    filters = Filters.from_params(params)
    problems += filters.problems
    metric = _choice(params, "metric", METRICS, problems)
    by = _choice(params, "by", GROUPINGS, problems)
    return Link(page, run, run_b, episode, metric, by, filters, tuple(problems))


def query(
    run: str | None = None,
    run_b: str | None = None,
    episode: int | None = None,
    filters: Filters | None = None,
    cwd: Path | None = None,
    **extra: str,
) -> dict[str, str | list[str]]:
    """The query parameters of a view (runs named relative to `cwd` when they are under it)."""
    params: dict[str, str | list[str]] = {}
    if run:
        params["run"] = run_name(run, cwd)
    if run_b:
        params["b"] = run_name(run_b, cwd)
    if episode is not None:
        params["episode"] = str(episode)
    params.update({k: v for k, v in extra.items() if v})
    if filters is not None:
        params.update(filters.to_params())
    return params


def url(page: str, params: Mapping[str, str | list[str]]) -> str:
    """A relative URL of a page with its query string, e.g. ``replay?run=a.jsonl&episode=3``."""
    text = urlencode(params, doseq=True)
    return f"{page}?{text}" if text else page


def run_name(path: str, cwd: Path | None = None) -> str:
    """How links name a run: its path relative to the working directory when under it, else the full path."""
    try:
        return str(Path(path).relative_to(cwd or Path.cwd()))
    except ValueError:
        return path


def resolve_run(requested: str, runs: Sequence[str], cwd: Path | None = None) -> str | None:
    """The offered run a link names: by full path, path relative to `cwd`, or (when unambiguous) file name."""
    cwd = cwd or Path.cwd()
    for run in runs:
        if requested in (run, run_name(run, cwd)) or Path(cwd, requested).resolve() == Path(run).resolve():
            return run
    by_name = [run for run in runs if Path(run).name == requested]
    return by_name[0] if len(by_name) == 1 else None


def _run(params: Params, name: str, runs: Sequence[str], cwd: Path | None, problems: list[str]) -> str | None:
    if name not in params:
        return None
    requested = _last(params[name])
    found = resolve_run(requested, runs, cwd)
    if found is None:
        problems.append(
            f"{name}={requested!r} is not one of the app's runs (give it on the command line, upload it, "
            "or put it under ./runs)"
        )
    return found


def _choice(params: Params, name: str, allowed: Sequence[str], problems: list[str]) -> str | None:
    if name not in params:
        return None
    value = _last(params[name])
    if value in allowed:
        return value
    problems.append(f"{name}={value!r} is not one of {', '.join(allowed)}")
    return None


def _last(value: str | Sequence[str]) -> str:
    if isinstance(value, str):
        return value
    return value[-1] if value else ""
