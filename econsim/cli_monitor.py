"""``econsim monitor``: a live programme judged from its own log, nightly in CI.

Kept apart from econsim/cli.py as cli_advisor.py is; registered on the same app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econsim import cli_options as opt
from econsim.alarm import FALSE_ALARM, PERSIST, REPLICATIONS
from econsim.cli_shared import SharedOptions, shared_options

LiveLogFile = Annotated[
    Path,
    typer.Argument(
        help="The programme's live log: CSV or Parquet with user_id, date, event [, amount, "
        "item, points, tier, cost] (docs/monitoring.md).",
        show_default=False,
    ),
]


@shared_options(replications=False, gate=True)
def monitor_command(
    log: LiveLogFile,
    design: Annotated[
        Path, typer.Option("--design", help="The programme's scenario file (its plan).")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs.")],
    as_of: opt.AsOfOption = None,
    what_if: Annotated[
        list[str] | None,
        typer.Option(
            "--what-if",
            help="Forecast also under this change, PATH=VALUE like --set (repeatable), e.g. "
            "--what-if design.catalog.cup_upgrade.points_price=150.",
            show_default=False,
        ),
    ] = None,
    periods: Annotated[
        int,
        typer.Option(
            help="Budget periods to forecast past --as-of (0: no forecast).", min=0, max=120
        ),
    ] = 3,
    replications: Annotated[
        int,
        typer.Option(
            help="Simulations of the plan (its band and the forecast). An alarm that holds "
            "--false-alarm needs at least 1/rate - 1 (19 for 5%); more sharpen it.",
            min=5,
            max=10_000,
        ),
    ] = REPLICATIONS,
    persist: Annotated[
        int,
        typer.Option(help="Days running a figure must stay out to count.", min=1, max=365),
    ] = PERSIST,
    false_alarm: Annotated[
        float,
        typer.Option(
            "--false-alarm",
            help="Chance that an unchanged programme raises an alarm on any watched figure "
            "over the review (the rate the test holds).",
            min=0.001,
            max=0.5,
        ),
    ] = FALSE_ALARM,
    fail_on_alarm: Annotated[
        bool,
        typer.Option(
            "--fail-on-alarm",
            help="Exit 3 when the alarm sounds (a watched figure left the plan's band), "
            "whatever the verdicts: the nightly check of an unchanged programme.",
        ),
    ] = False,
    force: opt.ForceOption = False,
    charts: opt.ChartsOption = True,
    *,
    shared: SharedOptions,
) -> None:
    """Judge a live programme from its log: the verdicts of a run on the actual books, the
    plan's band and a re-forecast.

    Reads the log against the design (its start_date is day 0; its calibration is the plan):
    per day and tier the actual points issued, consumed, expired and outstanding, holders
    and redeemers; the same verdicts as econsim run (consumption rate and consumer share
    against their thresholds, budget, inflation, plan vs actual issuance with advice). Then
    the design is simulated over the same days and each watched figure is compared with its
    5–95% band. The alarm (a figure that left the band, dated) is one test of every figure
    over the whole review: on an unchanged programme it sounds with chance at most
    --false-alarm (docs/monitoring.md, "When does it alarm?"). With
    --periods, the programme goes on that many periods from its books of the as-of date —
    the members with their balances, expiry lots, tiers and lifecycle (state.parquet,
    docs/state.md) — its members behaving as the population fitted to the log says, under
    the design and each --what-if (in force from the day after the as-of date).

    Writes (in -o DIR) summary.json (with the log's account: rows read, used, after the
    as-of date, rejected and why), daily.csv, periods.csv (each budget period by tier:
    issued, consumed, expired, outstanding, consumption rate, consumer share, holders,
    redeemers), finance.xlsx and finance/ (with the breakage memo of the log's issuance
    triangle and, with --periods, the simulation from today's state beside it), band.csv,
    forecast.csv, state.parquet (the members as the books leave them), charts/ (none with
    --no-charts) and report.html. A malformed row is an error at its line (exit 2);
    a redemption past the member's balance is rejected and counted. With --fail-on or
    --fail-on-unhealthy, exits 3 when the actual programme is unhealthy, as econsim run;
    with --fail-on-alarm, also when the alarm sounds.
    """
    from econsim.metrics import Status
    from econsim.monitor.monitor import monitor
    from econsim.report.terminal import print_monitoring

    gate, gating = shared.gate, shared.gating
    opt.check_output(output, force, inputs=[log, design])
    with opt.progress_bar("reading and simulating", opt.err, counted=False):
        result = monitor(
            log,
            design,
            as_of=as_of,
            overrides=shared.overrides,
            what_if=what_if or (),
            periods=periods,
            seed=shared.seed,
            replications=replications,
            persist=persist,
            false_alarm=false_alarm,
            executor=shared.executor(),
        )
    opt.write_output(result, output, True, fail_on=gating, charts=charts)
    files = "report.html, summary.json, band.csv, state.parquet"
    opt.say(f"wrote {output}/{files} {opt.charts_written(charts)}")
    print_monitoring(result, opt.out, gating)
    if gate is not None and result.status(gate) is Status.UNHEALTHY:
        raise typer.Exit(opt.EXIT_UNHEALTHY)
    if fail_on_alarm and result.band.left:
        opt.say("exit 3: the alarm sounded (--fail-on-alarm)")
        raise typer.Exit(opt.EXIT_UNHEALTHY)


@shared_options(replications=False, workers=False)
def record_command(
    scenario: opt.ScenarioFile,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The log to write: NAME.csv or NAME.parquet.")
    ],
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    *,
    shared: SharedOptions,
) -> None:
    """Write the live log of a simulated programme: every point movement, as econsim monitor
    reads it.

    One replication of the scenario as econsim run simulates it (calibrated point values
    unless --as-written): join, earn and bonus rows with their points, redemptions with item,
    points and cost, tier changes, expiries (docs/monitoring.md). A log whose truth is known:
    try econsim monitor on it, or change the scenario (e.g. a rule change on a day) to see
    how monitoring flags the drift.
    """
    from econsim.history.event_writer import write_events
    from econsim.monitor.record import record

    opt.check_output(output, force, folder=False, inputs=[scenario])
    with opt.progress_bar("simulating", opt.err, counted=False):
        columns = record(scenario, overrides=shared.overrides, seed=shared.seed)
    write_events(output, columns)
    rows = len(next(iter(columns.values())))
    opt.say(f"wrote {output}: {rows:,} rows")
