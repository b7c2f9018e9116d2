"""Event logs of a simulated population, recorded as the kernels act.

``EventRecorder`` keeps one row per behaviour occurrence or catalog redemption: the log
``econsim fit`` reads (docs/history.md), so a fit can be checked on a population whose
parameters are known. ``LedgerRecorder`` keeps every point movement — joins, earnings,
bonuses, redemptions, tier changes, expiry — the log a live programme's operations team
exports ("The live log" in docs/history.md). Off by default (they cost memory per event);
``simulate_events`` turns one on. Recording draws no random numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I8, I64
from econsim.engine.model import Model

REDEMPTION = -1
#: The live log's columns, in file order.
LEDGER_COLUMNS = ("user_id", "date", "event", "amount", "item", "points", "tier", "cost")


class Recorder(Protocol):
    """What the kernels tell a recorder; each call is one array of rows of one day."""

    def occurred(
        self, users: I64, day: int, behaviour: int, tiers: I8, amounts: F64 | None = None
    ) -> None: ...
    def redeemed(self, users: I64, day: int, items: I64) -> None: ...
    def booked(self, users: I64, day: int, source: int, points: I64, tiers: I8) -> None: ...
    def spent(
        self, users: I64, day: int, sinks: I64, points: I64, cost: F64, tiers: I8
    ) -> None: ...
    def joined(self, users: I64, day: int, tiers: I8) -> None: ...
    def moved(self, users: I64, day: int, tiers: I8, points: I64) -> None: ...
    def expired(self, users: I64, day: int, points: I64, tiers: I8) -> None: ...


@dataclass
class EventRecorder:
    """The fit's log: behaviour occurrences and catalog redemptions (point movements are
    not part of it, so their hooks keep nothing); ``columns`` sorts them by day and user."""

    chunks: list[tuple[I64, int, int, F64, I64]] = field(default_factory=list)

    def add(self, users: I64, day: int, event: int, amounts: F64 | None = None,
            items: I64 | None = None) -> None:  # fmt: skip
        n = users.size
        if n == 0:
            return
        amt = np.full(n, np.nan) if amounts is None else np.asarray(amounts, dtype=float)
        itm = np.full(n, -1, np.int64) if items is None else np.asarray(items, dtype=np.int64)
        self.chunks.append((users.astype(np.int64), day, event, amt, itm))

    def occurred(
        self, users: I64, day: int, behaviour: int, tiers: I8, amounts: F64 | None = None
    ) -> None:
        self.add(users, day, behaviour, amounts)

    def redeemed(self, users: I64, day: int, items: I64) -> None:
        self.add(users, day, REDEMPTION, items=items)

    def booked(self, users: I64, day: int, source: int, points: I64, tiers: I8) -> None:
        pass

    def spent(self, users: I64, day: int, sinks: I64, points: I64, cost: F64, tiers: I8) -> None:
        pass

    def joined(self, users: I64, day: int, tiers: I8) -> None:
        pass

    def moved(self, users: I64, day: int, tiers: I8, points: I64) -> None:
        pass

    def expired(self, users: I64, day: int, points: I64, tiers: I8) -> None:
        pass

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


# the live log's kinds of row; ``code`` is a source for the first two, a sink for SPEND
OCCURRENCE, BOOKING, JOIN, SPEND, MOVE, EXPIRY = range(6)
#: Event names of the kinds after the sources, in kind order from JOIN.
KIND_EVENTS = ("join", "redemption", "tier_change", "expiry")


@dataclass(frozen=True)
class _Chunk:
    kind: int
    day: int
    users: I64
    tiers: I8
    code: int | I64 = -1
    points: I64 | None = None  # None: 0 (joins; occurrences until their booking is settled)
    amount: F64 | None = None  # None: empty
    cost: F64 | None = None


@dataclass
class LedgerRecorder:
    """Every point movement, in the engine's order; ``columns`` builds the live log.

    A behaviour's points are booked once per user and day (``DayEarnings.add``) but the log
    shows occurrences, so the booking is settled onto them when the log is built: split
    evenly, the remainder on the first, and every booked point lands on a row.
    """

    chunks: list[_Chunk] = field(default_factory=list)

    def _keep(self, chunk: _Chunk) -> None:
        if chunk.users.size:
            self.chunks.append(chunk)

    def occurred(
        self, users: I64, day: int, behaviour: int, tiers: I8, amounts: F64 | None = None
    ) -> None:
        self._keep(_Chunk(OCCURRENCE, day, users, tiers, behaviour, amount=amounts))

    def redeemed(self, users: I64, day: int, items: I64) -> None:
        pass  # ``spent`` sees catalog redemptions and game plays alike

    def booked(self, users: I64, day: int, source: int, points: I64, tiers: I8) -> None:
        self._keep(_Chunk(BOOKING, day, users, tiers, source, points))

    def spent(self, users: I64, day: int, sinks: I64, points: I64, cost: F64, tiers: I8) -> None:
        self._keep(_Chunk(SPEND, day, users, tiers, sinks, points, cost=cost))

    def joined(self, users: I64, day: int, tiers: I8) -> None:
        self._keep(_Chunk(JOIN, day, users, tiers))

    def moved(self, users: I64, day: int, tiers: I8, points: I64) -> None:
        self._keep(_Chunk(MOVE, day, users, tiers, points=points))

    def expired(self, users: I64, day: int, points: I64, tiers: I8) -> None:
        self._keep(_Chunk(EXPIRY, day, users, tiers, points=points))

    def columns(self, model: Model) -> dict[str, NDArray[Any]]:
        """The live log: ``LEDGER_COLUMNS``, strings as object arrays, ``amount`` and
        ``cost`` float (NaN: empty), ``points`` int64."""
        rows = _rows(self.chunks)
        keep = _settle(rows, len(model.behaviours), len(model.sources))
        kept = {k: v[keep] for k, v in rows.items()}
        order = np.argsort(kept["day"] * (_top(kept["user"]) + 1) + kept["user"], kind="stable")
        return _text(model, {k: v[order] for k, v in kept.items()})


def _top(values: I64) -> int:
    """The largest value, 0 for none (a table indexed by the values has one more row)."""
    return int(values.max()) if values.size else 0


def _rows(chunks: list[_Chunk]) -> dict[str, NDArray[Any]]:
    """The chunks as one array per field, in the order they were recorded."""
    sizes = np.array([c.users.size for c in chunks], dtype=np.int64)

    def each(name: str, fill: float, dtype: type[np.generic]) -> NDArray[Any]:
        parts = [
            np.full(size, fill, dtype)
            if (v := getattr(c, name)) is None
            else np.broadcast_to(v, size)
            for c, size in zip(chunks, sizes.tolist(), strict=True)
        ]
        return np.concatenate(parts, dtype=dtype, casting="unsafe") if parts else np.zeros(0, dtype)

    def per_chunk(name: str, dtype: type[np.generic]) -> NDArray[Any]:
        return np.repeat(np.array([getattr(c, name) for c in chunks], dtype), sizes)

    return {
        "kind": per_chunk("kind", np.int8),
        "day": per_chunk("day", np.int64),
        "user": each("users", 0, np.int64),
        "tier": each("tiers", 0, np.int8),
        "code": each("code", -1, np.int64),
        "points": each("points", 0, np.int64),
        "amount": each("amount", np.nan, np.float64),
        "cost": each("cost", np.nan, np.float64),
    }


def _groups(keys: I64) -> tuple[I64, I64, I64, I64]:
    """Rows of equal keys: the sorting order, where each group starts in it, its key and
    its first row. Stable, and fast: the rows come day by day, so the keys are in long
    sorted runs that timsort merges."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if keys.size else order
    return order, starts, ordered[starts], order[starts]


