"""A live log's cells read against the design: each row's day, kind, source or item,
tier, amount and points, as arrays (a bad cell is a problem at its row)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.atomic import shown
from econsim.engine.model import Model
from econsim.monitor.log_table import Problems, encode
from econsim.scenario.base import MAX_AMOUNT

if TYPE_CHECKING:
    import pyarrow as pa


# what a row does to the member's points
EARN, BONUS, REDEEM, EXPIRY, TIER_CHANGE, JOIN = range(6)
KIND_NAMES = ("earn", "bonus", "redemption", "expiry", "tier_change", "join")

#: More points than one row of a real programme moves (and than int64 sums can hold).
MAX_POINTS = 10**12


def parse_date(text: str) -> tuple[dt.date, int] | None:
    """The row's date and, for a timestamp, its second of the day (else 0)."""
    try:
        if len(text) == 8 and text.isdecimal():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])), 0
        if len(text) > 10:
            t = dt.datetime.fromisoformat(text)  # its own offset's calendar day
            return t.date(), t.hour * 3600 + t.minute * 60 + t.second
        return dt.date.fromisoformat(text), 0
    except ValueError:
        return None


def number_column(col: pa.Array | None, n: int, name: str, problems: Problems) -> F64:
    """The column as floats (NaN where empty); text that is no number, a negative or an
    infinite value is a problem at its row."""
    if col is None:
        return np.full(n, np.nan)
    codes, values = encode(col)
    parsed = np.full(len(values), np.nan)
    bad_value = np.zeros(len(values), bool)
    for i, text in enumerate(values):
        if not text:
            continue
        try:
            x = float(text)
        except ValueError:
            bad_value[i] = True
            continue
        if not np.isfinite(x) or x < 0 or x > MAX_AMOUNT:
            bad_value[i] = True
        parsed[i] = x
    bad = bad_value[codes]
    problems.rows(
        bad, name,
        lambda i: f"'{shown(values[codes[i]])}' is not a number from 0 to {MAX_AMOUNT:.0e}",
        f"{name} is a plain number (e.g. 12.5); leave the cell empty when there is none",
    )  # fmt: skip
    return parsed[codes]


@dataclass(frozen=True)
class DesignNames:
    """What each event, item and tier name of the design means."""

    event: dict[str, tuple[int, int]]  # name → (kind, source index)
    sinks: dict[str, int]
    tiers: dict[str, int]

    @classmethod
    def of(cls, model: Model) -> DesignNames:
        nb = len(model.behaviours)
        event = {s: (EARN if i < nb else BONUS, i) for i, s in enumerate(model.sources)}
        event.update(
            redemption=(REDEEM, -1), expiry=(EXPIRY, -1), tier_change=(TIER_CHANGE, -1),
            join=(JOIN, -1),
        )  # fmt: skip
        return cls(
            event,
            {s: i for i, s in enumerate(model.sinks)},
            {t: i for i, t in enumerate(model.tiers)},
        )


def day_column(col: pa.Array, start: dt.date, problems: Problems) -> tuple[I64, I64]:
    """Each row's day from ``start`` and second of that day (0 without a time)."""
    codes, values = encode(col)
    parsed = [parse_date(v) for v in values]
    day = np.array([(p[0] - start).days if p else 0 for p in parsed], np.int64)
    second = np.array([p[1] if p else 0 for p in parsed], np.int64)
    bad = np.array([p is None for p in parsed])
    problems.rows(bad[codes], "date", lambda i: f"'{shown(values[codes[i]])}' is not a date",
                  "write dates as YYYY-MM-DD (or YYYYMMDD, or an ISO timestamp)")  # fmt: skip
    early = (day < 0) & ~bad
    problems.rows(
        early[codes], "date", lambda i: f"{values[codes[i]]} is before the design's start_date "
        f"{start}", "set start_date in the design to the programme's launch",
    )  # fmt: skip
    return day[codes], second[codes]


