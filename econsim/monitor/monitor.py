"""``econsim.monitor``: a live programme judged from its log, against its plan.

log + design → the actual books (monitor/actual_books.py) → the verdicts of a run on them → the
plan's band (the design simulated over the same days) and the first day each watched figure
left it → a re-forecast from the population fitted to the log, under the design and a
what-if. The result is data; ``econsim.report.write`` writes its files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from econsim.alarm import FALSE_ALARM, PERSIST, REPLICATIONS, replications_needed
from econsim.engine.executors import Executor
from econsim.engine.model import compile_model
from econsim.engine.run import simulate
from econsim.engine.snapshot import Snapshot, Start
from econsim.errors import Problem, ScenarioError
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind, evaluate
from econsim.monitor.actual_books import actual_results
from econsim.monitor.actual_state import books_snapshot
from econsim.monitor.forecast import Forecast, NoForecast, forecast
from econsim.monitor.log import LiveLog, read_live_log
from econsim.monitor.periods import period_rows
from econsim.monitor.watch import Band, band, watched
from econsim.options import RunOptions
from econsim.pipeline import Run, calibrate_located, simulated_scenario
from econsim.protocol import pandas
from econsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Monitoring:
    """A live programme as of a day: its log's account, the actual run (books, verdicts,
    finance), the plan's band and the re-forecast."""

    log: LiveLog
    actual: Run
    band: Band
    forecast: Forecast | None
    as_of: dt.date
    #: the members as the books leave them on ``as_of``: what the forecast starts from
    state: Snapshot
    #: what the monitor could not do, and why (e.g. no forecast from a log this thin)
    cautions: tuple[str, ...] = ()

    @property
    def scenario(self) -> Scenario:
        return self.actual.scenario

    def status(self, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON) -> Any:
        """The actual programme's status under ``fail_on`` (what the exit code reads)."""
        return self.actual.metrics.status(fail_on)

    def summary(self, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON) -> dict[str, Any]:
        """The actual run's summary, with the log's account, the band and the forecast."""
        out = {
            "scenario": self.scenario.name,
            "as_of": self.as_of.isoformat(),
            "log": {"file": self.log.source, **self.log.account()},
            **{k: v for k, v in self.actual.summary().items() if k != "scenario"},
        }
        out.update(self.actual.metrics.summary(fail_on))
        out["band"] = self.band.summary()
        out["monitor_cautions"] = list(self.cautions)
        out["state"] = {
            "file": "state.parquet",
            "as_of": self.state.as_of.isoformat(),
            "members": self.state.members,
            "lots": int(self.state.lot_points.size),
            "outstanding": self.state.outstanding,
        }
        if self.forecast is not None:
            out["forecast"] = self.forecast.summary()
        return out

    def periods(self) -> list[dict[str, Any]]:
        """The actual books by budget period and tier (periods.csv)."""
        return period_rows(self.log, self.actual.results, self.scenario.design.period_days)

    def to_df(self) -> pd.DataFrame:
        """Each watched figure by day: actual, and the plan's 5%, 50% and 95%."""
        pd = pandas()
        return pd.DataFrame(self.band.rows())

    def _repr_html_(self) -> str:
        status = self.status().value
        exits = [w for w in self.band.watches if w.left is not None]
        left = ", ".join(f"{w.name} {w.direction} from {w.left_date}" for w in exits) or "none"
        return (
            f"<div><b>{escape(self.scenario.name)}</b> as of {self.as_of}: {escape(status)}; "
            f"left the plan's band: {escape(left)}; rows used {self.log.rows_used:,} of "
            f"{self.log.rows_read:,}</div>"
        )


def monitor(
    log: Path | str,
    design: Scenario | Path | str,
    *,
    as_of: dt.date | str | None = None,
    overrides: Sequence[str] = (),
    what_if: Sequence[str] = (),
    periods: int = 3,
    seed: int | None = None,
    replications: int = REPLICATIONS,
    persist: int = PERSIST,
    false_alarm: float = FALSE_ALARM,
    workers: int | None = None,
    executor: Executor | None = None,
) -> Monitoring:
    """Judge the programme of ``design`` from its live ``log`` up to ``as_of``.

    The plan is the design's calibration: its point values price rows without points and
    are what the plan's band simulates (``replications`` runs on ``seed``). The alarm (a
    watched figure that left the band) is a Monte Carlo test of the whole review whose chance
    of sounding on an unchanged programme is at most ``false_alarm``
    (:mod:`econsim.monitor.watch`); it needs ``replications`` ≥ 1/false_alarm − 1.
    ``periods`` > 0 re-forecasts that many budget periods past ``as_of`` from the members
    as the books leave them (``Monitoring.state``: balances, lots, tiers, lifecycle) and
    the population fitted to the log, under the design and, with ``what_if`` (``--set``
    texts), under it changed from the day after ``as_of``.
    """
    opts = RunOptions(overrides, seed, None, workers, executor, None)
    scenario = opts.scenario(design)
    calibration = calibrate_located(scenario, design, opts.overrides)
    planned = simulated_scenario(scenario, calibration)
    names = compile_model(planned)
    day = _as_of(as_of, scenario)
    live = read_live_log(log, names, day, points=names)
    days = live.days
    on_log = _over(planned, days)
    model = compile_model(on_log)
    results = actual_results(live, model, opts.seed_for(scenario))
    mode = scenario.design.calibration.point_values
    metrics = evaluate(results, planned_cost=calibration.planned_cost_per_user(mode))
    actual = Run(_over(scenario, days), calibration, results, metrics)
    plan = simulate(on_log, seed=opts.seed_for(scenario), replications=replications,
                    workers=_local(opts), executor=executor)  # fmt: skip
    watch = band(watched(results), watched(plan), live.start, persist, false_alarm)
    state = books_snapshot(live, model)
    ahead, cautions = None, []
    if not watch.can_alarm:
        cautions.append(f"no alarm: {replications} replications cannot hold a "
                        f"{false_alarm * 100:g}% false-alarm rate; use at least "
                        f"{replications_needed(false_alarm)}")  # fmt: skip
    if periods > 0:
        try:
            ahead = forecast(live, planned, what_if, periods, seed=opts.seed_for(scenario),
                             replications=replications, workers=_local(opts),
                             executor=executor, start=Start(state, results.arrays))  # fmt: skip
        except NoForecast as why:
            cautions.append(f"no forecast: {why}")
    if ahead is not None:  # the breakage memo shows the simulation's own URR beside its own
        shown = dataclasses.replace(actual.metrics, simulation_urr=ahead.ultimate)
        actual = dataclasses.replace(actual, metrics=shown)
    as_of_date = live.start + dt.timedelta(days=days - 1)
    return Monitoring(live, actual, watch, ahead, as_of_date, state, tuple(cautions))


def _local(opts: RunOptions) -> int:
    from econsim.engine.executors import LocalExecutor

    runner = opts.runner()
    return runner.workers if isinstance(runner, LocalExecutor) else 1


def _as_of(value: dt.date | str | None, scenario: Scenario) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(
            [Problem("--as-of", 0, 0, "", f"'{value}' is not a date", "write YYYY-MM-DD")]
        ) from None


def _over(scenario: Scenario, days: int) -> Scenario:
    """The scenario over the log's days (its calendar, campaigns and rule changes kept)."""
    return scenario.model_copy(update={"horizon_days": days})
