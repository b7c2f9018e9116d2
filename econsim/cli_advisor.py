"""``econsim optimize`` and ``econsim sensitivity``: the design advisor's commands.

Kept apart from econsim/cli.py as cli_testing.py is; registered on the same app. Optuna and
SALib are imported by the calls themselves, inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from econsim import cli_options as opt
from econsim.cli_shared import SharedOptions, shared_options
from econsim.cli_testing import VaryOption

ObjectiveOption = Annotated[
    list[str] | None,
    typer.Option(
        "--objective",
        metavar="NAME",
        help="What to make best (repeatable; two or more give a Pareto front): "
        "cost_per_active_user (default, lowest), redeemer_share (highest), engagement "
        "(highest), liability (lowest).",
        show_default=False,
    ),
]


@shared_options()
def optimize_command(
    scenario: opt.ScenarioFile,
    vary: VaryOption,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the study, best.yaml and report.")
    ],
    objective: ObjectiveOption = None,
    trials: Annotated[int, typer.Option(help="Designs the study runs in all.", min=1)] = 100,
    confidence: Annotated[
        float,
        typer.Option(
            help="A gating verdict counts as met when the end of this interval of its mean "
            "over replications clears the line.",
            min=0.5,
            max=0.999,
        ),
    ] = 0.9,
    sampler: Annotated[
        Literal["tpe", "nsga2"], typer.Option(help="Optuna's sampler: tpe or nsga2.")
    ] = "tpe",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="CLASSES",
            help="The verdict classes a design must pass (comma-separated: health, budget, "
            "peak, inflation, plan). Default: health,budget,inflation.",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue the study in -o DIR (its finished trials are kept).")
    ] = False,
    force: opt.RestartOption = False,
    *,
    shared: SharedOptions,
) -> None:
    """Find a design in the --vary box that passes every gating verdict and is best on the
    objective (Optuna: TPE, or NSGA-II, with constraints).

    Each trial is the scenario with the --vary fields set, simulated with --replications on
    one seed (common random numbers). A gating verdict (default classes: health, budget
    and inflation; --fail-on names others) counts as met only with --confidence over
    replications: the lower end of the 90% interval of the mean consumer share must reach
    40%, not one lucky run. So at least 2 replications.

    The study is kept in DIR/study.db (Optuna SQLite); a killed study continues with the
    same command and --resume, each trial run once. Writes best.yaml (the scenario file,
    comments kept, with the best design: check it with econsim run), pareto/ with two or
    more objectives, trials.csv, top.csv, summary.json, charts/ and report.html. Exits 0
    when a passing design is found, 3 when none is, 2 on bad input.
    """
    from econsim.advisor.optimize import optimize

    gating = opt.gating_classes(fail_on, False)
    # a file in the way, or no place for --force; the study checks what is inside
    opt.check_output(output, force=True, inputs=[scenario], replaces=False)
    kept = (
        f"the finished trials are kept in {output / 'study.db'}; continue with the same "
        "command and --resume"
    )
    with opt.progress_bar("trials", opt.err) as progress, opt.resumable(kept):
        study = optimize(
            scenario,
            vary,
            objectives=objective or [],
            trials=trials,
            fail_on=gating,
            confidence=confidence,
            sampler=sampler,
            output=output,
            resume=resume,
            force=force,
            **shared.keywords(),
            progress=progress,
        )
    from econsim.report.terminal import print_optimisation

    opt.write_output(study, output, scenario_file=scenario, overrides=shared.overrides)
    print_optimisation(study, output, opt.out)
    if study.best() is None:
        raise typer.Exit(opt.EXIT_UNHEALTHY)


@shared_options()
def sensitivity_command(
    scenario: opt.ScenarioFile,
    vary: VaryOption,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the analysis.")],
    method: Annotated[
        Literal["sobol", "morris", "tornado"],
        typer.Option(
            help="sobol (indices with intervals), morris (a cheaper screen) or "
            "tornado (one field at a time only)."
        ),
    ] = "sobol",
    samples: Annotated[
        int | None,
        typer.Option(
            help="Sobol's base sample N (N·(d+2) designs; default 64) or Morris' trajectories "
            "(r·(d+1) designs; default 10).",
            min=2,
            show_default=False,
        ),
    ] = None,
    force: opt.ForceOption = False,
    *,
    shared: SharedOptions,
) -> None:
    """Which --vary fields move the key figures (consumption rate, consumer share, cost,
    liability, points issued), and how much.

    Always a tornado: each field alone at its LOW and HIGH end, everything else as
    designed (2·d + 1 designs). With --method sobol, SALib's Sobol first-order (S1) and
    total (ST) indices with 95% bootstrap intervals; with --method morris, Morris'
    elementary effects (μ*, σ). Every design runs with --replications on one seed (common
    random numbers). Prints each figure's fields, most influential first; writes
    tornado.csv, sobol.csv or morris.csv, summary.json, charts/ and report.html.
    """
    from econsim.advisor.sensitivity import sensitivity
    from econsim.report.terminal import print_sensitivity

    opt.check_output(output, force, inputs=[scenario])
    with opt.progress_bar("designs", opt.err) as progress:
        result = sensitivity(
            scenario,
            vary,
            method=method,
            samples=samples,
            **shared.keywords(),
            progress=progress,
        )
    opt.write_output(result, output, True)
    print_sensitivity(result, output, opt.out)
