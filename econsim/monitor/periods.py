"""The actual books by budget period and tier: what a month-end review reads first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from econsim.monitor.log import LiveLog
from econsim.monitor.log_rows import REDEEM
from econsim.results import Results

#: The columns of ``period_rows`` (periods.csv), in order.
PERIOD_COLUMNS = (
    "period", "start", "end", "tier", "issued", "consumed", "expired", "outstanding",
    "consumption_rate", "consumer_share", "holders", "redeemers",
)  # fmt: skip


def period_rows(log: LiveLog, results: Results, period_days: int) -> list[dict[str, Any]]:
    """Per budget period, each tier and all: points issued, consumed and expired in it,
    outstanding, consumer share and holders at its end, its consumption rate (consumed ÷
    issued), and how many members redeemed in it (once each; in a tier's row, by the tier
    they redeemed in)."""
    r = results
    days = r.days
    issued = r["issued"][0].sum(axis=1)  # [D, T]
    consumed = r["redeemed"][0].sum(axis=1)
    expired, outstanding = r["expired"][0], r["outstanding"][0]
    consumers, reach, holders = r["consumers_30d"][0], r["reach_30d"][0], r["holders"][0]
    tiers = r.tiers
    redeem = log.kind == REDEEM
    rows = []
    for p, first in enumerate(range(0, days, period_days)):
        last = min(first + period_days, days) - 1
        span = slice(first, last + 1)
        in_period = redeem & (log.day >= first) & (log.day <= last)
        who = np.unique(log.member[in_period] * len(tiers) + log.tier[in_period])
        by_tier = np.bincount(who % len(tiers), minlength=len(tiers))
        everyone = np.unique(log.member[in_period]).size
        for t, name in enumerate([*tiers, "all"]):
            pick = slice(None) if name == "all" else t

            def total(x: Any, pick: Any = pick) -> float:
                return float(np.sum(x[..., pick]))

            got, spent = total(issued[span]), total(consumed[span])
            base = total(reach[last])
            share = total(consumers[last]) / base if base else float("nan")
            rows.append({
                "period": p + 1,
                "start": (log.start + dt.timedelta(days=first)).isoformat(),
                "end": (log.start + dt.timedelta(days=last)).isoformat(),
                "tier": name,
                "issued": int(got), "consumed": int(spent), "expired": int(total(expired[span])),
                "outstanding": int(total(outstanding[last])),
                "consumption_rate": round(spent / got, 6) if got else float("nan"),
                "consumer_share": round(share, 6),
                "holders": int(total(holders[last])),
                "redeemers": int(everyone if name == "all" else by_tier[t]),
            })  # fmt: skip
    return rows
