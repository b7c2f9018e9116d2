"""The ``econsim`` command: a thin layer over the public Python API.

Every command parses its arguments, makes one library call and prints or writes what it
returns. Heavy modules are imported inside the commands so that ``econsim --help`` is instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from econsim import __version__
from econsim.cli_advisor import optimize_command, sensitivity_command
from econsim.cli_monitor import monitor_command, record_command
from econsim.cli_options import (
    EXIT_BAD_INPUT,
    EXIT_CRASH,
    EXIT_UNHEALTHY,
    AsOfOption,
    AsWrittenOption,
    EventsFile,
    FailOnOption,
    FailOnUnhealthyOption,
    ForceOption,
    ReplicationsOption,
    RestartOption,
    ScenarioFile,
    SchedulerOption,
    SeedOption,
    SetOption,
    WorkersOption,
    check_output,
    err,
    gating_classes,
    out,
    plain_metavars,
    progress_bar,
    resumable,
    with_as_written,
    write_output,
)
from econsim.cli_scenario import init, schema, validate
from econsim.cli_testing import test_command
from econsim.errors import OutputError, ScenarioError, SimulationError

app = typer.Typer(
    name="econsim",
    help="Design and stress-test points economies (loyalty points, incentives) before launch.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, pwsh)
    rich_markup_mode="markdown",  # paragraphs re-flow to the terminal width
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from econsim.engine.paths import describe

        out.print(f"econsim {__version__}", markup=False)
        for line in describe().splitlines():
            out.print(line, markup=False, soft_wrap=True)
        raise typer.Exit()


def _engine(ctx: typer.Context, value: str | None) -> str | None:
    """Every simulation of this command (and its worker processes) runs on ``value``; the
    environment is put back when the command ends (a test's in-process call stays local)."""
    if value is not None:
        from econsim.engine.paths import ENGINES, ENV

        if value not in ENGINES:
            err.print(f"--engine: {value!r} is not an engine; choose one of "
                      f"{', '.join(ENGINES)}", markup=False)  # fmt: skip
            raise typer.Exit(EXIT_BAD_INPUT)
        before = os.environ.get(ENV)
        os.environ[ENV] = value

        def restore() -> None:
            if before is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = before

        ctx.call_on_close(restore)
    return value


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version and which engine path runs (compiled or numpy).",
        ),
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            envvar="ECONSIM_ENGINE",
            callback=_engine,
            is_eager=True,  # before --version, which says which path runs
            metavar="auto|compiled|numpy",
            help="Engine path for every simulation: compiled (numba), numpy (the reference) "
            "or auto (compiled when numba imports). Put it before the command: "
            "econsim --engine numpy run …",
        ),
    ] = None,
) -> None:
    """econsim: calibrate, simulate and judge a points economy from one scenario file."""


for _command in (validate, init, schema):
    app.command()(_command)
app.command(name="test")(test_command)
app.command(name="optimize")(optimize_command)
app.command(name="sensitivity")(sensitivity_command)
app.command(name="monitor")(monitor_command)
app.command(name="record")(record_command)


@app.command()
def calibrate(
    file: ScenarioFile,
    set_: SetOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the calibrated scenario (comments kept)."),
    ] = None,
) -> None:
    """Run the five-step calibration: point values, exchange ratio, cost per user."""
    from econsim.pipeline import calibrate_located
    from econsim.scenario.load import load_scenario

    if output is not None:
        check_output(output, force=True, folder=False, inputs=[file])  # -o always overwrites
    scenario = load_scenario(file, set_ or ())
    result = calibrate_located(scenario, file, set_ or ())
    if as_json:
        from econsim.report.exports import json_text

        sys.stdout.write(json_text(result.summary()))
    else:
        from econsim.report.calibration_tables import print_calibration

        print_calibration(result, out)
    if output is not None:
        write_output(result, output, force=True, design=file, overrides=set_ or ())
        err.print(f"wrote calibrated scenario to {output}")


