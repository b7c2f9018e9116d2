"""Which events a fit or a segmentation sees: the log, read if need be, up to an as-of day.

``as_of`` is a date (``datetime.date`` or ``YYYY-MM-DD``) or ``None`` for the log's last
day; a bad or too early date is an :class:`EventLogError` located at ``--as-of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from econsim.errors import Problem
from econsim.history.events import REDEMPTION, EventLog, EventLogError, read_events

AsOf = dt.date | str | None


def open_log(events: EventLog | Path | str, known: Sequence[str] | None = None) -> EventLog:
    """An event log read from a file, or one already read (checked against ``known``)."""
    if not isinstance(events, EventLog):
        return read_events(events, known)
    if known is not None and events.names != (*known, REDEMPTION):
        raise ValueError(
            f"the log was read with events {events.names[:-1]}, the design has {tuple(known)}: "
            "read it with read_events(path, list(design.design.behaviours))"
        )
    return events


def _bad(text: str, message: str, hint: str) -> EventLogError:
    return EventLogError([Problem(f"--as-of {text}", 0, 0, "", message, hint)])


def as_of_day(log: EventLog, as_of: AsOf = None) -> int:
    """The day number of ``as_of`` in the log (default: its last day)."""
    if as_of is None:
        return log.days - 1
    text = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    try:
        date = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(text)
    except ValueError:
        raise _bad(text, f"'{text}' is not a date", "write YYYY-MM-DD, e.g. 1997-12-31") from None
    day = (date - log.start).days
    if day < 0:
        last = log.start + dt.timedelta(days=log.days - 1)
        raise _bad(
            text,
            f"{text} is before the log's first day ({log.start})",
            f"choose a day from {log.start} to {last}",
        )
    return day
