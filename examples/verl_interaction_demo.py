"""What veRL's multi-turn rollout does with `ConsultationInteraction`, with the scripted doctor as the policy. Offline.

    python examples/verl_interaction_demo.py [--scenario chest-pain-58m] [--seed 0] [--group 4]

veRL starts one interaction instance per trajectory with the row's ``interaction_kwargs`` (scenario, seed), calls
``generate_response`` after every assistant turn until it says to stop, reads ``calculate_score`` and finalises the
instance. The trajectories of a group run concurrently on one event loop, as in veRL. Also prints the interaction
config to put in veRL's ``interaction_config_path`` YAML.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from consultgym.agents.doctor.scripted import ScriptedDoctor
from consultgym.integrations.verl import ConsultationInteraction, dataset_row, interaction_config
from consultgym.scenarios.loader import load_library


async def trajectory(interaction: ConsultationInteraction, row: dict, instance_id: str, verbose: bool) -> float:
    """One trajectory: the policy (scripted doctor) speaks, the interaction answers as the patient."""
    kwargs = row["extra_info"]["interaction_kwargs"]
    await interaction.start_interaction(instance_id, **kwargs)
    messages = list(row["prompt"])
    doctor = ScriptedDoctor()
    doctor.reset(messages[-1]["content"], kwargs["seed"])
    heard, done = messages[-1]["content"], False
    while not done:
        turn = await doctor.act(heard)
        messages.append({"role": "assistant", "content": turn})
        done, heard, turn_score, _ = await interaction.generate_response(instance_id, messages)
        messages.append({"role": "user", "content": heard})
        if verbose:
            print(f"DOCTOR: {turn}\nPATIENT: {heard}  [turn score {turn_score}]")
    score = await interaction.calculate_score(instance_id)
    await interaction.finalize_interaction(instance_id)
    return score


async def main_async(scenario: str, seed: int, group: int) -> None:
    config = interaction_config(scenarios="starter")
    print("interaction config:", json.dumps(config), "\n")
    entry = config["interaction"][0]
    interaction = ConsultationInteraction({"name": entry["name"], **entry["config"]})
    opening = next(s.opening for s in load_library("starter") if s.id == scenario)
    row = dataset_row(opening, scenario, seed)
    scores = await asyncio.gather(*(trajectory(interaction, row, f"t{i}", verbose=i == 0) for i in range(group)))
    print(f"\nscores of a group of {group} on ({scenario}, seed {seed}): {list(scores)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="chest-pain-58m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--group", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main_async(args.scenario, args.seed, args.group))


if __name__ == "__main__":
    main()
