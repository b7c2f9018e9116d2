"""Results: the daily ledger of every replication, as arrays and frames.

Every array has a leading ``[replication, day]`` pair of axes, then its labelled axes
(sources, sinks, tiers, items). ``to_df`` flattens them into one wide table whose column
names carry the labels (``issued|sign_in|gold``). ``econsim.report.write(results, path)``
saves that table as Parquet (or compressed numpy for ``.npz``); ``Results.load`` reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from econsim.protocol import pandas
from econsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

#: ``consumers_30d``: members who redeemed in the last this many days.
CONSUMER_WINDOW = 30
#: The AARRR funnel's stages, the labels of the ``funnel`` axis (domain §6).
FUNNEL = ("acquisition", "activation", "retention", "revenue", "referral")

#: The labelled axes of each ledger array, after [replication, day].
AXES: dict[str, tuple[str, ...]] = {
    "issued": ("sources", "tiers"),
    "redeemed": ("sinks", "tiers"),
    "redemptions": ("sinks",),
    "expired": ("tiers",),
    "outstanding": ("tiers",),
    "transferred": ("tiers",),
    "cost": ("sinks",),
    "cost_by_tier": ("tiers",),
    "budget": (),
    "period_cost": (),
    "denied": (),
    "stock_outs": (),
    "users": ("tiers",),
    "active": ("tiers",),
    "wau": ("tiers",),
    "mau": ("tiers",),
    "retained": ("retention", "tiers"),
    "cohort_active": ("cohorts",),
    "holders": ("tiers",),
    "redeemers": ("tiers",),
    "consumers_30d": ("tiers",),
    "reach_30d": ("tiers",),
    "ever_redeemed": (),
    "new_users": (),
    "churned": (),
    "dormant": (),
    "tier_up": ("tiers",),
    "tier_down": ("tiers",),
    "core_amount": ("tiers",),
    "occurrences": ("behaviours",),
    "actors": ("behaviours",),
    "prices": ("items",),
    "aging": ("expiry", "tiers"),
    "coupons_given": ("coupons",),
    "coupons_used": ("coupons",),
    "coupon_uplift": ("coupons",),
    "active_new": (),
    "buyers": ("tiers",),
    "repeat_buyers": ("tiers",),
    "funnel": ("funnel",),
    "participants": ("packaged",),
    "rewarded": ("packaged",),
    "runoff": ("runoff",),
    "opening": ("tiers",),
    "cohort_redeemed": ("cohorts", "tiers"),
    "cohort_expired": ("cohorts", "tiers"),
}


@dataclass(frozen=True)
class Results:
    """What ``simulate`` returns: the scenario, the labels and the stacked ledgers."""

    scenario: Scenario
    seed: int
    labels: dict[str, tuple[str, ...]]  # sources, sinks, tiers, items
    arrays: dict[str, NDArray[Any]]

    @property
    def replications(self) -> int:
        return int(self.arrays["issued"].shape[0])

    @property
    def days(self) -> int:
        return int(self.arrays["issued"].shape[1])

    @property
    def tiers(self) -> tuple[str, ...]:
        return self.labels["tiers"]

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.arrays[name]

    def total(self, name: str) -> NDArray[Any]:
        """Array ``name`` summed over its labelled axes: ``[replication, day]``."""
        arr = self.arrays[name]
        total: NDArray[Any] = arr.reshape(arr.shape[0], arr.shape[1], -1).sum(axis=2)
        return total

    def columns(self) -> dict[str, NDArray[Any]]:
        """Flat columns ``name|label|label`` → ``[replication × day]`` values."""
        out: dict[str, NDArray[Any]] = {}
        for name, axes in AXES.items():
            arr = self.arrays[name]
            flat = arr.reshape(arr.shape[0] * arr.shape[1], -1)
            for i, key in enumerate(np.ndindex(*arr.shape[2:])):
                parts = [self.labels[a][j] for a, j in zip(axes, key, strict=True)]
                out["|".join([name, *parts])] = flat[:, i]
        return out

    def to_df(self) -> pd.DataFrame:
        """One row per (replication, day), one column per labelled series (needs pandas)."""
        pd = pandas()
        index = pd.MultiIndex.from_product(
            [range(self.replications), range(self.days)], names=["replication", "day"]
        )
        return pd.DataFrame(self.columns(), index=index)

    def metadata(self) -> str:
        """What a saved run needs besides its columns (JSON): scenario, seed, labels, shape."""
        return json.dumps(
            {
                "scenario": self.scenario.model_dump(mode="json"),
                "seed": self.seed,
                "labels": self.labels,
                "shape": [self.replications, self.days],
            }
        )

    @classmethod
    def load(cls, path: Path | str) -> Results:
        """Read what ``econsim.report.write(results, path)`` wrote (.parquet or .npz)."""
        source = Path(path)
        if source.suffix == ".parquet":
            from econsim.atomic import read_parquet

            table = read_parquet(source)
            meta = json.loads(table.schema.metadata[b"econsim"])
            cols = {name: table.column(name).to_numpy() for name in table.column_names}
            arrays = _unflatten(cols, meta)
        else:
            with np.load(source, allow_pickle=False) as data:
                meta = json.loads(str(data["__meta__"]))
                arrays = {k: data[k] for k in data.files if k != "__meta__"}
        return cls(
            scenario=Scenario.model_validate(meta["scenario"]),
            seed=int(meta["seed"]),
            labels={k: tuple(v) for k, v in meta["labels"].items()},
            arrays=arrays,
        )

    def summary(self) -> dict[str, Any]:
        """Horizon totals, averaged over replications (points, users and money)."""
        last = self.days - 1
        return {
            "issued": float(self.total("issued").sum(axis=1).mean()),
            "redeemed": float(self.total("redeemed").sum(axis=1).mean()),
            "expired": float(self.total("expired").sum(axis=1).mean()),
            "outstanding": float(self.total("outstanding")[:, last].mean()),
            "cost": float(self.total("cost").sum(axis=1).mean()),
            "users": float(self.total("users")[:, last].mean()),
            "denied": float(self.total("denied").sum(axis=1).mean()),
        }

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{v:,.0f}</td></tr>"
            for k, v in self.summary().items()
        )
        head = (
            f"<b>{escape(self.scenario.name)}</b>: {self.replications} replication(s) × "
            f"{self.days} days, seed {self.seed} (mean over replications)"
        )
        return f"<div>{head}<table>{rows}</table></div>"


def _unflatten(cols: dict[str, NDArray[Any]], meta: dict[str, Any]) -> dict[str, NDArray[Any]]:
    reps, days = meta["shape"]
    labels = meta["labels"]
    arrays: dict[str, NDArray[Any]] = {}
    for name, axes in AXES.items():
        shape = [len(labels[a]) for a in axes]
        keys = list(np.ndindex(*shape))
        if not keys:  # an axis with no labels (a design without coupons): no columns
            arrays[name] = np.zeros((reps, days, *shape), np.int64)
            continue
        stacked = np.stack(
            [
                cols["|".join([name, *(labels[a][j] for a, j in zip(axes, key, strict=True))])]
                for key in keys
            ],
            axis=-1,
        )
        arrays[name] = stacked.reshape(reps, days, *shape)
    return arrays
