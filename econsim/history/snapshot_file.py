"""A member-state snapshot as a file (CSV or Parquet): what ``econsim monitor`` writes as
``state.parquet`` and a forecast starts from (docs/state.md).

One row per member and expiry lot — a member without points has one row, with ``points``
0 and no ``expires`` — with the member's fields repeated on each of its rows::

    as_of, member, tier, state, joined, last_active, last_behaviour, last_redeemed,
    qualifying, reviews_below, saving_for, points, expires

Reading checks every row against the design and names the row of each problem: an unknown
tier, state or catalog item, a negative or fractional number, a date after ``as_of``, a lot
that expired on or before ``as_of`` and is still held, an expiry date the design's expiry
rule cannot give points earned by then, and a member whose rows disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.engine.model import Model, months_held
from econsim.engine.snapshot import NOT_A_DAY, STATES, Dates, Snapshot, expiry_dates
from econsim.errors import Problem
from econsim.history.event_writer import write_events
from econsim.history.events import MAX_PROBLEMS, EventLogError, Where, check_log_file, read_columns

COLUMNS = (
    *("as_of", "member", "tier", "state", "joined", "last_active", "last_behaviour"),
    *("last_redeemed", "qualifying", "reviews_below", "saving_for", "points", "expires"),
)
#: Columns a snapshot must have; the others default (docs/state.md).
REQUIRED = ("as_of", "member", "tier", "points")
#: The member's own fields: the same on each of its rows.
MEMBER_FIELDS = COLUMNS[1:11]


class SnapshotError(EventLogError):
    """A snapshot file that cannot be read, or contradicts the design: every problem
    located by row."""

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the state snapshot:"
        return "\n".join([head, *(str(p) for p in self.problems)])


def write_snapshot(path: Path | str, snap: Snapshot) -> None:
    """``snap`` as a CSV or Parquet file (by ``path``'s suffix), written atomically."""
    n = snap.members
    held = np.bincount(snap.lot_member, minlength=n) > 0
    member = np.r_[snap.lot_member, np.flatnonzero(~held)]  # lots, then who holds none
    order = np.argsort(member, kind="stable")
    member = member[order]
    points = np.r_[snap.lot_points, np.zeros(int((~held).sum()), np.int64)][order]
    expires = np.r_[snap.lot_expires, np.full(int((~held).sum()), NOT_A_DAY)][order]
    items = np.array([*snap.items, ""], dtype=object)
    columns: dict[str, NDArray[Any]] = {
        "as_of": np.full(member.size, np.datetime64(snap.as_of, "D")),
        "member": snap.member[member].astype(object),
        "tier": np.array(snap.tiers, dtype=object)[snap.tier[member]],
        "state": np.array(STATES, dtype=object)[snap.state[member]],
        "joined": snap.joined[member],
        "last_active": snap.last_active[member],
        "last_behaviour": snap.last_behaviour[member],
        "last_redeemed": snap.last_redeemed[member],
        "qualifying": snap.qualifying[member],
        "reviews_below": snap.reviews_below[member],
        "saving_for": items[snap.saving_for[member]],
        "points": points,
        "expires": expires,
    }
    write_events(path, columns)


class _Rows:
    """The file's columns as text, and its problems, each at its row."""

    def __init__(self, cols: dict[str, list[str]], where: Where) -> None:
        self.cols, self.where, self.problems = cols, where, list[Problem]()
        self.size = len(next(iter(cols.values()), []))

    def add(self, row: int, column: str, message: str, hint: str = "") -> None:
        self.problems.append(self.where(row, column, message, hint))

    def text(self, name: str, default: str = "") -> list[str]:
        return self.cols.get(name, [default] * self.size)

    def each(
        self, name: str, parse: Callable[[str], Any], hint: str, default: str = ""
    ) -> list[Any]:
        """Every cell of ``name`` parsed; a cell ``parse`` refuses is a problem (None)."""
        out: list[Any] = []
        for i, text in enumerate(self.text(name, default)):
            try:
                out.append(parse(text))
            except ValueError as exc:
                self.add(i, name, f"'{text[:40]}' {exc}", hint)
                out.append(None)
        return out


def read_snapshot(path: Path | str, model: Model) -> Snapshot:
    """The snapshot in ``path``, checked against ``model``'s design (its tiers, catalog and
    the expiry rule in force at the end of the scenario's days up to ``as_of``); every
    problem located by row: :class:`SnapshotError`."""
    rows = _read(path, REQUIRED)
    as_of = _as_of(rows)
    snap = _parse(rows, model, as_of)
    _raise(rows)
    return snap


def snapshot_day(path: Path | str) -> dt.date:
    """The day a snapshot file is of (its ``as_of``), read before the design it is checked
    against is known: a run from it starts the day after."""
    return _as_of(_read(path, ("as_of",)))


def _read(path: Path | str, required: Sequence[str]) -> _Rows:
    """The file's columns as text, refused (located) when it cannot be read or lacks one
    of ``required``."""
    path = Path(path)
    try:
        check_log_file(path)
        cols, where = read_columns(path)
    except EventLogError as exc:
        raise SnapshotError(exc.problems) from None
    rows = _Rows(cols, where)
    missing = [c for c in required if c not in cols]
    if missing:
        rows.add(-1, missing[0], f"no column '{missing[0]}'",
                 f"a snapshot has the columns {', '.join(COLUMNS)} (docs/state.md)")  # fmt: skip
        _raise(rows)
    return rows


def _raise(rows: _Rows) -> None:
    if rows.problems:
        shown = rows.problems[:MAX_PROBLEMS]
        if len(rows.problems) > MAX_PROBLEMS:
            more = len(rows.problems) - MAX_PROBLEMS
            shown.append(Problem(rows.where.source, 0, 0, "", f"… and {more} more problems"))
        raise SnapshotError(shown)


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        day: dt.date = dt.date.fromisoformat(text[:10])
        return day
    except ValueError:
        raise ValueError("is not a date") from None


DATE_HINT = "write dates as YYYY-MM-DD; leave the cell empty for never"


def _as_of(rows: _Rows) -> dt.date:
    """The day of the snapshot: every row's ``as_of`` (a row that differs from the most
    common is the problem)."""
    days = rows.each("as_of", _date, DATE_HINT)
    count = Counter(d for d in days if d is not None)
    if not count:
        if not rows.problems:
            rows.add(-1, "as_of", "no as_of date", "give the day the snapshot was taken")
        _raise(rows)
    day: dt.date = count.most_common(1)[0][0]
    for i, d in enumerate(days):
        if d is not None and d != day:
            rows.add(i, "as_of", f"as_of {d}, where other rows say {day}",
                     "a snapshot is of one day: every row has the same as_of")  # fmt: skip
    _raise(rows)
    return day


def _choice(rows: _Rows, name: str, names: Sequence[str], default: str = "") -> list[int]:
    out = []
    for i, text in enumerate(rows.text(name, default)):
        if text in names:
            out.append(names.index(text))
        else:
            rows.add(i, name, f"unknown {name.replace('_', ' ')} '{text[:40]}'",
                     f"one of the design's: {', '.join(names)}")  # fmt: skip
            out.append(0)
    return out


def _count(text: str) -> int:
    if not text:
        return 0
    value = float(text)
    if value < 0 or value != int(value) or value > 2**62:
        raise ValueError("is not a whole number from 0")
    return int(value)


def _amount(text: str) -> float:
    if not text:
        return 0.0
    value = float(text)
    if not np.isfinite(value) or value < 0:
        raise ValueError("is not a number from 0")
    return value


def _parse(rows: _Rows, model: Model, as_of: dt.date) -> Snapshot:
    """Every column checked and each member's rows gathered into one member."""
    ids = rows.text("member")
    for i, text in enumerate(ids):
        if not text:
            rows.add(i, "member", "no member id", "every row names its member")
    cells: dict[str, list[Any]] = {
        "tier": _choice(rows, "tier", model.tiers),
        "state": _choice(rows, "state", STATES, "active"),
        "saving_for": [
            -1 if t == "" else i
            for t, i in zip(rows.text("saving_for"), _saving(rows, model), strict=True)
        ],
        "qualifying": rows.each("qualifying", _amount, "a number from 0 (core amount or points)"),
        "reviews_below": rows.each("reviews_below", _count, "a whole number from 0"),
        "points": rows.each("points", _count, "points are a whole number from 0"),
    }
    for name in ("joined", "last_active", "last_behaviour", "last_redeemed", "expires"):
        cells[name] = rows.each(name, _date, DATE_HINT)
    _check_dates(rows, cells, as_of)
    first, member = _members(rows, ids)
    lots = np.flatnonzero(np.array([p or 0 for p in cells["points"]], np.int64) > 0)
    expires = _dates(cells["expires"], lots)
    _check_expiry(rows, model, as_of, lots, expires)
    joined = _dates(cells["joined"], first)
    joined = np.where(np.isnat(joined), np.datetime64(as_of, "D"), joined)
    behaved = _dates(cells["last_behaviour"], first)
    active = _dates(cells["last_active"], first)
    active = np.where(np.isnat(active), np.fmax(joined, behaved), active)
    return Snapshot(
        as_of=as_of,
        tiers=model.tiers,
        member=np.array([ids[i] for i in first], dtype=object),
        tier=np.array([cells["tier"][i] for i in first], np.int64),
        qualifying=np.array([cells["qualifying"][i] or 0.0 for i in first]),
        reviews_below=np.array([cells["reviews_below"][i] or 0 for i in first], np.int64),
        state=np.array([cells["state"][i] for i in first], np.int64),
        joined=joined,
        last_active=active,
        last_behaviour=behaved,
        last_redeemed=_dates(cells["last_redeemed"], first),
        saving_for=np.array([cells["saving_for"][i] for i in first], np.int64),
        items=model.items,
        lot_member=member[lots],
        lot_points=np.array([cells["points"][i] for i in lots], np.int64),
        lot_expires=expires,
    )


def _saving(rows: _Rows, model: Model) -> list[int]:
    names = ("", *model.items)
    return [max(i - 1, -1) for i in _choice(rows, "saving_for", names)]


def _dates(values: list[dt.date | None], at: NDArray[np.int64] | list[int]) -> Dates:
    out = np.full(len(at), NOT_A_DAY)
    for k, i in enumerate(at):
        if values[i] is not None:
            out[k] = np.datetime64(values[i], "D")
    return out


def _check_dates(rows: _Rows, cells: dict[str, list[Any]], as_of: dt.date) -> None:
    for name in ("joined", "last_active", "last_behaviour", "last_redeemed"):
        for i, d in enumerate(cells[name]):
            if d is not None and d > as_of:
                rows.add(i, name, f"{name.replace('_', ' ')} {d} is after as_of {as_of}",
                         "a snapshot shows the members as they stood on as_of")  # fmt: skip


def _members(rows: _Rows, ids: list[str]) -> tuple[list[int], NDArray[np.int64]]:
    """Each member's first row, and each row's member; a member whose rows disagree on one
    of its own fields is a problem at the row that differs."""
    first: list[int] = []
    index: dict[str, int] = {}
    member = np.empty(len(ids), np.int64)
    texts = {name: rows.text(name) for name in MEMBER_FIELDS[1:]}
    for i, m in enumerate(ids):
        k = member[i] = index.setdefault(m, len(index))
        if k == len(first):
            first.append(i)
            continue
        at = first[k]
        for name, column in texts.items():
            if column[i] != column[at]:
                rows.add(i, name, f"member {m[:40]} has {name} '{column[i][:40]}' here and "
                         f"'{column[at][:40]}' on an earlier row",
                         "a member's own fields are the same on each of its lot rows")  # fmt: skip
    return first, member


def _check_expiry(
    rows: _Rows, model: Model, as_of: dt.date, lots: NDArray[np.int64], expires: Dates
) -> None:
    """Each lot's expiry date: after ``as_of`` (an expired lot is no longer held), and one
    the design's expiry rule gives points earned in one of the months it keeps."""
    start = model.scenario.start_date
    month = (as_of.year - start.year) * 12 + as_of.month - start.month
    keys = np.arange(month - months_held(model.scenario) + 1, month + 1)
    first = (as_of - start).days + 1  # the rule in force at the end of as_of
    rule = model.schedule(first).expiry[first - 1] if first >= 1 else model.initial_rules().expiry
    possible = expiry_dates(rule, keys, start)
    for k, i in enumerate(lots):
        when = expires[k]
        if not np.isnat(when) and when <= np.datetime64(as_of, "D"):
            rows.add(int(i), "expires", f"a lot that expired on {when} is still held on "
                     f"{as_of}", "take expired points off before the snapshot, as the "
                     "programme does")  # fmt: skip
        elif not ((possible == when).any() or (np.isnat(when) and np.isnat(possible).any())):
            told = "never" if np.isnat(when) else str(when)
            later = possible[np.isnat(possible) | (possible > np.datetime64(as_of, "D"))]
            can = sorted({"never" if np.isnat(p) else str(p) for p in later})
            more = " …" if len(can) > 6 else ""
            rows.add(int(i), "expires", f"expires {told}, which the design's expiry "
                     f"({rule.policy}) cannot give points earned by {as_of}",
                     f"the dates it gives: {', '.join(can[:6])}{more}")  # fmt: skip
