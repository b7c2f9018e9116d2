"""Sweep parameters and grids: ``PATH=800:1600:5`` or ``PATH=0.05,0.08,0.1``.

A parameter addresses any scenario field by its dotted path (the same paths as ``--set``);
a grid is the full product of the parameters' values, or their position-wise pairing
(``zip``). Every grid point is validated before anything runs.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from econsim.errors import Problem, ScenarioError
from econsim.scenario.checks import did_you_mean
from econsim.scenario.fields import allowed_keys, resolve
from econsim.scenario.load import parse_yaml
from econsim.scenario.overrides import parse_path
from econsim.scenario.schema import Scenario
from econsim.scenario.space import MAX_DESIGNS
from econsim.scenario.variants import with_overrides

#: A grid larger than this is almost certainly a typo in a range.
MAX_POINTS = MAX_DESIGNS


@dataclass(frozen=True)
class Parameter:
    """One swept field and the values it takes."""

    path: str
    values: tuple[Any, ...]

    @classmethod
    def parse(cls, text: str) -> Parameter:
        """``PATH=START:STOP:COUNT`` (evenly spaced, ends included) or ``PATH=A,B,C``."""
        path, sep, spec = text.partition("=")
        path, spec = path.strip(), spec.strip()
        if not sep or not path or not spec:
            raise _error(text, "a parameter is PATH=START:STOP:COUNT or PATH=A,B,C", "")
        _check_path(text, path)
        if ":" in spec and "," not in spec:
            return cls(path, _range(text, spec))
        values = tuple(_plain(parse_yaml(v.strip(), "--param")) for v in spec.split(","))
        if any(v is None for v in values):
            raise _error(text, "an empty value in the list", "write PATH=A,B,C with no gaps")
        return cls(path, values)

    def override(self, value: Any) -> str:
        """The ``--set`` text that gives this parameter ``value``."""
        return f"{self.path}={_yaml_scalar(value)}"


def _error(text: str, message: str, hint: str) -> ScenarioError:
    return ScenarioError([Problem(f"--param {text}".strip(), 0, 0, "", message, hint)])


def _check_path(text: str, path: str) -> None:
    loc = parse_path(path)
    if resolve(loc) is None:
        parent = loc[:-1]
        hint = did_you_mean(str(loc[-1]), allowed_keys(parent)) if resolve(parent) else ""
        raise _error(text, f"no scenario field '{path}'", hint or "see `econsim schema`")


def _number(text: str, part: str) -> float:
    try:
        return float(part)
    except ValueError:
        raise _error(text, f"'{part}' is not a number", "e.g. PATH=800:1600:5") from None


def _range(text: str, spec: str) -> tuple[Any, ...]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise _error(text, "a range is START:STOP:COUNT", "e.g. PATH=800:1600:5")
    start, stop = _number(text, parts[0]), _number(text, parts[1])
    count = parts[2].strip()
    # isdecimal, not isdigit: "²" is a digit to Python but not a number to int()
    if not count.isdecimal() or int(count) < 1:
        raise _error(text, f"COUNT '{parts[2]}' is not a whole number ≥ 1", "e.g. 800:1600:5")
    if int(count) > MAX_POINTS:  # before the values are made: 10^12 of them is 7 TiB
        raise _error(text, f"COUNT {int(count):,} is more points than a sweep can run",
                     f"keep the grid under {MAX_POINTS:,} points")  # fmt: skip
    values = np.linspace(start, stop, int(count))
    integral = all(p.strip().lstrip("+-").isdigit() for p in parts[:2])
    if integral and np.all(values == np.round(values)):
        return tuple(int(v) for v in values)
    return tuple(float(f"{v:.10g}") for v in values)


def _plain(value: Any) -> Any:
    """A YAML scalar as a plain Python value (ruamel returns subclasses that keep format)."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Point:
    """One grid point: its number and the value of each parameter."""

    index: int
    values: tuple[Any, ...]

    def overrides(self, parameters: Sequence[Parameter]) -> list[str]:
        return [p.override(v) for p, v in zip(parameters, self.values, strict=True)]


