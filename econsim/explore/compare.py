"""``econsim.compare``: two or more designs on the same seeds, side by side.

Every design runs with the same root seed and number of replications, so replication i of
design A and replication i of design B share their random streams. The difference of a
key figure is taken replication by replication (a paired comparison), which removes most
of the noise the designs share; its 95% interval uses Student's t over the replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from econsim.arrays import F64
from econsim.engine.guards import check_parallel_memory
from econsim.errors import Problem, ScenarioError
from econsim.metrics.figures import FIGURES, NAMES, key_figures
from econsim.metrics.series import finite_mean, mean_interval
from econsim.options import RunKeywords, RunOptions
from econsim.pipeline import Run, run
from econsim.protocol import html_table, pandas
from econsim.scenario.checks import did_you_mean
from econsim.scenario.schema import PACKAGINGS, Scenario

if TYPE_CHECKING:
    import pandas as pd

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Difference:
    """A key figure of one design minus the first design's, over paired replications."""

    figure: str
    design: str
    base: float
    value: float
    difference: float
    low: float  # 95% interval of the mean difference
    high: float

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return bool(self.low > 0 or self.high < 0)


def paired_difference(base: F64, other: F64) -> tuple[float, float, float]:
    """Mean of ``other − base`` over replications and its 95% interval (NaN with one)."""
    return mean_interval(other - base, CONFIDENCE)


@dataclass(frozen=True)
class Comparison:
    """Runs of several designs on common seeds; the first is the baseline."""

    labels: tuple[str, ...]
    runs: tuple[Run, ...]
    title: str = ""  # what the report's heading says; empty: the labels, "A vs B"

    @property
    def heading(self) -> str:
        return self.title or " vs ".join(self.labels)

    def figures(self, design: int) -> dict[str, F64]:
        """Key figures of one design, one value per replication."""
        return self._figures[design]

    @cached_property
    def _figures(self) -> tuple[dict[str, F64], ...]:
        # worked out once: the table, the differences and every chart read them, and a
        # replication's breakage refits its own triangle
        return tuple(key_figures(r.results, r.metrics) for r in self.runs)

    def differences(self) -> list[Difference]:
        """Every key figure of every design against the baseline."""
        base = self.figures(0)
        out = []
        for i in range(1, len(self.runs)):
            other = self.figures(i)
            for name in NAMES:
                diff, low, high = paired_difference(base[name], other[name])
                out.append(
                    Difference(
                        name,
                        self.labels[i],
                        finite_mean(base[name]),
                        finite_mean(other[name]),
                        diff,
                        low,
                        high,
                    )
                )
        return out

    def table(self) -> list[dict[str, Any]]:
        """One row per key figure: each design's mean and sd, and differences to the first."""
        per_design = [self.figures(i) for i in range(len(self.runs))]
        diffs = {(d.figure, d.design): d for d in self.differences()}
        rows = []
        for fig in FIGURES:
            row: dict[str, Any] = {"figure": fig.name, "unit": fig.unit}
            for label, figs in zip(self.labels, per_design, strict=True):
                values = figs[fig.name][np.isfinite(figs[fig.name])]
                row[f"{label} mean"] = float(values.mean()) if values.size else float("nan")
                row[f"{label} sd"] = float(values.std(ddof=1)) if values.size > 1 else float("nan")
            for label in self.labels[1:]:
                d = diffs[(fig.name, label)]
                row[f"{label} − {self.labels[0]}"] = d.difference
                row[f"{label} − {self.labels[0]} 95% low"] = d.low
                row[f"{label} − {self.labels[0]} 95% high"] = d.high
            rows.append(row)
        return rows

    def to_df(self) -> pd.DataFrame:
        """:meth:`table` as a data frame (needs pandas)."""
        return pandas().DataFrame(self.table()).set_index("figure")

    def summary(self) -> dict[str, Any]:
        """Verdicts and figures of every design, and the differences (compare.json)."""
        first = self.runs[0].results
        return {
            "title": self.heading,
            "designs": list(self.labels),
            "seed": first.seed,
            "replications": first.replications,
            "verdicts": {
                label: {
                    "healthy": r.healthy,
                    "within_budget": r.metrics.finance.verdict.passed,
                    "verdicts": [
                        {"name": v.name, "passed": v.passed, "value": v.value}
                        for v in r.metrics.verdicts
                    ],
                }
                for label, r in zip(self.labels, self.runs, strict=True)
            },
            "figures": self.table(),
            "differences": [
                d.__dict__ | {"significant": d.significant} for d in self.differences()
            ],
        }

    def _repr_html_(self) -> str:
        rows = [
            [label, "healthy" if r.healthy else "unhealthy"]
            for label, r in zip(self.labels, self.runs, strict=True)
        ]
        rows += [
            [f"{d.figure}: {d.design} − {self.labels[0]}", f"{d.difference:,.4g}"]
            for d in self.differences()
            if d.significant
        ]
        return html_table(" vs ".join(self.labels), rows)


