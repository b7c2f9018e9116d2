"""A box of designs: ``--vary PATH=LOW:HIGH[:int][:log]`` over the numbers of one scenario.

The optimiser, the sensitivity analysis and ``econsim test`` all search the same kind of
space: a few numeric fields of one scenario, each between two ends. A :class:`Box` is that
space, checked against the scenario it varies before anything runs: the path must be a
number *in this scenario* (a catalog item that exists, not only one the schema allows), the
ends must be inside the field's own allowed values, and the scenario must validate at each
end of each dimension with everything else as designed. What is left to the search is
cross-field validity deep inside the box, which each method reports as a problem.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types as at

from econsim.errors import Problem, ScenarioError
from econsim.scenario.checks import did_you_mean
from econsim.scenario.fields import resolve, unwrap
from econsim.scenario.overrides import parse_path
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides

Scale = Literal["linear", "log"]
EXAMPLE = "e.g. --vary design.catalog.mug.points_price=2000:4000:int"


def _error(text: str, message: str, hint: str = EXAMPLE) -> ScenarioError:
    return ScenarioError([Problem(f"--vary {text}", 0, 0, "", message, hint)])


@dataclass(frozen=True)
class Dimension:
    """One varied field: its path, its ends, whether it is whole and how it is spaced."""

    path: str
    low: float
    high: float
    integer: bool = False
    scale: Scale = "linear"
    #: The scenario's own value at ``path`` (the baseline of one-at-a-time analyses).
    value: float = math.nan

    def value_at(self, unit: float) -> float | int:
        """The value at ``unit`` ∈ [0, 1] along the dimension (log-spaced if ``scale='log'``)."""
        u = min(max(float(unit), 0.0), 1.0)
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return self.clip(x)

    def clip(self, x: float) -> float | int:
        """``x`` inside the ends, rounded to a whole number for an integer field."""
        x = min(max(x, self.low), self.high)
        return round(x) if self.integer else float(f"{x:.12g}")

    def override(self, x: float) -> str:
        """The ``--set`` text giving this field the value ``x``."""
        value = self.clip(x)
        return f"{self.path}={value if self.integer else repr(float(value))}"

    def describe(self) -> str:
        kind = ", whole numbers" if self.integer else ""
        spacing = ", log-spaced" if self.scale == "log" else ""
        return f"{self.path} from {_fmt(self.low)} to {_fmt(self.high)}{kind}{spacing}"


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"


@dataclass(frozen=True)
class Box:
    """The varied fields of one scenario; every point in it is a list of ``--set`` texts."""

    dimensions: tuple[Dimension, ...]

    @property
    def names(self) -> list[str]:
        return [d.path for d in self.dimensions]

    def __len__(self) -> int:
        return len(self.dimensions)

    def overrides(self, values: Sequence[float]) -> list[str]:
        """The ``--set`` texts of the point with these values (one per dimension)."""
        return [d.override(v) for d, v in zip(self.dimensions, values, strict=True)]

    def from_unit(self, unit: Sequence[float]) -> list[float | int]:
        """The point at ``unit`` ∈ [0, 1]^d (what samplers draw) in the fields' own units."""
        return [d.value_at(u) for d, u in zip(self.dimensions, unit, strict=True)]

    def baseline(self) -> list[float]:
        """The scenario's own values."""
        return [d.value for d in self.dimensions]

    def salib_problem(self) -> dict[str, Any]:
        """The SALib ``problem`` of the box in unit coordinates (values via :meth:`from_unit`)."""
        return {"num_vars": len(self), "names": self.names, "bounds": [[0.0, 1.0]] * len(self)}


#: The most designs one job runs (sweep points, trials, an analysis' samples): each is a
#: whole simulation, so more cannot finish, and their values alone can outgrow memory.
MAX_DESIGNS = 100_000


def parse_box(scenario: Scenario, texts: Sequence[str], *, check_ends: bool = True) -> Box:
    """The box that ``--vary`` texts declare over ``scenario``; every problem at once.

    ``check_ends`` validates the scenario at both ends of every dimension (everything else as
    designed), so a range that leaves the design's valid region fails here, located.
    """
    if not texts:
        raise _error("", "the box is empty: nothing to vary", EXAMPLE)
    problems: list[Problem] = []
    dims: list[Dimension] = []
    for text in texts:
        try:
            dims.append(_dimension(scenario, text))
        except ScenarioError as exc:
            problems += exc.problems
    paths = [d.path for d in dims]
    problems += [
        _error(p, "this field is varied twice", "give each field one --vary").problems[0]
        for p in sorted({p for p in paths if paths.count(p) > 1})
    ]
    if problems:
        raise ScenarioError(problems)
    box = Box(tuple(dims))
    if check_ends:
        _check_ends(scenario, box)
    return box


