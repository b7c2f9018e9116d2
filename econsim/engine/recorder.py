"""An event log of a simulated population: one row per behaviour occurrence or redemption.

Off by default (it costs memory per event); ``simulate_events`` turns it on. A simulated log
has the columns of a real one (docs/history.md), so ``econsim fit`` can be checked on a
population whose parameters are known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]


@dataclass
class EventRecorder:
    """Collects events as they happen; ``columns`` returns them sorted by day and user."""

    chunks: list[tuple[I64, int, int, NDArray[np.float64], I64]] = field(default_factory=list)

    def add(self, users: I64, day: int, event: int, amounts: NDArray[np.float64] | None = None,
            items: I64 | None = None) -> None:  # fmt: skip
        n = users.size
        if n == 0:
            return
        amt = np.full(n, np.nan) if amounts is None else np.asarray(amounts, dtype=float)
        itm = np.full(n, -1, np.int64) if items is None else np.asarray(items, dtype=np.int64)
        self.chunks.append((users.astype(np.int64), day, event, amt, itm))

    def columns(
        self, behaviours: tuple[str, ...], items: tuple[str, ...], start: dt.date
    ) -> dict[str, list[object]]:
        """user_id, date, event, amount, item — the event log format."""
        if not self.chunks:
            return {k: [] for k in ("user_id", "date", "event", "amount", "item")}
        users = np.concatenate([c[0] for c in self.chunks])
        days = np.concatenate([np.full(c[0].size, c[1]) for c in self.chunks])
        events = np.concatenate([np.full(c[0].size, c[2]) for c in self.chunks])
        amounts = np.concatenate([c[3] for c in self.chunks])
        its = np.concatenate([c[4] for c in self.chunks])
        order = np.lexsort((users, days))
        names = (*behaviours, "redemption")
        dates = [
            (start + dt.timedelta(days=int(d))).isoformat() for d in range(int(days.max()) + 1)
        ]
        return {
            "user_id": [f"u{u}" for u in users[order]],
            "date": [dates[d] for d in days[order]],
            "event": [names[e] for e in events[order]],
            "amount": ["" if np.isnan(a) else round(float(a), 2) for a in amounts[order]],
            "item": [items[i] if i >= 0 else "" for i in its[order]],
        }
