"""Bad input never crashes anything: malformed scenario files, hostile doctor actions, damaged run files.

- Scenario files: a thousand malformed documents (a valid scenario with fields dropped, retyped, nested, padded with
  unknown keys or huge strings, then sprinkled with YAML syntax noise) each raise `ScenarioError` naming the file and
  a field path or a YAML line; no other exception type escapes the loader.
- Doctor actions: empty, 1 MB, control characters, lone surrogates and arbitrary unicode are answered; non-strings
  raise `ActionError` and leave the episode as it was.
- Run files: a truncated last line and a foreign record are skipped with a warning, and a resumed run still finishes
  every episode exactly once.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import consultgym
from consultgym.actions import clean_action
from consultgym.cli import main
from consultgym.config import MAX_ACTION_CHARS
from consultgym.errors import ActionError, ScenarioError
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.scenarios.loader import MAX_DEPTH, load_scenario, parse_scenario
from consultgym.scenarios.schema import Diagnosis, Fact, Patient, RubricItem, Scenario, Source
from consultgym.settings import RunConfig

# Hypothesis warns when it prints a 1 MB example; the size is the point here.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chest_pain.yaml"
VALID: dict[str, Any] = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
KNOWN_FIELDS = {
    name for model in (Scenario, Source, Patient, Fact, RubricItem, Diagnosis) for name in model.model_fields
}


# ------------------------------------------------------------------------------------------- the malformed documents
def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the valid document (dict keys and list indices), the root excluded."""
    found = []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in children:
        found.append((*path, key))
        found += _paths(child, (*path, key))
    return found


def _on_the_way(path: tuple[Any, ...], keep: tuple[Any, ...]) -> bool:
    """Whether changing `path` could change or move what is at `keep`."""
    same_line = path[: len(keep)] == keep[: len(path)]
    in_a_list_above = isinstance(path[-1], int) and path[:-1] == keep[: len(path) - 1]
    return same_line or in_a_list_above


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


PATHS = _paths(VALID)
DICT_PATHS = [()] + [p for p in PATHS if isinstance(_get(VALID, p), dict)]
STRING_PATHS = [p for p in PATHS if isinstance(_get(VALID, p), str) and p[-1] != "icd10"]
LIST_PATHS = [p for p in PATHS if isinstance(_get(VALID, p), list)]
MODEL_AT = {"source": Source, "patient": Patient, "facts": Fact, "must_ask": RubricItem, "diagnosis": Diagnosis}


def _required(path: tuple[Any, ...]) -> bool:
    """Whether the field at `path` is required by its model (so dropping it must fail)."""
    model = Scenario if len(path) == 1 else MODEL_AT.get(path[0])
    field = model.model_fields.get(path[-1]) if model is not None and isinstance(path[-1], str) else None
    return field is not None and field.is_required()


REQUIRED_PATHS = [p for p in PATHS if _required(p)]


def _nest(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


SCALAR_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # YAML cannot carry lone surrogates
HUGE_TEXT = st.sampled_from([10_000, 100_000, 1_000_000]).map(lambda n: "Ω" * n)
JUNK = st.one_of(
    SCALAR_JUNK,
    TEXT,
    st.integers(min_value=MAX_DEPTH + 1, max_value=200).map(_nest),
    st.recursive(SCALAR_JUNK | TEXT, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner)),
)
NOT_A_STRING = st.one_of(SCALAR_JUNK, st.lists(TEXT, max_size=3), st.dictionaries(TEXT, TEXT, max_size=3))
NOT_A_LIST = st.one_of(SCALAR_JUNK, TEXT.filter(bool), st.dictionaries(TEXT, TEXT, min_size=1, max_size=3))
UNKNOWN_KEY = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20).filter(
    lambda k: k not in KNOWN_FIELDS
)
YAML_NOISE = st.sampled_from(
    [":", ": :", "- ", "[", "]", "{", "}", "&a ", "*a", "*zz", "<<: *a\n", "!!python/object:os.system ", "!!binary ",
     "!!timestamp ", "2001-13-01", "\t", "'", '"', "%YAML 1.1\n", "---\n", "...\n", "? ", "|", ">", "@", "`", "#",
     "\n  - ", "\x00", "\x07", "\ufeff", "\u202e", "\\", "\n\t\n", "!!int 0x", "!!float abc"]
)  # fmt: skip


