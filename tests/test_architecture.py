"""The package's shape: a layered import graph with no upward import and no cycle, and short modules on the hot path.

Every ``consultgym`` import is counted, the ones inside functions too (a lazy import is still a dependency). A module
group is a top-level module or subpackage of ``consultgym``; each has a layer, and a group may import only groups of
its own layer or below. A new group must be given a layer here, which is where its place in the design is decided.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "consultgym"
LAYERS: dict[str, int] = {
    # the foundations: no consultgym import but each other
    "errors": 0,
    "text": 0,
    "config": 0,
    "files": 0,
    "option_errors": 0,
    # the data model: scenarios, doctor actions, records
    "actions": 1,
    "records": 1,
    "scenarios": 1,
    # typed settings and run files over the data model
    "settings": 2,
    "runfile": 2,
    "report": 2,
    # everyone who speaks or judges
    "agents": 3,
    # the env and the authoring tools, over the agents
    "envs": 4,
    "authoring": 4,
    "agreement": 4,
    # batch runs and serving, over the env
    "runner": 5,
    "serve": 5,
    "integrations": 6,
    "export": 7,
    "testing": 7,
    # the faces: app, command line, the package's public API
    "app": 8,
    "flags": 8,
    "cli": 9,
    "consultgym": 9,
}


def group_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("consultgym"):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("consultgym"))
    return found


def group_graph() -> dict[str, dict[str, list[str]]]:
    """group -> imported group -> the modules that import it (for messages)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        for target in imports_of(path):
            if group_of(source) != group_of(target):
                graph[group_of(source)][group_of(target)].append(f"{source} -> {target}")
    return graph


GRAPH = group_graph()


def test_every_module_group_has_a_layer():
    groups = {group_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert groups - set(LAYERS) == set(), "give the new module group a layer in LAYERS"


def test_no_upward_imports():
    upward = [
        line
        for source, targets in GRAPH.items()
        for target, lines in targets.items()
        if LAYERS[target] > LAYERS[source]
        for line in lines
    ]
    assert upward == []


@pytest.mark.parametrize(
    ("group", "forbidden"),
    [("scenarios", {"agents", "envs", "authoring"}), ("agents", {"envs"}), ("envs", {"runner", "integrations"})],
)
def test_the_data_model_and_the_agents_stay_below_what_uses_them(group, forbidden):
    assert forbidden & set(GRAPH.get(group, {})) == set(), {t: GRAPH[group][t] for t in forbidden & set(GRAPH[group])}


def test_no_cycles_between_module_groups():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(group: str, path: list[str]) -> None:
        state[group] = 1
        for target in GRAPH.get(group, {}):
            if state.get(target) == 1:
                pytest.fail(f"import cycle: {' -> '.join([*path[path.index(target) :], target])}")
            if target not in state:
                visit(target, [*path, target])
        state[group] = 2

    for group in sorted(GRAPH):
        if group not in state:
            visit(group, [group])


@pytest.mark.parametrize("folder", ["envs", "agents"])
def test_no_module_on_the_env_path_is_over_500_lines(folder):
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in (PACKAGE / folder).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert long == {}
