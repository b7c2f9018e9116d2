"""A live programme's log, read against its design: every row kept, used or rejected by name.

The format is docs/history.md's event log with what a live programme records (the
"live log", docs/monitoring.md): ``user_id, date, event`` and optionally ``amount, item,
points, tier, cost``. ``event`` is a behaviour, a bonus source of the design (``streak``,
``bundle:NAME``, ``referral``, ``random:NAME``, ``campaign:NAME``), ``redemption`` (``item``:
a catalog item or ``game:NAME``), ``expiry``, ``tier_change`` (``tier``: the new one) or
``join``. Read with pyarrow and checked with array operations, so ten million rows take
seconds; a malformed row is an error at its line, a row the programme cannot have served
(a redemption past the member's balance) is rejected and counted, and what is odd but
usable (rows out of date order, exact repeats) is a caution. Nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64, Bool
from econsim.atomic import shown
from econsim.engine.model import Model
from econsim.errors import Problem
from econsim.history.events import (
    MAX_PROBLEMS,
    EventLogError,
    Where,
    check_log_file,
    parquet_log,
)
from econsim.scenario.base import MAX_AMOUNT
from econsim.scenario.checks import CALENDAR_MARGIN

if TYPE_CHECKING:
    import pyarrow as pa


REQUIRED = ("user_id", "date", "event")
OPTIONAL = ("amount", "item", "points", "tier", "cost")

# what a row does to the member's points
EARN, BONUS, REDEEM, EXPIRY, TIER_CHANGE, JOIN = range(6)
KIND_NAMES = ("earn", "bonus", "redemption", "expiry", "tier_change", "join")

#: Vectorised passes over the overdrafts before the members still overdrawn are walked
#: row by row (each pass settles every member's first).
PASSES = 30

#: More points than one row of a real programme moves (and than int64 sums can hold).
MAX_POINTS = 10**12


@dataclass(frozen=True)
class Rejected:
    """Rows left out of the books, why, and the lines of the first few."""

    reason: str
    count: int
    lines: tuple[int, ...]


@dataclass(frozen=True)
class LiveLog:
    """The used rows as arrays in time order (:func:`row_order`), with day 0 the design's
    ``start_date``; and the account of every row read."""

    source: str
    start: dt.date
    days: int  # day 0 … as_of
    members: NDArray[Any]  # user ids (str), indexed by ``member``
    member: I64
    day: I64
    kind: NDArray[np.int8]
    source_index: I64  # earn/bonus: the source; redemption: the sink; else -1
    amount: F64  # NaN where not given
    points: I64
    tier: I64  # the member's tier after the row
    cost: F64  # NaN where not given
    line: I64  # the row's place in the file (CSV line; Parquet row)
    rows_read: int
    after_as_of: int
    rejected: tuple[Rejected, ...] = ()
    cautions: tuple[str, ...] = ()
    computed: tuple[str, ...] = field(default=())  # columns filled from the design

    @property
    def rows_used(self) -> int:
        return int(self.member.size)

    def account(self) -> dict[str, Any]:
        """Rows read, used, after ``--as-of`` and rejected (with why): they add up."""
        return {
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "after_as_of": self.after_as_of,
            "rejected": {r.reason: r.count for r in self.rejected},
            "rejected_lines": {r.reason: list(r.lines) for r in self.rejected},
            "cautions": list(self.cautions),
            "computed": list(self.computed),
        }


def _table(path: Path) -> tuple[dict[str, Any], Where]:
    """Every column as strings ("" where empty), and how to locate a row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if path.suffix == ".parquet":
        table = parquet_log(path)
        first = 1
    else:
        table = _csv_table(path)
        first = 2
    names = [n.lstrip("\ufeff").strip() for n in table.column_names]
    where = Where(str(path), first, tuple(names))
    twice = sorted({n for n in names if names.count(n) > 1 and n in (*REQUIRED, *OPTIONAL)})
    if twice:
        raise EventLogError([where(-1, n, f"two columns are called '{n}'",
                                   "keep one of them (which one the export meant is not "
                                   "for econsim to guess)") for n in twice])  # fmt: skip
    cols: dict[str, Any] = {}
    for name, col in zip(names, table.columns, strict=True):
        if name not in (*REQUIRED, *OPTIONAL):
            continue  # other columns are the export's own (and may be lists or structs)
        text = col.combine_chunks() if col.num_chunks else pa.array([], pa.string())
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            try:
                text = pc.cast(text, pa.string())
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                what = f"the column is {text.type}, not text or numbers"
                raise EventLogError([where(-1, name, what, "write it as plain values")]) from None
        cols[name] = pc.utf8_trim_whitespace(pc.fill_null(text, ""))
    return cols, where


