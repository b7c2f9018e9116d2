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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.model import Model
from econsim.errors import Problem
from econsim.history.events import MAX_PROBLEMS, EventLogError, Where, check_log_file
from econsim.monitor.log_rows import (
    MAX_POINTS,
    REDEEM,
    DesignNames,
    carry_tiers,
    day_column,
    event_column,
    fill_points,
    is_core_row,
    item_column,
    number_column,
    repeated_rows,
    row_order,
    tier_column,
)
from econsim.monitor.log_table import OPTIONAL, REQUIRED, Problems, encode, text_columns
from econsim.monitor.overdrafts import Rejected, reject_overdrafts
from econsim.scenario.checks import CALENDAR_MARGIN


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
    cols, where = text_columns(path)
    cells = _Cells.read(cols, where, model, points or model)
    rows, n, start = cells.rows, cells.rows["member"].size, model.scenario.start_date
    cautions = cells.cautions(model, tier_column="tier" in cols)
    day = rows["day"]
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
    order = cells.order[keep[cells.order]]
    rows = {k: v[order] for k, v in rows.items()}
    repeats = repeated_rows(rows)
    if repeats:
        cautions.append(f"{repeats:,} join, bonus, tier_change or expiry row"
                        f"{'s repeat' if repeats != 1 else ' repeats'} an earlier one in every "
                        "column: kept, but a programme books these once per member and day — "
                        "if the export doubled rows, remove them first")  # fmt: skip
    rows, rejected = reject_overdrafts(rows)
    if rows["member"].size == 0:
        _nothing_left(where, n, n - int(keep.sum()), rejected, start + dt.timedelta(days=end))
    return LiveLog(
        source=str(path), start=start, days=end + 1, members=np.array(cells.ids, dtype=object),
        rows_read=n, after_as_of=int(n - keep.sum()), rejected=rejected,
        cautions=tuple(cautions), computed=cells.computed, **rows,
    )  # fmt: skip


@dataclass(frozen=True)
class _Cells:
    """Every row's cells read against the design, in file order; the time order; what was
    filled in (tiers carried from the row before, points priced from the design)."""

    rows: dict[str, NDArray[Any]]
    ids: list[str]
    order: I64
    carried: int
    computed: tuple[str, ...]

    @classmethod
    def read(cls, cols: dict[str, Any], where: Where, model: Model, points: Model) -> _Cells:
        """The columns checked and typed; every bad cell is an error at its row."""
        problems = Problems(where)
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            found = ", ".join(cols) or "none"
            for c in missing:
                hint = (f"a live log has {', '.join(REQUIRED)} and optionally "
                        f"{', '.join(OPTIONAL)} (found: {found})")  # fmt: skip
                problems.whole(c, f"missing column '{c}'", hint)
            problems.raise_any()
        n = len(cols["user_id"])
        if n == 0:
            problems.whole("", "the log has no rows", "export at least one event")
            problems.raise_any()
        names = DesignNames.of(model)
        member, ids = encode(cols["user_id"])
        problems.rows(np.array([not u for u in ids])[member], "user_id", "empty user_id",
                      "every row needs its member")  # fmt: skip
        day, second = day_column(cols["date"], model.scenario.start_date, problems)
        kind, source = event_column(cols["event"], names, problems)
        tier = tier_column(cols.get("tier"), kind, names, problems, model)
        sink = item_column(cols.get("item"), kind, names, problems)
        source = np.where(kind == REDEEM, sink, source)
        amount = number_column(cols.get("amount"), n, "amount", problems)
        cost = number_column(cols.get("cost"), n, "cost", problems)
        pts = number_column(cols.get("points"), n, "points", problems)
        core = is_core_row(kind, source, model)
        problems.rows(
            core & np.isnan(amount), "amount", "a core behaviour's row needs its amount",
            "give what the member spent; the budget and the tiers follow it",
        )  # fmt: skip
        problems.rows(
            ~np.isnan(pts) & ((pts != np.floor(pts)) | (pts > MAX_POINTS)), "points",
            lambda i: f"points {pts[i]:g} are not a whole number up to {MAX_POINTS:,}",
            "points are whole",
        )  # fmt: skip
        order = row_order(day, second, kind)
        in_time = tier[order]
        carried = carry_tiers(member[order], in_time)
        tier[order] = in_time
        computed = fill_points(pts, kind, source, tier, amount, day, points, problems)
        problems.raise_any()
        rows: dict[str, NDArray[Any]] = {
            "member": member, "day": day, "kind": kind.astype(np.int8), "source_index": source,
            "amount": amount, "points": pts.astype(np.int64), "tier": tier, "cost": cost,
            "line": np.arange(n, dtype=np.int64) + where.first_line,
        }  # fmt: skip
        return cls(rows, ids, order, carried, computed)

    def cautions(self, model: Model, tier_column: bool) -> list[str]:
        """What was read in place of a missing tier."""
        said = []
        if self.carried:
            said.append(f"{self.carried:,} row{'s have' if self.carried != 1 else ' has'} no "
                        "tier: read as the member's tier on its row before (before any, the "
                        f"lowest, {model.tiers[0]})")  # fmt: skip
        if not tier_column and len(model.tiers) > 1:
            said.append(f"the log has no tier column: every member is read as in the lowest "
                        f"tier, {model.tiers[0]}")  # fmt: skip
        return said


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