@app.command()
def run(
    file: ScenarioFile,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Folder for the outputs.")
    ] = None,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
    force: ForceOption = False,
    fail_on: FailOnOption = None,
    fail_on_unhealthy: FailOnUnhealthyOption = False,
    as_written: AsWrittenOption = False,
) -> None:
    """Calibrate, simulate and judge a scenario; write summary, daily CSV, charts and report.

    Outputs (in -o DIR, default runs/NAME for NAME.yaml): summary.json, daily.csv (UTF-8 with BOM),
    charts/NAME.png|svg, report.html (one self-contained file to share), and finance's books:
    finance.xlsx with finance/NAME.csv — the liability roll-forward per period, the aging of
    outstanding points by expiry, IFRS 15 deferred revenue, cost per member per tier and
    period, the growth coefficient (docs/guide-finance.md).

    What gates: every verdict has a class (health, budget, peak, inflation, plan). The status is
    unhealthy when a verdict of a gating class fails (default: health and budget), healthy
    with warnings when only others fail, else healthy; the badge, the last line and
    summary.json show it. With --fail-on CLASSES or --fail-on-unhealthy the command exits 3
    when the status is unhealthy.
    """
    from econsim.engine.executors import executor_for
    from econsim.metrics import DEFAULT_FAIL_ON, Status
    from econsim.pipeline import run as run_pipeline

    gate = gating_classes(fail_on, fail_on_unhealthy)
    gating = gate or DEFAULT_FAIL_ON
    target = output or Path("runs") / file.stem
    check_output(target, force, inputs=[file])
    with progress_bar("simulating", err, counted=False) as progress:
        result = run_pipeline(
            file,
            overrides=with_as_written(set_, as_written),
            seed=seed,
            replications=replications,
            executor=executor_for(workers, scheduler),
            progress=progress,
        )
    write_output(result, target, force, fail_on=gating)
    from econsim.report.terminal import print_verdicts

    out.print(f"wrote {target}/report.html, summary.json, daily.csv and charts/")
    print_verdicts(result, out, gating)  # its last line is the status the exit code reads
    if gate is not None and result.metrics.status(gate) is Status.UNHEALTHY:
        raise typer.Exit(EXIT_UNHEALTHY)


@app.command()
def sweep(
    file: ScenarioFile,
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            help="A swept field: PATH=START:STOP:COUNT (evenly spaced) or PATH=A,B,C "
            "(repeatable), e.g. --param design.catalog.mug.points_price=2000:4000:5.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the index, points and report.")
    ],
    zip_: Annotated[
        bool, typer.Option("--zip", help="Pair values by position instead of the full grid.")
    ] = False,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
    resume: Annotated[
        bool, typer.Option(help="Finish a sweep in -o DIR, skipping its finished points.")
    ] = False,
    force: RestartOption = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="CLASSES",
            help="health,budget or budget: exit 3 if any point fails a verdict of these "
            "classes (the sweep index records only these two).",
            show_default=False,
        ),
    ] = None,
    fail_on_unhealthy: FailOnUnhealthyOption = False,
    as_written: AsWrittenOption = False,
) -> None:
    """Run a scenario over a grid of parameter values, on common random numbers.

    Writes, as points finish: DIR/points/pNNNNN.parquet (daily series per replication) and
    DIR/index.parquet (one row per point: mean, sd, 5% and 95% of every key figure, and the
    verdicts); CSV when pyarrow is not installed. At the end: charts/ and report.html. A
    killed sweep loses only the points in flight; --resume finishes it.

    What gates: a point passes when no health or budget verdict fails (with --fail-on
    budget: when it is within budget). With --fail-on or --fail-on-unhealthy the command
    exits 3 if any point fails.
    """
    from econsim.engine.executors import executor_for
    from econsim.explore.sweep import sweep as run_sweep
    from econsim.metrics import DEFAULT_FAIL_ON
    from econsim.report.sweep_report import passing, sweep_fail_on_error

    gate = gating_classes(fail_on, fail_on_unhealthy)
    gating = gate or DEFAULT_FAIL_ON
    problem = sweep_fail_on_error(gating)
    if problem is not None:
        raise typer.BadParameter(problem, param_hint="--fail-on")
    # a file in the way, or no place for --force; the sweep checks what is inside
    check_output(output, force=True, inputs=[file], replaces=False)

    # finished points are on disk already (the store writes each as it lands)
    kept = (
        f"the finished points are kept in {output}; finish the sweep with the same command "
        "and --resume"
    )
    with progress_bar("points", err) as progress, resumable(kept):
        result = run_sweep(
            file,
            param,
            paired=zip_,
            overrides=with_as_written(set_, as_written),
            seed=seed,
            replications=replications,
            output=output,
            resume=resume,
            force=force,
            executor=executor_for(workers, scheduler),
            progress=progress,
        )
    # charts and report.html beside the streamed index and points
    write_output(result, output, fail_on=gating)
    from econsim.report.terminal import print_sweep

    out.print(f"wrote {output}/index, points/, charts/ and report.html")
    print_sweep(result, out, gating)
    if gate is not None and not all(passing(row, gate) for row in result.rows):
        raise typer.Exit(EXIT_UNHEALTHY)


