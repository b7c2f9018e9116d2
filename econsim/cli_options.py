"""What the ``econsim`` commands share: consoles, exit codes, options and the progress bar.

Kept apart from the commands (econsim/cli.py) so that each command reads as its own
arguments, one library call and the printing; rich.progress is imported inside
:func:`progress_bar` for start-up speed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from econsim.metrics import VerdictKind
    from econsim.options import Progress

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def say(text: str, console: Console = out) -> None:
    """A message, printed as written: no markup read in it, no newline inserted in it (the
    terminal wraps it), so a path or a command in it can be copied back into a shell."""
    console.print(text, markup=False, soft_wrap=True)


EXIT_BAD_INPUT = 2
EXIT_UNHEALTHY = 3
#: An unexpected error: a bug in econsim, reported with a traceback file (cli.main).
EXIT_CRASH = 1
EXIT_INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C

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
    typer.Option(
        help="Local processes (default: every core).", min=1, max=1024, show_default=False
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs econsim\\[dask]).",
        show_default=False,
    ),
]
ReplicationsOption = Annotated[
    int | None,
    typer.Option(help="Replications (default: the scenario's).", min=1, max=1_000_000),
]
SeedOption = Annotated[
    int | None,
    typer.Option(help="Root seed (default: the scenario's).", min=0, max=2**63 - 1),
]
EventsFile = Annotated[
    Path,
    typer.Argument(
        help="Event log: CSV or Parquet with user_id, date, event [, amount, item] "
        "(docs/history.md).",
        show_default=False,
    ),
]
ChartsOption = Annotated[
    bool,
    typer.Option(
        "--charts/--no-charts",
        help="Draw the charts (charts/ and the report's pictures). --no-charts: a CI gate "
        "that reads the exit code and summary.json finishes seconds sooner (drawing is most "
        "of the writing).",
    ),
]


def charts_written(charts: bool) -> str:
    """How a "wrote …" message ends: the charts folder, or that none was drawn."""
    return "and charts/" if charts else "(no charts: --no-charts)"


ForceOption = Annotated[
    bool,
    typer.Option(
        help="Replace an existing output folder that holds only what econsim wrote (never "
        "the current, home or root folder, nor one holding the file being read).",
    ),
]
RestartOption = Annotated[
    bool,
    typer.Option(
        help="Start over in an existing -o DIR: its own files are removed (refused when it "
        "holds others, or is the current, home or root folder)."
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

FAIL_ON_HELP = (
    "Exit 3 when a verdict of one of these classes fails: comma-separated from health, "
    "budget, peak, inflation, plan, e.g. health,budget,peak. The report shows them as gating "
    "(unhealthy) and a failing verdict of another class as a warning (healthy with "
    "warnings). Without it or --fail-on-unhealthy nothing exits 3; the report gates on "
    "health,budget."
)
FailOnOption = Annotated[
    str | None,
    typer.Option("--fail-on", metavar="CLASSES", help=FAIL_ON_HELP, show_default=False),
]
FailOnUnhealthyOption = Annotated[
    bool,
    typer.Option(
        "--fail-on-unhealthy",
        help="Same as --fail-on health,budget: exit 3 when a health or budget verdict fails.",
    ),
]
AS_WRITTEN = "design.calibration.point_values=as_written"
AsWrittenOption = Annotated[
    bool,
    typer.Option(
        "--as-written",
        help="Simulate the point values as written in the file (a live programme whose "
        "values are fixed) instead of the calibrated ones; same as --set " + AS_WRITTEN + ".",
    ),
]


def check_output(
    target: Path,
    force: bool,
    folder: bool = True,
    inputs: Sequence[Path] = (),
    replaces: bool = True,
) -> None:
    """Fail at once, before a long run, when ``-o`` is taken, cannot be written, or is no
    place for ``--force`` (``folder``: the output is a folder, else one file; ``inputs``: the
    files the command reads; ``replaces``: the command replaces the folder, not resumes in
    it — ``report.check_target``): the message, exit 2."""
    from econsim.report import check_target

    with output_errors():
        check_target(target, force, folder=folder, inputs=inputs, replaces=replaces)


def write_output(result: Any, target: Path, force: bool = False, **options: Any) -> None:
    """``econsim.report.write``; an output that cannot be written prints without a traceback
    and exits 2 (checked before the work too, but a disk can fill or a folder change since)."""
    from econsim.report import write

    with output_errors():
        try:
            write(result, target, force, **options)
        except OSError as exc:
            say(f"-o: cannot write {target} ({exc.strerror or exc}); choose another -o", err)
            raise typer.Exit(EXIT_BAD_INPUT) from None


@contextmanager
def output_errors() -> Iterator[None]:
    """An output that cannot be written, inside the block: its message after ``-o:``, exit 2."""
    from econsim.errors import OutputError

    try:
        yield
    except OutputError as exc:
        say(f"-o: {exc}", err)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@contextmanager
def resumable(kept: str) -> Iterator[None]:
    """A job that keeps what it finished (a sweep, a study): an output problem exits 2 as
    :func:`output_errors`; Ctrl-C says where the work is kept and how to go on (``kept``)
    and exits 130."""
    with output_errors():
        try:
            yield
        except KeyboardInterrupt:
            say(f"interrupted: {kept}", err)
            raise typer.Exit(EXIT_INTERRUPTED) from None


def gating_classes(fail_on: str | None, fail_on_unhealthy: bool) -> frozenset[VerdictKind] | None:
    """The classes that gate the exit code, or None when no gate was asked for.

    The report and summary.json use the default classes when no gate was asked for, so
    what they show is what ``--fail-on-unhealthy`` would gate on.
    """
    from econsim.metrics import DEFAULT_FAIL_ON, FailOnError, parse_fail_on

    if fail_on is None:
        return DEFAULT_FAIL_ON if fail_on_unhealthy else None
    try:
        chosen = parse_fail_on(fail_on)
    except FailOnError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fail-on") from None
    if fail_on_unhealthy and chosen != DEFAULT_FAIL_ON:
        raise typer.BadParameter(
            "--fail-on-unhealthy means --fail-on health,budget; give one or the other",
            param_hint="--fail-on",
        )
    return chosen


def with_as_written(overrides: list[str] | None, as_written: bool) -> list[str]:
    """The --set overrides, plus the one --as-written stands for."""
    return [*(overrides or ()), *([AS_WRITTEN] if as_written else [])]


@contextmanager
def progress_bar(what: str, console: Console, counted: bool = True) -> Iterator[Progress]:
    """Progress on ``console``; yields the ``progress(done, total)`` callback.

    On a terminal a transient rich bar; when the output goes to a file or a CI log, plain
    lines (every finished point or design when ``counted``, else every 10%), so a long job
    shows it is alive. ``counted``: "done/total" (points, designs); else a percentage
    (replication-days).
    """
    _say_if_compiling(console)
    if not console.is_terminal:
        yield _progress_lines(what, console, counted)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    amount = MofNCompleteColumn() if counted else TextColumn("{task.percentage:>3.0f}%")
    columns = (TextColumn(what), BarColumn(), amount, TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())  # fmt: skip
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _say_if_compiling(console: Console) -> None:
    """The first run on a machine compiles the engine's kernels, silently for ~20 s: say so."""
    from econsim.engine.paths import compiled_before

    try:
        compiling = not compiled_before()
    except Exception:  # a note, never a reason to fail
        return
    if compiling:
        console.print(
            "compiling the engine for this machine, once (about 20 s; later runs start at once)",
            markup=False,
        )