@st.composite
def breaking_mutation(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[str, Any, tuple[Any, ...]]:
    """Apply one change that makes the document invalid for certain.

    Returns a description for failure messages, what replaces the whole document (None: the document itself), and
    the path it changed (other changes keep off it, or deleting a nested optional field would mend the document).
    """
    kind = draw(st.sampled_from(["drop", "retype_string", "retype_list", "unknown_key", "nest", "not_a_mapping"]))
    if kind == "drop":
        path = draw(st.sampled_from(REQUIRED_PATHS))
        del _get(doc, path[:-1])[path[-1]]
    elif kind == "retype_string":
        path = draw(st.sampled_from(STRING_PATHS))
        _get(doc, path[:-1])[path[-1]] = draw(NOT_A_STRING)
    elif kind == "retype_list":
        path = draw(st.sampled_from(LIST_PATHS))
        _get(doc, path[:-1])[path[-1]] = draw(NOT_A_LIST)
    elif kind == "unknown_key":
        path = draw(st.sampled_from(DICT_PATHS))
        _get(doc, path)[draw(UNKNOWN_KEY)] = draw(JUNK)
    elif kind == "nest":
        path = draw(st.sampled_from(PATHS))
        _get(doc, path[:-1])[path[-1]] = _nest(draw(st.integers(min_value=MAX_DEPTH + 1, max_value=200)))
    else:
        not_a_mapping = st.one_of(st.none(), SCALAR_JUNK, st.lists(TEXT, max_size=3)).map(lambda v: [v])
        return "not a mapping", draw(not_a_mapping), ()
    return f"{kind} at {'.'.join(map(str, path))}", None, tuple(path)


@st.composite
def random_mutation(draw: st.DrawFn, doc: dict[str, Any], keep: tuple[Any, ...] = ()) -> str:
    """Any change at all, breaking or not: junk anywhere, a value deleted, a list emptied or duplicated; never at,
    above or below the path `keep`, nor in a list that holds it (a deletion there would move it)."""
    paths = [p for p in _paths(doc) if not keep or not _on_the_way(p, keep)]
    if not paths:
        return "none"
    path = draw(st.sampled_from(paths))
    parent = _get(doc, path[:-1])
    action = draw(st.sampled_from(["junk", "delete", "duplicate"]))
    if action == "junk":
        parent[path[-1]] = draw(JUNK)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))
    return f"{action} at {'.'.join(map(str, path))}"


@st.composite
def malformed_document(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """The bytes of a malformed scenario file and the list of changes made to the valid one."""
    doc = copy.deepcopy(VALID)
    changes = []
    if draw(st.integers(0, 19)) == 0:  # now and then a huge string in a text field (rarely: they are slow to dump)
        path = draw(st.sampled_from(STRING_PATHS))
        _get(doc, path[:-1])[path[-1]] = draw(HUGE_TEXT)
        changes.append(f"huge string at {'.'.join(map(str, path))}")
    change, root, broken = draw(breaking_mutation(doc))
    changes.append(change)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        changes.append(draw(random_mutation(doc, broken)))
    root = doc if root is None else root[0]
    text = yaml.dump(root, Dumper=DUMPER, allow_unicode=draw(st.booleans()), sort_keys=False, width=10_000)
    if draw(st.booleans()):
        for position, noise in draw(st.lists(st.tuples(st.integers(0, len(text)), YAML_NOISE), max_size=5)):
            text = text[:position] + noise + text[position:]
            changes.append(f"noise {noise!r} at {position}")
    raw = text.encode("utf-8")
    if draw(st.integers(0, 19)) == 0:  # now and then, bytes that are not UTF-8 at all
        position = draw(st.integers(0, len(raw)))
        raw = raw[:position] + b"\xff\xfe\xc0" + raw[position:]
        changes.append(f"invalid UTF-8 at byte {position}")
    return raw, changes


def assert_located(message: str, origin: str, keys: set[str] | None = None) -> None:
    """The message names the file, then a field path (starting at one of the document's `keys`), a YAML line, or
    the top level."""
    assert message.startswith(f"{origin}: "), message[:300]
    rest = message[len(origin) + 2 :]
    if re.match(r"[\d,]+ bytes, more than a scenario file may have", rest):
        pass  # refused by size before it was read
    elif rest.startswith(("not valid YAML", "not UTF-8")):
        assert re.match(r"not (valid YAML|UTF-8 text) at line \d+", rest), message[:300]
    elif rest.startswith("expected a mapping"):
        assert "at the top level" in rest
    else:
        roots = (keys if keys is not None else KNOWN_FIELDS) | {"(top level)"}
        assert any(rest.startswith((f"{root}: ", f"{root}.")) for root in roots), message[:300]
    assert "Traceback" not in message and len(message) < 20_000


def _top_level_keys(raw: bytes) -> set[str] | None:
    """The document's top-level keys as the loader sees them, when it is a mapping at all."""
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=yaml.SafeLoader)
    except Exception:  # noqa: BLE001 - the loader under test reports it; here it only means "no keys"
        return None
    return {str(key) for key in data} | KNOWN_FIELDS if isinstance(data, dict) else None


