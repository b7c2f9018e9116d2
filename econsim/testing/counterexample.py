"""``econsim test``: search a box of designs for one that breaks the programme, and shrink it.

Hypothesis draws points of the box (each field a departure from its designed value, see
``strategies.py``) and runs each at a CI-sized population with the same seed — common random
numbers, so two points differ only by their design. The first point whose gating verdicts
fail is shrunk by Hypothesis towards the design; then each field still away from its designed
value is bisected between the design (which passes) and the shrunk value (which fails) to
within ``tolerance`` of its range, so the report names a boundary, not a lucky draw:
"consumer share falls below 40% when population.uptake_scale ≤ 0.64, everything else as
designed".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any

from econsim.metrics import DEFAULT_FAIL_ON, Status, Verdict, VerdictKind
from econsim.pipeline import Run
from econsim.pipeline import run as run_scenario
from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Scenario
from econsim.scenario.space import Box
from econsim.scenario.variants import with_overrides
from econsim.testing.scale import CI_USERS, at_scale, scale_overrides

if TYPE_CHECKING:
    import pandas as pd

#: Bisection stops within this share of each field's range of the boundary.
TOLERANCE = 0.01


@dataclass(frozen=True)
class Search:
    """What ``econsim test`` found: a shrunk counterexample, or how many examples passed."""

    scenario: Scenario  # at the searched scale, with the user's overrides
    box: Box
    fail_on: frozenset[VerdictKind]
    users: int
    seed: int
    replications: int
    examples: int  # designs Hypothesis drew (shrinking and bisection included)
    designs: int  # distinct designs simulated (a design drawn twice runs once)
    values: tuple[float, ...] | None  # the counterexample, None when none was found
    verdicts: tuple[Verdict, ...] = ()  # the gating verdicts that fail there
    overrides: tuple[str, ...] = field(default=())  # the scale's --set texts

    @property
    def found(self) -> bool:
        return self.values is not None

    def moved(self) -> list[tuple[str, float, float]]:
        """(path, value, designed) of each field the counterexample moves off the design."""
        if self.values is None:
            return []
        return [
            (d.path, v, d.value)
            for d, v in zip(self.box.dimensions, self.values, strict=True)
            if d.clip(v) != d.clip(d.value)
        ]

    def sentence(self) -> str:
        """The finding in words, as the terminal and summary.json give it."""
        if self.values is None:
            return (
                f"no design in the box breaks the programme: {self.examples} examples "
                f"({self.designs} distinct designs with the design itself) at "
                f"{self.users:,} members passed every {'/'.join(sorted(self.fail_on))} verdict"
            )
        broken = " and ".join(_verdict_words(v) for v in self.verdicts)
        changes = " and ".join(
            f"{p} {'≤' if v < home else '≥'} {_num(v)} (designed {_num(home)})"
            for p, v, home in self.moved()
        )
        if not changes:
            return f"{broken} with the design as written: no change is needed to break it"
        rest = ", everything else as designed" if len(self.moved()) < len(self.box) else ""
        return f"{broken} when {changes}{rest}"

    def reproducer_overrides(self) -> list[str]:
        """The ``--set`` texts that turn the scenario file into the counterexample."""
        assert self.values is not None
        return [
            *self.overrides,
            *self.box.overrides(list(self.values)),
            f"seed={self.seed}",
            f"replications={self.replications}",
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "found": self.found,
            "finding": self.sentence(),
            "examples": self.examples,
            "designs_simulated": self.designs,
            "users": self.users,
            "seed": self.seed,
            "replications": self.replications,
            "gating_classes": sorted(self.fail_on),
            "tolerance": TOLERANCE,
            "box": [
                {"path": d.path, "low": d.low, "high": d.high, "designed": d.value}
                for d in self.box.dimensions
            ],
            "counterexample": None
            if self.values is None
            else {d.path: v for d, v in zip(self.box.dimensions, self.values, strict=True)},
            "failing_verdicts": [
                {"name": v.name, "kind": v.kind, "value": v.value, "threshold": v.threshold}
                for v in self.verdicts
            ],
        }

    def to_df(self) -> pd.DataFrame:
        """One row per varied field: its range, designed value and the counterexample's."""
        rows = [
            [d.path, d.low, d.high, d.value, None if self.values is None else self.values[i]]
            for i, d in enumerate(self.box.dimensions)
        ]
        columns = ["field", "low", "high", "designed", "counterexample"]
        return pandas().DataFrame(rows, columns=columns).set_index("field")

    def _repr_html_(self) -> str:
        rows = [["finding", self.sentence()], ["examples", f"{self.examples:,}"]]
        return html_table(f"econsim test of {self.scenario.name}", rows)


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


