"""The ``econsim`` command: a thin layer over the public Python API.

Every command parses its arguments, makes one library call and prints or writes what it
returns. Heavy modules are imported inside the commands so that ``econsim --help`` is instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from econsim import __version__
from econsim.errors import ScenarioError, SimulationError

app = typer.Typer(
    name="econsim",
    help="Design and stress-test points economies (loyalty points, incentives) before launch.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",  # paragraphs re-flow to the terminal width
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_BAD_INPUT = 2
EXIT_UNHEALTHY = 3

ScenarioFile = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a field, e.g. --set design.budget.amount=90000 (repeatable).",
        show_default=False,
    ),
]


WorkersOption = Annotated[
    int | None,
    typer.Option(help="Local processes (default: every core).", min=1, show_default=False),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs econsim\\[dask]).",
        show_default=False,
    ),
]
ReplicationsOption = Annotated[
    int | None, typer.Option(help="Replications (default: the scenario's).", min=1)
]
SeedOption = Annotated[int | None, typer.Option(help="Root seed (default: the scenario's).")]


def _write(result: Any, target: Path, force: bool = False, **options: Any) -> None:
    """``econsim.report.write``; an existing output prints without a traceback and exits 2."""
    from econsim.errors import OutputExistsError
    from econsim.report import write

    try:
        write(result, target, force, **options)
    except OutputExistsError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _check_target(target: Path, force: bool) -> None:
    """Fail at once, before a long run, when the output is taken."""
    from econsim.errors import OutputExistsError
    from econsim.report import check_target

    try:
        check_target(target, force)
    except OutputExistsError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"econsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """econsim: calibrate, simulate and judge a points economy from one scenario file."""


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    set_: SetOption = None,
) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: field: message."""
    from econsim.scenario import load_scenario

    failed = False
    for path in files:
        try:
            scenario = load_scenario(path, set_ or ())
        except ScenarioError as exc:
            err.print(str(exc), markup=False)
            failed = True
            continue
        out.print(f"✓ {path}: '{scenario.name}' is valid", markup=False)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the new scenario.")],
    template: Annotated[
        str, typer.Option(help="Starter to copy: see `econsim init --list`.")
    ] = "starter",
    list_: Annotated[bool, typer.Option("--list", help="List the templates and exit.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter scenario that validates."""
    from econsim.templates import template_names, template_text

    if list_:
        for name in template_names():
            out.print(name)
        return
    if template not in template_names():
        err.print(f"unknown template '{template}'; choose one of: {', '.join(template_names())}")
        raise typer.Exit(EXIT_BAD_INPUT)
    if path.exists() and not force:
        err.print(f"{path} exists; use --force to overwrite it")
        raise typer.Exit(EXIT_BAD_INPUT)
    from econsim.atomic import write_text

    write_text(path, template_text(template))
    out.print(f"wrote {path} (template '{template}'); next: econsim validate {path}")


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to a file instead of stdout.")
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format", help="json: JSON Schema for editors; markdown: the field reference."
        ),
    ] = "json",
) -> None:
    """Print the JSON Schema of the scenario format (for editor autocompletion).

    Hook it up in VS Code (YAML extension) with a first line in the scenario file:
    `# yaml-language-server: $schema=./scenario.schema.json`
    """
    if format_ == "markdown":
        from econsim.scenario.reference import scenario_reference

        text = scenario_reference()
    elif format_ == "json":
        from econsim.scenario.jsonschema import scenario_json_schema

        text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    else:
        err.print(f"unknown format '{format_}'; choose json or markdown")
        raise typer.Exit(EXIT_BAD_INPUT)
    if output is None:
        sys.stdout.write(text)
    else:
        from econsim.atomic import write_text

        write_text(output, text)


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
    from econsim.calibration import calibrate as run_calibration
    from econsim.scenario.load import load_scenario

    scenario = load_scenario(file, set_ or ())
    result = run_calibration(scenario)
    if as_json:
        sys.stdout.write(json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n")
    else:
        from econsim.report.calibration_tables import print_calibration

        print_calibration(result, out)
    if output is not None:
        _write(result, output, force=True, design=file, overrides=set_ or ())
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
    force: Annotated[bool, typer.Option(help="Write into an existing output folder.")] = False,
    fail_on_unhealthy: Annotated[
        bool,
        typer.Option("--fail-on-unhealthy", help="Exit 3 when a health verdict fails (CI gate)."),
    ] = False,
) -> None:
    """Calibrate, simulate and judge a scenario; write summary, daily CSV, charts and report.

    Outputs (in -o DIR, default runs/NAME for NAME.yaml): summary.json, daily.csv (UTF-8 with BOM),
    charts/*.png|svg and report.html, one self-contained file to share.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from econsim.engine.executors import DaskExecutor, default_workers
    from econsim.pipeline import run as run_pipeline
    from econsim.scenario.load import load_scenario

    scenario = load_scenario(file, set_ or ())
    target = output or Path("runs") / file.stem
    _check_target(target, force)
    reps = replications or scenario.replications
    columns = (
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("run", total=reps * scenario.horizon_days)
        result = run_pipeline(
            scenario,
            seed=seed,
            replications=reps,
            workers=workers or default_workers(),
            executor=DaskExecutor(scheduler) if scheduler else None,
            progress=lambda done: bar.update(task, completed=done),
        )
    _write(result, target, force)
    from econsim.report.terminal import print_verdicts

    print_verdicts(result, out)
    out.print(f"wrote {target}/report.html, summary.json, daily.csv and charts/")
    if fail_on_unhealthy and not result.healthy:
        raise typer.Exit(EXIT_UNHEALTHY)


def _progress_columns(what: str) -> tuple[Any, ...]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return (
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )


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
    force: Annotated[bool, typer.Option(help="Start over in an existing -o DIR.")] = False,
) -> None:
    """Run a scenario over a grid of parameter values, on common random numbers.

    Writes, as points finish: DIR/points/pNNNNN.parquet (daily series per replication) and
    DIR/index.parquet (one row per point: mean, sd, 5% and 95% of every key figure, and the
    verdicts); CSV when pyarrow is not installed. At the end: charts/ and report.html. A
    killed sweep loses only the points in flight; --resume finishes it.
    """
    from rich.progress import Progress

    from econsim.engine.executors import executor_for
    from econsim.explore.store import SweepFolderError
    from econsim.explore.sweep import sweep as run_sweep

    with Progress(*_progress_columns("points"), console=err, transient=True) as bar:
        task = bar.add_task("sweep", total=None)
        try:
            result = run_sweep(
                file,
                param,
                paired=zip_,
                overrides=set_ or (),
                seed=seed,
                replications=replications,
                output=output,
                resume=resume,
                force=force,
                executor=executor_for(workers, scheduler),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except SweepFolderError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    _write(result, output)  # charts and report.html beside the streamed index and points
    from econsim.report.terminal import print_sweep

    print_sweep(result, out)
    out.print(f"wrote {output}/index, points/, charts/ and report.html")


@app.command()
def compare(
    files: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files; the first is the baseline.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs.")],
    replications: Annotated[
        int | None, typer.Option(help="Replications per design (default: the first's).", min=2)
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the first's).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
    force: Annotated[bool, typer.Option(help="Write into an existing output folder.")] = False,
) -> None:
    """Run designs on the same seeds and put them side by side.

    Writes compare.json, compare.csv (key figures, differences to the first design with 95%
    intervals, paired by replication), charts/*.png|svg and report.html. --set applies to
    every design.
    """
    from rich.progress import Progress

    from econsim.engine.executors import executor_for
    from econsim.explore.compare import compare as run_compare

    if len(files) < 2:
        err.print("compare needs at least two scenario files")
        raise typer.Exit(EXIT_BAD_INPUT)
    _check_target(output, force)
    with Progress(*_progress_columns("designs"), console=err, transient=True) as bar:
        task = bar.add_task("compare", total=len(files))
        result = run_compare(
            files,
            overrides=set_ or (),
            seed=seed,
            replications=replications,
            executor=executor_for(workers, scheduler),
            progress=lambda done, total: bar.update(task, completed=done),
        )
    _write(result, output, force)
    from econsim.report.terminal import print_comparison

    print_comparison(result, out)
    out.print(f"wrote {output}/report.html, compare.json, compare.csv and charts/")


def _day_of(log_start: object, text: str | None, option: str) -> int | None:
    """--as-of DATE as a day number of the log (None: the log's last day)."""
    import datetime as dt

    if text is None:
        return None
    try:
        day = int((dt.date.fromisoformat(text) - log_start).days)  # type: ignore[operator]
    except ValueError:
        err.print(f"{option} '{text}' is not a date; write YYYY-MM-DD")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if day < 0:
        err.print(f"{option} {text} is before the log's first day ({log_start})")
        raise typer.Exit(EXIT_BAD_INPUT)
    return day


EventsFile = Annotated[
    Path,
    typer.Argument(
        help="Event log: CSV or Parquet with user_id, date, event [, amount, item] "
        "(docs/history.md).",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Last day of history to use, YYYY-MM-DD (default: the log's last day).",
        show_default=False,
    ),
]


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
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
) -> None:
    """Estimate a scenario's population from an event log.

    Tier shares, uptake per tier and behaviour, core frequencies and amount distributions
    (maximum likelihood, best by AIC, Kolmogorov-Smirnov distance), redemption propensity,
    and the lifecycle: the BG/NBD model of repeat buying with drop-out, dormancy and
    acquisition. Prints every estimate with its standard error; writes the scenario (the
    design file's comments kept) and, beside it, NAME.fit/ with estimates.csv, users.csv
    (P(alive) per user), goodness-of-fit charts and cautions.txt. Fit on at least a full
    year: a shorter window knows nothing of the seasons outside it (a caution says so).
    """
    from econsim.history.events import read_events
    from econsim.history.fit import fit_history
    from econsim.report.terminal import print_fit
    from econsim.scenario.load import load_scenario

    _check_target(output, force)
    scenario = load_scenario(design)
    log = read_events(events, list(scenario.design.behaviours))
    result = fit_history(log, scenario, _day_of(log.start, as_of, "--as-of"), initial_days)
    print_fit(result, out)
    _write(result, output, force, design=design)
    out.print(f"wrote {output} and {output.parent / (output.stem + '.fit')}/")


@app.command()
def segment(
    events: EventsFile,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs.")],
    as_of: AsOfOption = None,
    split: Annotated[
        str, typer.Option(help="High/low against the 'mean' (usual) or the 'median'.")
    ] = "mean",
) -> None:
    """RFM layering: recency, frequency, monetary → 8 value classes (domain §6).

    Prints users and shares per class; writes segments.csv (one row per user),
    segments.json and charts/segments.png|svg.
    """
    from econsim.history.events import read_events
    from econsim.history.rfm import rfm_classes
    from econsim.report.terminal import print_segments

    if split not in ("mean", "median"):
        err.print(f"--split '{split}' must be 'mean' or 'median'")
        raise typer.Exit(EXIT_BAD_INPUT)
    log = read_events(events)
    day = _day_of(log.start, as_of, "--as-of")
    rfm = rfm_classes(log, log.days - 1 if day is None else day, split)  # type: ignore[arg-type]
    print_segments(rfm, out)
    _write(rfm, output, force=True)  # segment has always written into its folder
    out.print(f"wrote {output}/segments.csv, segments.json and charts/")


def main() -> None:
    """Entry point: run the app; scenario problems print without a traceback and exit 2."""
    try:
        app()
    except ScenarioError as exc:
        err.print(str(exc), markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except SimulationError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_BAD_INPUT)
