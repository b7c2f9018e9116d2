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


BOMB = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


def test_a_yaml_bomb_is_refused_at_once(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Case 3: nine lines of aliases standing for 387 million values."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    done = run_cli("validate", bomb)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{bomb}:1:1" in done.stderr and "more than 100,000 values" in done.stderr


def test_a_huge_file_is_refused_before_it_is_parsed(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Case 3: a valid scenario padded with 5 MB of comments."""
    padded = tmp_path / "padded.yaml"
    padded.write_text(COFFEE.read_text(encoding="utf-8") + ("# " + "x" * 98 + "\n") * 50_000,
                      encoding="utf-8")  # fmt: skip
    done = run_cli("validate", padded)
    assert done.returncode == 2 and "the limit is 1,000,000" in done.stderr


RECORD_LOG = ROOT / "scenarios" / "history" / "record-store-events.csv"
RECORD = ROOT / "scenarios" / "record-store.yaml"


def _log(tmp_path: Path, amount: str | None = None, cell: tuple[int, str] | None = None) -> Path:
    """The record store's log with every purchase amount replaced, or one cell replaced."""
    import csv

    with RECORD_LOG.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        if amount is not None and row[2] == "purchase":
            row[3] = amount
    if cell is not None:
        rows[cell[0]][4] = cell[1]
    path = tmp_path / "events.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_fit_reads_a_fixed_price_as_a_fixed_amount(tmp_path: Path) -> None:
    """Case 4: every purchase at one price (a NaN in the solver before)."""
    import econsim

    found = econsim.fit(_log(tmp_path, "19.99"), RECORD, initial_days=0)
    (amount,) = found.amounts
    assert amount.distribution == "fixed" and amount.mean == pytest.approx(19.99)
    tiers = found.population["tiers"]
    assert all(t["core"]["purchase"]["amount"]["distribution"] == "fixed" for t in tiers.values())


@pytest.mark.parametrize("amount", ["", "0"])
def test_fit_of_a_core_behaviour_without_amounts_names_the_column(
    tmp_path: Path, amount: str
) -> None:
    """Case 4: purchases logged without amounts, or all 0 (a reduction on nothing before)."""
    import econsim
    from econsim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="none has an amount above 0") as err:
        econsim.fit(_log(tmp_path, amount), RECORD, initial_days=0)
    assert err.value.problems[0].path == "amount"


def test_an_absurd_amount_is_a_row_located_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Case 4: 1e308 (a brentq NaN before, blamed on the design file)."""
    done = run_cli("fit", _log(tmp_path, "1e308"), "--design", RECORD, "-o", tmp_path / "f.yaml")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "events.csv:2:" in done.stderr and "more than anyone spends" in done.stderr


@pytest.mark.parametrize("command", ["fit", "segment"])
def test_a_cell_past_csvs_limit_is_a_located_error(run_cli, tmp_path: Path, command: str) -> None:  # type: ignore[no-untyped-def]
    """Case 4: a cell over 131,072 characters (csv.Error before)."""
    log = _log(tmp_path, cell=(5, "x" * 200_000))
    args = ("--design", RECORD, "-o", tmp_path / "f.yaml") if command == "fit" else (
        "-o", tmp_path / "seg")  # fmt: skip
    done = run_cli(command, log, *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "events.csv:6:1" in done.stderr and "field larger than field limit" in done.stderr


WEALTH = ROOT / "scenarios" / "wealth-management.yaml"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        # referrals compound: 300 members at 0.5 a day is a population no machine holds
        (["run", WEALTH, "--set", "population.users=300", "--set",
          "population.referral_rate=0.5"], "with referrals compounding"),
        (["run", COFFEE, "--replications", "999999"], "999999 replication(s) kept"),
        # on a cluster too: the check no longer waits for the workers to fail
        (["run", COFFEE, "--set", "population.users=10000000000", "--scheduler",
          "tcp://127.0.0.1:9"], "needs about"),
        (["sweep", WEALTH, "--param", "population.referral_rate=0.0,0.5"], "compounding"),
        (["sweep", COFFEE, "--param", "design.catalog.mug.points_price=1:2:1000000000000"],
         "more points than a sweep can run"),
        (["optimize", WEALTH, "--vary", "population.referral_rate=0:0.5"], "compounding"),
    ],
)  # fmt: skip
def test_the_memory_guard_refuses_before_anything_starts(
    run_cli, tmp_path: Path, args: list[object], named: str
) -> None:  # type: ignore[no-untyped-def]
    """Case 2: every path checks the worst case before it allocates or writes."""
    done = run_cli(*args, "-o", tmp_path / "out")
    assert done.returncode == 2, done.stderr[-2000:]
    assert named in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_huge_cap_calibrates_at_once_with_honest_warnings(run_cli) -> None:  # type: ignore[no-untyped-def]
    """Case 6: a period cap of 10^15 gave HiGHS a hopeless model (and a 'time limit' claim,
    now a 'search limit' one)."""
    done = run_cli(
        "calibrate", COFFEE, "--set", "design.behaviours.sign_in.period_cap=" + "1" + "0" * 15
    )
    assert done.returncode == 0, done.stderr
    assert "search limit" not in done.stdout
    assert "unreachable with integer points" in done.stdout


@pytest.mark.parametrize("command", ["validate", "calibrate", "run"])
def test_calibration_problems_are_found_by_validate_and_located(
    run_cli, tmp_path: Path, command: str
) -> None:  # type: ignore[no-untyped-def]
    """Case 9: validate passed what run refused, and the refusal named no line."""
    text = COFFEE.read_text(encoding="utf-8")
    bad = tmp_path / "share-1.yaml"
    bad.write_text(text.replace("      core_share: 0.7\n", "      core_share: 1.0\n", 1),
                   encoding="utf-8")  # fmt: skip
    line = text.splitlines().index("      core_share: 0.7") + 1
    extra = ["-o", tmp_path / "out"] if command == "run" else []
    done = run_cli(command, bad, *extra)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"share-1.yaml:{line}:7: design.tiers.member.core_share" in done.stderr
    assert "cannot be reached" in done.stderr


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (zombies count as gone)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _is_worker(pid: int) -> bool:
    try:
        return "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_killing_a_parallel_sweep_ends_its_workers(tmp_path: Path) -> None:
    """Case 10: workers used to run on for minutes after their parent's kill -9."""
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [sys.executable, "-m", "econsim", "sweep", str(COFFEE), "--param",
         "design.budget.ratio=0.02:0.04:6", "--workers", "2", "--replications", "4",
         "-o", str(tmp_path / "sweep")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = [p for p in _children(parent.pid) if _is_worker(p)]
            time.sleep(0.1)
        assert len(workers) >= 2, "the sweep never started its workers"
        time.sleep(1.0)  # the workers are inside a simulation now
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "workers outlived their parent"


@pytest.mark.slow  # a process killed
def test_a_run_killed_while_writing_leaves_the_previous_run_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case 11: --force wrote over a folder file by file; a kill mixed two runs."""
    import econsim
    from econsim import report

    small = ["population.users=300", "population.acquisition_per_day=0", "horizon_days=40"]
    first = econsim.run(COFFEE, overrides=small, replications=1, workers=1)
    out = tmp_path / "runs" / "coffee"
    report.write(first, out)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = econsim.run(COFFEE, overrides=[*small, "seed=99"], replications=1, workers=1)
    calls = 0

    def dies_half_way(path: Path, text: str, encoding: str = "utf-8") -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # after summary.json: the kill lands mid-run
            raise KeyboardInterrupt
        write_text(path, text, encoding)

    from econsim.atomic import write_text
    from econsim.report import exports

    with monkeypatch.context() as patch:
        patch.setattr(exports, "write_text", dies_half_way)
        with pytest.raises(KeyboardInterrupt):
            report.write(second, out, force=True)
    after = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # every file of the first run, none of the second
    assert sorted(p.name for p in out.parent.iterdir()) == ["coffee"]  # nothing left over
    report.write(second, out, force=True)
    assert (out / "summary.json").read_bytes() != before["summary.json"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["coffee"]


def test_an_unexpected_error_is_reported_as_a_bug_with_its_traceback_in_a_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last-resort handler: a short message, the command again, the traceback's file."""
    import econsim.scenario
    from econsim.cli import main

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug no test has found yet")

    monkeypatch.setattr(econsim.scenario, "load_scenario", broken)
    monkeypatch.setattr("sys.argv", ["econsim", "validate", str(COFFEE)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 1
    text = capsys.readouterr().err
    assert "ZeroDivisionError: a bug no test has found yet" in text
    assert f"reproduce: econsim validate {COFFEE}" in text and "Traceback" not in text
    crash = Path(text.split("the full traceback is in ")[1].split()[0])
    assert "Traceback (most recent call last)" in crash.read_text(encoding="utf-8")
    crash.unlink()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--seed", "-1"], "--seed"),
        (["--replications", str(10**30)], "--replications"),
        (["--scheduler", "not a url"], "is not a Dask scheduler address"),
        (["--set", "design.behaviours.sign_in.period_cap=" + str(2**62)], "period_cap"),
        (["--set", "design.calibration.target_exchange_ratio=1e308"], "target_exchange_ratio"),
        (["--set", "population.users=true"], "not true/false"),
    ],
)
def test_values_past_what_a_programme_means_are_refused_by_name(
    run_cli, tmp_path: Path, args: list[str], named: str
) -> None:  # type: ignore[no-untyped-def]
    """Case 8 and 12: values that validated (or half-validated) crashed the run."""
    done = run_cli("run", COFFEE, "--set", "population.users=200", *args, "-o", tmp_path / "o")
    assert done.returncode == 2, done.stderr[-1500:]
    assert named in done.stderr and "Traceback" not in done.stderr
    assert "unexpected error" not in done.stderr


@pytest.mark.parametrize(
    ("sets", "named"),
    [
        (["horizon_days=3000000"], "horizon_days"),
        (["start_date=9999-12-01"], "past the calendar's last date"),
        (["design.behaviours.sign_in.points=1000000000000", "population.users=1000000"],
         "a ledger can count exactly"),
    ],
)  # fmt: skip
def test_dates_and_sums_past_what_a_run_can_hold_are_refused(
    run_cli, tmp_path: Path, sets: list[str], named: str
) -> None:  # type: ignore[no-untyped-def]
    """Case 8 (date overflow) and 12 (int64 wrap-around surfaced as an unbalanced ledger)."""
    args = [a for s in sets for a in ("--set", s)]
    done = run_cli("run", COFFEE, "--as-written", *args, "-o", tmp_path / "o")
    assert done.returncode == 2 and named in done.stderr, done.stderr[-1500:]
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr


# -- case 5: the output location is checked before any work, whatever -o names -------------


@pytest.fixture
def unwritable(tmp_path: Path) -> Path:
    """A folder nothing can be created in (root ignores permissions: /proc then)."""
    if os.geteuid() == 0:
        return Path("/proc")  # root may write anywhere else; /proc refuses new files
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
        (("optimize", MISSING, "--vary", "seed=1:2", "-o", "{file}"), "{file} is a file"),
        (
            ("sensitivity", MISSING, "--vary", "seed=1:2", "-o", "{locked}/s"),
            "cannot write in {locked}",
        ),
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


# -- case 7: more tiers than the engine's one-byte tier index -------------------------------


def _one_tier(node: object) -> None:
    """Every map keyed by the coffee tiers becomes the member tier's value (multipliers go)."""
    if not isinstance(node, dict):
        return
    for key, value in list(node.items()):
        if isinstance(value, dict) and value and set(value) <= {"member", "gold"}:
            if key == "tier_multipliers":
                del node[key]
            else:
                node[key] = value["member"]
        else:
            _one_tier(value)


def _tiers(tmp_path: Path, count: int) -> Path:
    """The coffee scenario with ``count`` fixed-layer tiers of equal share."""
    import yaml

    data = yaml.safe_load(COFFEE.read_text(encoding="utf-8"))
    design, people = data["design"]["tiers"]["member"], data["population"]["tiers"]["member"]
    design.pop("entry", None)
    _one_tier(data["design"])  # per-tier caps and multipliers: the member tier's, for all
    data["design"]["tiers"] = {f"t{i}": design for i in range(count)}
    data["population"]["tiers"] = {f"t{i}": {**people, "share": 1 / count} for i in range(count)}
    data["population"].update(users=300, acquisition_per_day=0)
    data["population"]["lifecycle"]["churn_hazard"] = 0.0  # so every member is counted
    data["horizon_days"] = 30
    path = tmp_path / f"tiers-{count}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_too_many_tiers_is_a_located_error(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """129 tiers overflowed the engine's int8 tier index; now validate names the section."""
    scenario = _tiers(tmp_path, 129)
    done = run_cli("validate", scenario)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "design.tiers" in message and "129 tiers; econsim runs at most 100" in message
    assert f"{scenario}:" in message


def test_the_most_tiers_allowed_run(tmp_path: Path) -> None:
    """The limit is honest: 100 tiers simulate, every member in one of them."""
    import econsim

    run = econsim.run(_tiers(tmp_path, 100), seed=3, replications=1, workers=1)
    assert len(run.results.tiers) == 100
    members = [run.results.columns()[f"users|t{i}"][-1] for i in range(100)]  # the last day
    assert sum(members) == 300 and sum(m > 0 for m in members) > 50  # spread over the tiers


def test_the_engine_refuses_too_many_tiers_built_in_python(tmp_path: Path) -> None:
    """A Scenario made in Python skips the loader's check; the engine still names the cause."""
    import yaml

    from econsim.engine import simulate
    from econsim.errors import SimulationError
    from econsim.scenario.schema import Scenario

    path = _tiers(tmp_path, 129)
    scenario = Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    with pytest.raises(SimulationError, match="129 tiers; the engine runs at most 127"):
        simulate(scenario, seed=1, replications=1)


# -- case 12: silent wrongs --------------------------------------------------------------------


def test_the_same_field_swept_twice_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The second --param silently replaced the first."""
    mug = "design.catalog.mug.points_price"
    done = run_cli("sweep", COFFEE, "--param", f"{mug}=2000,3000", "--param", f"{mug}=4000",
                   "-o", tmp_path / "s")  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "'design.catalog.mug.points_price' is swept by more than one --param" in message
    assert not (tmp_path / "s").exists()


def test_a_grid_past_64_bit_counts_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Five parameters of 100,000 values: 10^25 points wrapped around in a 64-bit product."""
    fields = ["design.catalog.mug.points_price", "design.catalog.cup_upgrade.points_price",
              "design.catalog.free_coffee.points_price", "population.users", "seed"]  # fmt: skip
    params = [a for f in fields for a in ("--param", f"{f}=1:100000:100000")]
    done = run_cli("sweep", COFFEE, *params, "-o", tmp_path / "s")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the grid has 10,000,000,000,000,000,000,000,000 points" in done.stderr


def test_a_path_with_a_superscript_is_a_located_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    """'²' is a digit to str.isdigit but not to int(): a ValueError before."""
    done = run_cli("validate", COFFEE, "--set", "design.rule_changes.²=1")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--set design.rule_changes.²=1" in done.stderr


def _strict(text: str) -> object:
    import json

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_undefined_figures_are_null_in_every_json(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A month with nobody redeeming and nothing expiring: breakage and the consumer
    ratios are undefined, written as null (NaN is not JSON for most parsers)."""
    quiet = ("--set", "population.users=200", "--set", "horizon_days=20",
             "--set", "population.tiers.member.redemption_propensity=0",
             "--set", "population.tiers.gold.redemption_propensity=0")  # fmt: skip
    done = run_cli(
        "run", COFFEE, *quiet, "--replications", "1", "--no-charts", "-o", tmp_path / "r"
    )
    assert done.returncode in (0, 3), done.stderr
    summary = _strict((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert None in _leaves(summary)
    done = run_cli("calibrate", COFFEE, *quiet, "--json")
    assert done.returncode == 0, done.stderr
    _strict(done.stdout)
    done = run_cli("segment", RECORD_LOG, "-o", tmp_path / "seg")
    assert done.returncode == 0, done.stderr
    _strict((tmp_path / "seg" / "segments.json").read_text(encoding="utf-8"))


def _leaves(x: object) -> list[object]:
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    if isinstance(x, list):
        return [leaf for v in x for leaf in _leaves(v)]
    return [x]


def test_a_dead_writers_temp_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    """Case 11: a write killed mid-file left .NAME.*.tmp behind for good."""
    from econsim.atomic import write_text

    target = tmp_path / "best.yaml"
    dead = tmp_path / f".best.yaml.{2**22 + 1}.x1y2.tmp"  # past any pid_max: no such process
    live = tmp_path / f".best.yaml.{os.getpid()}.a1b2.tmp"  # a writer still at work
    other = tmp_path / f".other.yaml.{2**22 + 1}.q.tmp"  # another file's: not ours to judge
    for path in (dead, live, other):
        path.write_text("half", encoding="utf-8")
    write_text(target, "name: x\n")
    assert target.read_text(encoding="utf-8") == "name: x\n"
    assert not dead.exists() and live.exists() and other.exists()
