"""``Optimisation``: a study's trials — each design, its objectives and constraint slacks
— with the feasible set, the Pareto front and the best design, as data.

Written by :func:`econsim.advisor.optimize.optimize`; read by the advisor's report and the
terminal. A trial's figures are per replication, so a reader can see the spread a mean hides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from econsim.advisor.objectives import Constraint, Objective
from econsim.metrics import VerdictKind
from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Scenario
from econsim.scenario.space import Box

if TYPE_CHECKING:
    import pandas as pd

Sampler = Literal["tpe", "nsga2"]
SAMPLERS: tuple[Sampler, ...] = ("tpe", "nsga2")
#: Figures each trial keeps (per replication), beside its objectives and constraints.
SHOWN = (
    "consumption_rate",
    "consumer_share",
    "budget_used",
    "cost",
    "liability",
    "supply_growth",
    "peak_burn",
    "cost_per_active_user",
    "redeemer_share",
    "engagement",
)


@dataclass(frozen=True)
class Trial:
    """One design the study ran: where it sits in the box and how it was judged."""

    number: int
    values: tuple[float, ...]  # in box order, in the fields' own units
    objectives: tuple[float, ...]  # means over replications; empty when refused
    slacks: tuple[float, ...]  # per constraint: ≤ 0 when met with confidence
    figures: dict[str, tuple[float, ...]]  # per replication
    problem: str = ""  # why the scenario's rules refused the design

    @property
    def refused(self) -> bool:
        return bool(self.problem)

    @property
    def feasible(self) -> bool:
        return not self.refused and all(s <= 0 for s in self.slacks)

    def mean(self, figure: str) -> float:
        x = np.asarray(self.figures.get(figure, ()), dtype=float)
        x = x[np.isfinite(x)]
        return float(x.mean()) if x.size else math.nan


@dataclass(frozen=True)
class Optimisation:
    """A finished (or resumed) study: every trial, and the constraints it was judged by."""

    scenario: Scenario  # the base design, the user's overrides applied
    box: Box
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    fail_on: frozenset[VerdictKind]
    confidence: float
    seed: int
    replications: int
    sampler: Sampler
    trials: tuple[Trial, ...]
    overrides: tuple[str, ...] = ()
    output: Path | None = None
    resumed: int = field(default=0)  # trials found finished in the folder

    @property
    def name(self) -> str:
        return self.scenario.name

    def feasible(self) -> list[Trial]:
        return [t for t in self.trials if t.feasible]

    def front(self) -> list[Trial]:
        """The feasible designs no other feasible design beats on every objective."""
        signs = [1.0 if o.direction == "minimize" else -1.0 for o in self.objectives]
        pts = [
            (t, [s * v for s, v in zip(signs, t.objectives, strict=True)]) for t in self.feasible()
        ]

        def beaten(a: list[float]) -> bool:
            return any(all(x <= y for x, y in zip(b, a, strict=True)) and b != a for _, b in pts)

        return sorted((t for t, a in pts if not beaten(a)), key=self._key)

    def _key(self, t: Trial) -> float:
        first = self.objectives[0]
        return t.objectives[0] if first.direction == "minimize" else -t.objectives[0]

    def best(self) -> Trial | None:
        """The feasible design best on the first objective (one of the front with several)."""
        front = self.front()
        return front[0] if front else None

    def top(self, n: int = 10) -> list[Trial]:
        """The ``n`` best feasible designs on the first objective."""
        return sorted(self.feasible(), key=self._key)[:n]

    def design(self, trial: Trial) -> list[str]:
        """The ``--set`` texts of a trial's design (the user's own overrides not included)."""
        return self.box.overrides(trial.values)

    def summary(self) -> dict[str, Any]:
        best = self.best()
        return {
            "scenario": self.name,
            "objectives": [
                {"name": o.name, "direction": o.direction, "description": o.description}
                for o in self.objectives
            ],
            "constraints": [
                {
                    "verdict": c.name,
                    "class": c.kind,
                    "figure": c.figure,
                    "threshold": c.threshold,
                    "at_least": c.at_least,
                }
                for c in self.constraints
            ],
            "gating_classes": sorted(self.fail_on),
            "confidence": self.confidence,
            "seed": self.seed,
            "replications": self.replications,
            "sampler": self.sampler,
            "box": [d.describe() for d in self.box.dimensions],
            "trials": len(self.trials),
            "feasible": len(self.feasible()),
            "refused": sum(t.refused for t in self.trials),
            "resumed": self.resumed,
            "best": None if best is None else self._row(best),
            "front": [t.number for t in self.front()],
            "rows": [self._row(t) for t in self.trials],
        }

    def _row(self, t: Trial) -> dict[str, Any]:
        row: dict[str, Any] = {"trial": t.number}
        row |= dict(zip(self.box.names, t.values, strict=True))
        row |= dict(zip((o.name for o in self.objectives), t.objectives, strict=False))
        row["feasible"] = t.feasible
        for c, s in zip(self.constraints, t.slacks, strict=False):
            row[f"slack {c.name}"] = s
        for name in SHOWN:
            row[name] = t.mean(name)
        row["problem"] = t.problem
        return row

    def to_df(self) -> pd.DataFrame:
        """One row per trial: its design, objectives, constraint slacks and mean figures."""
        return pandas().DataFrame([self._row(t) for t in self.trials])

    def _repr_html_(self) -> str:
        best = self.best()
        title = (
            f"Optimisation of {self.name}: {len(self.feasible())} of {len(self.trials)} "
            "design(s) pass every gating verdict"
        )
        rows: list[list[object]] = [["trial", *self.box.names, *(o.name for o in self.objectives)]]
        rows += [[t.number, *t.values, *(f"{v:.4g}" for v in t.objectives)] for t in self.top(5)]
        note = "" if best else " — none found"
        return html_table(title + note, rows)