def test_a_thousand_malformed_scenario_files_raise_only_located_scenario_errors(tmp_path):
    path = tmp_path / "scenario.yaml"
    outcomes = {"scenario_error": 0}

    @settings(
        max_examples=1000,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(malformed_document())
    def check(document: tuple[bytes, list[str]]) -> None:
        raw, changes = document
        path.write_bytes(raw)
        try:
            load_scenario(path)
        except ScenarioError as exc:
            assert_located(str(exc), str(path), _top_level_keys(raw))
            outcomes["scenario_error"] += 1
        else:
            pytest.fail(f"a malformed document was accepted: {changes}")

    check()
    assert outcomes["scenario_error"] >= 1000


PYTHON_JUNK = st.one_of(
    JUNK,
    st.binary(max_size=20),
    st.text(max_size=20),  # lone surrogates included
    st.sets(st.integers(), max_size=3),
    st.tuples(st.integers(), TEXT),
    st.builds(object),
    st.integers(min_value=MAX_DEPTH + 1, max_value=5000).map(_nest),
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=PYTHON_JUNK)
def test_python_objects_that_yaml_cannot_produce_raise_scenario_errors(path, value):
    doc = copy.deepcopy(VALID)
    _get(doc, path[:-1])[path[-1]] = value
    try:
        parse_scenario(doc, "mem")
    except ScenarioError as exc:
        assert_located(str(exc), "mem")


def _self_referencing() -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    loop: list[Any] = []
    loop.append(loop)
    doc["facts"][0]["keywords"] = loop
    return doc


def test_cyclic_and_deeply_nested_objects_are_rejected_with_their_path():
    with pytest.raises(ScenarioError, match=r"^mem: facts\.0\.keywords(\.0)+: nested deeper"):
        parse_scenario(_self_referencing(), "mem")
    with pytest.raises(ScenarioError, match=r"^mem: title(\.k|\.0)+: nested deeper"):
        parse_scenario({**VALID, "title": _nest(100_000)}, "mem")


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (LAUGHS.encode(), r"more than \d+ values"),  # 'billion laughs': 10^9 values from 600 bytes of aliases
        (b"a: &x [*x]\n", r"nested deeper"),  # an alias to itself
        (
            b"id: x\ndate: 2001-13-01\n",
            r"not valid YAML at line 2, column 7: cannot build a timestamp .*month must be in 1\.\.12",
        ),
        (b"id: !!python/object/apply:os.system [echo hacked]\n", r"not valid YAML at line 1, column 5"),
        (b"id: x\ntitle: \x07\n", r"not valid YAML at line 2: .*control characters"),
        (b"id: x\n\xff\xfe\n", r"not UTF-8 text at line 2"),
        (b"id: [unclosed\n", r"not valid YAML at line 2"),
        (b"", r"expected a mapping .* top level, got NoneType"),
        (b"- a\n- b\n", r"expected a mapping .* top level, got list"),
        (b"\xef\xbb\xbfid: x\n", r"title: Field required"),  # a BOM is fine, the missing fields are not
    ],
)
def test_known_hostile_files(tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert re.search(expected, str(caught.value)), str(caught.value)
    assert_located(str(caught.value), str(path), _top_level_keys(content))


def test_cli_validate_prints_one_line_per_bad_file(tmp_path, capsys):
    (tmp_path / "laughs.yaml").write_text(LAUGHS)
    (tmp_path / "date.yaml").write_text("id: x\ndate: 2001-13-01\n")
    assert main(["scenario", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert len(out.out.strip().splitlines()) == 2 and "0/2 scenarios valid" in out.err


# ---------------------------------------------------------------------------------------------- hostile doctor turns
@pytest.fixture(params=consultgym.ENV_IDS)
def env(request):
    environment = gym.make(request.param)
    environment.reset(seed=0, options={"scenario": "chest-pain-58m"})
    yield environment
    environment.close()


HOSTILE_TEXT = {
    "empty": "",
    "blank": " \n\t\r\n ",
    "one_megabyte": "When did the pain start? " * 42_000,
    "one_megabyte_no_spaces": "x" * 1_000_000,
    "control_characters": "".join(map(chr, range(32))) + "When did \x1b[31mthe pain\x7f start?\x00",
    "lone_surrogates": "When did \ud800 the pain start?\udfff",
    "right_to_left_override": "When did the pain \u202estart?",
    "null_bytes_only": "\x00" * 1000,
    "directive_noise": "DIAGNOSIS\nEXAMINE:\nTEST: \nEND",
}


@pytest.mark.parametrize("name", HOSTILE_TEXT)
def test_hostile_text_actions_are_answered(env, name):
    text = HOSTILE_TEXT[name]
    obs, reward, terminated, truncated, info = env.step(text)
    assert env.observation_space.contains(obs) and obs
    assert info["action_truncated"] == (len(clean_action(text)[0]) == MAX_ACTION_CHARS and len(text) > MAX_ACTION_CHARS)
    turn = env.unwrapped.session.turns[-1]
    assert len(turn.doctor) <= MAX_ACTION_CHARS
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", turn.doctor)
    json.loads(env.unwrapped.session.to_episode().model_dump_json())  # the record can always be written


def test_one_megabyte_is_truncated_and_flagged(env):
    *_, info = env.step("When did the pain start? " * 42_000)
    assert info["action_truncated"] is True
    assert len(env.unwrapped.session.turns[-1].doctor) == MAX_ACTION_CHARS


@pytest.mark.parametrize("action", [None, 7, 3.5, True, ["When did it start?"], {"text": "hi"}, object()])
def test_non_string_actions_raise_action_error_and_change_nothing(env, action):
    with pytest.raises(ActionError, match="must be a string"):
        env.step(action)
    assert env.unwrapped.session.turns == []
    obs, *_ = env.step("When did the pain start?")  # the episode goes on as if nothing happened
    assert "start" in obs.lower() or obs


@pytest.mark.parametrize("action", [b"When did the pain start?", b"\xff\xfe\xfd", b"", b"x" * 1_000_000])
def test_bytes_are_decoded_as_utf8_with_replacement(env, action):
    obs, *_, info = env.step(action)
    assert isinstance(obs, str) and obs
    assert info["action_truncated"] == (len(action) > MAX_ACTION_CHARS)


UNICODE_ENV = gym.make("consultgym/Consultation-v0", scenarios="starter")  # built once: loading is the slow part


@settings(max_examples=150, deadline=None, database=None)
@given(actions=st.lists(st.text(max_size=300), min_size=1, max_size=4), seed=st.integers(0, 2**16))
def test_any_unicode_text_is_a_valid_action(actions, seed):
    UNICODE_ENV.reset(seed=seed)
    for action in actions:
        obs, _, terminated, truncated, _ = UNICODE_ENV.step(action)
        assert UNICODE_ENV.observation_space.contains(obs)
        if terminated or truncated:
            break
    json.loads(UNICODE_ENV.unwrapped.session.to_episode().model_dump_json())


# ------------------------------------------------------------------------------------------------- damaged run files
def test_truncated_last_line_and_foreign_record_are_skipped_and_resume_completes(tmp_path, capsys):
    out = tmp_path / "run.jsonl"
    spec = RunConfig(out=out, scenarios=[str(FIXTURE)], episodes=6, progress=False)
    run(spec)
    lines = out.read_bytes().splitlines(keepends=True)
    foreign = b'{"hello": "world", "scenario_id": 5}\n'
    # Episode 2 is lost to the damage: half a line at the end, as an interrupted write leaves it.
    out.write_bytes(lines[0] + foreign + lines[1] + b"".join(lines[3:]) + lines[2][: len(lines[2]) // 2])

    loaded = load_run(out)
    assert len(loaded.episodes) == 5
    assert any("truncated last line" in w for w in loaded.warnings)
    assert any(":2: skipped" in w for w in loaded.warnings)
    assert main(["report", str(out)]) == 0
    assert "warning:" in capsys.readouterr().err

    summary = run(spec)
    assert (summary.skipped, summary.completed, summary.errored) == (5, 1, 0)
    assert len(summary.warnings) == 2
    resumed = load_run(out)
    assert resumed.warnings == []
    assert sorted(e.index for e in resumed.episodes) == list(range(6))
    side = out.with_suffix(".rejected.jsonl").read_bytes().splitlines()
    assert side[0] == foreign.strip() and lines[2].startswith(side[1])
