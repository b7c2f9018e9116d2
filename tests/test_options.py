"""One convention for the options of run, sweep, compare, fit and segment, and the CLI as
one library call per command."""

from __future__ import annotations

import csv
import inspect
import math
from pathlib import Path

import pytest

import econsim
from econsim.history.events import EventLogError
from econsim.options import RunOptions
from tests.conftest import ROOT

HEALTHY = ROOT / "scenarios" / "coffee-healthy.yaml"
EXPENSIVE = ROOT / "scenarios" / "coffee-too-expensive.yaml"
RECORD_STORE = ROOT / "scenarios" / "record-store.yaml"
EVENTS = ROOT / "scenarios" / "history" / "record-store-events.csv"
SMALL = ("population.users=300", "population.acquisition_per_day=0.3", "horizon_days=30")
SHARED = ("overrides", "seed", "replications", "workers", "executor", "progress")


def test_every_long_call_takes_the_one_set_of_options() -> None:
    """run, sweep, compare, optimize and sensitivity take ``**options`` typed by RunKeywords
    and hand them whole to RunOptions: one list of names, one set of defaults."""
    from econsim.options import RunKeywords

    assert list(RunKeywords.__annotations__) == list(SHARED)
    assert list(RunOptions.__dataclass_fields__) == list(SHARED)
    calls = (econsim.run, econsim.sweep, econsim.compare, econsim.optimize, econsim.sensitivity)
    for call in calls:
        options = inspect.signature(call).parameters["options"]
        assert options.kind is inspect.Parameter.VAR_KEYWORD, call.__name__
        assert options.annotation == "Unpack[RunKeywords]", call.__name__
        assert not set(SHARED) & set(inspect.signature(call).parameters), call.__name__


def test_overrides_apply_to_a_scenario_object_as_to_a_file() -> None:
    design = econsim.load_scenario(HEALTHY)
    run = econsim.run(design, overrides=SMALL, replications=1, workers=1)
    assert run.scenario.population.users == 300 and run.scenario.horizon_days == 30
    from_file = econsim.run(HEALTHY, overrides=SMALL, replications=1, workers=1)
    assert run.summary() == from_file.summary()
    both = [design, econsim.load_scenario(EXPENSIVE)]
    c = econsim.compare(both, overrides=SMALL, replications=2, workers=1)
    assert [r.scenario.horizon_days for r in c.runs] == [30, 30]
    assert [r.results.total("issued").shape for r in c.runs] == [(2, 30), (2, 30)]


def test_a_bad_override_of_a_scenario_object_is_located_at_its_set() -> None:
    design = econsim.load_scenario(HEALTHY)
    with pytest.raises(econsim.ScenarioError, match=r"--set population\.users=-5"):
        econsim.run(design, overrides=["population.users=-5"], workers=1)


def _recorded(call: object) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    call(lambda done, total: calls.append((done, total)))  # type: ignore[operator]
    return calls


@pytest.mark.parametrize(
    ("what", "total"),
    [("run", 2 * 30), ("sweep", 2), ("compare", 2)],
)
def test_progress_is_done_and_total_from_zero_to_total(what: str, total: int) -> None:
    opts = {"overrides": SMALL, "replications": 2, "workers": 1}
    calls = {
        "run": lambda p: econsim.run(HEALTHY, progress=p, **opts),
        "sweep": lambda p: econsim.sweep(
            HEALTHY, ["design.budget.ratio=0.02,0.03"], progress=p, **opts
        ),
        "compare": lambda p: econsim.compare([HEALTHY, EXPENSIVE], progress=p, **opts),
    }
    seen = _recorded(calls[what])
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert all(isinstance(d, int) and t == total for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_workers_and_an_executor_are_one_choice() -> None:
    with pytest.raises(ValueError, match="not both"):
        econsim.run(HEALTHY, workers=2, executor=econsim.LocalExecutor(2))
    assert RunOptions(overrides="horizon_days=30").overrides == ("horizon_days=30",)


def test_fit_from_python_is_what_the_cli_writes(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fitted.yaml"
    done = run_cli("fit", EVENTS, "--design", RECORD_STORE, "-o", out, "--as-of", "1997-06-30")
    assert done.returncode == 0, done.stderr
    fit = econsim.fit(EVENTS, RECORD_STORE, as_of="1997-06-30")
    with (tmp_path / "fitted.fit" / "estimates.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["estimate"] for r in rows] == [e.name for e in fit.estimates]
    for row, e in zip(rows, fit.estimates, strict=True):
        value = float(row["value"])
        assert value == e.value or (math.isnan(value) and math.isnan(e.value)), e.name
    fitted = econsim.load_scenario(out)
    assert fitted.population == fit.scenario(econsim.load_scenario(RECORD_STORE)).population
    assert fit.window_days == 181


def _four_users(tmp_path: Path) -> Path:
    path = tmp_path / "log.csv"
    rows = [["user_id", "date", "event", "amount"]]
    for user, days, amount in (("a", (1, 5, 10), 100), ("b", (1,), 500), ("c", (9,), 10),
                               ("d", (1, 2, 3), 5)):  # fmt: skip
        rows += [[user, f"2027-01-{d:02d}", "purchase", str(amount)] for d in days]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_segment_from_python_is_what_the_cli_writes(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _four_users(tmp_path)
    done = run_cli("segment", path, "-o", tmp_path / "seg", "--as-of", "2027-01-09")
    assert done.returncode == 0, done.stderr
    rfm = econsim.segment(path, as_of="2027-01-09")
    with (tmp_path / "seg" / "segments.csv").open(encoding="utf-8-sig") as fh:
        written = {row["user_id"]: row["segment"] for row in csv.DictReader(fh)}
    assert written == dict(zip(rfm.users, rfm.classes, strict=True))
    assert int(rfm.recency[rfm.users.index("c")]) == 0  # 2027-01-09 is c's only day
    assert (
        econsim.segment(path).recency.tolist()
        == econsim.rfm_classes(econsim.read_events(path)).recency.tolist()
    )


@pytest.mark.parametrize(
    ("as_of", "message"),
    [("2027-13-01", "'2027-13-01' is not a date"), ("2026-12-31", "before the log's first day")],
)
def test_a_bad_as_of_date_is_a_clean_exit_2(
    run_cli, tmp_path: Path, as_of: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = _four_users(tmp_path)
    done = run_cli("segment", path, "-o", tmp_path / "seg", "--as-of", as_of)
    assert done.returncode == 2
    assert message in done.stderr and "--as-of" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "seg").exists()
    with pytest.raises(EventLogError, match=message):
        econsim.fit(path, HEALTHY, as_of=as_of)
