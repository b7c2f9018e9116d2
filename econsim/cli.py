"""The ``econsim`` command: a thin layer over the public Python API.

Every command parses its arguments, makes one library call and prints or writes what it
returns. Heavy modules are imported inside the commands so that ``econsim --help`` is instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from econsim import __version__
from econsim import cli_options as opt
from econsim.cli_advisor import optimize_command, sensitivity_command
from econsim.cli_explore import compare_command, sweep_command
from econsim.cli_history import fit_command, segment_command
from econsim.cli_monitor import monitor_command, record_command
from econsim.cli_scenario import init, schema, validate
from econsim.cli_shared import SharedOptions, shared_options
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

        opt.say(f"econsim {__version__}")
        for line in describe().splitlines():
            opt.say(line)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version, the engine's numba and where its compiled kernels are cached.",
        ),
    ] = False,
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
    file: opt.ScenarioFile,
    set_: opt.SetOption = None,
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
        opt.check_output(output, force=True, folder=False, inputs=[file])  # -o always overwrites
    scenario = load_scenario(file, set_ or ())
    result = calibrate_located(scenario, file, set_ or ())
    if as_json:
        from econsim.report.exports import json_text

        sys.stdout.write(json_text(result.summary()))
    else:
        from econsim.report.calibration_tables import print_calibration

        print_calibration(result, opt.out)
    if output is not None:
        opt.write_output(result, output, force=True, design=file, overrides=set_ or ())
        opt.say(f"wrote calibrated scenario to {output}", opt.err)


@app.command()
@shared_options(gate=True)
def run(
    file: opt.ScenarioFile,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Folder for the outputs.")
    ] = None,
    force: opt.ForceOption = False,
    from_state: Annotated[
        Path | None,
        typer.Option(
            "--from-state",
            help="Start from a state snapshot (CSV or Parquet, docs/state.md; econsim "
            "monitor writes state.parquet): its members with their points, lots, tiers and "
            "lifecycle, from the day after its as_of.",
        ),
    ] = None,
    charts: opt.ChartsOption = True,
    *,
    shared: SharedOptions,
) -> None:
    """Calibrate, simulate and judge a scenario; write summary, daily CSV, charts and report.

    With --from-state FILE the run starts from a programme as it stands: the snapshot's
    members hold their points in their expiry lots, in their tiers, and the run starts on
    the day after its as_of (the design's start_date and population.users give way to the
    snapshot's; the design's days count from then). The roll-forward opens with their
    points, and the liability run-off of finance.xlsx follows them.

    Outputs (in -o DIR, default runs/NAME for NAME.yaml): summary.json, daily.csv (UTF-8 with BOM),
    charts/NAME.png|svg (none with --no-charts), report.html (one self-contained file to
    share), and finance's books:
    finance.xlsx with finance/NAME.csv — the liability roll-forward per period, the aging of
    outstanding points by expiry, IFRS 15 deferred revenue, cost per member per tier and
    period, the growth coefficient, and the breakage memo: the ultimate redemption rate
    (URR) from the issuance triangle by chain-ladder (Cape Cod) beside redemption curves,
    its interval, the books at the URR ± 5 and ± 10 points (docs/guide-finance.md). One URR
    per run: breakage, the liability and deferred revenue book it.

    What gates: every verdict has a class (health, budget, peak, inflation, plan). The status is
    unhealthy when a verdict of a gating class fails (default: health and budget), healthy
    with warnings when only others fail, else healthy; the badge, the last line and
    summary.json show it. With --fail-on CLASSES or --fail-on-unhealthy the command exits 3
    when the status is unhealthy.
    """
    from econsim.metrics import Status
    from econsim.pipeline import run as run_pipeline

    gate, gating = shared.gate, shared.gating
    target = output or Path("runs") / file.stem
    opt.check_output(target, force, inputs=[file, *([from_state] if from_state else [])])
    with opt.progress_bar("simulating", opt.err, counted=False) as progress:
        result = run_pipeline(
            file,
            state=from_state,
            **shared.keywords(),
            progress=progress,
        )
    if from_state is not None:
        opened = int(result.results.total("opening")[0].sum())
        members = result.scenario.population.users
        opt.say(f"started from {from_state} on {result.scenario.start_date}: {members:,} "
                f"members holding {opened:,} points")  # fmt: skip
    opt.write_output(result, target, force, fail_on=gating, charts=charts)
    from econsim.report.terminal import print_verdicts

    opt.say(f"wrote {target}/report.html, summary.json, daily.csv {opt.charts_written(charts)}")
    print_verdicts(result, opt.out, gating)  # its last line is the status the exit code reads
    if gate is not None and result.metrics.status(gate) is Status.UNHEALTHY:
        raise typer.Exit(opt.EXIT_UNHEALTHY)


app.command(name="sweep")(sweep_command)
app.command(name="compare")(compare_command)
app.command(name="fit")(fit_command)
app.command(name="segment")(segment_command)


def main() -> None:
    """Entry point: run the app; scenario problems print without a traceback and exit 2.

    Anything else is a bug in econsim, not the user's doing: the last-resort handler prints
    one short paragraph — what broke, the command to reproduce it, where the full traceback
    was written — and exits 1. It is not the fix: every known bad input has its own
    located message (tests/test_robustness.py).
    """
    command = typer.main.get_command(app)
    opt.plain_metavars(command)
    try:
        command(prog_name="econsim")  # click handles usage errors, Ctrl-C and exits itself
    except ScenarioError as exc:
        opt.say(str(exc), opt.err)
        sys.exit(opt.EXIT_BAD_INPUT)
    except (SimulationError, OutputError) as exc:
        opt.say(f"error: {exc}", opt.err)
        sys.exit(opt.EXIT_BAD_INPUT)
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
    opt.say(
        f"econsim stopped on an unexpected error ({type(exc).__name__}: {exc}). This is a "
        f"bug in econsim, not in your input; please report it with the file below.\n"
        f"  reproduce: {again}\n  {where}",
        opt.err,
    )
    return opt.EXIT_CRASH