def _keys(rows: dict[str, NDArray[Any]], at: I64, sources: int) -> I64:
    """(day, user, source) of the rows ``at`` as one number."""
    users = _top(rows["user"]) + 1
    key: I64 = (rows["day"][at] * users + rows["user"][at]) * sources + rows["code"][at]
    return key


def _settle(rows: dict[str, NDArray[Any]], behaviours: int, sources: int) -> NDArray[np.bool_]:
    """Fold bookings into one row per (day, user, source) at the first booking, and a
    behaviour's onto its occurrences that day; returns the rows the log keeps (``points``
    is updated in place)."""
    kind, points = rows["kind"], rows["points"]
    book = np.flatnonzero(kind == BOOKING)
    order, starts, keys, first = _groups(_keys(rows, book, sources))
    firsts = book[first]
    points[firsts] = np.add.reduceat(points[book][order], starts) if book.size else 0
    keep: NDArray[np.bool_] = kind != BOOKING
    keep[firsts] = True
    onto = rows["code"][firsts] < behaviours
    occ = np.flatnonzero(kind == OCCURRENCE)
    found = _onto_occurrences(points, occ, _keys(rows, occ, sources), keys[onto], firsts[onto])
    keep[found] = False
    return keep


def _onto_occurrences(points: I64, occ: I64, occ_keys: I64, keys: I64, booked: I64) -> I64:
    """Spread the points of the behaviour bookings at ``booked`` (keyed ``keys``) over the
    occurrences ``occ`` with the same key; returns the bookings that found occurrences."""
    order, starts, groups, first = _groups(occ_keys)
    counts = np.diff(np.r_[starts, occ.size])
    at = np.minimum(np.searchsorted(groups, keys), max(groups.size - 1, 0))
    found = groups[at] == keys if groups.size else np.zeros(keys.size, bool)
    total = np.zeros(groups.size, np.int64)
    total[at[found]] = points[booked[found]]
    group = np.empty(occ.size, np.int64)
    group[order] = np.repeat(np.arange(groups.size), counts)
    points[occ] = total[group] // counts[group]
    points[occ[first]] += total % counts
    hit: I64 = booked[found]
    return hit


