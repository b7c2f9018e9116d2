"""``simulate``: one seed → one SeedSequence → one child stream per replication.

Replications run serially or in worker processes; the numbers are the same either way
because each replication's stream depends only on its index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from econsim.engine.calendar import run_calendar
from econsim.engine.executors import Executor, LocalExecutor
from econsim.engine.guards import (
    check_log_memory,
    check_memory,
    check_points_fit,
    check_tiers_fit,
)
from econsim.engine.ledger import check_invariants
from econsim.engine.lots import AGING_LABELS
from econsim.engine.model import Model, compile_model
from econsim.engine.paths import compiled_before
from econsim.engine.recorder import EventRecorder, LedgerRecorder
from econsim.engine.runoff import RUNOFF
from econsim.engine.simulation import Simulation
from econsim.engine.snapshot import Start, continue_from
from econsim.engine.state import State
from econsim.errors import SimulationError
from econsim.results import AXES, FUNNEL, Results
from econsim.scenario.schema import Scenario

Progress = Callable[[int], None]


def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    on_day: Callable[[int], None] | None = None,
    start: Start | None = None,
) -> dict[str, NDArray[Any]]:
    """Simulate one replication and check its ledger; returns its arrays. ``start``: go on
    from a snapshot and the books before it (``engine.snapshot``), not from day 0."""
    model = compile_model(scenario)
    rng = np.random.default_rng(seed)
    sim = Simulation(model, rng) if start is None else continue_from(model, start, rng)
    sim.on_day = on_day
    run_calendar(sim)
    first = 0 if start is None else start.first_day(model)
    check_invariants(sim.ledger, scenario.design.budget.hard_cap, first)
    check_balances(sim.state)
    return sim.ledger.arrays()


#: Members checked at once by ``check_balances`` (bounds its temporaries at scale).
CHECK_ROWS = 1 << 20


def check_balances(state: State) -> None:
    """No balance below zero, and every balance the sum of its expiry lots."""
    for lo in range(0, state.n, CHECK_ROWS):
        hi = min(lo + CHECK_ROWS, state.n)
        balance = state.balance[lo:hi]
        if (balance < 0).any():
            raise SimulationError("a user's balance went below zero")
        if not np.array_equal(state.lots[:, lo:hi].sum(axis=0, dtype=np.int64), balance):
            raise SimulationError("expiry lots do not add up to balances")


@overload
def simulate_events(
    scenario: Scenario, seed: int | None = None, ledger: Literal[False] = False
) -> dict[str, list[object]]: ...
@overload
def simulate_events(
    scenario: Scenario, seed: int | None = None, *, ledger: Literal[True]
) -> dict[str, NDArray[Any]]: ...
@overload
def simulate_events(
    scenario: Scenario, seed: int | None = None, ledger: bool = False
) -> dict[str, list[object]] | dict[str, NDArray[Any]]: ...
def simulate_events(
    scenario: Scenario, seed: int | None = None, ledger: bool = False
) -> dict[str, list[object]] | dict[str, NDArray[Any]]:
    """The event log of one replication (replication 0 of ``seed``): user_id, date, event,
    amount, item — the format ``econsim fit`` reads (docs/history.md).

    ``ledger=True``: the live log instead, every point movement with ``points``, ``tier``
    and ``cost`` too (docs/history.md, "The live log"), as numpy arrays — strings as object
    arrays, ``amount`` and ``cost`` float with NaN where empty, ``points`` int64.
    """
    seed = scenario.seed if seed is None else seed
    child = np.random.SeedSequence(seed).spawn(1)[0]
    model = compile_model(scenario)
    check_tiers_fit(scenario)
    check_log_memory(scenario, model)
    check_points_fit(scenario)
    if ledger:
        live = LedgerRecorder()
        run_calendar(Simulation(model, np.random.default_rng(child), live))
        return live.columns(model)
    events = EventRecorder()
    run_calendar(Simulation(model, np.random.default_rng(child), events))
    return events.columns(model.behaviours, model.items, scenario.start_date)


Task = tuple[Scenario, np.random.SeedSequence, Start | None]


def _replication(task: Task) -> dict[str, NDArray[Any]]:
    scenario, seed, start = task
    return run_replication(scenario, seed, start=start)


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
    start: Start | None = None,
) -> Results:
    """Simulate ``replications`` runs of the scenario (defaults from the scenario).

    ``start``: every replication goes on from a snapshot of the members and the books of
    the days before it (``engine.snapshot.Start``; ``econsim monitor``'s forecast), the
    days before it the books' in the results.

    ``workers`` > 1 runs replications in that many local processes; ``executor`` (e.g. a
    :class:`~econsim.engine.executors.DaskExecutor`) runs them elsewhere. Results are
    identical to a serial run. ``progress`` is called with the number of replication-days
    done so far (every day when serial, every replication otherwise).
    """
    seed = scenario.seed if seed is None else seed
    reps = scenario.replications if replications is None else replications
    workers = max(1, min(workers, reps))
    # on a cluster each replication's state is a worker's (assumed like this machine);
    # the ledgers of every replication come back here
    check_tiers_fit(scenario)
    check_memory(scenario, 1 if executor is not None else workers, reps)
    check_points_fit(scenario)
    children = np.random.SeedSequence(seed).spawn(reps)
    outs: list[dict[str, NDArray[Any]] | None] = [None] * reps
    days = scenario.horizon_days
    if executor is None and workers == 1:
        for i, child in enumerate(children):
            hook = (lambda d, i=i: progress(i * days + d + 1)) if progress else None
            outs[i] = run_replication(scenario, child, hook, start)
    else:
        first = 0
        if executor is None and not compiled_before():
            # the first run on a machine: compile here, once, and let the workers load the
            # kernels from numba's cache (each would compile them itself, on every core)
            on_day = (lambda d: progress(d + 1)) if progress else None
            outs[0], first = run_replication(scenario, children[0], on_day, start), 1
        runner = executor or LocalExecutor(workers)
        tasks = [(scenario, c, start) for c in children[first:]]
        for done, (i, out) in enumerate(runner.map(_replication, tasks), start=first + 1):
            outs[first + i] = out
            if progress:
                progress(done * days)
    return _results(scenario, seed, [o for o in outs if o is not None])


def result_labels(model: Model) -> dict[str, tuple[str, ...]]:
    """The labels of the ledger arrays' axes (``Results.labels``) for ``model``."""
    return {
        "sources": model.sources,
        "sinks": model.sinks,
        "tiers": model.tiers,
        "items": model.items,
        "behaviours": model.behaviours,
        "expiry": AGING_LABELS,
        "runoff": RUNOFF,
        "retention": tuple(f"day {k}" for k in model.retention_days),
        "cohorts": cohort_labels(model),
        "coupons": model.coupons,
        "funnel": FUNNEL,
        "packaged": model.packaged,
    }


def cohort_labels(model: Model) -> tuple[str, ...]:
    """Each month of the run as YYYY-MM: the cohorts of members by the month they joined."""
    start = model.scenario.start_date
    months = int(model.month_key[-1]) + 1
    return tuple(
        f"{start.year + (start.month - 1 + i) // 12}-{(start.month - 1 + i) % 12 + 1:02d}"
        for i in range(months)
    )


def _results(scenario: Scenario, seed: int, outs: list[dict[str, NDArray[Any]]]) -> Results:
    labels = result_labels(compile_model(scenario))
    arrays = {name: np.stack([o[name] for o in outs]) for name in AXES}
    return Results(scenario=scenario, seed=seed, labels=labels, arrays=arrays)
