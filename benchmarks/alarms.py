"""False alarms and detection delay of `econsim monitor`, over many independent logs.

    python benchmarks/alarms.py                       # 100 unchanged logs, 30 of each drift
    python benchmarks/alarms.py --logs 20 --drifted 5 # a quick look

Every log is the coffee-healthy design (2,000 members, 120 days from 1 January) recorded
with its own seed — never the plan's — as a live programme's export would be, and judged as
`econsim monitor` judges it with its documented defaults (the plan simulated on seed 11, the
alarm at its default false-alarm rate, run length and replications). The plan is simulated
once: it is the same for every log of the same days. The first log is also judged by
`econsim.monitor.monitor` itself, and must come out the same.

Kinds of log, each change from 1 March (day 59):
- unchanged: the design as planned — the share with any alarm is the false-alarm rate;
- catalog ×10: every catalog price ten times dearer (a rule change);
- activity −30%: every behaviour 30% less often (a festival from 03-01 at 0.7, not
  normalised);
- sign-in farm: 2% of members sign in every day (about five times their usual rate).

The alarm's false-alarm rate is a rate over plans and logs together: given one plan, the
chance an unchanged log alarms is itself random (the K-th highest of R plan scores; for
K = 2 of 40, about 5% ± 3.4%). ``--plan-per-log`` judges each unchanged log against a plan
of its own (seeds 12, 13, …), the rate the method promises; the default judges every log
against the one plan of seed 11, as one programme's nightly job does.

Prints the Markdown table of docs/monitoring.md and writes benchmarks/results/alarms.json
(not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "coffee-healthy.yaml"
OVER = ["population.users=2000", "horizon_days=120"]
PLAN_SEED = 11
CHANGE_DAY = 59  # 1 March 2027
CONSUMPTION = ("consumer share", "consumption rate (30 days)", "redemptions (7 days)")
KINDS: dict[str, list[str]] = {
    "unchanged": [],
    "catalog ×10": [f"design.rule_changes=[{{day: {CHANGE_DAY}, catalog_price_multiplier: 10}}]"],
    "activity −30%": [
        "population.seasonality={normalise: false, festivals: {slump: {dates: '03-01:12-31', "
        "activity: 0.7}}}"
    ],
    "sign-in farm": [],  # the unchanged design; the log gets the farm's rows (farmed())
}


class Judge:
    """The plan simulated once, then any log of its days judged against it."""

    def __init__(self, false_alarm: float, persist: int, replications: int, seed: int = 11) -> None:
        from econsim.calibration import calibrate
        from econsim.engine.model import compile_model
        from econsim.engine.run import simulate
        from econsim.monitor.watch import watched
        from econsim.pipeline import simulated_scenario
        from econsim.scenario.variants import with_overrides

        scenario = with_overrides(SCENARIO, OVER)
        self.planned = simulated_scenario(scenario, calibrate(scenario))
        self.model = compile_model(self.planned)
        plan = simulate(self.planned, seed=seed, replications=replications)
        self.plan = watched(plan)
        self.options = (false_alarm, persist, replications)

    def __call__(self, log: Path) -> Any:
        from econsim.monitor.actual_books import actual_results
        from econsim.monitor.log import read_live_log
        from econsim.monitor.watch import band, watched

        false_alarm, persist, _ = self.options
        last = self.planned.start_date + dt.timedelta(days=self.planned.horizon_days - 1)
        live = read_live_log(log, self.model, last, points=self.model)
        actual = watched(actual_results(live, self.model, PLAN_SEED))
        return band(actual, self.plan, live.start, persist, false_alarm)


def recorded(kind: str, seed: int) -> dict[str, np.ndarray]:
    from econsim.monitor.record import record

    events = record(SCENARIO, overrides=[*OVER, *KINDS[kind]], seed=seed)
    return farmed(events, seed) if kind == "sign-in farm" else events


def farmed(events: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """2% of the members who signed in before 1 March sign in every day from then on: each
    added row is a copy of the member's last sign-in before it, on a day without one."""
    rng = np.random.default_rng(seed)
    date = events["date"].astype("datetime64[D]")
    change = np.datetime64("2027-01-01") + CHANGE_DAY
    sign_in = (events["event"] == "sign_in") & (date < change)
    users = np.unique(events["user_id"][sign_in])
    farm = rng.choice(users, size=max(1, round(0.02 * users.size)), replace=False)
    added: list[int] = []
    days: list[np.datetime64] = []
    last_day = date.max()
    for user in farm:
        own = np.nonzero((events["user_id"] == user) & (events["event"] == "sign_in"))[0]
        template = own[date[own] < change][-1]
        signed = set(date[own].tolist())
        for day in np.arange(change, last_day + 1):
            if day.item() not in signed:
                added.append(int(template))
                days.append(day)
    out = {k: np.concatenate([v, v[added]]) for k, v in events.items()}
    out["date"] = np.concatenate([events["date"], np.array([str(d) for d in days], dtype=object)])
    order = np.argsort(out["date"].astype("datetime64[D]"), kind="stable")
    return {k: v[order] for k, v in out.items()}


