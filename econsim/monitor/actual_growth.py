"""New members in a live log, counted as the engine counts them: day-k retention, the
monthly cohorts, first and second purchases and the AARRR funnel (members of day 0 are the
launch population, no cohort)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.model import Model
from econsim.monitor.log import LiveLog
from econsim.monitor.log_rows import BONUS, is_core_row
from econsim.monitor.tally import run_starts, tally
from econsim.results import FUNNEL


def cohorts(log: LiveLog, model: Model, acted: I64, first_day: I64) -> dict[str, I64]:
    """Day-k retention and the monthly cohorts' activity, from each member's days with a
    behaviour (``acted``: the first earn row of each such day) and first day; members of
    day 0 are no cohort, as in the engine."""
    days, nt = log.days, len(model.tiers)
    member, day, tier = log.member[acted], log.day[acted], log.tier[acted]
    joined = first_day[member]
    age = np.where(joined >= 1, day - joined, -1)
    retained = np.zeros((days, len(model.retention_days), nt), np.int64)
    for i, k in enumerate(model.retention_days):
        sel = age == k
        retained[:, i] = tally(day[sel] * nt + tier[sel], days * nt).reshape(days, nt)
    months = model.month_key[:days]
    cohort = np.zeros((days, int(model.month_key[-1]) + 1), np.int64)
    ends = np.nonzero(model.month_end[:days])[0].tolist()
    for d in {*ends, days - 1}:
        first = int(np.searchsorted(months, months[d]))
        sel = (joined >= 1) & (day >= first) & (day <= d)
        who = np.unique(member[sel])
        counts = np.bincount(months[first_day[who]], minlength=int(months[d]) + 1)
        cohort[d, : counts.size] = counts
    return {"retained": retained, "cohort_active": cohort}


def growth(log: LiveLog, model: Model, acted: I64, first_day: I64) -> dict[str, NDArray[Any]]:
    """New members active on their first day, first and second core purchases, and the
    AARRR funnel of new members (``engine/funnel_counts.py``'s counts). ``acted``: the first
    earn row of each member's day with a behaviour, by member then day. A referral is seen
    by its inviter's bonus row: a design paying the inviter no points leaves none."""
    days, nt = log.days, len(model.tiers)
    member, day = log.member[acted], log.day[acted]
    joined = first_day[member]
    new = joined >= 1
    funnel = np.zeros((days, len(FUNNEL)))
    funnel[:, 0] = tally(first_day[(first_day >= 1) & (first_day < days)], days)
    funnel[:, 1] = tally(day[run_starts(member) & new], days)
    late = new & (day - joined >= model.retained_after)
    funnel[:, 2] = tally(day[late][run_starts(member[late])], days)
    core = np.flatnonzero(is_core_row(log.kind, log.source_index, model))
    core = core[np.argsort(log.member[core], kind="stable")]  # by member, in time order
    cm = log.member[core]
    rank = np.arange(cm.size) - np.searchsorted(cm, cm)
    one, two = core[rank == 0], core[rank == 1]
    funnel[:, 3] = tally(log.day[one][first_day[log.member[one]] >= 1], days)
    if "referral" in model.sources:
        src, joined_row = model.source("referral"), first_day[log.member]
        ref = (log.kind == BONUS) & (log.source_index == src) & (joined_row >= 1)
        ref = np.flatnonzero(ref & (log.day > joined_row))
        ref = ref[np.argsort(log.member[ref], kind="stable")]
        funnel[:, 4] = tally(log.day[ref][run_starts(log.member[ref])], days)

    def by_day_tier(rows: I64) -> F64:
        return tally(log.day[rows] * nt + log.tier[rows], days * nt).reshape(days, nt)

    return {
        "active_new": tally(day[new & (day == joined)], days),
        "buyers": by_day_tier(one),
        "repeat_buyers": by_day_tier(two),
        "funnel": funnel,
    }