def _csv_table(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = (*REQUIRED, *OPTIONAL)
    options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in (*names, "\ufeff" + names[0])},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        return pacsv.read_csv(path, convert_options=options)
    except (OSError, ValueError) as exc:
        if not path.exists() or isinstance(exc, FileNotFoundError):
            raise EventLogError(
                [Where(str(path))(-1, "", "no such file", "check the path")]
            ) from None
        return _csv_slowly(path)


def _csv_slowly(path: Path) -> Any:
    """A file pyarrow refuses (a ragged row, a bad quote): the Python reader locates it."""
    import pyarrow as pa

    from econsim.history.events import read_columns

    cols, _ = read_columns(path)
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})


def _encode(col: pa.Array) -> tuple[I64, list[str]]:
    """Each row's index into the column's distinct values, and the values."""
    codes = col.dictionary_encode()
    return (
        np.asarray(codes.indices.to_numpy(zero_copy_only=False), np.int64),
        [str(v) for v in codes.dictionary.to_pylist()],
    )


class _Problems:
    """Located problems, the first few of each check (every check is counted)."""

    def __init__(self, where: Where) -> None:
        self.where = where
        self.items: list[Problem] = []
        self.more = 0

    def rows(self, mask: Bool, column: str, message: Any, hint: str = "") -> None:
        """``message``: text, or a function of the row index giving it."""
        bad = np.nonzero(mask)[0]
        for i in bad[:MAX_PROBLEMS]:
            text = message(int(i)) if callable(message) else message
            self.items.append(self.where(int(i), column, text, hint))
        self.more += max(0, bad.size - MAX_PROBLEMS)

    def whole(self, column: str, message: str, hint: str = "") -> None:
        self.items.append(self.where(-1, column, message, hint))

    def raise_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda p: p.line)
        shown = self.items[: MAX_PROBLEMS * 2]
        more = self.more + len(self.items) - len(shown)
        if more:
            shown.append(Problem(self.where.source, 0, 0, "", f"… and {more} more problems", ""))
        raise EventLogError(shown)


def _parse_date(text: str) -> tuple[dt.date, int] | None:
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


def _numbers(col: pa.Array | None, n: int, name: str, problems: _Problems) -> F64:
    """The column as floats (NaN where empty); text that is no number, a negative or an
    infinite value is a problem at its row."""
    if col is None:
        return np.full(n, np.nan)
    codes, values = _encode(col)
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
class _Names:
    """What each event, item and tier name of the design means."""

    event: dict[str, tuple[int, int]]  # name → (kind, source index)
    sinks: dict[str, int]
    tiers: dict[str, int]

    @classmethod
    def of(cls, model: Model) -> _Names:
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


