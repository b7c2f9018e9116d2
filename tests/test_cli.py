"""The command line as a user meets it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from econsim import __version__, load_scenario
from tests.conftest import ROOT, SCENARIOS
from tests.test_scenario_load import GOOD

MISTAKES = {
    # class of mistake: (edit of the good file, expected "FILE:LINE:COL: path" fragment)
    "yaml syntax": (("amount: 1000}", "amount: [1000"), ":4:14: YAML syntax"),
    "wrong type": (("points: 5,", "points: five,"), ":6:31: design.behaviours.sign_in.points:"),
    "out of range": (("use_rate: 0.5", "use_rate: 2"), ":17:"),
    "unknown key": (("  users: 100", "  user: 100"), ":19:3: population.user: unknown key"),
    "shares": (("share: 0.2}", "share: 0.5}"), ":20:3: population.tiers: tier shares sum to 1.3"),
    "dangling": (("buy: 0.3}", "buy: 0.3, by: 1}"), ":15:40: design.tiers.plus.uptake.by:"),
}


@pytest.mark.parametrize("kind", sorted(MISTAKES))
def test_each_mistake_exits_2_with_location_and_no_traceback(
    run_cli, tmp_path: Path, kind: str
) -> None:  # type: ignore[no-untyped-def]
    (old, new), where = MISTAKES[kind]
    assert old in GOOD
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    for command in ("validate", "calibrate"):
        done = run_cli(command, path)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout
        assert f"{path}{where}" in done.stderr, done.stderr
        assert "hint:" in done.stderr


def test_validate_bundled(run_cli) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("validate", *SCENARIOS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("✓") == len(SCENARIOS)


def test_validate_with_bad_override(run_cli) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("validate", SCENARIOS[0], "--set", "design.budget.amount=-3")
    assert done.returncode == 2
    assert "--set design.budget.amount=-3: design.budget.amount:" in done.stderr


def test_version_and_help(run_cli) -> None:  # type: ignore[no-untyped-def]
    first, engine, *_ = run_cli("--version").stdout.splitlines()
    assert first == f"econsim {__version__}"
    assert engine.startswith("engine: compiled (numba ")  # numba is a default dependency
    helped = run_cli("--help")
    assert helped.returncode == 0
    for command in ("validate", "init", "schema", "calibrate", "run"):
        assert command in helped.stdout


def test_init_writes_valid_scenarios(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listed = run_cli("init", "--list", tmp_path / "unused.yaml").stdout.split()
    assert "starter" in listed and "wealth-management" in listed
    for name in listed:
        path = tmp_path / f"{name}.yaml"
        done = run_cli("init", path, "--template", name)
        assert done.returncode == 0, done.stderr
        assert load_scenario(path).name
    again = run_cli("init", tmp_path / "starter.yaml")
    assert again.returncode == 2 and "--force" in again.stderr
    unknown = run_cli("init", tmp_path / "x.yaml", "--template", "nope")
    assert unknown.returncode == 2 and "choose one of" in unknown.stderr


def test_starter_is_commented() -> None:
    text = (ROOT / "econsim" / "templates" / "starter.yaml").read_text(encoding="utf-8")
    assert sum(1 for line in text.splitlines() if "#" in line) >= 15


def test_the_starter_calibrates_without_a_warning() -> None:
    """A new user's first `econsim calibrate` of `econsim init`'s file is clean (issue 39:
    it warned of an inverted incentive — premium earned less per unit spent than basic)."""
    from econsim.calibration import calibrate

    cal = calibrate(load_scenario(ROOT / "econsim" / "templates" / "starter.yaml"))
    assert cal.warnings == ()


def test_schema_is_json_schema(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert "design" in schema["properties"]
    out = tmp_path / "schema.json"
    assert run_cli("schema", "-o", out).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema
