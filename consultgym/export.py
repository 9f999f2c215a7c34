"""`consultgym export`: a run file as a training data set, one row per episode, as parquet or a `datasets` folder.

Two shapes:

- **episodes** (default): every episode of the run, with its chat ``messages`` (the doctor is ``assistant``, the
  patient ``user``), ``reward``, ``judgement``, ``scenario``, ``seed``, ``index``, ``error``, and the fields of a veRL
  training row (``prompt``, ``data_source``, ``reward_model``, ``agent_name``, ``extra_info`` with the interaction
  kwargs, see `consultgym.integrations.verl.dataset_row`), so veRL can replay the run's patients as prompts;
- **sft**: the good episodes only (finished, unfailed, reward at least ``min_reward``), each as the ``messages`` of a
  chat, the doctor's system prompt first: what TRL's `SFTTrainer` and veRL's multi-turn SFT data set read.

Parquet needs only pyarrow; ``--format hf`` writes `datasets.Dataset.save_to_disk`
(``pip install 'consultgym[export]'``).

Example:
    >>> import tempfile, pathlib
    >>> from consultgym.runner import run
    >>> from consultgym.settings import RunConfig
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = run(RunConfig(out=folder / "run.jsonl", scenarios=["starter"], episodes=2, progress=False))
    >>> export_run(folder / "run.jsonl", folder / "episodes.parquet")
    2
    >>> import pyarrow.parquet as pq
    >>> sorted(pq.read_table(folder / "episodes.parquet").column_names)[:5]
    ['ability', 'agent_name', 'data_source', 'error', 'extra_info']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from consultgym.config import DEFAULT_MAX_TURNS, DEFAULT_QUESTIONS_PER_TURN
from consultgym.envs.session import ENDED
from consultgym.errors import ConfigError, RecordError
from consultgym.records import Episode

Format = Literal["parquet", "hf"]
Shape = Literal["episodes", "sft"]
DEFAULT_MIN_REWARD = 0.5


def episode_messages(episode: Episode, system_prompt: str | None = None) -> list[dict[str, str]]:
    """The dialogue as OpenAI chat messages from the doctor's side (as `ConsultationSession.messages` gives it)."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": episode.opening})
    for turn in episode.turns:
        messages.append({"role": "assistant", "content": turn.doctor})
        if turn.reply != ENDED:
            messages.append({"role": "user", "content": turn.reply})
    return messages


def episode_row(episode: Episode) -> dict[str, Any]:
    """One row of the **episodes** shape."""
    from consultgym.integrations.verl import dataset_row

    judgement = episode.judgement
    reward = judgement.reward if judgement is not None and judgement.scored and not episode.error else 0.0
    return {
        **dataset_row(episode.opening, episode.scenario_id, episode.seed, index=episode.index),
        "messages": episode_messages(episode),
        "reward": reward,
        "judgement": judgement.as_json() if judgement is not None else None,
        "scenario": episode.scenario_id,
        "seed": episode.seed,
        "index": episode.index,
        "run_id": episode.run_id,
        "terminated": episode.terminated,
        "truncated": episode.truncated,
        "error": episode.error,
    }


def sft_rows(episodes: list[Episode], min_reward: float = DEFAULT_MIN_REWARD) -> list[dict[str, Any]]:
    """Rows of the **sft** shape: the chats of finished episodes whose reward is at least `min_reward`."""
    from consultgym.agents.llm import render_prompt

    system = render_prompt("doctor", questions_per_turn=DEFAULT_QUESTIONS_PER_TURN, max_turns=DEFAULT_MAX_TURNS)
    good = [e for e in episodes if e.ok and e.terminated and e.judgement.scored and e.judgement.reward >= min_reward]
    return [
        {
            "messages": episode_messages(e, system),
            "scenario": e.scenario_id,
            "seed": e.seed,
            "reward": e.judgement.reward,
        }
        for e in good
    ]


def export_run(
    run_file: str | Path,
    out: str | Path,
    fmt: Format = "parquet",
    shape: Shape = "episodes",
    min_reward: float = DEFAULT_MIN_REWARD,
) -> int:
    """Write the episodes of `run_file` to `out` (a ``.parquet`` file, or a folder for ``hf``); returns the row count.

    Raises:
        RecordError: the run file cannot be read, or has no row to write.
        ConfigError: an unknown format or shape.
        MissingExtraError: ``hf`` without `datasets` installed.
    """
    from consultgym.runfile import load_run

    if fmt not in ("parquet", "hf") or shape not in ("episodes", "sft"):
        raise ConfigError(f"format={fmt!r}, shape={shape!r}: use --format parquet|hf and episodes or --sft")
    episodes = load_run(run_file).episodes
    rows = sft_rows(episodes, min_reward) if shape == "sft" else [episode_row(e) for e in episodes]
    if not rows:
        what = f"no finished episode with reward >= {min_reward}" if shape == "sft" else "no episode"
        raise RecordError(f"{run_file}: {what} to export")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "hf":
        from consultgym.integrations import require

        require("datasets", "export").Dataset.from_list(rows).save_to_disk(str(out))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), out)
    return len(rows)