def _vocabulary(names: list[str], codes: I64) -> NDArray[np.object_]:
    """``names[codes]`` as an object array sharing the few name strings (8 bytes a row)."""
    return np.array(names, dtype=object)[codes]


def _text(model: Model, rows: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    kind, code = rows["kind"].astype(np.int64), rows["code"]
    start = model.scenario.start_date
    dates = [(start + dt.timedelta(days=d)).isoformat() for d in range(_top(rows["day"]) + 1)]
    users = np.char.add("u", np.arange(_top(rows["user"]) + 1).astype(str)).tolist()
    sources = len(model.sources)
    event = np.where(kind <= BOOKING, code, sources + kind - JOIN)
    item = np.where(kind == SPEND, code, -1)  # -1: the empty name after the sinks
    return {
        "user_id": _vocabulary(users, rows["user"]),
        "date": _vocabulary(dates, rows["day"]),
        "event": _vocabulary([*model.sources, *KIND_EVENTS], event),
        "amount": cents(rows["amount"]),
        "item": _vocabulary([*model.sinks, ""], item),
        "points": rows["points"],
        "tier": _vocabulary(list(model.tiers), rows["tier"].astype(np.int64)),
        "cost": rows["cost"],
    }


def cents(values: F64) -> F64:
    """Round to 2 decimals exactly as Python's ``round(x, 2)`` does (the fit log's rounding),
    vectorised: ``x * 100`` can land on the wrong side of a half only when it is within
    rounding error of one, and those few are rounded by Python."""
    scaled = values * 100.0
    out: F64 = np.rint(scaled)
    top = float(np.nanmax(np.abs(scaled), initial=0.0))
    near = np.flatnonzero(np.abs(scaled - out) > 0.5 - max(1e-6, 4 * float(np.spacing(top))))
    out /= 100.0
    out[near] = [round(float(v), 2) for v in values[near]]
    return out
