"""What a run is refused before it starts: more memory than the machine (or its container)
has for the members, the workers and a recorded log; more points than the ledger's int64
books or the tiers' thresholds hold. Each refusal says what to change."""

from __future__ import annotations

import math
import os
import resource
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from econsim.engine.executors import Executor, LocalExecutor
from econsim.engine.model import Model, compile_model
from econsim.engine.state import bytes_per_user
from econsim.errors import SimulationError
from econsim.scenario.schema import Scenario

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
