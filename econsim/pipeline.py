"""``econsim.run``: scenario → calibration + simulation → metrics, in one call.

This is what ``econsim run`` does before ``econsim.report.write`` writes its files; in a
notebook the returned :class:`Run` displays as a verdict table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from numpy.typing import NDArray

from econsim.calibration import Calibration, calibrate
from econsim.engine.executors import LocalExecutor
from econsim.engine.model import compile_model
from econsim.engine.run import simulate
from econsim.engine.snapshot import Snapshot, Start
from econsim.errors import ScenarioError
from econsim.metrics import Metrics, evaluate
from econsim.options import RunKeywords, RunOptions
from econsim.protocol import pandas
from econsim.results import Results
from econsim.scenario.load import locate_problems
from econsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Run:
    """One run of a scenario: its calibration, results and every view."""

    scenario: Scenario
    calibration: Calibration
    results: Results
    metrics: Metrics

    @property
    def healthy(self) -> bool:
        return self.metrics.healthy

    @property
    def simulated(self) -> Scenario:
        """The scenario the engine ran: calibrated point values, or the file's as written."""
        return self.results.scenario

    def point_values(self) -> dict[str, Any]:
        """Which point values were simulated, with the written and calibrated ones beside."""
        written = self.scenario.design.behaviours
        simulated = self.simulated.design.behaviours
        return {
            "simulated": self.scenario.design.calibration.point_values,
            "behaviours": {
                b.name: {
                    "as_written": written[b.name].points,
                    "calibrated": b.points_after,
                    "simulated": simulated[b.name].points,
                }
                for b in self.calibration.behaviours
            },
        }

    def summary(self) -> dict[str, Any]:
        """Key figures and verdicts (the content of summary.json)."""
        return {
            "scenario": self.scenario.name,
            "currency": self.scenario.currency,
            "horizon_days": self.scenario.horizon_days,
            "replications": self.results.replications,
            "seed": self.results.seed,
            "totals": self.results.summary(),
            **self.metrics.summary(),
            "calibration": {
                "exchange_ratio_of_design": self.calibration.exchange_ratio_before,
                "target_exchange_ratio": self.calibration.target_exchange_ratio,
                "conversion_coefficient": self.calibration.conversion_coefficient,
                "warnings": list(self.calibration.warnings),
            },
            "point_values": self.point_values(),
            **self._opening(),
        }

    def _opening(self) -> dict[str, Any]:
        """A run from a snapshot: the day it starts and the points it opens with."""
        opened = int(self.results.total("opening")[0].sum())
        if not opened:
            return {}
        return {"from_state": {"start_date": self.scenario.start_date.isoformat(),
                               "opening_points": opened}}  # fmt: skip

    def daily(self) -> dict[str, NDArray[Any]]:
        """The key daily series (the columns of daily.csv), each ``[replication, day]``."""
        r, m = self.results, self.metrics
        return {
            "users": r.total("users"),
            "active": r.total("active"),
            "wau": r.total("wau"),
            "mau": r.total("mau"),
            "stickiness": m.activity.stickiness.values,
            "new_users": r["new_users"],
            "new_old_ratio": m.growth.new_old_ratio.values,
            "repurchase_rate": m.growth.repurchase_rate.values,
            "holders": r.total("holders"),
            "consumers_30d": r.total("consumers_30d"),
            "issued": r.total("issued"),
            "consumed": r.total("redeemed"),
            "expired": r.total("expired"),
            "outstanding": r.total("outstanding"),
            "cost": r.total("cost"),
            "budget": r["budget"],
            "period_cost": r["period_cost"],
            "denied": r["denied"],
            "consumption_rate": m.health.consumption_rate.values,
            "consumption_rate_30d": m.health.consumption_rate_30d.values,
            "consumer_share": m.health.consumer_share.values,
            "price_index": m.inflation.price_index.values,
            "liability": m.finance.liability.values,
        }

    def to_df(self) -> pd.DataFrame:
        """The key daily series, one row per (replication, day) (needs pandas)."""
        pd = pandas()
        index = pd.MultiIndex.from_product(
            [range(self.results.replications), range(self.results.days)],
            names=["replication", "day"],
        )
        return pd.DataFrame({k: v.reshape(-1) for k, v in self.daily().items()}, index=index)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{v.mark} {escape(v.name)}</td><td>{v.kind}</td><td>{v.value:.3g}</td>"
            f"<td style='text-align:left'>{escape(v.advice)}</td></tr>"
            for v in self.metrics.verdicts
        )
        # the same status as the report's badge and the terminal's last line
        state = self.metrics.status().label
        head = "<tr><th>verdict</th><th>class</th><th>value</th><th>advice</th></tr>"
        return (
            f"<div><b>{escape(self.scenario.name)}</b> — {state}<table>{head}{rows}</table></div>"
        )


