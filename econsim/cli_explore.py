"""``econsim sweep`` and ``econsim compare``: designs explored side by side.

Kept apart from econsim/cli.py as cli_advisor.py is; registered on the same app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econsim import cli_options as opt
from econsim.cli_shared import SharedOptions, shared_options


@shared_options()
def sweep_command(
    file: opt.ScenarioFile,
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
    resume: Annotated[
        bool, typer.Option(help="Finish a sweep in -o DIR, skipping its finished points.")
    ] = False,
    force: opt.RestartOption = False,
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
    fail_on_unhealthy: opt.FailOnUnhealthyOption = False,
    *,
    shared: SharedOptions,
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
    from econsim.explore.sweep import sweep as run_sweep
    from econsim.metrics import DEFAULT_FAIL_ON
    from econsim.report.sweep_report import passing, sweep_fail_on_error

    gate = opt.gating_classes(fail_on, fail_on_unhealthy)
    gating = gate or DEFAULT_FAIL_ON
    problem = sweep_fail_on_error(gating)
    if problem is not None:
        raise typer.BadParameter(problem, param_hint="--fail-on")
    # a file in the way, or no place for --force; the sweep checks what is inside
    opt.check_output(output, force=True, inputs=[file], replaces=False)

    # finished points are on disk already (the store writes each as it lands)
    kept = (
        f"the finished points are kept in {output}; finish the sweep with the same command "
        "and --resume"
    )
    with opt.progress_bar("points", opt.err) as progress, opt.resumable(kept):
        result = run_sweep(
            file,
            param,
            paired=zip_,
            **shared.keywords(),
            output=output,
            resume=resume,
            force=force,
            progress=progress,
        )
    # charts and report.html beside the streamed index and points
    opt.write_output(result, output, fail_on=gating)
    from econsim.report.terminal import print_sweep

    opt.say(f"wrote {output}/index, points/, charts/ and report.html")
    print_sweep(result, opt.out, gating)
    if gate is not None and not all(passing(row, gate) for row in result.rows):
        raise typer.Exit(opt.EXIT_UNHEALTHY)


@shared_options(replications=False, gate=True)
def compare_command(
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
    force: opt.ForceOption = False,
    *,
    shared: SharedOptions,
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
    from econsim.explore.compare import compare as run_compare
    from econsim.metrics import Status

    gate, gating = shared.gate, shared.gating
    if len(files) < 2 and packagings is None:
        opt.say("compare needs at least two scenario files (or one with --packagings)", opt.err)
        raise typer.Exit(opt.EXIT_BAD_INPUT)
    opt.check_output(output, force, inputs=list(files))
    with opt.progress_bar("designs", opt.err) as progress:
        result = run_compare(
            files,
            **shared.keywords(replications),
            progress=progress,
            packaged=packagings,
        )
    opt.write_output(result, output, force, fail_on=gating)
    from econsim.report.compare_terminal import print_comparison

    opt.say(f"wrote {output}/report.html, compare.json, compare.csv and charts/")
    print_comparison(result, opt.out, gating)
    failing = [r for r in result.runs if r.metrics.status(gating) is Status.UNHEALTHY]
    if gate is not None and failing:
        raise typer.Exit(opt.EXIT_UNHEALTHY)