@app.command()
def compare(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Two or more scenario files (one with --packagings); the first is the baseline."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs.")],
    packagings: Annotated[
        str | None,
        typer.Option(
            "--packagings",
            metavar="CAMPAIGN",
            help="Compare the four packagings (flat, draw, group, micro_draw) of this packaged "
            "campaign of each file: same budget per participant, participation set by the "
            "population's packaging_response.",
        ),
    ] = None,
    replications: Annotated[
        int | None, typer.Option(help="Replications per design (default: the first's).", min=2)
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the first's).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
    force: ForceOption = False,
    fail_on: FailOnOption = None,
    fail_on_unhealthy: FailOnUnhealthyOption = False,
    as_written: AsWrittenOption = False,
) -> None:
    """Run designs on the same seeds and put them side by side.

    Writes compare.json, compare.csv (key figures, differences to the first design with 95%
    intervals, paired by replication; differences of shares in percentage points),
    charts/NAME.png|svg and report.html. --set applies to every design. --packagings
    CAMPAIGN compares one file's campaign as a flat reward, a prize draw, a group deal and a
    micro-stake draw: the same expected cost per participant, different participation.

    What gates: each design gets its own status from its verdicts' classes (default gating:
    health and budget). With --fail-on CLASSES or --fail-on-unhealthy the command exits 3
    if any compared design is unhealthy.
    """
    from econsim.engine.executors import executor_for
    from econsim.explore.compare import compare as run_compare
    from econsim.metrics import DEFAULT_FAIL_ON, Status

    gate = gating_classes(fail_on, fail_on_unhealthy)
    gating = gate or DEFAULT_FAIL_ON
    if len(files) < 2 and packagings is None:
        err.print("compare needs at least two scenario files (or one with --packagings)")
        raise typer.Exit(EXIT_BAD_INPUT)
    check_output(output, force, inputs=list(files))
    with progress_bar("designs", err) as progress:
        result = run_compare(
            files,
            overrides=with_as_written(set_, as_written),
            seed=seed,
            replications=replications,
            executor=executor_for(workers, scheduler),
            progress=progress,
            packaged=packagings,
        )
    write_output(result, output, force, fail_on=gating)
    from econsim.report.terminal import print_comparison

    out.print(f"wrote {output}/report.html, compare.json, compare.csv and charts/")
    print_comparison(result, out, gating)
    failing = [r for r in result.runs if r.metrics.status(gating) is Status.UNHEALTHY]
    if gate is not None and failing:
        raise typer.Exit(EXIT_UNHEALTHY)


