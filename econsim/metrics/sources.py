"""Where the points come from and go: issuance by source, consumption by item.

- **issued by source**: points each source paid (each behaviour, campaign, streak, task
  bundle, referral, random reward), by tier and by budget period;
- **consumed by item**: points each catalog item or point game took, its redemptions and
  the money it realised (the ledger's own cost by item);
- **cost by source**, two figures a finance team reads differently:
  - *allocated cost*: the money points have bought so far, shared among sources by their
    share of the points issued. A point is spent without its source, so this is an
    allocation; the sources' allocated costs add up to that money exactly;
  - *expected cost*: the source's points × the expected cost per point × the share of
    issued points ever redeemed — the run's ultimate redemption rate (the breakage memo's;
    without one, the share spent of the points that have left the books): what the points
    a source issued will cost once redeemed.

Money paid without points — coupons handed out or won, packaged campaigns' rewards — is no
point's cost (:func:`econsim.metrics.series.point_cost`): it is not allocated to sources
and shows as its own line among the items, with its cost.

Every figure is a mean over replications of the per-replication figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64
from econsim.metrics.series import by_group, finite_mean, known, point_cost, ratio
from econsim.protocol import html_table, pandas
from econsim.results import Results

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Source:
    """One source of points over the horizon."""

    name: str
    points: float
    share: float  # of all points issued
    allocated_cost: float
    expected_cost: float
    by_tier: dict[str, float]


@dataclass(frozen=True)
class Item:
    """One catalog item or point game over the horizon."""

    name: str
    points: float
    share: float  # of all points consumed
    redemptions: float
    cost: float
    by_tier: dict[str, float]


@dataclass(frozen=True)
class Sources:
    """Issuance by source and consumption by item, in total and per budget period."""

    sources: tuple[Source, ...]
    items: tuple[Item, ...]
    period_starts: NDArray[np.int64]  # first day of each budget period
    days: int  # the horizon (the last period may be cut short)
    issued_by_period: dict[str, F64]  # source → points issued in each period
    consumed_by_period: dict[str, F64]  # item → points consumed in each period

    def largest(self) -> tuple[Source | None, Item | None]:
        """The source that issued most and the item that took most (None: nothing moved)."""
        source = max(self.sources, key=lambda s: s.points)
        item = max(self.items, key=lambda i: i.points) if self.items else None
        return (source if source.points > 0 else None,
                item if item is not None and item.points > 0 else None)  # fmt: skip

    def rows(self) -> list[dict[str, Any]]:
        """One row per source or item and tier (and "all"): the content of to_df()."""
        out: list[dict[str, Any]] = []
        for s in self.sources:
            out.append({"flow": "issued", "name": s.name, "tier": "all", "points": s.points,
                        "share": s.share, "allocated_cost": s.allocated_cost,
                        "expected_cost": s.expected_cost, "redemptions": None,
                        "cost": None})  # fmt: skip
            out += [{"flow": "issued", "name": s.name, "tier": t, "points": p}
                    for t, p in s.by_tier.items()]  # fmt: skip
        for i in self.items:
            out.append({"flow": "consumed", "name": i.name, "tier": "all",
                        "points": i.points, "share": i.share, "redemptions": i.redemptions,
                        "cost": i.cost})  # fmt: skip
            out += [{"flow": "consumed", "name": i.name, "tier": t, "points": p}
                    for t, p in i.by_tier.items()]  # fmt: skip
        return out

    def summary(self) -> dict[str, Any]:
        """The `sources` block of summary.json (per tier figures are in to_df())."""
        return {
            "issued": [
                {"source": s.name, "points": s.points, "share": known(s.share),
                 "allocated_cost": s.allocated_cost, "expected_cost": s.expected_cost}
                for s in self.sources
            ],
            "consumed": [
                {"item": i.name, "points": i.points, "share": known(i.share),
                 "redemptions": i.redemptions, "cost": i.cost}
                for i in self.items
            ],
        }  # fmt: skip

    def to_df(self) -> pd.DataFrame:
        pd = pandas()
        return pd.DataFrame(self.rows())

    def _repr_html_(self) -> str:
        head = [["source", "points", "share", "allocated cost"]]
        rows = [[s.name, f"{s.points:,.0f}", f"{s.share:.1%}", f"{s.allocated_cost:,.0f}"]
                for s in self.sources]  # fmt: skip
        return html_table("Points issued by source", head + rows)


def sources(r: Results, urr: float = float("nan")) -> Sources:
    """The breakdown of a run (``r["issued"]`` by source, ``r["redeemed"]`` by item);
    ``urr``: the run's ultimate redemption rate (NaN: none)."""
    issued = r["issued"].sum(axis=1).astype(float)  # [replication, source, tier]
    redeemed = r["redeemed"].sum(axis=1).astype(float)  # [replication, sink, tier]
    by_source = issued.sum(axis=2)
    total = by_source.sum(axis=1, keepdims=True)
    share = ratio(by_source, np.broadcast_to(total, by_source.shape))
    spent = point_cost(r).sum(axis=1)
    consumed = redeemed.sum(axis=(1, 2))
    expired = r.total("expired").sum(axis=1).astype(float)
    per_point = np.nan_to_num(ratio(spent, consumed))
    redeemed_share = np.where(consumed + expired > 0, ratio(consumed, consumed + expired), 1.0)
    if np.isfinite(urr):
        redeemed_share = np.full_like(redeemed_share, urr)
    allocated = np.nan_to_num(share) * spent[:, None]
    expected = by_source * (per_point * redeemed_share)[:, None]
    periods = np.arange(r.days) // r.scenario.design.period_days
    names, tiers = r.labels["sources"], r.tiers
    out = tuple(
        Source(
            name=n,
            points=float(by_source[:, k].mean()),
            share=finite_mean(share[:, k]),
            allocated_cost=float(allocated[:, k].mean()),
            expected_cost=float(expected[:, k].mean()),
            by_tier={t: float(issued[:, k, j].mean()) for j, t in enumerate(tiers)},
        )
        for k, n in enumerate(names)
    )
    return Sources(
        sources=out,
        items=_items(r, redeemed),
        period_starts=np.unique(periods) * r.scenario.design.period_days,
        days=r.days,
        issued_by_period={
            n: by_group(r["issued"][:, :, k].sum(axis=2), periods).mean(axis=0)
            for k, n in enumerate(names)
        },
        consumed_by_period={
            n: by_group(r["redeemed"][:, :, k].sum(axis=2), periods).mean(axis=0)
            for k, n in enumerate(r.labels["sinks"])
        },
    )


def _items(r: Results, redeemed: F64) -> tuple[Item, ...]:
    by_item = redeemed.sum(axis=2)  # [replication, sink]
    total = by_item.sum(axis=1, keepdims=True)
    share = ratio(by_item, np.broadcast_to(total, by_item.shape))
    redemptions = r["redemptions"].sum(axis=1).astype(float)
    cost = r["cost"].sum(axis=1)
    return tuple(
        Item(
            name=n,
            points=float(by_item[:, k].mean()),
            share=finite_mean(share[:, k]),
            redemptions=float(redemptions[:, k].mean()),
            cost=float(cost[:, k].mean()),
            by_tier={t: float(redeemed[:, k, j].mean()) for j, t in enumerate(r.tiers)},
        )
        for k, n in enumerate(r.labels["sinks"])
    )