#: Where a row falls in a day whose rows share a time: the engine's order (a member joins,
#: earns, redeems, then tiers are reviewed and points expire), so an export sorted by event
#: name never reads a redemption before the day's earnings that paid for it.
DAY_ORDER = np.array([1, 1, 2, 4, 3, 0], np.int64)  # by kind: earn, bonus, redeem, expiry, …


def row_order(day: I64, second: I64, kind: NDArray[np.int8]) -> I64:
    """The rows in time order: by day, by time of day where the log gives one, then in the
    engine's order of a day, then as in the file."""
    key = (day * 86_400 + second) * 8 + DAY_ORDER[kind]
    order: I64 = np.argsort(key, kind="stable")
    return order


def event_column(
    col: pa.Array, names: DesignNames, problems: Problems
) -> tuple[NDArray[np.int8], I64]:
    codes, values = encode(col)
    known = [names.event.get(v) for v in values]
    kind = np.array([k[0] if k else -1 for k in known], np.int8)
    source = np.array([k[1] if k else -1 for k in known], np.int64)
    hint = (
        "events are the design's behaviours and bonus sources, or "
        + ", ".join(KIND_NAMES[2:])
        + f": {', '.join(names.event)}"
    )
    problems.rows(
        (kind < 0)[codes], "event", lambda i: f"unknown event '{shown(values[codes[i]])}'", hint
    )
    return kind[codes], source[codes]


def item_column(
    col: pa.Array | None, kind: NDArray[np.int8], names: DesignNames, problems: Problems
) -> I64:
    redeem = kind == REDEEM
    if col is None:
        if redeem.any():
            problems.whole("item", "redemption rows without an item column",
                           "add the item each redemption bought")  # fmt: skip
        return np.full(kind.size, -1, np.int64)
    codes, values = encode(col)
    sink = np.array([names.sinks.get(v, -1) for v in values], np.int64)[codes]
    problems.rows(
        redeem & (sink < 0), "item",
        lambda i: f"unknown item '{shown(values[codes[i]])}'" if values[codes[i]] else "no item",
        f"a redemption names a catalog item or game: {', '.join(names.sinks)}",
    )  # fmt: skip
    return sink


def tier_column(
    col: pa.Array | None,
    kind: NDArray[np.int8],
    names: DesignNames,
    problems: Problems,
    model: Model,
) -> I64:
    """Each row's tier; -1 where the cell is empty (the member's tier carries on)."""
    if col is None:
        if (kind == TIER_CHANGE).any():
            problems.whole("tier", "tier_change rows without a tier column",
                           "add the member's tier to every row")  # fmt: skip
        return np.zeros(kind.size, np.int64)
    codes, values = encode(col)
    tier = np.array([names.tiers.get(v, -1 if v else -2) for v in values], np.int64)[codes]
    problems.rows(
        tier == -1, "tier", lambda i: f"unknown tier '{shown(values[codes[i]])}'",
        f"the design's tiers are {', '.join(model.tiers)}",
    )  # fmt: skip
    problems.rows(
        (tier == -2) & (kind == TIER_CHANGE), "tier", "a tier_change row needs the new tier",
        f"the design's tiers are {', '.join(model.tiers)}",
    )  # fmt: skip
    return np.where(tier == -2, -1, np.maximum(tier, 0))


def carry_tiers(member: I64, tier: I64) -> int:
    """Fill empty tier cells (-1) with the member's tier on its row before (the lowest
    before any), in place; the rows are in time order. How many were filled."""
    empty = tier < 0
    if not empty.any():
        return 0
    order = np.argsort(member, kind="stable")
    m, t = member[order], tier[order]
    first = np.r_[True, m[1:] != m[:-1]]
    pos = np.where((t >= 0) | first, np.arange(t.size), 0)
    carried = t[np.maximum.accumulate(pos)]
    tier[order] = np.maximum(carried, 0)
    return int(empty.sum())


