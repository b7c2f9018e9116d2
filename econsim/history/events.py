"""An event log: who did what, when, for how much (docs/history.md).

CSV (UTF-8, a header row) or Parquet with the columns ``user_id``, ``date`` (``YYYY-MM-DD``,
``YYYYMMDD`` or an ISO timestamp), ``event`` (a behaviour name of the design, or
``redemption``), and optionally ``amount`` (core behaviours) and ``item`` (redemptions).
Every problem is reported with its place (CSV line and column; Parquet row and column); the
log becomes integer arrays, one entry per event.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from econsim.atomic import shown
from econsim.errors import Problem, ScenarioError

if TYPE_CHECKING:
    import pyarrow as pa

REQUIRED = ("user_id", "date", "event")
REDEMPTION = "redemption"
#: Problems listed before the rest are summarised: a log with a wrong column has thousands.
MAX_PROBLEMS = 20


class EventLogError(ScenarioError):
    """An event log that cannot be read, with every problem located by row (in file order)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the event log:"
        return "\n".join([head, *(str(p) for p in self.problems)])


@dataclass(frozen=True)
class EventLog:
    """Events as arrays. ``day`` counts from ``start``; ``event`` indexes ``names``."""

    source: str
    start: dt.date
    users: tuple[str, ...]
    user: NDArray[np.int64]
    day: NDArray[np.int64]
    event: NDArray[np.int64]
    names: tuple[str, ...]
    amount: NDArray[np.float64]  # NaN where not given
    item: tuple[str, ...]  # "" where not given

    @property
    def days(self) -> int:
        """Days covered, first event to last, inclusive."""
        return int(self.day.max()) + 1 if self.day.size else 0

    def of(self, name: str) -> NDArray[np.bool_]:
        """Mask of the events called ``name``."""
        if name not in self.names:
            return np.zeros(self.event.size, bool)
        mask: NDArray[np.bool_] = self.event == self.names.index(name)
        return mask

    def first_day(self) -> NDArray[np.int64]:
        """Each user's first event day (their join day in the log)."""
        first = np.full(len(self.users), np.iinfo(np.int64).max)
        np.minimum.at(first, self.user, self.day)
        return first

    def until(self, last_day: int) -> EventLog:
        """The events on days ``0..last_day`` (a calibration window); users without any drop."""
        keep = self.day <= last_day
        seen = np.unique(self.user[keep])
        remap = np.full(len(self.users), -1)
        remap[seen] = np.arange(seen.size)
        return EventLog(
            self.source,
            self.start,
            tuple(self.users[i] for i in seen),
            remap[self.user[keep]],
            self.day[keep],
            self.event[keep],
            self.names,
            self.amount[keep],
            tuple(x for x, k in zip(self.item, keep, strict=True) if k),
        )


@dataclass(frozen=True)
class Where:
    """How to name a place in the log: CSV line and column, or Parquet row and column."""

    source: str
    first_line: int = 2  # a CSV's header is line 1; a Parquet file's rows count from 1
    columns: tuple[str, ...] = ()

    def __call__(self, row: int, column: str, message: str, hint: str = "") -> Problem:
        """Data row ``row`` (from 0; -1: the file as a whole) of ``column``."""
        if row < 0:
            line, col = (1, 0) if self.first_line == 2 else (0, 0)
        else:
            line = row + self.first_line
            col = self.columns.index(column) + 1 if column in self.columns else 0
        return Problem(self.source, line, col, column, message, hint)