def _progress_lines(what: str, console: Console, counted: bool) -> Progress:
    """A progress callback that prints a line per step (counted) or per 10% (a share)."""
    import time

    start = time.monotonic()
    shown = [-1 if counted else 0]  # a share: the first line at 10%

    def report(done: int, total: int) -> None:
        if total <= 0:
            return
        step = done if counted else (10 * done) // total
        if step <= shown[0] or done == 0:
            return
        shown[0] = step
        elapsed = time.monotonic() - start
        amount = f"{done}/{total}" if counted else f"{10 * step}%"
        console.print(f"{what}: {amount} ({elapsed:.0f} s)", markup=False, highlight=False)

    return report


def plain_metavars(command: Any) -> None:
    """Help without type tags: ``--set TEXT`` and ``--workers N`` for ``<list[str]>`` and
    ``<int range>``, nothing after a flag. Options that name their own metavar keep it.

    ``command`` is the click command typer builds (typer ships its own click, so this reads
    the parameters by their attributes and typer's own type label, not by click's classes).
    """
    ctx = command.context_class(command)
    help_option = command.get_help_option(ctx)  # made on demand, then kept by the command
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if param.param_type_name == "option" and param.metavar is None:
            param.metavar = "" if param.is_flag else _label(param.display_type(ctx))
    for sub in getattr(command, "commands", {}).values():
        plain_metavars(sub)


def _label(tag: str) -> str:
    """typer's ``<list[str]>`` / ``<int range>`` / ``<path>`` / ``<a|b>`` as a plain word."""
    inner = tag.strip("<>")
    if "|" in inner:
        return inner.removeprefix("list[").removesuffix("]")
    for word, label in (("path", "PATH"), ("int", "N"), ("float", "X")):
        if word in inner:
            return label
    return "TEXT"