def run(
    scenario: Scenario | Path | str,
    *,
    state: Path | str | None = None,
    **options: Unpack[RunKeywords],
) -> Run:
    """Calibrate, simulate and judge a scenario (a Scenario or a path to its YAML).

    The options mean what they mean for every call (:mod:`econsim.options`): replications
    run in ``workers`` local processes (default: every core) or on ``executor``;
    ``progress(done, total)`` counts replication-days. ``state``: a snapshot file
    (docs/state.md) the run starts from — its members, their points in their lots, tiers
    and lifecycle — on the day after its ``as_of`` (the scenario's ``start_date`` and
    ``population.users`` are the snapshot's).
    """
    opts = RunOptions(**options)
    source = scenario
    scenario = opts.scenario(scenario)
    snapshot = None
    if state is not None:
        scenario, snapshot = _from_state(scenario, state)
    reps = opts.replications_for(scenario)
    total = reps * scenario.horizon_days
    opts.report(0, total)
    calibration = calibrate_located(scenario, source, opts.overrides)
    simulated = simulated_scenario(scenario, calibration)
    runner = opts.runner()
    # local processes go to simulate as a count: it checks their memory and reports daily
    local = runner if isinstance(runner, LocalExecutor) else None
    results = simulate(
        simulated,
        seed=opts.seed_for(scenario),
        replications=reps,
        workers=local.workers if local else 1,
        progress=(lambda done: opts.report(done, total)) if opts.progress else None,
        executor=None if local else runner,
        start=None if snapshot is None else Start(snapshot),
    )
    mode = scenario.design.calibration.point_values
    metrics = evaluate(results, planned_cost=calibration.planned_cost_per_user(mode))
    return Run(scenario, calibration, results, metrics)


def _from_state(scenario: Scenario, state: Path | str) -> tuple[Scenario, Snapshot]:
    """The scenario from the day after the snapshot in ``state``, with its members; the
    snapshot, checked against the scenario's design."""
    from econsim.history.snapshot_file import read_snapshot, snapshot_day

    first = snapshot_day(state) + dt.timedelta(days=1)
    dated = scenario.model_copy(update={"start_date": first})
    snap = read_snapshot(state, compile_model(dated))
    population = dated.population.model_copy(update={"users": max(snap.members, 1)})
    return dated.model_copy(update={"population": population}), snap


def calibrate_located(
    scenario: Scenario, source: Scenario | Path | str, overrides: Sequence[str] = ()
) -> Calibration:
    """:func:`calibrate`, its problems located in the scenario file (line and column of the
    field, or the ``--set`` that set it) when the scenario came from one."""
    try:
        return calibrate(scenario)
    except ScenarioError as exc:
        if isinstance(source, Scenario):
            raise
        raise ScenarioError(locate_problems(exc.problems, source, overrides)) from None


def simulated_scenario(scenario: Scenario, calibration: Calibration) -> Scenario:
    """What a run simulates (issue 14: a run tests the programme the calibration describes):
    the calibrated point values and tier multipliers by default, the file's own values
    with ``design.calibration.point_values: as_written``."""
    if scenario.design.calibration.point_values == "as_written":
        return scenario
    return calibration.calibrated_scenario(scenario)
