"""One design of a study, run wherever the executor puts it.

The parent turns a point of the box into ``--set`` texts; the worker applies them to the
base scenario, so the study's designs are exactly what ``econsim run --set …`` would run.
A design the box allows but the scenario's rules refuse (a cross-field check deep inside the
box) comes back as its problem, not as an exception that would end the study.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from econsim.advisor.objectives import trial_figures
from econsim.arrays import F64
from econsim.engine.executors import Executor
from econsim.engine.guards import check_parallel_memory
from econsim.errors import ScenarioError
from econsim.pipeline import run
from econsim.scenario.schema import Scenario
from econsim.scenario.space import Box
from econsim.scenario.variants import with_overrides

#: A model of the programme: a design to its figures, one value per replication. The default
#: (:class:`Simulate`) simulates; tests pass an analytic function of the scenario's fields
#: to prove the plumbing.
FiguresOf = Callable[[Scenario], Mapping[str, F64]]


@dataclass(frozen=True)
class Simulate:
    """The default model: calibrate, simulate and judge the design on the study's seed."""

    seed: int
    replications: int

    def __call__(self, scenario: Scenario) -> dict[str, F64]:
        done = run(scenario, seed=self.seed, replications=self.replications, workers=1)
        return trial_figures(done.results, done.metrics)


@dataclass(frozen=True)
class Design:
    """What a worker needs: the base scenario, one point's overrides and the model."""

    number: int
    base: Scenario
    overrides: tuple[str, ...]
    model: FiguresOf


@dataclass(frozen=True)
class Outcome:
    number: int
    figures: dict[str, F64]  # empty when the design was refused
    problem: str = ""  # why the scenario's rules refuse the design


def evaluate(design: Design) -> Outcome:
    """Apply the point's overrides to the base scenario and run the model on it."""
    try:
        scenario = with_overrides(design.base, design.overrides)
    except ScenarioError as exc:
        return Outcome(design.number, {}, "; ".join(p.message for p in exc.problems))
    figures = design.model(scenario)
    return Outcome(design.number, {k: np.asarray(v, dtype=float) for k, v in figures.items()})


def check_box_memory(base: Scenario, box: Box, runner: Executor, replications: int) -> None:
    """Refuse, before the first trial, a box whose designs would not fit in memory side by
    side: the design and each field at each end (sizes grow toward a range's ends)."""
    ends = [with_overrides(base, [d.override(e)]) for d in box.dimensions for e in (d.low, d.high)]
    check_parallel_memory([base, *ends], runner, replications)
