"""``simulate``: one seed → one SeedSequence → one child stream per replication.

Replications run serially or in worker processes; the numbers are the same either way
because each replication's stream depends only on its index.
"""

from __future__ import annotations

import math
import os
import resource
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from econsim.engine.executors import Executor, LocalExecutor
from econsim.engine.ledger import check_invariants
from econsim.engine.lots import AGING_LABELS
from econsim.engine.model import Model, compile_model
from econsim.engine.paths import Engine, EnginePath, resolve
from econsim.engine.recorder import EventRecorder, LedgerRecorder
from econsim.engine.simulation import Simulation, run_calendar
from econsim.engine.state import State, bytes_per_user
from econsim.errors import SimulationError
from econsim.results import AXES, FUNNEL, Results
from econsim.scenario.schema import Scenario

Progress = Callable[[int], None]
#: Share of the machine's available memory a run may plan to use.
MEMORY_SHARE = 0.8


#: What each worker process holds before any member: Python, numpy, the engine's compiled
#: kernels (measured about 200 MB; ``--workers 1024`` planned nothing for them, issue 38).
PROCESS_BYTES = 200 * 2**20


#: A container's memory limit and use: cgroup v2, then v1.
CGROUP_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


def _available_memory() -> int:
    """The least of what the machine has free, what this process's container (cgroup v2 or
    v1) still allows, and what its own address-space limit (``ulimit -v``) leaves."""
    have = [_meminfo("MemAvailable") or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")]
    for limit, used in CGROUP_FILES:
        cap, now = _number(limit), _number(used)
        if cap is not None and now is not None and cap < 2**60:  # "max": no limit
            have.append(max(cap - now, 0))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        have.append(max(soft - (_status_kib("VmSize") or 0) * 1024, 0))
    return int(min(have))


def _number(path: str) -> int | None:
    try:
        return int(Path(path).read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _meminfo(key: str, source: str = "/proc/meminfo") -> int | None:
    """A ``KEY: N kB`` line of a /proc file, in bytes."""
    try:
        with Path(source).open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith(f"{key}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _status_kib(key: str) -> int | None:
    kib = _meminfo(key, "/proc/self/status")
    return None if kib is None else kib // 1024


def worst_case_members(scenario: Scenario) -> float:
    """The most members a run can hold by its last day: the initial ones, every arrival
    (with Poisson headroom), and referrals compounding daily as if everyone were active.

    Referrals grow the population geometrically — each member may bring a friend every day
    — so a linear estimate let a 300-member scenario with ``referral_rate: 0.5`` grow to
    3 GB before failing (issue 22). Computed in logs: the worst case can exceed any float.
    """
    pop = scenario.population
    days = scenario.horizon_days
    arriving = days if pop.acquisition_days is None else min(days, pop.acquisition_days)
    base = pop.users + pop.acquisition_per_day * arriving * 1.2
    growth = days * math.log1p(pop.referral_rate)
    return math.exp(min(math.log(max(base, 1.0)) + growth, 700.0))


def estimate_memory(scenario: Scenario, workers: int = 1, replications: int | None = None) -> int:
    """Bytes a run needs at peak: the members' state in each of ``workers`` processes at
    once, and the daily ledgers of every replication, which the results keep together."""
    model = compile_model(scenario)
    reps = scenario.replications if replications is None else replications
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
    state = worst_case_members(scenario) * per_user
    processes = PROCESS_BYTES * workers if workers > 1 else 0  # one: this process, no pool
    return int(min((state + ledger) * max(1, workers) + ledger * max(1, reps) + processes, 2.0**80))


def check_memory(scenario: Scenario, workers: int = 1, replications: int | None = None) -> None:
    """Refuse, before starting, a run whose state would not fit in memory."""
    need, have = estimate_memory(scenario, workers, replications), _available_memory()
    limit = int(have * MEMORY_SHARE)
    if need > limit:
        members = worst_case_members(scenario)
        grow = (
            f", up to {members:,.0g} members with referrals compounding"
            if scenario.population.referral_rate > 0
            else ""
        )
        size = _size(need)
        raise SimulationError(
            f"scenario '{scenario.name}' needs {'' if size.startswith('more') else 'about '}"
            f"{size} "
            f"({workers} worker(s) at once, {replications or scenario.replications} "
            f"replication(s) kept{grow}) but the limit is {_size(limit)} "
            f"({MEMORY_SHARE:.0%} of available memory); lower population.users, "
            "population.referral_rate, the horizon, --replications or --workers"
        )


#: Memory one row of an event log takes while it is recorded (its text cells are Python
#: strings): about 350 bytes measured on e-commerce, with room.
LOG_ROW_BYTES = 400


def check_log_memory(scenario: Scenario, model: Model) -> None:
    """Refuse, before starting, an event log that would not fit in memory: a row for every
    expected occurrence (and as many again for points, redemptions and the rest) of the
    most members the run can hold, every day (``econsim record`` of 10^9 members ended in a
    MemoryError, issue 38)."""
    daily = (model.slot_p * np.maximum(model.daily_cap, 1)).sum(axis=1) + model.core_rate.sum(
        axis=1
    )
    rows = 2 * float(daily @ model.tier_share) * worst_case_members(scenario)
    rows *= scenario.horizon_days
    need, limit = rows * LOG_ROW_BYTES + PROCESS_BYTES, int(_available_memory() * MEMORY_SHARE)
    if need > limit:
        raise SimulationError(
            f"the event log of scenario '{scenario.name}' would hold about {rows:,.2g} rows, "
            f"{_size(need)} while it is recorded, but the limit is {_size(limit)} "
            f"({MEMORY_SHARE:.0%} of available memory); record fewer members or days "
            "(--set population.users=…, --set horizon_days=…)"
        )


#: Points a run may count in all (int64 with a factor of two to spare).
MAX_LEDGER_POINTS = 2**62


def check_tiers_fit(scenario: Scenario) -> None:
    """Refuse more tiers than the members' one-byte tier index holds (a Scenario built in
    Python skips the loader's located check, which allows fewer)."""
    most = int(np.iinfo(np.int8).max)
    if len(scenario.design.tiers) > most:
        raise SimulationError(
            f"scenario '{scenario.name}' has {len(scenario.design.tiers)} tiers; the engine "
            f"runs at most {most}: merge tiers"
        )


def check_points_fit(scenario: Scenario) -> None:
    """Refuse a run whose behaviours could issue more points than 64-bit counts hold.

    The bound is the worst case: every member earning every behaviour's cap every period
    at the best tier multiplier, every campaign multiplier and point-value rule change at
    once, and every mechanic's bonus as often as a period allows. Overflowing sums wrapped
    around and surfaced as "the ledger does not balance on day 0" (issues 22, 38); this
    names the input instead. Uncapped behaviours cannot be bounded this way and are left to
    the engine's own checks (a member's month past its lot, the ledger's balance).
    """
    model = compile_model(scenario)
    d = scenario.design
    points = model.initial_rules().points
    per_unit = np.where(model.is_core, points / np.maximum(model.unit, 1e-12), points)
    boost = math.prod(max(c.multiplier, 1.0) for c in d.campaigns.values()) * math.prod(
        max(rc.point_value_multiplier or 1.0, 1.0) for rc in d.rule_changes
    )
    earned = (per_unit[None, :] * model.tier_mult * model.cap).sum(axis=1).max() * boost
    per_period = float(earned) + _awards_per_period(scenario, model)
    if not math.isfinite(per_period):
        return
    periods = scenario.horizon_days / scenario.design.period_days + 1
    most = worst_case_members(scenario) * float(per_period) * periods
    if most > MAX_LEDGER_POINTS:
        raise SimulationError(
            f"scenario '{scenario.name}' could issue about {most:.1e} points (every member "
            f"earning every cap each period), past the {MAX_LEDGER_POINTS:.1e} a ledger can "
            "count exactly; lower design.behaviours.*.points or their period_cap, or the "
            "members"
        )


def _awards_per_period(scenario: Scenario, model: Model) -> float:
    """The most points the mechanics and campaign bonuses give one member in a period
    (infinite when a reward follows an uncapped behaviour)."""
    d = scenario.design
    mech, days = d.mechanics, d.period_days
    most = 0.0
    if mech.sign_in_streak is not None:
        most += max(mech.sign_in_streak.bonus_by_day, default=0) * days
    most += sum(task.bonus for task in mech.daily_tasks.values()) * days
    most += sum(bundle.bonus for bundle in mech.task_bundles.values())
    for rr in mech.random_rewards.values():
        if rr.reward == "points":  # one draw per occurrence; a core count has no cap
            b = model.behaviours.index(rr.after)
            most += rr.high * (math.inf if model.is_core[b] else float(model.cap[:, b].max()))
    if mech.referral is not None:
        most += mech.referral.inviter_points * days + mech.referral.invitee_points
    return most + sum(c.bonus for c in d.campaigns.values())


def check_parallel_memory(
    scenarios: Sequence[Scenario], executor: Executor, replications: int
) -> None:
    """Refuse, before starting, many runs (sweep points, compared designs) that would not
    fit side by side: one per local worker at once, the largest of them (checked on up to
    64 of them, the first and the last included — population sizes grow toward a grid's
    ends)."""
    if not scenarios:
        return
    workers = executor.workers if isinstance(executor, LocalExecutor) else 1
    step = max(1, (len(scenarios) - 1) // 63)
    sample = [*scenarios[::step], scenarios[-1]]
    biggest = max(sample, key=lambda s: estimate_memory(s, 1, replications))
    check_memory(biggest, min(workers, len(scenarios)), replications)


def _size(n: float) -> str:
    if n >= 2**50:
        return "more than 1,024 TiB"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 2**10:,.0f} KiB"


def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    on_day: Callable[[int], None] | None = None,
    path: EnginePath = "numpy",
) -> dict[str, NDArray[Any]]:
    """Simulate one replication on ``path`` and check its ledger; returns its arrays."""
    model = compile_model(scenario)
    sim = _simulation(path)(model, np.random.default_rng(seed))
    sim.on_day = on_day
    run_calendar(sim)
    check_invariants(sim.ledger, scenario.design.budget.hard_cap)
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


def _simulation(path: EnginePath) -> type[Simulation]:
    if path == "compiled":
        from econsim.engine.compiled.replication import CompiledSimulation

        return CompiledSimulation
    return Simulation


Task = tuple[Scenario, np.random.SeedSequence, EnginePath]


def _replication(task: Task) -> dict[str, NDArray[Any]]:
    scenario, seed, path = task
    return run_replication(scenario, seed, None, path)


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
    engine: Engine | None = None,
) -> Results:
    """Simulate ``replications`` runs of the scenario (defaults from the scenario).

    ``workers`` > 1 runs replications in that many local processes; ``executor`` (e.g. a
    :class:`~econsim.engine.executors.DaskExecutor`) runs them elsewhere. Results are
    identical to a serial run. ``progress`` is called with the number of replication-days
    done so far (every day when serial, every replication otherwise). ``engine`` chooses
    the compiled kernels or the numpy reference (default ``ECONSIM_ENGINE``, else ``auto``:
    compiled when numba imports; :mod:`econsim.engine.paths`).
    """
    path = resolve(engine)
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
            outs[i] = run_replication(scenario, child, hook, path)
    else:
        runner = executor or LocalExecutor(workers)
        tasks = [(scenario, c, path) for c in children]
        for done, (i, out) in enumerate(runner.map(_replication, tasks), start=1):
            outs[i] = out
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
