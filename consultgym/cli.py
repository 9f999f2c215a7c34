"""The `consultgym` command: one small function per subcommand; errors print one line and exit 1.

The flags of `run` (and the role flags of `agreement` and `scenario draft`) are generated from the settings models
(`consultgym.flags`), so they accept exactly what `gym.make` accepts, and `--help` shows every default.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from consultgym.errors import ConsultGymError
from consultgym.flags import add_llm_arguments, add_role_arguments, add_settings_arguments
from consultgym.settings import CONSULTATION_ID, EnvConfig, EnvId, JudgeConfig, RunConfig

Handler = Callable[[argparse.Namespace], int]
HELP = argparse.ArgumentDefaultsHelpFormatter


def cmd_demo(args: argparse.Namespace) -> int:
    from consultgym.report import format_report, summarize
    from consultgym.runfile import load_run
    from consultgym.runner import run
    from consultgym.settings import RunConfig

    settings = {"out": args.out, "scenarios": ["starter"], "seed": 0, "concurrency": 4, "progress": not args.quiet}
    config = RunConfig.parse(settings, flags={"out"})
    out = config.out  # a regular file or nothing, or the settings were refused
    out.unlink(missing_ok=True)  # the demo always starts fresh
    summary = run(config)
    print(format_report(summarize(load_run(out).episodes), title=f"consultgym demo: systematic doctor, {out}"))
    print(f"\n{summary.completed} episodes in {summary.seconds:.2f} s. Replay them with:  consultgym app {out}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from consultgym.flags import given_settings, settings_from
    from consultgym.runner import run
    from consultgym.settings import RunConfig

    config: RunConfig = settings_from(RunConfig, args.config, given_settings(args, RunConfig))
    if config.ray:
        from consultgym.integrations.ray_rollouts import run_ray

        summary = run_ray(config)
    else:
        summary = run(config)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"{summary.out}: {summary.completed} completed, {summary.errored} errored, {summary.skipped} already done "
        f"({summary.planned} planned) in {summary.seconds:.2f} s"
    )
    if not summary.errored:
        return 0
    common = "; ".join(f"{count} x {message}" for message, count in summary.errors)
    print(
        f"error: {summary.errored} of {summary.planned} episodes errored ({common}); "
        "fix the cause and rerun the same command to play them again",
        file=sys.stderr,
    )
    return 1


def cmd_report(args: argparse.Namespace) -> int:
    from consultgym.report import format_report, summarize
    from consultgym.runfile import load_run

    run_file = load_run(args.file)
    for warning in run_file.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    summary = summarize(run_file.episodes)
    print(json.dumps(summary) if args.json else format_report(summary, title=str(args.file)))
    if summary["episodes"] and summary["errors"] < summary["episodes"]:
        return 0
    what = f"none of its {summary['episodes']} episodes finished" if summary["episodes"] else "it holds no episode"
    print(f"error: {args.file}: {what}; nothing to report", file=sys.stderr)
    return 1


def cmd_scenario_validate(args: argparse.Namespace) -> int:
    from consultgym.authoring.gold import gold_check
    from consultgym.scenarios.loader import load_scenario, scenario_files

    failures = checked = 0
    for target in args.paths:
        for path in scenario_files(target):
            checked += 1
            try:
                problems = gold_check(load_scenario(path)) if args.gold else []
            except ConsultGymError as exc:
                problems = [str(exc)]
            for problem in problems:
                print(f"{problem if problem.startswith(str(path)) else f'{path}: {problem}'}")
            failures += bool(problems)
    print(f"{checked - failures}/{checked} scenarios valid", file=sys.stderr)
    return 1 if failures else 0


def cmd_scenario_lint(args: argparse.Namespace) -> int:
    from consultgym.authoring.gold import lint
    from consultgym.scenarios.loader import load_scenario, scenario_files

    count = 0
    for target in args.paths:
        for path in scenario_files(target):
            for warning in lint(load_scenario(path)):
                print(f"{path}: warning: {warning}")
                count += 1
    print(f"{count} warnings", file=sys.stderr)
    return 0


def cmd_scenario_list(args: argparse.Namespace) -> int:
    from consultgym.scenarios.loader import load_library

    for s in load_library(args.library):
        if args.specialty and s.specialty != args.specialty:
            continue
        if args.source and s.source.dataset != args.source:
            continue
        if args.condition and args.condition.lower() not in (
            s.diagnosis.name.lower(),
            *map(str.lower, s.tags),
        ):
            continue
        print(f"{s.id:45s} {s.specialty:18s} {s.source.dataset:20s} {s.title}")
    return 0


def cmd_scenario_show(args: argparse.Namespace) -> int:
    from consultgym.errors import ScenarioError
    from consultgym.scenarios.loader import dump_scenario, load_library

    matches = [s for s in load_library(args.library) if s.id == args.id]
    if not matches:
        raise ScenarioError(f"no scenario {args.id!r} in {args.library}; see `consultgym scenario list`")
    print(dump_scenario(matches[0]), end="")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    import asyncio

    from consultgym.agents.factory import make_judge
    from consultgym.agreement import compare, rejudge
    from consultgym.errors import ConfigError
    from consultgym.runfile import load_run
    from consultgym.scenarios.loader import load_library

    names = [name.strip() for name in args.judges.split(",") if name.strip()]
    if len(names) != 2:
        raise ConfigError(f"--judges takes two judges separated by a comma, e.g. offline,llm (got {args.judges!r})")
    run_file = load_run(args.file)
    scenarios = {s.id: s for s in load_library(args.scenarios)}
    episodes = [e for e in run_file.episodes if e.ok and e.scenario_id in scenarios]
    if not episodes:
        raise ConfigError(f"{args.file}: no finished episode whose scenario is in {' '.join(args.scenarios)}")
    options = {key.removeprefix("judge_"): value for key, value in vars(args).items() if key.startswith("judge_")}
    judges = [make_judge(_judge_config(name, options, args)) for name in names]

    async def both():
        return [await rejudge(episodes, scenarios, judge) for judge in judges]

    first, second = asyncio.run(both())
    result = compare(first, second)
    if args.json:
        print(json.dumps({"judges": names, **result}))
        return 0
    print(f"{names[0]} vs {names[1]} on {result['episodes']} episodes, {result['items']} items")
    print(f"agreement {result['agreement']:.3f}  kappa {result['cohen_kappa']:.3f}  macro F1 {result['macro_f1']:.3f}")
    print(f"diagnosis agreement {result['diagnosis_agreement']:.3f}  coverage {result['coverage_mean']}")
    return 0


def _judge_config(name: str, options: dict[str, Any], args: argparse.Namespace) -> Any:
    """One judge of `agreement`: the offline judge takes no model settings, the others share the --judge-* flags."""
    from consultgym.settings import JudgeConfig

    if name == "offline":
        return JudgeConfig()
    return JudgeConfig.parse({"kind": name, **options}, flags={f"judge_{k}" for k in options})


def cmd_export(args: argparse.Namespace) -> int:
    from consultgym.export import export_run

    count = export_run(args.file, args.out, args.format, "sft" if args.sft else "episodes", args.min_reward)
    print(f"{args.out}: {count} {'SFT chats' if args.sft else 'episodes'}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from consultgym.flags import given_settings, settings_from
    from consultgym.serve import serve_settings
    from consultgym.settings import EnvConfig

    config: EnvConfig = settings_from(EnvConfig, None, given_settings(args, EnvConfig))
    serve_settings(config, env_id=args.env, host=args.host, port=args.port, max_sessions=args.max_sessions)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from consultgym.app.launch import launch

    return launch(args.runs, args.port, args.streamlit_args)


def cmd_scenario_draft(args: argparse.Namespace) -> int:
    import asyncio

    from pydantic import ValidationError

    from consultgym.authoring.drafting import draft_scenario
    from consultgym.config import LLMSettings
    from consultgym.flags import given_settings
    from consultgym.scenarios.loader import dump_scenario
    from consultgym.settings import config_error

    given = given_settings(args, LLMSettings)
    try:
        settings = LLMSettings(**given)
    except ValidationError as exc:
        raise config_error(exc, LLMSettings, flags=given) from None

    def show(attempt: int, reasons: list[str]) -> None:
        print(f"draft {attempt} rejected:", file=sys.stderr)
        for reason in reasons:
            print(f"  - {reason}", file=sys.stderr)

    result = asyncio.run(draft_scenario(args.diagnosis, settings, args.attempts, show))
    if result.scenario is None:
        print(
            f"error: no draft passed validation, lint and the gold check in {args.attempts} attempts", file=sys.stderr
        )
        return 1
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    text = dump_scenario(result.scenario)
    if args.out is None:
        print(text, end="")
        return 0
    out = Path(args.out)
    target = out / f"{result.scenario.id}.yaml" if out.is_dir() or args.out.endswith("/") else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} (accepted after {len(result.rejections) + 1} draft(s))", file=sys.stderr)
    return 0


def cmd_scenario_generate(args: argparse.Namespace) -> int:
    from consultgym.authoring.generator import generate_command

    print(generate_command(args.condition, args.seed, args.out, args.count, args.all, args.per_condition))
    return 0


def cmd_scenario_import(args: argparse.Namespace) -> int:
    from consultgym.authoring.importers.agentclinic import import_command

    print(import_command(args.file, args.out))
    return 0


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command, then exit 2 (subcommands inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from consultgym import __version__

    parser = Parser(prog="consultgym", description=__doc__, formatter_class=HELP)
    parser.add_argument("--version", action="version", version=f"consultgym {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the systematic-history doctor over the starter library, offline", formatter_class=HELP
    )
    demo.add_argument("--out", default="runs/demo.jsonl", help="run file to write (replaced)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=cmd_demo)

    run = commands.add_parser(
        "run",
        help="run a doctor over a scenario library and write a JSONL run file",
        description="Flags override the settings of --config; both accept what gym.make accepts. Exits 1 when an "
        "episode errored (rerun the same command to play the errored ones again).",
        formatter_class=HELP,
    )
    add_run_arguments(run)
    run.set_defaults(handler=cmd_run)

    report = commands.add_parser("report", help="summarise a run file", formatter_class=HELP)
    report.add_argument("file")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.set_defaults(handler=cmd_report)

    agreement = commands.add_parser(
        "agreement", help="re-judge a run with two judges and compare them", formatter_class=HELP
    )
    agreement.add_argument("file")
    agreement.add_argument("--judges", default="offline,llm", help="two judges, e.g. offline,llm")
    agreement.add_argument("--scenarios", nargs="+", default=["all"], help="where the run's scenarios are")
    agreement.add_argument("--json", action="store_true", help="print one JSON object")
    add_role_arguments(agreement, JudgeConfig, "judge")
    agreement.set_defaults(handler=cmd_agreement)

    app = commands.add_parser(
        "app",
        help="open the Streamlit app (replay, compare, play, author) on 127.0.0.1",
        description="Any --server.* or other streamlit option after the run files is passed through to streamlit.",
        formatter_class=HELP,
    )
    app.add_argument("runs", nargs="*", help="run files (JSONL) to replay and compare")
    app.add_argument("--port", type=port_number, default=None, help="port (default: streamlit's, 8501)")
    app.set_defaults(handler=cmd_app)

    export = commands.add_parser(
        "export", help="write a run file as a parquet or datasets training set", formatter_class=HELP
    )
    add_export_command(export)
    add_serve_command(
        commands.add_parser("serve", help="serve consultations over HTTP to remote trainers", formatter_class=HELP)
    )
    scenario = commands.add_parser("scenario", help="validate, list, show and lint scenarios", formatter_class=HELP)
    add_scenario_commands(scenario)
    return parser


def add_export_command(export: argparse.ArgumentParser) -> None:
    export.add_argument("file", help="the run file (JSONL)")
    export.add_argument("--out", required=True, help="a .parquet file, or a folder with --format hf")
    export.add_argument("--format", default="parquet", choices=["parquet", "hf"], help="hf: datasets.save_to_disk")
    export.add_argument("--sft", action="store_true", help="only good episodes, as chat messages for SFT")
    export.add_argument("--min-reward", type=float, default=0.5, help="with --sft: the least reward kept")
    export.set_defaults(handler=cmd_export)


def add_serve_command(serve: argparse.ArgumentParser) -> None:
    """The flags of `serve`: the env's settings (generated from `EnvConfig`), and where to listen."""
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (no authentication: keep loopback)")
    serve.add_argument("--port", type=port_number, default=8010, help="port to listen on")
    serve.add_argument("--env", default=CONSULTATION_ID, choices=typing.get_args(EnvId), help="the env id served")
    serve.add_argument("--max-sessions", type=at_least(1, 100_000), default=256, help="live episodes at most")
    add_settings_arguments(serve, EnvConfig, skip=("diagnosis",))
    serve.set_defaults(handler=cmd_serve)


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The flags of `run`, generated from `RunConfig`, plus --config and --quiet."""
    run.add_argument("--config", default=None, help="YAML or JSON file of run settings (flags override it)")
    add_settings_arguments(run, RunConfig, skip=("diagnosis",))
    run.add_argument(
        "--quiet", dest="progress", action="store_false", default=argparse.SUPPRESS, help="no progress bar"
    )


def at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [minimum, maximum], refused with a one-line message otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(f"{value} is out of range: give at least {minimum}{upper}")
        return value

    return parse


port_number = at_least(1, 65535)


def add_scenario_commands(scenario: argparse.ArgumentParser) -> None:
    sub = scenario.add_subparsers(dest="scenario_command", required=True)
    validate = sub.add_parser(
        "validate", help="check files against the schema (and the gold check with --gold)", formatter_class=HELP
    )
    validate.add_argument("paths", nargs="+")
    validate.add_argument("--gold", action=argparse.BooleanOptionalAction, default=True)
    validate.set_defaults(handler=cmd_scenario_validate)
    lint_cmd = sub.add_parser("lint", help="print authoring warnings", formatter_class=HELP)
    lint_cmd.add_argument("paths", nargs="+")
    lint_cmd.set_defaults(handler=cmd_scenario_lint)
    listing = sub.add_parser("list", help="list scenarios", formatter_class=HELP)
    listing.add_argument("--library", default="all")
    listing.add_argument("--specialty")
    listing.add_argument("--source", help="dataset, e.g. consultgym-starter, ddxplus, agentclinic")
    listing.add_argument("--condition", help="diagnosis name or tag")
    listing.set_defaults(handler=cmd_scenario_list)
    generate = sub.add_parser(
        "generate", help="generate scenarios from the DDXPlus knowledge graph (seeded)", formatter_class=HELP
    )
    generate.add_argument("--condition", help="DDXPlus condition name, any case or synonym")
    generate.add_argument("--seed", type=at_least(0), default=1, help="first seed")
    generate.add_argument("--count", type=at_least(1, 10_000), default=1, help="scenarios from --seed on")
    generate.add_argument("--all", action="store_true", help="every condition (bulk mode; needs --out DIR)")
    generate.add_argument(
        "--per-condition", type=at_least(1, 1_000), default=3, help="scenarios per condition with --all"
    )
    generate.add_argument("--out", default=None, help="file or folder (default: print the YAML)")
    generate.set_defaults(handler=cmd_scenario_generate)
    importer = sub.add_parser("import", help="import scenarios from another dataset", formatter_class=HELP)
    importer.add_argument("dataset", choices=["agentclinic"])
    importer.add_argument("file", help="the dataset file, e.g. agentclinic_medqa_extended.jsonl")
    importer.add_argument("--out", required=True, help="folder for the scenario files")
    importer.set_defaults(handler=cmd_scenario_import)
    draft = sub.add_parser(
        "draft",
        help="draft a scenario with an LLM (reject sampling on validation and gold check)",
        formatter_class=HELP,
    )
    draft.add_argument("--diagnosis", required=True, help="the condition the scenario is about")
    draft.add_argument("--attempts", type=int, default=3, help="drafts to try before giving up")
    draft.add_argument("--out", default=None, help="file or folder (default: print the YAML)")
    add_llm_arguments(draft.add_argument_group("drafting model"))
    draft.set_defaults(handler=cmd_scenario_draft)
    show = sub.add_parser("show", help="print one scenario as YAML", formatter_class=HELP)
    show.add_argument("id")
    show.add_argument("--library", default="all")
    show.set_defaults(handler=cmd_scenario_show)


def _unknown(parser: argparse.ArgumentParser, unknown: list[str]) -> NoReturn:
    """Refuse arguments no command takes, suggesting the closest flag: --patinet-model -> --patient-model."""
    flags = sorted(_flags_of(parser))
    first = next((arg.split("=", 1)[0] for arg in unknown if arg.startswith("-")), unknown[0])
    close = difflib.get_close_matches(first, flags, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    parser.exit(2, f"error: consultgym: unknown argument {first}{hint} (see consultgym --help)\n")


def _flags_of(parser: argparse.ArgumentParser) -> set[str]:
    flags: set[str] = set()
    for action in parser._actions:
        flags.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags |= _flags_of(sub)
    return flags


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "app":
        args.streamlit_args = unknown  # e.g. --server.address=0.0.0.0, passed through to streamlit
    elif unknown:
        _unknown(parser, unknown)
    try:
        return args.handler(args)
    except ConsultGymError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `consultgym report ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