def read_live_log(
    path: Path | str, model: Model, as_of: dt.date | None = None, points: Model | None = None
) -> LiveLog:
    """Read ``path`` against the design compiled in ``model`` (its ``start_date`` is day 0).

    ``as_of`` (default: the log's last date) ends the books; later rows are counted, not
    used. ``points``: the model whose point values price rows without a ``points`` cell
    (the simulated one: calibrated values unless the design says as_written).
    """
    path = Path(path)
    check_log_file(path)
    cols, where = _table(path)
    problems = _Problems(where)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        found = ", ".join(cols) or "none"
        for c in missing:
            problems.whole(c, f"missing column '{c}'", f"a live log has {', '.join(REQUIRED)} "
                           f"and optionally {', '.join(OPTIONAL)} (found: {found})")  # fmt: skip
        problems.raise_any()
    n = len(cols["user_id"])
    if n == 0:
        problems.whole("", "the log has no rows", "export at least one event")
        problems.raise_any()
    names = _Names.of(model)
    start = model.scenario.start_date
    member, ids = _encode(cols["user_id"])
    problems.rows(np.array([not u for u in ids])[member], "user_id", "empty user_id",
                  "every row needs its member")  # fmt: skip
    day, second = _days(cols["date"], start, problems)
    kind, source = _events(cols["event"], names, problems)
    tier = _tiers(cols.get("tier"), kind, names, problems, model)
    sink = _sinks(cols.get("item"), kind, names, problems)
    source = np.where(kind == REDEEM, sink, source)
    amount = _numbers(cols.get("amount"), n, "amount", problems)
    cost = _numbers(cols.get("cost"), n, "cost", problems)
    pts = _numbers(cols.get("points"), n, "points", problems)
    core = is_core_row(kind, source, model)
    problems.rows(core & np.isnan(amount), "amount", "a core behaviour's row needs its amount",
                  "give what the member spent; the budget and the tiers follow it")  # fmt: skip
    problems.rows(
        ~np.isnan(pts) & ((pts != np.floor(pts)) | (pts > MAX_POINTS)), "points",
        lambda i: f"points {pts[i]:g} are not a whole number up to {MAX_POINTS:,}",
        "points are whole",
    )  # fmt: skip
    order = row_order(day, second, kind)
    in_time = tier[order]
    carried = _carry_tiers(member[order], in_time)
    tier[order] = in_time
    computed = _fill_points(pts, kind, source, tier, amount, day, points or model, problems)
    problems.raise_any()
    cautions: list[str] = []
    if carried:
        cautions.append(f"{carried:,} row{'s have' if carried != 1 else ' has'} no tier: read "
                        "as the member's tier on its row before (before any, the lowest, "
                        f"{model.tiers[0]})")  # fmt: skip
    if "tier" not in cols and len(model.tiers) > 1:
        cautions.append(f"the log has no tier column: every member is read as in the lowest "
                        f"tier, {model.tiers[0]}")  # fmt: skip
    end = int(day.max()) if as_of is None else (as_of - start).days
    if end < 0:
        raise EventLogError([Problem("--as-of", 0, 0, "", f"{as_of} is before the design's "
                             f"start_date {start}", "give a date the programme ran")])  # fmt: skip
    last = _last_day(day, end, start, where, as_of)
    if end > last:
        gap = end - last
        cautions.append(f"the log ends {start + dt.timedelta(days=last)}, {gap} day"
                        f"{'s' if gap != 1 else ''} before --as-of: those days are read as "
                        "days without events")  # fmt: skip
    keep = day <= end
    late = int(np.count_nonzero(np.diff(day) < 0))
    if late:
        cautions.append(f"{late:,} row{'s are' if late != 1 else ' is'} dated before the row "
                        "above: read in date order")  # fmt: skip
    order = order[keep[order]]
    rows: dict[str, NDArray[Any]] = {
        "member": member, "day": day, "kind": kind.astype(np.int8), "source_index": source,
        "amount": amount, "points": pts.astype(np.int64), "tier": tier, "cost": cost,
        "line": np.arange(n, dtype=np.int64) + where.first_line,
    }  # fmt: skip
    rows = {k: v[order] for k, v in rows.items()}
    repeats = _repeats(rows)
    if repeats:
        cautions.append(f"{repeats:,} join, bonus, tier_change or expiry row"
                        f"{'s repeat' if repeats != 1 else ' repeats'} an earlier one in every "
                        "column: kept, but a programme books these once per member and day — "
                        "if the export doubled rows, remove them first")  # fmt: skip
    rows, rejected = _reject_overdrafts(rows)
    if rows["member"].size == 0:
        _nothing_left(where, n, n - int(keep.sum()), rejected, start + dt.timedelta(days=end))
    return LiveLog(
        source=str(path), start=start, days=end + 1, members=np.array(ids, dtype=object),
        rows_read=n, after_as_of=int(n - keep.sum()), rejected=rejected,
        cautions=tuple(cautions), computed=computed, **rows,
    )  # fmt: skip