def parquet_log(path: Path) -> pa.Table:
    """A Parquet log as a table, read through one handle (``atomic.read_parquet``): two
    columns of one name are named, and pyarrow's errors are cut to their first line (its
    whole schema followed them)."""
    import pyarrow.parquet as pq

    where = Where(str(path), 1)
    try:
        with path.open("rb") as fh:
            names = pq.ParquetFile(fh).schema_arrow.names
            twice = sorted({n for n in names if names.count(n) > 1})
            table = None if twice else pq.read_table(fh)
    except (OSError, ValueError) as exc:
        said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EventLogError(
            [
                where(
                    -1,
                    "",
                    f"cannot read the file as Parquet ({shown(said, 200)})",
                    "give a Parquet file, or the log as CSV",
                )
            ]
        ) from None
    if table is None:
        raise EventLogError(
            [
                where(
                    -1,
                    n,
                    f"two columns are called '{shown(n)}'",
                    "keep one of them (which one the export meant is not for econsim to guess)",
                )
                for n in twice
            ]
        )
    return table


def _parquet(path: Path) -> tuple[dict[str, list[str]], Where]:
    table = parquet_log(path).to_pydict()
    cols = {k: [_text(v) for v in vals] for k, vals in table.items()}
    return cols, Where(str(path), 1, tuple(cols))


