"""Golden outputs: the numbers of two bundled runs, byte for byte.

A refactor must not change a number. When a change *means* to change numbers, regenerate
the files with the command in ``ARGS`` (``econsim run SCENARIO -o DIR ...``), copy
summary.json and daily.csv here (``NAME.*``), and say in the commit message why the numbers
moved.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
ARGS = ("--replications", "2", "--seed", "7", "--set", "population.users=1500", "--workers", "1",
        "--no-charts")  # fmt: skip


@pytest.mark.parametrize("name", ["coffee-healthy", "calibration-example"])
def test_run_outputs_equal_the_golden_files(run_cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / name
    done = run_cli("run", ROOT / "scenarios" / f"{name}.yaml", "-o", out, *ARGS)
    assert done.returncode in (0, 3), done.stderr
    golden = GOLDEN / name
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == json.loads(
        Path(f"{golden}.summary.json").read_text(encoding="utf-8")
    )
    assert (out / "daily.csv").read_bytes() == Path(f"{golden}.daily.csv").read_bytes()
