"""``simulate``: one seed → one SeedSequence → one child stream per replication.

Replications run serially or in worker processes; the numbers are the same either way
because each replication's stream depends only on its index.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.engine.executors import Executor, LocalExecutor
from econsim.engine.ledger import check_invariants
from econsim.engine.lots import AGING_LABELS
from econsim.engine.model import compile_model
from econsim.engine.recorder import EventRecorder
from econsim.engine.simulation import Simulation, run_calendar
from econsim.engine.state import bytes_per_user
from econsim.errors import SimulationError
from econsim.results import AXES, Results
from econsim.scenario.schema import Scenario

Progress = Callable[[int], None]
#: Share of the machine's available memory a run may plan to use.
MEMORY_SHARE = 0.8


def _available_memory() -> int:
    try:
        with Path("/proc/meminfo").open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def estimate_memory(scenario: Scenario, workers: int = 1) -> int:
    """Bytes a run needs at peak: user state plus per-day ledgers, times parallel workers."""
    model = compile_model(scenario)
    pop = scenario.population
    users = pop.users + pop.acquisition_per_day * scenario.horizon_days * 1.2
    users *= 1 + pop.referral_rate * scenario.horizon_days
    per_user = bytes_per_user(model) + 40  # + the day's temporaries
    ledger = (
        scenario.horizon_days
        * 8
        * (
            (len(model.sources) + len(model.sinks) + 12) * len(model.tiers)
            + 3 * len(model.sinks)
            + 10
        )
    )
    return int((users * per_user + ledger) * max(1, workers))


def check_memory(scenario: Scenario, workers: int = 1) -> None:
    """Refuse, before starting, a run whose state would not fit in memory."""
    need, have = estimate_memory(scenario, workers), _available_memory()
    limit = int(have * MEMORY_SHARE)
    if need > limit:
        raise SimulationError(
            f"scenario '{scenario.name}' needs about {need / 2**30:.1f} GiB "
            f"({workers} worker(s)) but the limit is {limit / 2**30:.1f} GiB "
            f"({MEMORY_SHARE:.0%} of available memory); lower population.users, "
            "the horizon or --workers"
        )


def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    on_day: Callable[[int], None] | None = None,
) -> dict[str, NDArray[Any]]:
    """Simulate one replication and check its ledger; returns its arrays."""
    model = compile_model(scenario)
    sim = Simulation(model, np.random.default_rng(seed))
    sim.on_day = on_day
    run_calendar(sim)
    check_invariants(sim.ledger, scenario.design.budget.hard_cap)
    if (sim.state.balance[: sim.state.n] < 0).any():
        raise SimulationError("a user's balance went below zero")
    if not np.array_equal(sim.state.lot_sum, sim.state.balance[: sim.state.n]):
        raise SimulationError("expiry lots do not add up to balances")
    return sim.ledger.arrays()


def simulate_events(scenario: Scenario, seed: int | None = None) -> dict[str, list[object]]:
    """The event log of one replication (replication 0 of ``seed``): user_id, date, event,
    amount, item — the format ``econsim fit`` reads (docs/history.md)."""
    seed = scenario.seed if seed is None else seed
    child = np.random.SeedSequence(seed).spawn(1)[0]
    model = compile_model(scenario)
    sim = Simulation(model, np.random.default_rng(child))
    sim.recorder = EventRecorder()
    run_calendar(sim)
    return sim.recorder.columns(model.behaviours, model.items, scenario.start_date)


def _replication(task: tuple[Scenario, np.random.SeedSequence]) -> dict[str, NDArray[Any]]:
    return run_replication(*task)


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> Results:
    """Simulate ``replications`` runs of the scenario (defaults from the scenario).

    ``workers`` > 1 runs replications in that many local processes; ``executor`` (e.g. a
    :class:`~econsim.engine.executors.DaskExecutor`) runs them elsewhere. Results are
    identical to a serial run. ``progress`` is called with the number of replication-days
    done so far (every day when serial, every replication otherwise).
    """
    seed = scenario.seed if seed is None else seed
    reps = scenario.replications if replications is None else replications
    workers = max(1, min(workers, reps))
    if executor is None:
        check_memory(scenario, workers)
    children = np.random.SeedSequence(seed).spawn(reps)
    outs: list[dict[str, NDArray[Any]] | None] = [None] * reps
    days = scenario.horizon_days
    if executor is None and workers == 1:
        for i, child in enumerate(children):
            hook = (lambda d, i=i: progress(i * days + d + 1)) if progress else None
            outs[i] = run_replication(scenario, child, hook)
    else:
        runner = executor or LocalExecutor(workers)
        tasks = [(scenario, c) for c in children]
        for done, (i, out) in enumerate(runner.map(_replication, tasks), start=1):
            outs[i] = out
            if progress:
                progress(done * days)
    return _results(scenario, seed, [o for o in outs if o is not None])


def _results(scenario: Scenario, seed: int, outs: list[dict[str, NDArray[Any]]]) -> Results:
    model = compile_model(scenario)
    labels = {
        "sources": model.sources,
        "sinks": model.sinks,
        "tiers": model.tiers,
        "items": model.items,
        "behaviours": model.behaviours,
        "expiry": AGING_LABELS,
    }
    arrays = {name: np.stack([o[name] for o in outs]) for name in AXES}
    return Results(scenario=scenario, seed=seed, labels=labels, arrays=arrays)