def grid(parameters: Sequence[Parameter], paired: bool = False) -> list[Point]:
    """Every point: the full product, or (``paired``) values paired by position."""
    if not parameters:
        raise _error("", "a sweep needs at least one --param", "e.g. --param PATH=800:1600:5")
    # the same field twice silently kept only the last one's values (issue 22)
    paths = [parse_path(p.path) for p in parameters]
    twice = [p.path for p, loc in zip(parameters, paths, strict=True) if paths.count(loc) > 1]
    if twice:
        raise _error(
            twice[-1], f"'{twice[0]}' is swept by more than one --param",
            "give each field one --param, with every value in it (A,B,C or START:STOP:COUNT)",
        )  # fmt: skip
    if paired:
        sizes = {len(p.values) for p in parameters}
        if len(sizes) > 1:
            lengths = ", ".join(f"{p.path}: {len(p.values)}" for p in parameters)
            raise _error("", f"--zip needs lists of equal length ({lengths})", "")
        combos = list(zip(*(p.values for p in parameters), strict=True))
    else:
        size = math.prod(len(p.values) for p in parameters)  # np.prod wraps around past 2^63
        if size > MAX_POINTS:
            raise _error("", f"the grid has {size:,} points", f"keep it under {MAX_POINTS:,}")
        combos = list(itertools.product(*(p.values for p in parameters)))
    return [Point(i, tuple(c)) for i, c in enumerate(combos)]


#: Fields the calibration replaces: swept under calibrated point values, they change nothing
#: the engine sees (or only the split that step 3 then restores).
RESCALED = re.compile(r"design\.behaviours\.[^.]+\.(points|unit|tier_multipliers(\..+)?)$")


def check_not_rescaled(
    parameters: Sequence[Parameter], points: Sequence[Point], base: Scenario
) -> None:
    """A swept point value under calibrated simulation is an error, not a silent no-op."""
    if any(_mode(pt.overrides(parameters), base) == "as_written" for pt in points):
        return
    bad = [p for p in parameters if RESCALED.match(p.path)]
    if bad:
        raise ScenarioError(
            [
                Problem(
                    f"--param {p.path}",
                    0,
                    0,
                    "",
                    "runs simulate the calibrated point values, so the calibration rescales "
                    "this parameter away: every point would test the same programme",
                    "add --as-written to test point values as written (a live programme), or "
                    "sweep design.calibration.target_exchange_ratio or a tier's core_share",
                )
                for p in bad
            ]
        )


def _mode(overrides: Sequence[str], base: Scenario) -> str:
    for o in overrides:
        path, _, value = o.partition("=")
        if path.strip() == "design.calibration.point_values":
            return value.strip()
    return base.design.calibration.point_values


def point_scenarios(
    base: Scenario | Path | str,
    parameters: Sequence[Parameter],
    points: Sequence[Point],
    overrides: Sequence[str] = (),
) -> list[Scenario]:
    """The scenario of every point, each validated (all problems reported at once)."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for point in points:
        try:
            scenarios.append(with_overrides(base, [*overrides, *point.overrides(parameters)]))
        except ScenarioError as exc:
            described = ", ".join(point.overrides(parameters))
            swept = {f"--set {o}" for o in point.overrides(parameters)}
            base_name = base.name if isinstance(base, Scenario) else str(base)
            problems += [
                Problem(
                    f"{base_name} --param {p.source[6:]}" if p.source in swept else p.source,
                    p.line,
                    p.column,
                    p.path,
                    p.message if p.source in swept else f"{p.message} (at {described})",
                    p.hint,
                )
                for p in exc.problems
            ]
    if problems:
        raise ScenarioError(problems)
    return scenarios