def _verdict_words(v: Verdict) -> str:
    if v.kind == "health":
        return f"{v.name} falls below {v.threshold:.0%} ({v.value:.1%})"
    if v.name == "within budget":
        return f"cost goes over the budget ({v.value:.0%} of it)"
    if v.kind == "peak":
        return f"a period goes over its own budget ({v.value:.0%} of it)"
    if v.kind == "inflation":
        return f"points inflate ({v.value:.1%} a month, limit {v.threshold:.0%})"
    return f"'{v.name}' fails ({v.value:.3g} against {v.threshold:.3g})"


class _Judge:
    """Runs designs of the box (each once: shrinking revisits points) and says which fail."""

    def __init__(self, base: Scenario, box: Box, fail_on: frozenset[VerdictKind], seed: int,
                 replications: int) -> None:  # fmt: skip
        self.base, self.box, self.fail_on = base, box, fail_on
        self.seed, self.replications = seed, replications
        self.runs: dict[tuple[float, ...], Run] = {}
        self.calls = 0

    def run(self, values: Sequence[float]) -> Run:
        key = tuple(float(d.clip(v)) for d, v in zip(self.box.dimensions, values, strict=True))
        if key not in self.runs:
            scenario = with_overrides(self.base, self.box.overrides(list(key)))
            self.runs[key] = run_scenario(
                scenario, seed=self.seed, replications=self.replications, workers=1
            )
        return self.runs[key]

    def fails(self, values: Sequence[float]) -> bool:
        self.calls += 1
        return self.run(values).metrics.status(self.fail_on) is Status.UNHEALTHY


def search(
    scenario: Scenario | Path | str,
    vary: Sequence[str],
    *,
    overrides: Sequence[str] = (),
    fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON,
    examples: int = 50,
    users: int = CI_USERS,
    seed: int = 0,
    replications: int = 2,
) -> Search:
    """Search the box ``vary`` (``PATH=LOW:HIGH[:int][:log]`` texts) of ``scenario`` for a
    design whose gating verdicts fail, at ``users`` members; shrink and refine it."""
    # Hypothesis only here: writing or reading a Search (report/, the CLI) must not need it
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    from econsim.testing.strategies import points, sized_box

    written = with_overrides(scenario, overrides)
    scaling = scale_overrides(written, users) if users != written.population.users else []
    base = at_scale(written, users)
    box = sized_box(base, vary, users)
    gating = frozenset(fail_on)
    judge = _Judge(base, box, gating, seed, replications)
    budget = settings(
        max_examples=examples,
        database=None,  # reproducible in CI: the seed, not a local example store, decides
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    home = [float(d.clip(d.value)) for d in box.dimensions]
    if judge.fails(home):  # nothing to search: the design as written already breaks
        verdicts = judge.run(home).metrics.verdicts
        failing = tuple(v for v in verdicts if v.kind in gating and not v.passed)
        return Search(base, box, gating, users, seed, replications, judge.calls, len(judge.runs),
                      tuple(home), failing, tuple(scaling))  # fmt: skip
    judge.calls = 0  # examples count Hypothesis's draws; the design itself is one more design
    try:
        shrunk = find(points(box), judge.fails, settings=budget, random=Random(seed))
    except NoSuchExample:
        return Search(base, box, gating, users, seed, replications, judge.calls,
                      len(judge.runs), None, overrides=tuple(scaling))  # fmt: skip
    values = _refine(judge, list(shrunk))
    failing = tuple(
        v for v in judge.run(values).metrics.verdicts if v.kind in gating and not v.passed
    )
    return Search(base, box, gating, users, seed, replications, judge.calls, len(judge.runs),
                  tuple(values), failing, tuple(scaling))  # fmt: skip


def _refine(judge: _Judge, values: list[float]) -> list[float]:
    """Bisect each moved field between its designed value (passing) and ``values`` (failing)."""
    for i, dim in enumerate(judge.box.dimensions):
        home = float(dim.clip(dim.value))
        fail = values[i]
        if fail == home:
            continue
        if judge.fails([*values[:i], home, *values[i + 1 :]]):
            values[i] = home  # this field need not move: the others break the programme
            continue
        passing, step = home, TOLERANCE * (dim.high - dim.low)
        while abs(fail - passing) > max(step, 1.0 if dim.integer else 0.0):
            mid = float(dim.clip((fail + passing) / 2))
            if mid in (fail, passing):
                break
            trial = [*values[:i], mid, *values[i + 1 :]]
            if judge.fails(trial):
                fail = mid
            else:
                passing = mid
        values[i] = fail
    return values
