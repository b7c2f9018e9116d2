"""``econsim test``: the command a team's CI runs to search its design for a counterexample.

Kept apart from econsim/cli.py (the other commands) as cli_scenario.py is; registered on
the same app. Hypothesis is imported by the search itself, inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from econsim import cli_options as opt

VaryOption = Annotated[
    list[str],
    typer.Option(
        "--vary",
        help="A field and its range, PATH=LOW:HIGH, optionally :int and :log (repeatable), "
        "e.g. --vary population.uptake_scale=0.5:1.2.",
        show_default=False,
        metavar="PATH=LOW:HIGH",
    ),
]


def test_command(
    scenario: opt.ScenarioFile,
    vary: VaryOption,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for summary.json and the reproducer.")
    ],
    examples: Annotated[
        int, typer.Option(help="Designs Hypothesis draws before giving up.", min=1)
    ] = 50,
    users: Annotated[
        int,
        typer.Option(
            help="Members simulated per design (arrivals, a fixed budget and stock scaled alike).",
            min=10,
        ),
    ] = 2000,
    replications: Annotated[int, typer.Option(help="Replications per design.", min=1)] = 2,
    seed: Annotated[
        int, typer.Option(help="Seed of the search and of every run.", min=0, max=2**63 - 1)
    ] = 0,
    fail_on: opt.FailOnOption = None,
    set_: opt.SetOption = None,
    force: opt.ForceOption = False,
) -> None:
    """Search the --vary box for a design that breaks the programme, and shrink it.

    Every design is simulated at --users members on the same seed (common random numbers). A
    design breaks the programme when a verdict of a gating class fails (default: health and
    budget; --fail-on names others). Hypothesis shrinks the first one it finds towards the
    design, then each field still moved is bisected to within 1% of its range of where the
    programme starts to fail. Prints that change in words, writes summary.json and
    counterexample.yaml (the scenario file, comments kept, turned into the counterexample:
    rerun it with econsim run) and exits 3; exits 0, printing the examples tried, when none is
    found. Reproducible: derandomised by --seed, no example database. Bad --vary: exit 2.
    """
    from econsim.testing import search

    gating = opt.gating_classes(fail_on, True)
    assert gating is not None  # --fail-on-unhealthy's classes when --fail-on is absent
    opt.check_output(output, force, inputs=[scenario])
    found = search(scenario, vary, overrides=set_ or [], fail_on=gating, examples=examples,
                   users=users, seed=seed, replications=replications)  # fmt: skip

    opt.write_output(found, output, True, scenario_file=scenario, overrides=list(set_ or []))
    if not found.found:
        opt.say(f"passed: {found.sentence()}")
        return
    opt.say(f"counterexample: {found.sentence()}")
    opt.say(
        f"after {found.examples} examples ({found.designs} distinct designs) at "
        f"{found.users:,} members; wrote "
        f"{output / 'counterexample.yaml'} — rerun it: econsim run "
        f"{output / 'counterexample.yaml'} -o runs/counterexample",
    )
    raise typer.Exit(opt.EXIT_UNHEALTHY)
