"""YAML → Scenario, with every problem located as FILE:LINE:COL and explained.

ruamel.yaml's round-trip loader records the line and column of every key and sequence
item; pydantic and the cross-field checks report *paths*; :func:`locate` joins the two.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from econsim.errors import Problem, ScenarioError
from econsim.scenario.checks import check_scenario
from econsim.scenario.fields import field_hint, unknown_key_hint
from econsim.scenario.overrides import apply_overrides
from econsim.scenario.schema import Scenario
from econsim.scenario.yamlio import parse_yaml, yaml_round_trip

__all__ = [
    "dotted",
    "dump_scenario",
    "dump_tree",
    "load_scenario",
    "load_tree",
    "loads_scenario",
    "locate",
    "locate_problems",
    "parse_yaml",
    "read_scenario_text",
    "scenario_from_dict",
    "to_plain",
    "validate_tree",
]

Loc = tuple[str | int, ...]

#: Deeper nesting than any scenario needs; deeper input is refused, not recursed into.
MAX_DEPTH = 40
#: More values than any scenario has (the bundled ones have a few hundred). YAML aliases
#: let a few lines stand for billions of values ("billion laughs"): expanding stops here.
MAX_VALUES = 100_000


class TooManyValuesError(ValueError):
    """The tree expands to more values than a scenario can have."""


def read_scenario_text(path: Path | str) -> str:
    """The text of a scenario file, or a ScenarioError saying why it cannot be read."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        hint = "check the path" if isinstance(exc, FileNotFoundError) else ""
        raise ScenarioError(
            [Problem(source, 0, 0, "", f"cannot read: {exc.strerror}", hint)]
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = Problem(source, line, 1, "", "not UTF-8 text", "save the file as UTF-8")
        raise ScenarioError([problem]) from None


def to_plain(node: Any, depth: int = 0) -> Any:
    """ruamel's commented containers and scalars → plain dicts, lists, str, int, float."""
    return _plain(node, depth, [MAX_VALUES])


def _plain(node: Any, depth: int, left: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise RecursionError("nesting deeper than a scenario can be")
    left[0] -= 1
    if left[0] < 0:
        raise TooManyValuesError(f"more than {MAX_VALUES:,} values")
    if isinstance(node, dict):
        return {_plain_key(k): _plain(v, depth + 1, left) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, depth + 1, left) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def _plain_key(key: Any) -> Any:
    return str(key) if isinstance(key, str) else key


def locate(tree: Any, loc: Sequence[str | int]) -> tuple[int, int, Loc]:
    """1-based line and column of the deepest part of ``loc`` present in the YAML tree.

    Also returns the part of ``loc`` that exists in the data, which is what users see as
    the field path (pydantic adds union-member tags that are not in the file).
    """
    line, col = 1, 1
    node = tree
    found: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(node, CommentedMap) and part in node:
            line, col = _position(node.lc.key, part, line, col)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = _position(node.lc.item, part, line, col)
            node = node[part]
        elif _holds(node, part):  # a plain dict or list (a Scenario from Python): no lines
            node = node[part]
        elif isinstance(node, dict) and part not in node and i < len(loc) - 1:
            continue  # a union member's tag, which pydantic adds and the file does not have
        elif isinstance(node, dict):
            found.append(part)  # a missing key: name it, point at its parent
            break
        else:
            break
        found.append(part)
    return line, col, tuple(found)


def _holds(node: Any, part: str | int) -> bool:
    """Whether a plain dict has the key, or a plain list the index."""
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _position(
    where: Callable[[Any], tuple[int, int] | None], part: str | int, line: int, col: int
) -> tuple[int, int]:
    """1-based line and column of a key or item; a key that ``--set`` added has no place in
    the file, so it keeps its parent's (the problem is then named by its override)."""
    try:
        found = where(part)
    except KeyError:
        return line, col
    if found is None:  # a mapping an override created holds no positions at all
        return line, col
    return found[0] + 1, found[1] + 1


def dotted(loc: Sequence[str | int]) -> str:
    """('design', 'rule_changes', 0, 'day') → 'design.rule_changes[0].day'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problems(
    exc: ValidationError, tree: Any, source: str, overridden: dict[Loc, str]
) -> list[Problem]:
    merged: dict[Loc, list[str]] = {}
    where: dict[Loc, tuple[int, int, str]] = {}
    hints: dict[Loc, str] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        line, col, path = locate(tree, loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
            hints[path] = unknown_key_hint(loc)
        else:
            hints.setdefault(path, field_hint(path))
        merged.setdefault(path, [])
        if message not in merged[path]:
            merged[path].append(message)
        where[path] = (line, col, _source_for(path, source, overridden))
    problems = []
    for path, messages in merged.items():
        line, col, src = where[path]
        if src != source:
            line = col = 0
        problems.append(Problem(src, line, col, dotted(path), "; or ".join(messages), hints[path]))
    return problems


def _source_for(path: Loc, source: str, overridden: dict[Loc, str]) -> str:
    for opath, text in overridden.items():
        if path[: len(opath)] == opath:
            return f"--set {text}"
    return source


def locate_problems(
    problems: Sequence[Problem], path: Path | str, overrides: Sequence[str] = ()
) -> list[Problem]:
    """Problems found after validation (the calibration's: they know the field, not the
    line) located in the file that set the field, or on the ``--set`` that did."""
    tree = load_tree(path)
    applied = apply_overrides(tree, overrides)
    out = []
    for p in problems:
        if p.line or not p.path:
            out.append(p)
            continue
        loc: Loc = tuple(int(x) if x.isdigit() else x for x in p.path.split("."))
        line, col, _ = locate(tree, loc)
        src = _source_for(loc, str(path), applied)
        if src != str(path):
            line = col = 0
        out.append(replace(p, source=src, line=line, column=col))
    return out


def validate_tree(tree: Any, source: str, overridden: dict[Loc, str] | None = None) -> Scenario:
    """Validate a parsed YAML tree: schema first, then the cross-field rules."""
    overridden = overridden or {}
    if not isinstance(tree, dict):
        kind = "empty" if tree is None else f"a {type(tree).__name__}"
        hint = "a scenario is a mapping with name, design and population; try `econsim init`"
        raise ScenarioError([Problem(source, 1, 1, "", f"the file is {kind}, not a mapping", hint)])
    try:
        scenario = Scenario.model_validate(to_plain(tree))
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc, tree, source, overridden)) from None
    except RecursionError:
        problem = Problem(
            source, 1, 1, "", "nesting is too deep", "a scenario is a few levels deep"
        )
        raise ScenarioError([problem]) from None
    except TooManyValuesError:
        problem = Problem(
            source, 1, 1, "",
            f"the file expands to more than {MAX_VALUES:,} values (through YAML aliases, "
            "* and &); a scenario has a few hundred",
            "write the values out instead of repeating aliases",
        )  # fmt: skip
        raise ScenarioError([problem]) from None
    findings = check_scenario(scenario)
    if findings:
        problems = []
        for loc, message, hint in findings:
            line, col, _ = locate(tree, loc)
            src = _source_for(loc, source, overridden)
            if src != source:
                line = col = 0
            problems.append(Problem(src, line, col, dotted(loc), message, hint))
        raise ScenarioError(problems)
    return scenario


def load_tree(path: Path | str) -> Any:
    """The position-keeping YAML tree of a scenario file."""
    return parse_yaml(read_scenario_text(path), str(path))


def load_scenario(path: Path | str, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override (``key.path=value``) and validate a scenario file.

    Raises :class:`econsim.ScenarioError` listing every problem with its location.
    """
    source = str(path)
    tree = load_tree(path)
    overridden = apply_overrides(tree, overrides) if overrides else {}
    return validate_tree(tree, source, overridden)


def loads_scenario(text: str, source: str = "<string>") -> Scenario:
    """Validate a scenario given as YAML text (handy in notebooks and tests)."""
    return validate_tree(parse_yaml(text, source), source)


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a scenario given as plain Python data (schema and cross-field rules)."""
    return validate_tree(data, source)


def dump_tree(tree: Any) -> str:
    """YAML text of a round-trip tree, comments kept."""
    buf = io.StringIO()
    yaml_round_trip().dump(tree, buf)
    return buf.getvalue()


def dump_scenario(scenario: Scenario) -> str:
    """YAML text of a scenario that loads back to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    y.dump(data, buf)
    return buf.getvalue()