@app.command()
def fit(
    events: EventsFile,
    design: Annotated[
        Path,
        typer.Option(
            "--design", help="Scenario file whose design is kept and whose population is fitted."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The fitted scenario file.")],
    as_of: AsOfOption = None,
    initial_days: Annotated[
        int | None,
        typer.Option(
            help="Users first seen within this many days of the log's start are its initial "
            "members, later ones are acquisitions (default: the dormancy threshold; 0: a "
            "cohort that joins with its first event).",
            min=0,
            show_default=False,
        ),
    ] = None,
    festival: Annotated[
        list[str] | None,
        typer.Option(
            "--festival",
            help="A named date range whose effect to fit, NAME=MM-DD:MM-DD (both days "
            "included; repeat for more), e.g. singles_day=11-11:11-11.",
            show_default=False,
            metavar="NAME=MM-DD:MM-DD",
        ),
    ] = None,
    season: Annotated[
        bool,
        typer.Option(
            help="Fit monthly and weekday multipliers (and the festivals named) when the log "
            "covers a year or more; --no-season keeps the population stationary."
        ),
    ] = True,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
) -> None:
    """Estimate a scenario's population from an event log.

    Tier shares, uptake per tier and behaviour, core frequencies and amount distributions
    (maximum likelihood, best by AIC, Kolmogorov-Smirnov distance), redemption propensity,
    and the lifecycle: the BG/NBD model of repeat buying with drop-out, dormancy and
    acquisition. With a year or more of history, the season too: monthly and weekday
    multipliers of repeat buying and the effect of each --festival, with standard errors.
    Prints every estimate with its standard error; writes the scenario (the design file's
    comments kept) and, beside it, NAME.fit/ with estimates.csv, users.csv (P(alive) per
    user), goodness-of-fit charts and cautions.txt. Fit on at least a full year: a shorter
    window knows nothing of the seasons outside it (a caution says so, and no season is
    fitted).
    """
    from econsim.history.fit import fit as fit_log
    from econsim.history.season_fit import parse_festivals
    from econsim.report.terminal import print_fit

    check_output(output, force, folder=False, inputs=[events, design])
    festivals = parse_festivals(festival or [])
    result = fit_log(
        events,
        design,
        as_of=as_of,
        initial_days=initial_days,
        season=season,
        festivals=festivals,
    )
    print_fit(result, out)
    write_output(result, output, force, design=design)
    out.print(f"wrote {output} and {output.parent / (output.stem + '.fit')}/")


@app.command()
def segment(
    events: EventsFile,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs.")],
    as_of: AsOfOption = None,
    split: Annotated[
        Literal["mean", "median"],
        typer.Option(help="High/low against the 'mean' (usual) or the 'median'."),
    ] = "mean",
) -> None:
    """RFM layering: recency, frequency, monetary → 8 value classes (domain §6).

    Prints users and shares per class; writes segments.csv (one row per user),
    segments.json and charts/segments.png|svg.
    """
    from econsim.history.rfm import segment as segment_log
    from econsim.report.terminal import print_segments

    # segment has always written into its folder (one that holds only econsim's outputs)
    check_output(output, force=True, inputs=[events])
    rfm = segment_log(events, as_of=as_of, split=split)
    print_segments(rfm, out)
    write_output(rfm, output, force=True)  # segment has always written into its folder
    out.print(f"wrote {output}/segments.csv, segments.json and charts/")


def main() -> None:
    """Entry point: run the app; scenario problems print without a traceback and exit 2.

    Anything else is a bug in econsim, not the user's doing: the last-resort handler prints
    one short paragraph — what broke, the command to reproduce it, where the full traceback
    was written — and exits 1. It is not the fix: every known bad input has its own
    located message (tests/test_robustness.py).
    """
    command = typer.main.get_command(app)
    plain_metavars(command)
    try:
        command(prog_name="econsim")  # click handles usage errors, Ctrl-C and exits itself
    except ScenarioError as exc:
        err.print(str(exc), markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except (SimulationError, OutputError) as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:
        sys.exit(_crash(exc))


def _crash(exc: Exception) -> int:
    """Write the traceback to a file; print what broke, how to reproduce it and where."""
    import shlex
    import tempfile
    import time
    import traceback

    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"econsim-crash-{stamp}-{os.getpid()}.txt"
    again = "econsim " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    text = "".join(traceback.format_exception(exc))
    try:
        path.write_text(f"{again}\neconsim {__version__}\n\n{text}", encoding="utf-8")
        where = f"the full traceback is in {path}"
    except OSError:
        where = "the traceback could not be written to a file:\n" + text
    err.print(
        f"econsim stopped on an unexpected error ({type(exc).__name__}: {exc}). This is a "
        f"bug in econsim, not in your input; please report it with the file below.\n"
        f"  reproduce: {again}\n  {where}",
        markup=False,
        soft_wrap=True,  # a path broken over two lines cannot be copied
    )
    return EXIT_CRASH