def _text(value: object) -> str:
    """A typed Parquet cell as the text a CSV would hold (dates as YYYY-MM-DD)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def read_columns(path: Path) -> tuple[dict[str, list[str]], Where]:
    """Every column of a CSV or Parquet log as text, and how to locate its rows; a file
    that cannot be read is an :class:`EventLogError` at its line."""
    if path.suffix == ".parquet":
        return _parquet(path)
    where = Where(str(path))
    reader = None
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise EventLogError(
            [where(-1, "", f"cannot read the file ({exc})", "give a UTF-8 CSV")]
        ) from None
    except csv.Error as exc:  # e.g. a cell longer than csv's 131,072-character limit
        line = reader.line_num if reader is not None else 0
        raise EventLogError(
            [
                Problem(
                    str(path),
                    line,
                    1,
                    "",
                    f"cannot read this line as CSV: {exc}",
                    "a cell of an event log is a date, a name or a number: check the quoting",
                )
            ]
        ) from None
    if not rows:
        raise EventLogError([where(-1, "", "the file is empty", "add a header")])
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    ragged = [i for i, r in enumerate(body) if len(r) > len(header) and any(r[len(header) :])]
    if ragged:
        problems = [
            where(i, "", f"{len(body[i])} fields, but the header names {len(header)}",
                  "a cell holding a comma must be quoted; or name the extra column in the header")
            for i in ragged[:MAX_PROBLEMS]
        ]  # fmt: skip
        raise EventLogError(problems)
    cols = {
        name: [r[i].strip() if i < len(r) else "" for r in body] for i, name in enumerate(header)
    }
    return cols, Where(str(path), 2, tuple(header))


def _dates(values: Sequence[str], where: Where) -> tuple[NDArray[np.int64], list[Problem]]:
    """Days since the epoch; one problem per unparseable row (up to a limit)."""
    out = np.zeros(len(values), np.int64)
    problems: list[Problem] = []
    cache: dict[str, int] = {}
    epoch = dt.date(1970, 1, 1)
    for i, text in enumerate(values):
        day = cache.get(text)
        if day is None:
            try:
                parsed = (
                    dt.datetime.fromisoformat(text).date()
                    if len(text) > 10
                    else dt.date.fromisoformat(text)
                )
            except ValueError:
                problems.append(
                    where(
                        i,
                        "date",
                        f"'{shown(text)}' is not a date",
                        "write dates as YYYY-MM-DD (or YYYYMMDD, or an ISO timestamp)",
                    )
                )
                continue
            day = cache[text] = (parsed - epoch).days
        out[i] = day
    return out, problems


#: More than any one purchase (a trillion in the currency's units): a larger amount is a
#: data error, and would overflow the fit's sums.
MAX_AMOUNT = 1e12


def _amounts(values: Sequence[str], where: Where) -> tuple[NDArray[np.float64], list[Problem]]:
    out = np.full(len(values), np.nan)
    problems: list[Problem] = []
    for i, text in enumerate(values):
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            problems.append(where(i, "amount", f"'{shown(text)}' is not a number"))
            continue
        if not np.isfinite(value) or value < 0:
            problems.append(
                where(
                    i,
                    "amount",
                    f"amount {text} is negative or not finite",
                    "amounts are what a user spent: 0 or more",
                )
            )
        elif value > MAX_AMOUNT:
            problems.append(
                where(
                    i,
                    "amount",
                    f"amount {text} is more than anyone spends at once (the limit is "
                    f"{MAX_AMOUNT:,.0f})",
                    "check the unit of the column (cents? a card number in the wrong column?)",
                )
            )
        out[i] = value
    return out, problems


def check_log_file(path: Path) -> None:
    """A log must be a file that exists: a folder, a device (/dev/zero reads forever) or a
    pipe is an :class:`EventLogError` naming it."""
    if not path.exists():
        raise EventLogError([Where(str(path))(-1, "", "no such file", "check the path")])
    if not path.is_file():
        raise EventLogError(
            [
                Where(str(path))(
                    -1, "", "not a regular file", "give the path of a CSV or Parquet file"
                )
            ]
        )


def read_events(path: Path | str, known: Sequence[str] | None = None) -> EventLog:
    """Read and check an event log against the behaviour names ``known`` (and redemption).

    ``known=None`` accepts any event name (for segmenting a log without a design). Every
    problem is reported at once, each at its row and column.
    """
    path = Path(path)
    source = str(path)
    check_log_file(path)
    cols, where = read_columns(path)
    _require_columns(cols, where)
    n = len(cols["user_id"])
    days, bad_dates = _dates(cols["date"], where)
    amount, bad_amounts = _amounts(cols.get("amount", [""] * n), where)
    if known is None:
        known = sorted({e for e in cols["event"] if e and e != REDEMPTION})
    names = (*known, REDEMPTION)
    event, bad_events = _events(cols["event"], names, where)
    empty = [
        where(i, "user_id", "empty user_id", "every event needs its user")
        for i, u in enumerate(cols["user_id"])
        if not u
    ]
    _raise_problems([*bad_dates, *bad_amounts, *bad_events, *empty], source)
    if n == 0:
        raise EventLogError([where(-1, "", "the log has no events")])
    users, user = np.unique(np.array(cols["user_id"], dtype=object), return_inverse=True)
    first = int(days.min())
    return EventLog(
        source=source,
        start=dt.date(1970, 1, 1) + dt.timedelta(days=first),
        users=tuple(str(u) for u in users),
        user=user.astype(np.int64),
        day=days - first,
        event=event,
        names=names,
        amount=amount,
        item=tuple(cols.get("item", [""] * n)),
    )


def _require_columns(cols: dict[str, list[str]], where: Where) -> None:
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        found = ", ".join(cols)
        hint = f"the log needs columns {', '.join(REQUIRED)} (found: {found})"
        raise EventLogError([where(-1, c, f"missing column '{c}'", hint) for c in missing])


def _events(
    column: Sequence[str], names: Sequence[str], where: Where
) -> tuple[NDArray[np.int64], list[Problem]]:
    """Each row's event as an index into ``names``, and the rows naming no known event."""
    index = {name: i for i, name in enumerate(names)}
    event = np.zeros(len(column), np.int64)
    problems: list[Problem] = []
    hint = f"events are the design's behaviours or '{REDEMPTION}': {', '.join(names)}"
    for i, name in enumerate(column):
        if name in index:
            event[i] = index[name]
        else:
            problems.append(where(i, "event", f"unknown event '{shown(name)}'", hint))
    return event, problems


def _raise_problems(problems: list[Problem], source: str) -> None:
    """One error with the first ``MAX_PROBLEMS`` problems (and how many more there were)."""
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        shown.append(Problem(source, 0, 0, "", f"… and {more} more problems", ""))
    raise EventLogError(shown)