def main() -> None:
    from econsim.alarm import FALSE_ALARM, PERSIST, REPLICATIONS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=100, help="unchanged logs")
    parser.add_argument("--drifted", type=int, default=30, help="logs of each drift")
    parser.add_argument("--false-alarm", type=float, default=FALSE_ALARM)
    parser.add_argument("--persist", type=int, default=PERSIST)
    parser.add_argument("--replications", type=int, default=REPLICATIONS)
    parser.add_argument("--plan-per-log", action="store_true",
                        help="judge each unchanged log against a plan of its own seed")  # fmt: skip
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    from econsim.history.event_writer import write_events

    started = time.perf_counter()
    judge = Judge(args.false_alarm, args.persist, args.replications)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "live.parquet"
        for kind in KINDS:
            count = args.logs if kind == "unchanged" else args.drifted
            if count == 0:
                continue
            alarms, figures, delays, consumption = 0, Counter[str](), [], []
            for k in range(count):
                write_events(log, recorded(kind, seed=1000 + k))
                own = args.plan_per_log and kind == "unchanged"
                b = (Judge(*judge.options, seed=PLAN_SEED + 1 + k) if own else judge)(log)
                if kind == "unchanged" and k == 0 and not args.plan_per_log:
                    same_as_the_command(log, b, args)
                alarms += bool(b.left)
                figures.update(w.name for w in b.left)
                delays.append(_delay(b.left, b.persist, ()))
                consumption.append(_delay(b.left, b.persist, CONSUMPTION))
            results[kind] = {"logs": count, "alarms": alarms, "figures": dict(figures),
                             "delays": delays, "consumption_delays": consumption}  # fmt: skip
            print(f"{kind}: {alarms} of {count} logs alarmed", flush=True)
    info = {"cores": os.cpu_count(), "python": platform.python_version(),
            "false_alarm": args.false_alarm, "persist": args.persist,
            "replications": args.replications, "plan_per_log": args.plan_per_log,
            "seconds": time.perf_counter() - started,
            "kinds": results}  # fmt: skip
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "alarms.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(table(info))


def same_as_the_command(log: Path, b: Any, args: argparse.Namespace) -> None:
    """The shortcut (one plan for every log) judges as ``econsim.monitor.monitor`` does."""
    from econsim.monitor.monitor import monitor

    m = monitor(log, SCENARIO, overrides=OVER, seed=PLAN_SEED, replications=args.replications,
                persist=args.persist, false_alarm=args.false_alarm, periods=0)  # fmt: skip
    assert m.band.summary() == b.summary(), "the benchmark must judge as the command does"


def _delay(left: list[Any], persist: int, among: tuple[str, ...]) -> int | None:
    """Days from the change to the day the log shows the first alarm (of ``among``)."""
    shown = [w.left + persist - 1 for w in left if not among or w.name in among]
    return None if not shown else min(shown) - CHANGE_DAY


def table(info: dict[str, Any]) -> str:
    rows = [f"{info['cores']} cores; alarm at {info['false_alarm']:.0%}, {info['persist']} days "
            f"running, {info['replications']} plan runs"
            f"{' (a plan of its own for each unchanged log)' if info['plan_per_log'] else ''}; "
            f"{info['seconds'] / 60:.0f} min",
            "", "| log (change from 1 March) | logs | alarmed | figures alarmed | shown by "
            "(median, from 1 March) | on a consumption figure (median) |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for kind, r in info["kinds"].items():
        alarmed = f"{r['alarms']} ({r['alarms'] / r['logs']:.0%})"
        figures = ", ".join(f"{n} {c}" for n, c in sorted(r["figures"].items())) or "none"
        shown, consumption = _median(r["delays"], kind), _median(r["consumption_delays"], kind)
        rows.append(f"| {kind} | {r['logs']} | {alarmed} | {figures} | {shown} | {consumption} |")
    return "\n".join(rows)


def _median(delays: list[int | None], kind: str) -> str:
    if kind == "unchanged":
        return "—"
    found = [d for d in delays if d is not None]
    if not found:
        return "not shown"
    return f"{np.median(found):+.0f} days ({len(found)} of {len(delays)} shown)"


if __name__ == "__main__":
    main()
