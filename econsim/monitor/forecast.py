"""Re-forecast: the programme as it stands — today's members with their balances, lots,
tiers and lifecycle (the snapshot of the books, ``monitor.actual_state``) — going on for
``periods`` budget periods past the log, its members behaving as the population fitted to
the log so far (``econsim fit``) says; under the design and under a what-if — "if we
change the cup price now, where are we in three months?".

The days up to the log's last are its actual books in every replication, so a forecast
starts at the actuals. The fitted population replaces the design's assumptions for the
days ahead (and for who joins); the point values are the ones in force (the plan's),
never re-calibrated for the fit, because members earn what the programme pays today. A
what-if is any ``--set`` on the design, in force from the day after the log: its members
keep the points they hold.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64, I64
from econsim.engine.executors import Executor
from econsim.engine.model import compile_model
from econsim.engine.run import simulate
from econsim.engine.snapshot import Start
from econsim.errors import ScenarioError
from econsim.history.events import REDEMPTION, EventLog
from econsim.history.fit import fit_history
from econsim.metrics.runoff import runoff_by_month
from econsim.monitor.log import LiveLog
from econsim.monitor.log_rows import EARN, REDEEM
from econsim.monitor.ultimate import simulated_urr
from econsim.monitor.watch import watched
from econsim.reserving.urr import Candidate
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides

FORECAST = ("outstanding points", "consumption rate (30 days)", "consumer share",
            "points issued (7 days)", "points consumed (7 days)")  # fmt: skip


@dataclass(frozen=True)
class Path:
    """One forecast: each figure's 5%, 50% and 95% by day, from the programme's start, and
    the run-off of the points held on the as-of day (``runoff``: [replication, day, 3] —
    redeemed and expired so far, still outstanding; ``engine.runoff``)."""

    label: str
    overrides: tuple[str, ...]
    figures: dict[str, tuple[F64, F64, F64]]
    runoff: I64

    def at(self, name: str, day: int) -> tuple[float, float, float]:
        low, mid, high = self.figures[name]
        return float(low[day]), float(mid[day]), float(high[day])


@dataclass(frozen=True)
class Forecast:
    """The design's forecast and the what-if's (if any), from the same fitted population and
    the same seed (common random numbers: their difference is the change's, not noise's)."""

    start: dt.date
    as_of: int  # the log's last day (day numbers from ``start``)
    days: int  # forecast horizon, from ``start``
    periods: int
    paths: tuple[Path, ...]
    cautions: tuple[str, ...]
    ultimate: Candidate  # the simulation's own URR: today's points followed to their end

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def runoff(self, path: Path) -> list[dict[str, Any]]:
        """The points held on the as-of day, month by month after it (``metrics.runoff``)."""
        return runoff_by_month(path.runoff, self.start, self.as_of)

    def summary(self) -> dict[str, Any]:
        last = self.days - 1
        return {
            "periods": self.periods,
            "until": self.end.isoformat(),
            "cautions": list(self.cautions),
            "paths": {
                p.label: {
                    "overrides": list(p.overrides),
                    "figures": {
                        n: dict(zip(("p5", "p50", "p95"), _nums(p.at(n, last)), strict=True))
                        for n in FORECAST
                    },
                    "liability_runoff": {
                        "points_on_as_of": int(p.runoff[0, self.as_of, 2]),
                        "months": self.runoff(p),
                    },
                }
                for p in self.paths
            },
        }


def _nums(xs: tuple[float, ...]) -> list[float | None]:
    return [None if not np.isfinite(x) else round(x, 6) for x in xs]


def _quantiles(x: F64) -> tuple[F64, F64, F64]:
    """5%, 50%, 95% over replications by day; NaN on a day no replication defines (a
    consumer share while no one holds points), which is the answer, not a fault."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, mid, high = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
    return low, mid, high


def history_of(
    live: LiveLog, model_behaviours: tuple[str, ...], sinks: tuple[str, ...]
) -> EventLog:
    """The live log's behaviours and redemptions as the activity log ``econsim fit`` reads."""
    keep = np.isin(live.kind, (EARN, REDEEM))
    member = live.member[keep]
    seen, user = np.unique(member, return_inverse=True)
    kind = live.kind[keep]
    source = live.source_index[keep]
    event = np.where(kind == REDEEM, len(model_behaviours), source)
    sink_names = np.array([*sinks, ""], dtype=object)
    item = sink_names[np.where((kind == REDEEM) & (source >= 0), source, len(sinks))]
    return EventLog(
        source=live.source,
        start=live.start,
        users=tuple(str(u) for u in live.members[seen]),
        user=user.astype(np.int64),
        day=live.day[keep],
        event=event.astype(np.int64),
        names=(*model_behaviours, REDEMPTION),
        amount=live.amount[keep],
        item=tuple(str(i) for i in item),
    )


class NoForecast(Exception):  # noqa: N818 -- an outcome, not a failure of the monitor
    """Why the log gives no forecast (the books and the band stand without one)."""


def forecast(
    live: LiveLog,
    planned: Scenario,
    what_if: Sequence[str],
    periods: int,
    *,
    seed: int,
    replications: int,
    workers: int = 1,
    executor: Executor | None = None,
    start: Start,
) -> Forecast:
    """Fit the population to ``live`` and simulate ``periods`` periods past it under
    ``planned`` (the design with the point values in force) and, with ``what_if``, changed;
    every replication goes on from ``start`` (the snapshot of the log's books, and the
    books).

    Raises :class:`NoForecast` when no population can be fitted to the log (no behaviour
    rows, or a fit the design cannot take); a bad ``what_if`` is the caller's error
    (``ScenarioError``) whether or not the fit works."""
    if what_if:
        with_overrides(planned, what_if)
    model = compile_model(planned)
    history = history_of(live, model.behaviours, model.sinks)
    if not history.users:
        raise NoForecast("the log has no behaviour rows to fit the population to")
    days = live.days + periods * planned.design.period_days
    try:
        found = fit_history(history, planned)
        base = found.scenario(planned).model_copy(update={"horizon_days": days})
    except ScenarioError as exc:
        first = exc.problems[0] if exc.problems else None
        why = f"{first.path}: {first.message}" if first else str(exc)
        raise NoForecast(f"the population fitted to the log is not one the design can "
                         f"run ({why})") from None  # fmt: skip
    runs: list[tuple[str, tuple[str, ...], Scenario]] = [("design", (), base)]
    if what_if:
        runs.append(("what-if", tuple(what_if), with_overrides(base, what_if)))
    paths = []
    for label, overrides, scenario in runs:
        r = simulate(scenario, seed=seed, replications=replications, workers=workers,
                     executor=executor, start=start)  # fmt: skip
        figures = watched(r)
        quantiles = {n: _quantiles(figures[n]) for n in FORECAST}
        paths.append(Path(label, overrides, quantiles, r["runoff"]))
    ultimate = simulated_urr(found.scenario(planned), start.books or {}, start, seed=seed,
                             workers=workers, executor=executor)  # fmt: skip
    return Forecast(
        live.start, live.days - 1, days, periods, tuple(paths), found.cautions, ultimate
    )
