"""The ``econsim`` commands that read or write scenario files without running them.

Registered on the app in econsim/cli.py; each parses its arguments, makes one library call
and prints or writes what it returns (heavy modules imported inside, for start-up speed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from econsim import cli_options as opt
from econsim.errors import ScenarioError


def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    set_: opt.SetOption = None,
) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: field: message.

    Runs every check a run does before it simulates: the format, the cross-field rules and
    the calibration's (e.g. a core share no scaling can reach).
    """
    from econsim.pipeline import calibrate_located
    from econsim.scenario import load_scenario

    failed = False
    for path in files:
        try:
            scenario = load_scenario(path, set_ or ())
            calibrate_located(scenario, path, set_ or ())
        except ScenarioError as exc:
            opt.say(str(exc), opt.err)
            failed = True
            continue
        opt.say(f"✓ {path}: '{scenario.name}' is valid")
    if failed:
        raise typer.Exit(opt.EXIT_BAD_INPUT)


def init(
    path: Annotated[
        Path | None,
        typer.Argument(help="Where to write the new scenario.", show_default=False),
    ] = None,
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
            opt.say(name)
        return
    if path is None:
        opt.say("init needs a PATH to write to, e.g. econsim init my-programme.yaml "
                "(econsim init --list shows the templates)", opt.err)  # fmt: skip
        raise typer.Exit(opt.EXIT_BAD_INPUT)
    if template not in template_names():
        opt.say(
            f"unknown template '{template}'; choose one of: {', '.join(template_names())}", opt.err
        )
        raise typer.Exit(opt.EXIT_BAD_INPUT)
    if path.exists() and not force:
        opt.say(f"{path} exists; use --force to overwrite it", opt.err)
        raise typer.Exit(opt.EXIT_BAD_INPUT)
    from econsim.atomic import write_text

    write_text(path, template_text(template))
    opt.say(f"wrote {path} (template '{template}'); next: econsim validate {path}")


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
        opt.say(f"unknown format '{format_}'; choose json or markdown", opt.err)
        raise typer.Exit(opt.EXIT_BAD_INPUT)
    if output is None:
        sys.stdout.write(text)
    else:
        from econsim.atomic import write_text

        write_text(output, text)
