"""RFM layering (domain §6): recency, frequency, monetary → 8 value classes.

Each axis is *high* or *low* against the average over users (the usual practice; ``split=
"median"`` compares with the median instead). Recency is high when the last activity is
*more recent* than average. The classes, from most to least valuable, follow the common
naming: important value, important development, important retention, important win-back,
general value, general development, general retention, general win-back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from econsim.history.events import REDEMPTION, EventLog
from econsim.history.window import AsOf, as_of_day, open_log
from econsim.protocol import html_table, pandas

if TYPE_CHECKING:
    import pandas as pd

#: Class names by (monetary high, frequency high, recency high).
CLASSES: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important value",
    (True, False, True): "important development",
    (True, True, False): "important retention",
    (True, False, False): "important win-back",
    (False, True, True): "general value",
    (False, False, True): "general development",
    (False, True, False): "general retention",
    (False, False, False): "general win-back",
}
#: Classes from most to least valuable (the order of ``CLASSES``).
ORDER = tuple(CLASSES.values())


@dataclass(frozen=True)
class RFM:
    """Per user: recency (days since last event), frequency (active days), monetary (amount)."""

    users: tuple[str, ...]
    recency: NDArray[np.int64]
    frequency: NDArray[np.int64]
    monetary: NDArray[np.float64]
    r_high: NDArray[np.bool_]
    f_high: NDArray[np.bool_]
    m_high: NDArray[np.bool_]

    @property
    def classes(self) -> list[str]:
        return [
            CLASSES[(bool(m), bool(f), bool(r))]
            for r, f, m in zip(self.r_high, self.f_high, self.m_high, strict=True)
        ]

    @property
    def value(self) -> NDArray[np.int64]:
        """0 (general win-back) … 7 (important value): the class rank, lowest first."""
        rank = {name: len(ORDER) - 1 - i for i, name in enumerate(ORDER)}
        return np.array([rank[c] for c in self.classes], dtype=np.int64)

    def counts(self) -> dict[str, int]:
        """Users per class, most valuable first (classes with no user included)."""
        found = self.classes
        return {name: found.count(name) for name in ORDER}

    def summary(self) -> dict[str, Any]:
        """Users, and users and share per class (the content of segments.json)."""
        counts = self.counts()
        total = max(sum(counts.values()), 1)
        return {
            "users": total,
            "segments": [
                {"segment": k, "users": counts[k], "share": counts[k] / total} for k in ORDER
            ],
        }

    def to_df(self) -> pd.DataFrame:
        """One row per user: recency, frequency, monetary, the three flags and the class."""
        data = {
            "recency_days": self.recency,
            "frequency": self.frequency,
            "monetary": self.monetary,
            "r_high": self.r_high,
            "f_high": self.f_high,
            "m_high": self.m_high,
            "segment": self.classes,
        }
        return pandas().DataFrame(data, index=pandas().Index(self.users, name="user_id"))

    def _repr_html_(self) -> str:
        rows = [[s["segment"], s["users"], f"{s['share']:.1%}"] for s in self.summary()["segments"]]
        return html_table(f"RFM segments of {len(self.users)} user(s)", rows)


Split = Literal["mean", "median"]


def segment(events: EventLog | Path | str, *, as_of: AsOf = None, split: Split = "mean") -> RFM:
    """``econsim segment``: the RFM classes of a log's users on ``as_of``.

    ``events`` is a CSV/Parquet path or a log from :func:`~econsim.read_events`; ``as_of``
    a date or ``YYYY-MM-DD`` (default: the log's last day).
    """
    if split not in ("mean", "median"):
        raise ValueError(f"split is 'mean' or 'median', not {split!r}")
    log = open_log(events)
    return rfm_classes(log, as_of_day(log, as_of), split)


def rfm_classes(log: EventLog, as_of: int | None = None, split: Split = "mean") -> RFM:
    """RFM of every user seen up to day ``as_of`` (default: the log's last day).

    Redemptions do not count as activity.
    """
    as_of = log.days - 1 if as_of is None else as_of
    log = log.until(as_of)
    n = len(log.users)
    act = ~log.of(REDEMPTION)
    last = np.full(n, -1, np.int64)
    np.maximum.at(last, log.user[act], log.day[act])
    first_seen = log.first_day()
    last = np.where(last < 0, first_seen, last)
    pairs = np.unique(log.user[act] * (as_of + 1) + log.day[act])
    frequency = np.bincount(pairs // (as_of + 1), minlength=n).astype(np.int64)
    monetary = np.bincount(
        log.user[act], weights=np.nan_to_num(log.amount[act]), minlength=n
    ).astype(np.float64)
    recency = (as_of - last).astype(np.int64)
    centre = np.mean if split == "mean" else np.median
    return RFM(
        users=log.users,
        recency=recency,
        frequency=frequency,
        monetary=monetary,
        r_high=recency < centre(recency),
        f_high=frequency > centre(frequency),
        m_high=monetary > centre(monetary),
    )
