"""What veRL's multi-turn rollout does with `ConsultationInteraction`, the systematic doctor as the policy. Offline.

    python examples/verl_interaction_demo.py [--scenario chest-pain-58m] [--seed 0] [--group 4]

veRL's agent loop starts one interaction instance per trajectory with the row's ``interaction_kwargs`` (scenario,
seed) and calls ``generate_response`` after every assistant turn until it says to stop or a limit of veRL's own
(``max_user_turns``) is reached; it keeps each turn score. Its reward manager then calls `compute_score`, which sums
them: the judge's reward for a finished consultation, the coverage earned so far for one veRL stopped. The
trajectories of a group run concurrently on one event loop, as in veRL. Also prints the interaction config YAML and
the trainer overrides.
"""

from __future__ import annotations

import argparse
import asyncio

import yaml

from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.integrations.verl import (
    ConsultationInteraction,
    compute_score,
    dataset_row,
    interaction_config,
    trainer_overrides,
)
from consultgym.scenarios.loader import load_library


async def trajectory(
    interaction: ConsultationInteraction, row: dict, instance_id: str, max_user_turns: int, verbose: bool
) -> float:
    """One trajectory: the policy (systematic doctor) speaks, the interaction answers; returns veRL's reward."""
    kwargs = row["extra_info"]["interaction_kwargs"]
    await interaction.start_interaction(instance_id, **kwargs)
    messages = list(row["prompt"])
    doctor = SystematicDoctor()
    doctor.reset(messages[-1]["content"], kwargs["seed"])
    heard, done, turn_scores = messages[-1]["content"], False, []
    while not done and len(turn_scores) < max_user_turns:
        turn = await doctor.act(heard)
        messages.append({"role": "assistant", "content": turn})
        done, heard, turn_score, _ = await interaction.generate_response(instance_id, messages, **kwargs)
        messages.append({"role": "user", "content": heard})
        turn_scores.append(turn_score)
        if verbose:
            print(f"DOCTOR: {turn}\nPATIENT: {heard}  [turn score {turn_score:.4f}]")
    extra_info = {**row["extra_info"], "turn_scores": turn_scores}  # what veRL's reward loop passes
    return compute_score(row["data_source"], "", row["reward_model"]["ground_truth"], extra_info)


async def main_async(scenario: str, seed: int, group: int) -> None:
    config = interaction_config(scenarios="starter")
    print("consultation_interaction.yaml:\n" + yaml.safe_dump(config))
    print("trainer overrides:\n  " + "\n  ".join(trainer_overrides("consultation_interaction.yaml")) + "\n")
    entry = config["interaction"][0]
    interaction = ConsultationInteraction({"name": entry["name"], **entry["config"]})
    opening = next(s.opening for s in load_library("starter") if s.id == scenario)
    row = dataset_row(opening, scenario, seed)
    limits = [12] * (group - 1) + [2]  # the last trajectory is stopped by veRL after 2 patient turns
    scores = await asyncio.gather(
        *(trajectory(interaction, row, f"t{i}", limits[i], verbose=i == 0) for i in range(group))
    )
    print(f"\nrewards of a group of {group} on ({scenario}, seed {seed}): {list(scores)}")
    print("The last trajectory, stopped by veRL's max_user_turns=2, keeps the coverage it earned.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="chest-pain-58m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--group", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main_async(args.scenario, args.seed, args.group))


if __name__ == "__main__":
    main()
