"""What TRL's GRPOTrainer does with `ConsultationToolEnv`, with the systematic doctor in place of the model. Offline.

    python examples/trl_tools_demo.py [--scenario chest-pain-58m] [--seed 0] [--group 4]

For each completion of a GRPO group, the trainer builds an env with the factory, calls ``reset(**row)`` (the row's
``scenario`` and ``seed`` columns pick the patient), executes the model's tool calls, and reads ``get_reward()``
when generation is over (the only reward source: pass no ``reward_funcs``). The systematic doctor's text turns are
turned into tool calls with `tool_calls_for`. The last completion is cut short after two tool calls, as the trainer's
token budget would: it earns the coverage of what it asked, with no diagnosis.
"""

from __future__ import annotations

import argparse

from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.envs.driver import run_sync
from consultgym.integrations.trl import ConsultationToolEnv, dataset_rows, tool_calls_for, tool_env_factory


def play(env: ConsultationToolEnv, row: dict, verbose: bool, budget: int = 100) -> None:
    """One rollout: reset with the row, then the doctor's tool calls until the consultation ends or `budget` calls."""
    opening = env.reset(**row)
    doctor = SystematicDoctor()
    doctor.reset(opening, row["seed"])
    heard = opening
    if verbose:
        print(opening.strip())
    while not env.done and budget > 0:
        for tool, argument in tool_calls_for(run_sync(doctor.act(heard)))[:budget]:
            if env.done:
                break
            heard = getattr(env, tool)(argument)
            budget -= 1
            if verbose:
                print(f"  {tool}({argument!r})\n    -> {heard}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="chest-pain-58m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--group", type=int, default=4, help="completions per prompt (GRPO's num_generations)")
    args = parser.parse_args()

    factory = tool_env_factory(scenarios="starter")  # what you pass as environment_factory
    row = dataset_rows([args.scenario], [args.seed])[0]
    environments = [factory() for _ in range(args.group)]
    for index, env in enumerate(environments):
        play(env, row, verbose=index == 0, budget=2 if index == len(environments) - 1 else 100)
    rewards = [env.get_reward() for env in environments]  # what TRL logs as rewards/ConsultationToolEnv
    print(f"\nGRPO group of {args.group} on ({args.scenario}, seed {args.seed}): rewards {rewards}")
    print("A deterministic doctor earns the same reward in every finished completion: the group met the same patient;")
    print(f"the last one, cut short after 2 tool calls, earns its coverage reward: {rewards[-1]}.")


if __name__ == "__main__":
    main()