def _dimension(scenario: Scenario, text: str) -> Dimension:
    path, sep, spec = text.partition("=")
    path, parts = path.strip(), [p.strip() for p in spec.split(":")]
    if not sep or not path or len(parts) < 2:
        raise _error(text, "a varied field is PATH=LOW:HIGH, optionally :int and :log")
    flags = parts[2:]
    unknown = [f for f in flags if f not in ("int", "log")]
    if unknown:
        raise _error(text, f"unknown option '{unknown[0]}'", "the options are :int and :log")
    twice = sorted({f for f in flags if flags.count(f) > 1})
    if twice:
        raise _error(text, f"option ':{twice[0]}' is given twice", "give each option once")
    value, annotation = _current(scenario, text, path)
    low, high = _end(text, parts[0], "LOW"), _end(text, parts[1], "HIGH")
    integer = "int" in flags or _is_int(annotation)
    if low >= high:
        raise _error(text, f"LOW ({parts[0]}) must be below HIGH ({parts[1]})")
    if integer and not (low.is_integer() and high.is_integer()):
        raise _error(text, "a whole-number field needs whole-number ends", EXAMPLE)
    if "log" in flags and low <= 0:
        raise _error(text, "a log range must stay above 0", "e.g. PATH=0.001:0.1:log")
    _check_allowed(text, path, annotation, low, high)
    scale: Scale = "log" if "log" in flags else "linear"
    return Dimension(path, low, high, integer, scale, value)


def _end(text: str, part: str, name: str) -> float:
    try:
        x = float(part.replace("_", ""))
    except ValueError:
        raise _error(text, f"{name} '{part}' is not a number") from None
    if not math.isfinite(x):
        raise _error(text, f"{name} '{part}' is not a finite number")
    return x


def _current(scenario: Scenario, text: str, path: str) -> tuple[float, Any]:
    """The scenario's number at ``path`` and the field's annotation (errors name the gap)."""
    loc = parse_path(path)
    node: Any = scenario.model_dump(mode="python")
    for depth, part in enumerate(loc):
        here = ".".join(str(p) for p in loc[:depth]) or "the scenario"
        if _has(node, part):
            node = node[part]
        elif isinstance(node, dict):
            known = [str(k) for k, v in node.items() if v is not None]
            hint = did_you_mean(str(part), known)
            raise _error(text, f"'{part}' is not set in {here} of this scenario", hint)
        else:
            raise _error(text, f"'{part}' does not exist under {here}", "check the path")
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise _error(text, f"{path} is not a number (it is {node!r})", "vary a numeric field")
    found = resolve(loc)
    return float(node), found[0] if found else float


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node and node[part] is not None
    return isinstance(node, list) and isinstance(part, int) and part < len(node)


def _is_int(annotation: Any) -> bool:
    return any(t is int for t in unwrap(annotation))


def _bounds(annotation: Any, path: str) -> list[Any]:
    """The annotated-types bounds of a field (from its Annotated type or its FieldInfo)."""
    found = resolve(parse_path(path))
    meta = list(found[1].metadata) if found and found[1] is not None else []
    while get_origin(annotation) is Annotated:
        meta += list(annotation.__metadata__)
        annotation = get_args(annotation)[0]
    out: list[Any] = []
    for m in meta:
        if isinstance(m, at.Ge | at.Gt | at.Le | at.Lt):
            out.append(m)
        elif hasattr(m, "metadata"):  # a pydantic FieldInfo inside Annotated
            out += [x for x in m.metadata if isinstance(x, at.Ge | at.Gt | at.Le | at.Lt)]
    return out


def _check_allowed(text: str, path: str, annotation: Any, low: float, high: float) -> None:
    for bound in _bounds(annotation, path):
        limit = float(getattr(bound, type(bound).__name__.lower()))  # Gt.gt, Ge.ge, …
        if isinstance(bound, at.Gt) and low <= limit:
            raise _error(text, f"LOW must be above {limit:g}, the field's smallest value", "")
        if isinstance(bound, at.Ge) and low < limit:
            raise _error(text, f"LOW must be at least {limit:g}, the field's smallest", "")
        if isinstance(bound, at.Lt) and high >= limit:
            raise _error(text, f"HIGH must be below {limit:g}, the field's largest value", "")
        if isinstance(bound, at.Le) and high > limit:
            raise _error(text, f"HIGH must be at most {limit:g}, the field's largest", "")


def _check_ends(scenario: Scenario, box: Box) -> None:
    problems: list[Problem] = []
    for dim in box.dimensions:
        for end in (dim.low, dim.high):
            try:
                with_overrides(scenario, [dim.override(end)])
            except ScenarioError as exc:
                problems += [
                    Problem(
                        f"--vary {dim.path} (at {_fmt(end)})",
                        0,
                        0,
                        "",
                        p.message,
                        p.hint or "narrow the range",
                    )
                    for p in exc.problems
                ]
    if problems:
        raise ScenarioError(problems)