#: The most days a log's books may span (the scenario format's longest horizon, 100 years).
MAX_DAYS = 36_500
#: A break this long between one date of the log and the next is no programme's quiet spell:
#: what follows it is a mistyped date (2100-01-01 stretched a review to 26,664 days).
MAX_GAP = 366


def _last_day(day: I64, end: int, start: dt.date, where: Where, as_of: dt.date | None) -> int:
    """The log's last day up to ``end``; rows dated past what a log can span, a few rows
    cut off from the rest by more than a year, and an --as-of that far past the log are
    errors at their rows (or on --as-of), not years of empty books."""

    def date(d: int) -> dt.date:
        return start + dt.timedelta(days=d)

    def rows_error(rows: I64, message: Any, hint: str) -> EventLogError:
        return EventLogError(
            [where(int(i), "date", message(int(day[i])), hint) for i in rows[:MAX_PROBLEMS]]
        )

    horizon = min(MAX_DAYS, (dt.date.max - start).days - CALENDAR_MARGIN)
    far = np.nonzero((day > horizon) & (day <= end))[0]
    if far.size:
        raise rows_error(
            far,
            lambda d: (
                f"{date(d)} is more than {horizon:,} days after the design's start_date {start}"
            ),
            "fix the date; a log's books span at most 100 years",
        )
    days = np.unique(day[day <= end])
    if days.size == 0:
        return end
    gaps = np.nonzero(np.diff(days) > MAX_GAP)[0]
    if gaps.size:
        cut = int(days[gaps[0]])
        after = np.nonzero((day > cut) & (day <= end))[0]
        if after.size <= max(1, day.size // 100):
            raise rows_error(
                after,
                lambda d: (
                    f"{date(d)} is {d - cut:,} days after the rest of the log, which "
                    f"ends {date(cut)}: a mistyped date?"
                ),
                f"fix the date, or judge the log without it: --as-of {date(cut)}",
            )
    last = int(days[-1])
    if end - last > MAX_GAP:
        raise EventLogError(
            [
                Problem(
                    "--as-of", 0, 0, "",
                    f"{as_of} is {end - last:,} days after the log's last row ({date(last)}): "
                    "the books would read every one of them as a day without events",
                    f"give an --as-of within {MAX_GAP} days of {date(last)}, or the log of "
                    "those days",
                )
            ]
        )  # fmt: skip
    return last


def _nothing_left(
    where: Where, read: int, late: int, rejected: tuple[Rejected, ...], as_of: dt.date
) -> None:
    """No row is left to judge: say where they all went."""
    went = [f"{late:,} after {as_of}"] if late else []
    went += [f"{r.count:,} {r.reason} (lines {', '.join(map(str, r.lines))})" for r in rejected]
    hint = (
        "give an --as-of on or after the log's first date"
        if late == read
        else "a redemption needs the points earned before it: export the earn rows too"
    )
    rows = f"{read:,} row{'s' if read != 1 else ''}"
    raise EventLogError([where(-1, "", f"no row to judge: of {rows}, {'; '.join(went)}", hint)])


def _days(col: pa.Array, start: dt.date, problems: _Problems) -> tuple[I64, I64]:
    """Each row's day from ``start`` and second of that day (0 without a time)."""
    codes, values = _encode(col)
    parsed = [_parse_date(v) for v in values]
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


def _events(col: pa.Array, names: _Names, problems: _Problems) -> tuple[NDArray[np.int8], I64]:
    codes, values = _encode(col)
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


def _sinks(col: pa.Array | None, kind: NDArray[np.int8], names: _Names, problems: _Problems) -> I64:
    redeem = kind == REDEEM
    if col is None:
        if redeem.any():
            problems.whole("item", "redemption rows without an item column",
                           "add the item each redemption bought")  # fmt: skip
        return np.full(kind.size, -1, np.int64)
    codes, values = _encode(col)
    sink = np.array([names.sinks.get(v, -1) for v in values], np.int64)[codes]
    problems.rows(
        redeem & (sink < 0), "item",
        lambda i: f"unknown item '{shown(values[codes[i]])}'" if values[codes[i]] else "no item",
        f"a redemption names a catalog item or game: {', '.join(names.sinks)}",
    )  # fmt: skip
    return sink


def _tiers(
    col: pa.Array | None, kind: NDArray[np.int8], names: _Names, problems: _Problems, model: Model
) -> I64:
    """Each row's tier; -1 where the cell is empty (the member's tier carries on)."""
    if col is None:
        if (kind == TIER_CHANGE).any():
            problems.whole("tier", "tier_change rows without a tier column",
                           "add the member's tier to every row")  # fmt: skip
        return np.zeros(kind.size, np.int64)
    codes, values = _encode(col)
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


def _carry_tiers(member: I64, tier: I64) -> int:
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


def _fill_points(
    pts: F64, kind: NDArray[np.int8], source: I64, tier: I64, amount: F64, day: I64,
    model: Model, problems: _Problems,
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


def _repeats(rows: dict[str, NDArray[Any]]) -> int:
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


def signed_points(kind: NDArray[np.int8], points: I64) -> I64:
    """What each row does to the member's balance."""
    sign = np.select([np.isin(kind, (EARN, BONUS)), np.isin(kind, (REDEEM, EXPIRY))], [1, -1], 0)
    return sign * points


def running_balance(member: I64, delta: I64) -> tuple[I64, I64]:
    """Each row's balance after it, per member in row order; and the order used (by member,
    stable)."""
    order = np.argsort(member, kind="stable")
    m, d = member[order], delta[order]
    total = np.cumsum(d)
    first = np.r_[True, m[1:] != m[:-1]]
    base = np.maximum.accumulate(np.where(first, np.arange(m.size), 0))
    before = np.where(base > 0, total[base - 1], 0)
    out = np.empty_like(total)
    out[order] = total - before
    return out, order


def _reject_overdrafts(
    rows: dict[str, NDArray[Any]],
) -> tuple[dict[str, NDArray[Any]], tuple[Rejected, ...]]:
    """Leave out redemptions and expiries that take more than the member holds (the
    programme cannot have served them); a few passes, as leaving one out raises later
    balances."""
    kind = rows["kind"]
    out = np.zeros(kind.size, bool)
    debit = np.isin(kind, (REDEEM, EXPIRY))
    delta = signed_points(kind, rows["points"])
    for _ in range(PASSES):
        balance, _order = running_balance(rows["member"], np.where(out, 0, delta))
        new = (balance < 0) & ~out & debit
        if not new.any():
            break
        # each member's first overdraft only: leaving it out may cover the later ones
        idx = np.nonzero(new)[0]
        _, at = np.unique(rows["member"][idx], return_index=True)
        out[idx[at]] = True
    else:  # members with more overdrafts than passes: one walk through their rows
        _walk(rows["member"], delta, debit, out, np.unique(rows["member"][new]))
    if not out.any():
        return rows, ()
    rejected = []
    for k, reason in ((REDEEM, "redemption larger than the member's balance"),
                      (EXPIRY, "expiry larger than the member's balance")):  # fmt: skip
        sel = out & (kind == k)
        if sel.any():
            lines = tuple(int(x) for x in rows["line"][sel][:MAX_PROBLEMS])
            rejected.append(Rejected(reason, int(sel.sum()), lines))
    return {k: v[~out] for k, v in rows.items()}, tuple(rejected)


def _walk(member: I64, delta: I64, debit: Bool, out: Bool, who: I64) -> None:
    """Leave out, in ``out``, each debit of the members ``who`` that takes more than the
    balance the rows kept so far give (row by row: exact however many there are)."""
    rows = np.nonzero(np.isin(member, who))[0]
    rows = rows[np.argsort(member[rows], kind="stable")]
    balance: dict[int, int] = {}
    for i, m, d, takes in zip(rows.tolist(), member[rows].tolist(), delta[rows].tolist(),
                              debit[rows].tolist(), strict=True):  # fmt: skip
        held = balance.get(m, 0)
        if takes and held + d < 0:
            out[i] = True
        else:
            out[i] = False
            balance[m] = held + d
