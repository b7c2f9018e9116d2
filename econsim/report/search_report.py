"""The files of ``econsim test``: summary.json, and the counterexample as a scenario file."""

from __future__ import annotations

from pathlib import Path

from econsim.atomic import write_text
from econsim.report.exports import json_text
from econsim.scenario.load import dump_tree, load_tree, loads_scenario
from econsim.scenario.overrides import apply_overrides
from econsim.testing.counterexample import Search

#: The reproducer's file name inside the output folder.
REPRODUCER = "counterexample.yaml"


def reproducer_text(search: Search, scenario_file: Path | str, overrides: list[str]) -> str:
    """The scenario file (its comments kept) turned into the counterexample: the user's
    overrides, the search's scale, the moved fields, its seed and replications."""
    tree = load_tree(scenario_file)
    apply_overrides(tree, [*overrides, *search.reproducer_overrides()])
    text = dump_tree(tree)
    head = (
        f"# Counterexample found by `econsim test` from {Path(scenario_file).name}:\n"
        f"# {search.sentence()}.\n"
        f"# Rerun it with: econsim run {REPRODUCER} -o runs/counterexample\n"
    )
    loads_scenario(text, REPRODUCER)  # the file must reproduce, so it must validate
    return head + text


#: What ``econsim test`` writes into its folder.
SEARCH_FILES = ("summary.json", REPRODUCER)


def write_search(
    search: Search,
    folder: Path,
    scenario_file: Path | str | None = None,
    overrides: list[str] | None = None,
) -> list[Path]:
    """summary.json, and with a counterexample and its scenario file, counterexample.yaml."""
    summary = folder / "summary.json"
    write_text(summary, json_text(search.summary()))
    written = [summary]
    if search.found and scenario_file is not None:
        path = folder / REPRODUCER
        write_text(path, reproducer_text(search, scenario_file, list(overrides or [])))
        written.append(path)
    return written
