"""Past validation (issue 22): what a user types never ends in a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"


@pytest.mark.parametrize(
    ("override", "named"),
    [
        # a mistyped catalog item: a new, incomplete item, blamed on the override
        ("design.catalog.mugg.points_price=5", "design.catalog.mugg.cost: Field required"),
        ("design.tiers.platinum.core_share=0.5", "design.tiers.platinum"),
        ("design.mechanics.referral.inviter_points=50", "design.mechanics.referral.invitee_points"),
    ],
)
def test_a_new_name_in_set_is_a_located_error_not_a_crash(
    run_cli, override: str, named: str
) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("validate", COFFEE, "--set", override)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"--set {override}" in done.stderr and named in done.stderr


def test_a_new_name_in_a_sweep_parameter_is_a_located_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("sweep", COFFEE, "--param", "design.catalog.mugg.points_price=1:3:2",
                   "-o", tmp_path / "s")  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "design.catalog.mugg" in done.stderr
