"""Past validation (issue 22): what a user types never ends in a traceback."""

from __future__ import annotations

import os
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


# -- case 5: the output location is checked before any work, whatever -o names -------------


@pytest.fixture
def unwritable(tmp_path: Path) -> Path:
    """A folder nothing can be created in (root ignores permissions: /proc then)."""
    if os.geteuid() == 0:
        if not Path("/proc/self").is_dir():
            pytest.skip("running as root without /proc: no unwritable folder to test")
        return Path("/proc")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked


MISSING = ROOT / "scenarios" / "no-such-file.yaml"  # loaded only after the output check


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("run", MISSING, "-o", "{file}"), "{file} is a file"),
        (("run", MISSING, "-o", "{file}", "--force"), "{file} is a file"),
        (("run", MISSING, "-o", "{file}/sub"), "{file} is a file, not a folder"),
        (("run", MISSING, "-o", "{locked}/out"), "cannot write in {locked}"),
        (("compare", MISSING, MISSING, "-o", "{file}", "--force"), "{file} is a file"),
        (("compare", MISSING, MISSING, "-o", "{locked}/x"), "cannot write in {locked}"),
        (("calibrate", MISSING, "-o", "{folder}"), "{folder} is a folder"),
        (("calibrate", MISSING, "-o", "{locked}/c.yaml"), "cannot write in {locked}"),
        (("sweep", MISSING, "--param", "seed=1,2", "-o", "{file}"), "{file} is a file"),
        (("test", MISSING, "--vary", "seed=1:2", "-o", "{file}", "--force"), "{file} is a file"),
        (("fit", MISSING, "--design", MISSING, "-o", "{folder}"), "{folder} is a folder"),
        (("segment", MISSING, "-o", "{locked}/s"), "cannot write in {locked}"),
    ],
)
def test_a_bad_output_fails_at_once_naming_it(
    run_cli, tmp_path: Path, unwritable: Path, args: tuple[str | Path, ...], named: str
) -> None:  # type: ignore[no-untyped-def]
    places = {"file": tmp_path / "taken.txt", "folder": tmp_path / "dir", "locked": unwritable}
    places["file"].write_text("not a folder\n", encoding="utf-8")
    places["folder"].mkdir()
    done = run_cli(*(str(a).format(**places) for a in args))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert message.startswith("-o: ") and named.format(**places) in message
    assert "choose another -o" in message or "give -o" in message
    assert places["file"].read_text(encoding="utf-8") == "not a folder\n"  # left alone


def test_report_write_refuses_the_wrong_kind_even_with_force(tmp_path: Path) -> None:
    from econsim.errors import OutputError
    from econsim.report import check_target

    taken = tmp_path / "taken.txt"
    taken.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        check_target(taken, force=True)
    with pytest.raises(OutputError, match="is a folder"):
        check_target(tmp_path, force=True, folder=False)
    assert check_target(taken, force=True, folder=False) == taken
    assert check_target(tmp_path / "new" / "deep", folder=True) == tmp_path / "new" / "deep"
    assert not (tmp_path / "new").exists()  # checking makes nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.txt"]  # no probe left behind