def _run_design(task: tuple[Scenario, int, int]) -> Run:
    scenario, seed, reps = task
    return run(scenario, seed=seed, replications=reps, workers=1)  # designs run in parallel


def unique_labels(scenarios: Sequence[Scenario], sources: Sequence[Any]) -> tuple[str, ...]:
    """Scenario names, or file stems when names repeat, numbered if still not unique."""
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        names = [Path(str(src)).stem if not isinstance(src, Scenario) else s.name
                 for s, src in zip(scenarios, sources, strict=True)]  # fmt: skip
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 and names.count(name) == 1 else f"{name} #{seen[name]}")
    return tuple(out)


def packagings(design: Scenario, campaign: str) -> list[Scenario]:
    """The design four times, its packaged campaign ``campaign`` delivered as a flat reward, a
    prize draw, a group deal and a micro-stake draw (same budget per participant, so the same
    expected cost per participant; the population's packaging_response sets participation).

    Each is named ``NAME (packaging)``. A design without a packaged campaign ``campaign``
    is a ``ScenarioError`` whose hint names the campaigns it has.
    """
    mech = design.design.mechanics
    if campaign not in mech.packaged_campaigns:
        raise ScenarioError(
            [
                Problem(
                    "--packagings",
                    0,
                    0,
                    "design.mechanics.packaged_campaigns",
                    f"'{design.name}' has no packaged campaign '{campaign}'",
                    did_you_mean(campaign, mech.packaged_campaigns),
                )
            ]
        )
    out = []
    for kind in PACKAGINGS:
        c = mech.packaged_campaigns[campaign].model_copy(update={"packaging": kind})
        m = mech.model_copy(update={"packaged_campaigns": {**mech.packaged_campaigns, campaign: c}})
        d = design.design.model_copy(update={"mechanics": m})
        out.append(design.model_copy(update={"design": d, "name": f"{design.name} ({kind})"}))
    return out


def compare(
    designs: Sequence[Scenario | Path | str],
    *,
    packaged: str | None = None,
    **options: Unpack[RunKeywords],
) -> Comparison:
    """Run every design on the same seed and replications (default: the first design's).

    ``overrides`` apply to every design, file or Scenario. The options mean what they mean
    for every call (:mod:`econsim.options`); ``progress(done, total)`` counts designs.
    ``packaged``: compare the four packagings of this packaged campaign of each design
    (:func:`packagings`); one design is then enough, and the designs are labelled by their
    packaging.
    """
    opts = RunOptions(**options)
    scenarios = [opts.scenario(d) for d in designs]
    labels, title = None, ""
    if packaged is not None:
        if len(scenarios) == 1:  # one design: its packagings are what differs
            labels = PACKAGINGS
            title = f"{scenarios[0].name}: {packaged} as {', '.join(PACKAGINGS)}"
        scenarios = [v for s in scenarios for v in packagings(s, packaged)]
        designs = scenarios
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two designs")
    seed = opts.seed_for(scenarios[0])
    reps = opts.replications_for(scenarios[0])
    runs: list[Run | None] = [None] * len(scenarios)
    runner = opts.runner()
    check_parallel_memory(scenarios, runner, reps)
    tasks = [(s, seed, reps) for s in scenarios]
    opts.report(0, len(tasks))
    for done, (i, result) in enumerate(runner.map(_run_design, tasks), start=1):
        runs[i] = result
        opts.report(done, len(tasks))
    done_runs = tuple(r for r in runs if r is not None)
    return Comparison(labels or unique_labels(scenarios, designs), done_runs, title)