def fill_points(
    pts: F64, kind: NDArray[np.int8], source: I64, tier: I64, amount: F64, day: I64,
    model: Model, problems: Problems,
) -> tuple[str, ...]:  # fmt: skip
    """Points of rows that give none, from the design; which row kinds were filled."""
    empty = np.isnan(pts)
    filled: list[str] = []
    earn = empty & (kind == EARN)
    redeem = empty & (kind == REDEEM) & (source >= 0)
    # the rules in force on the row's day: the design's, then its rule changes (constant
    # after the last one, so a row dated decades ahead needs no longer schedule)
    last = max((rc.day for rc in model.scenario.design.rule_changes), default=0)
    rules = model.schedule(min(int(day.max()), last) + 1)
    day = np.minimum(day, last)
    if earn.any():
        b, d = source[earn], day[earn]
        qty = np.where(model.is_core[b], amount[earn] / model.unit[b], 1.0)
        pts[earn] = np.floor(rules.points[d, b] * model.tier_mult[tier[earn], b] * qty + 1e-9)
        problems.rows(
            earn & (pts > MAX_POINTS), "amount",
            lambda i: f"amount {amount[i]:g} earns {pts[i]:.3g} points at the design's point "
            f"values, more than one row of a programme moves ({MAX_POINTS:,})",
            "check the amount's unit (cents for money?) or give the row's points",
        )  # fmt: skip
        filled.append(_filled(int(earn.sum()), "earn", "the point values in force that day"))
    if redeem.any():
        k, d = source[redeem], day[redeem]
        ni = len(model.items)
        catalog = rules.prices[d, np.clip(k, 0, max(ni - 1, 0))] if ni else np.zeros(k.size)
        games = model.game_cost_points[np.clip(k - ni, 0, None)] if model.games else catalog
        pts[redeem] = np.where(k < ni, catalog, games)
        filled.append(_filled(int(redeem.sum()), "redemption", "the price in force that day"))
    pts[empty & np.isin(kind, (JOIN, TIER_CHANGE))] = 0  # they move no points
    needs = empty & np.isin(kind, (BONUS, EXPIRY))
    problems.rows(needs, "points", lambda i: f"a {KIND_NAMES[kind[i]]} row needs its points",
                  "only earn and redemption rows can be priced from the design")  # fmt: skip
    return tuple(filled)


def _filled(n: int, kind: str, rule: str) -> str:
    rows = f"{n:,} {kind} row{'s' if n != 1 else ''}"
    return f"{rows} without points: priced from the design ({rule})"


def repeated_rows(rows: dict[str, NDArray[Any]]) -> int:
    """Rows a programme books once per member and day (join, bonus, tier_change, expiry)
    equal to an earlier one in every column. Two equal purchases or sign-ins on a day are
    ordinary, so earn and redemption rows are not counted."""
    once = np.isin(rows["kind"], (BONUS, EXPIRY, TIER_CHANGE, JOIN))
    rows = {k: v[once] for k, v in rows.items()}
    if rows["member"].size < 2:
        return 0
    keys = [rows[k] for k in ("member", "day", "kind", "source_index", "points", "tier")]
    keys += [np.nan_to_num(rows["amount"], nan=-1.0), np.nan_to_num(rows["cost"], nan=-1.0)]
    order = np.lexsort(keys[::-1])
    same = np.ones(order.size - 1, bool)
    for k in keys:
        s = k[order]
        same &= s[1:] == s[:-1]
    return int(same.sum())


def is_core_row(kind: NDArray[np.int8], source: I64, model: Model) -> NDArray[np.bool_]:
    """Rows of a core behaviour (bonus sources follow the behaviours in ``model.sources``)."""
    nb = len(model.behaviours)
    earn: NDArray[np.bool_] = (kind == EARN) & (source >= 0) & (source < nb)
    return earn & model.is_core[np.clip(source, 0, nb - 1)]
