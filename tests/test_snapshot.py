"""A member-state snapshot: of a simulation, of a live log's books, as a file; a replication
that goes on from one (docs/state.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from econsim.calibration import calibrate
from econsim.engine.calendar import run_calendar
from econsim.engine.compiled import uniform
from econsim.engine.model import Model, compile_model
from econsim.engine.run import simulate_events
from econsim.engine.simulation import Simulation
from econsim.engine.snapshot import Snapshot, Start, continue_from, snapshot_of
from econsim.errors import SimulationError
from econsim.history.event_writer import write_events
from econsim.history.snapshot_file import SnapshotError, read_snapshot, write_snapshot
from econsim.monitor.actual_books import actual_results
from econsim.monitor.actual_state import books_snapshot
from econsim.monitor.log import read_live_log
from econsim.pipeline import simulated_scenario
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides
from tests.conftest import ROOT

SEED = 5
#: Bundled scenarios whose books a log holds: every expiry policy, tiers moved by review
#: (by points earned and by core amount), a rule change of point values, BG/NBD.
CASES = {
    "coffee-healthy": ["design.expiry={policy: rolling, months: 1}"],  # lots expire
    "e-commerce": [],  # expiry at the end of the next year; tiers by amount
    "content-community": [],  # tiers by points earned, a streak and a bundle
    "wealth-management": [],  # a devaluation on its day
    "record-store": [],  # no expiry; BG/NBD repeat buying
}


@functools.cache
def programme(name: str, days: int = 330, users: int = 400, case: bool = True) -> Scenario:
    """The bundled scenario at ``users`` members over ``days``, as its programme runs
    (calibrated); ``case``: with this file's changes (``CASES``)."""
    from econsim.testing import scale_overrides

    file = scenario_file(name)
    s = with_overrides(
        file,
        [*scale_overrides(file, users), f"horizon_days={days}", *(CASES[name] if case else [])],
    )
    return simulated_scenario(s, calibrate(s))


def scenario_file(name: str) -> Scenario:
    from econsim import load_scenario

    return load_scenario(ROOT / "scenarios" / f"{name}.yaml")


def simulated(s: Scenario, stop: int | None = None) -> Simulation:
    """Replication 0 of ``SEED``, as ``simulate_events`` runs it, stopped before ``stop``."""
    child = np.random.SeedSequence(SEED).spawn(1)[0]
    sim = Simulation(compile_model(s), np.random.default_rng(child))
    run_calendar(sim, stop)
    return sim


def lots(snap: Snapshot) -> Counter[tuple[str, str]]:
    """Points by (member, expiry date)."""
    out: Counter[tuple[str, str]] = Counter()
    for m, p, e in zip(snap.lot_member, snap.lot_points, snap.lot_expires, strict=True):
        out[str(snap.member[m]), str(e)] += int(p)
    return out


@pytest.mark.parametrize("name", CASES)
def test_a_logs_books_give_the_simulations_own_members(name: str, tmp_path: Path) -> None:
    """The snapshot of the books rebuilt from a recorded log equals the simulation's own
    state on the log's last day: balances, lots with their expiry dates, tiers, the days
    that drive the lifecycle, and the tier review's metric."""
    s = programme(name)
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(s, seed=SEED, ledger=True))
    model = compile_model(s)
    books = books_snapshot(read_live_log(log, model, None, points=model), model)
    own = snapshot_of(simulated(s))
    row = {m: i for i, m in enumerate(own.member)}
    at = np.array([row[m] for m in books.member])
    assert books.as_of == own.as_of
    assert books.members == own.members
    assert books.outstanding == own.outstanding > 0
    np.testing.assert_array_equal(books.balance, own.balance[at])
    assert lots(books) == lots(own)
    np.testing.assert_array_equal(books.tier, own.tier[at])
    for name_ in ("joined", "last_behaviour", "last_redeemed"):
        np.testing.assert_array_equal(getattr(books, name_), getattr(own, name_)[at])
    # a log's amounts are in cents: a sum of them is within a cent a row
    np.testing.assert_allclose(books.qualifying, own.qualifying[at], rtol=1e-4, atol=0.05)
    # churn does not show in a log: a member who left is in the state its days give
    churned = own.state[at] == 3
    np.testing.assert_array_equal(books.state[~churned], own.state[at][~churned])
    assert (books.state[churned] != 3).all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_snapshot_file_reads_back_as_written(suffix: str, tmp_path: Path) -> None:
    s = programme("e-commerce")
    snap = snapshot_of(simulated(s))
    path = tmp_path / f"state{suffix}"
    write_snapshot(path, snap)
    back = read_snapshot(path, compile_model(s))
    for field in dataclasses.fields(Snapshot):
        a, b = getattr(snap, field.name), getattr(back, field.name)
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, err_msg=field.name)
        elif isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
        else:
            assert a == b, field.name


def _written(tmp_path: Path) -> tuple[Path, Model, list[str]]:
    s = programme("coffee-healthy")
    path = tmp_path / "state.csv"
    write_snapshot(path, snapshot_of(simulated(s)))
    return path, compile_model(s), path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("tier", "platinum", "unknown tier 'platinum'"),
        ("state", "asleep", "unknown state 'asleep'"),
        ("points", "-5", "'-5' is not a whole number from 0"),
        ("joined", "2031-01-01", "joined 2031-01-01 is after as_of"),
        ("expires", "2027-11-01", "a lot that expired on 2027-11-01 is still held"),
        ("expires", "2028-01-15", "cannot give points earned by"),
        ("as_of", "2027-11-27", "as_of 2027-11-27, where other rows say 2027-11-26"),
    ],
)
def test_a_snapshot_that_contradicts_the_design_names_its_row(
    column: str, value: str, message: str, tmp_path: Path
) -> None:
    path, model, lines = _written(tmp_path)
    header = lines[0].split(",")
    held = next(i for i, line in enumerate(lines[1:], 1) if line.split(",")[-1])
    cells = lines[held].split(",")
    cells[header.index(column)] = value
    lines[held] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SnapshotError) as err:
        read_snapshot(path, model)
    said = str(err.value)
    assert f"{path}:{held + 1}:" in said and message in said, said  # the header is line 1


def test_a_members_rows_must_agree(tmp_path: Path) -> None:
    path, model, lines = _written(tmp_path)
    cells = lines[1].split(",")
    was = cells[3]  # the state column
    cells[3] = "dormant" if was != "dormant" else "active"
    lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SnapshotError, match=rf"{len(lines)}:.*state '{cells[3]}' here and '{was}'"):
        read_snapshot(path, model)


def _continuations(
    s: Scenario, stop: int, start: Start, reps: int
) -> tuple[list[float], list[float]]:
    """The first month's points redeemed by ``reps`` continuations of the simulation past
    ``stop`` (its own state, new random futures) and ``reps`` runs from ``start``."""
    truth, snap = [], []
    data = simulated(s, stop).checkpoint()
    model = compile_model(s)
    for k in range(reps):
        sim = Simulation.restore(data)
        sim.rng, sim.spend_rng = np.random.default_rng(100 + k), np.random.default_rng(200 + k)
        sim.streams = tuple(uniform.seeded(g) for g in (sim.rng, sim.spend_rng, sim.campaign_rng))
        run_calendar(sim)
        truth.append(float(sim.ledger.redeemed[stop : stop + 30].sum()))
        other = continue_from(model, start, np.random.default_rng(300 + k))
        run_calendar(other)
        snap.append(float(other.ledger.redeemed[stop : stop + 30].sum()))
    return truth, snap


@pytest.mark.slow  # a year-old programme, continued 16 times
def test_a_forecast_from_a_year_old_snapshot_redeems_its_saved_points() -> None:
    """Going on from the snapshot of a year-old programme redeems in its first month what
    the programme itself goes on to redeem (within Monte Carlo error); from empty wallets
    — all a forecast had without the snapshot — it redeems far less."""
    s = programme("coffee-healthy", days=395, users=1500, case=False)  # a year's expiry
    stop = 365
    sim = simulated(s, stop)
    snap, books = snapshot_of(sim), sim.ledger.arrays()
    assert snap.outstanding > 500_000  # a year of saved-up points
    truth, from_snap = _continuations(s, stop, Start(snap, books), reps=8)
    se = np.sqrt(np.var(truth, ddof=1) / 8 + np.var(from_snap, ddof=1) / 8)
    assert abs(np.mean(from_snap) - np.mean(truth)) < 4 * se, (truth, from_snap)
    none = slice(0, 0)
    empty = dataclasses.replace(snap, lot_member=snap.lot_member[none],
                                lot_points=snap.lot_points[none],
                                lot_expires=snap.lot_expires[none])  # fmt: skip
    nothing = {k: np.zeros_like(v) for k, v in books.items()}
    _, from_empty = _continuations(s, stop, Start(empty, nothing), reps=2)
    assert max(from_empty) < 0.8 * min(truth), (truth, from_empty)


def test_a_snapshot_goes_on_from_the_books_it_was_taken_of() -> None:
    s = programme("coffee-healthy")
    sim = simulated(s, 100)
    books: dict[str, Any] = sim.ledger.arrays()
    other = snapshot_of(simulated(programme("coffee-healthy", users=300), 100))
    with pytest.raises(SimulationError, match="goes on from the books it was taken of"):
        continue_from(compile_model(s), Start(other, books), np.random.default_rng(0))
    late = dataclasses.replace(snapshot_of(sim), as_of=s.start_date.replace(year=2031))
    with pytest.raises(SimulationError, match="outside the scenario's days"):
        continue_from(compile_model(s), Start(late, books), np.random.default_rng(0))


def test_the_monitor_forecasts_from_the_books_it_writes(tmp_path: Path) -> None:
    """``econsim monitor`` writes the members as the books leave them (state.parquet) and
    its forecast starts there: on the log's last day every path is the actual books."""
    from econsim.monitor import monitor
    from econsim.report import write

    s = programme("coffee-healthy", days=120)
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(s, seed=SEED, ledger=True))
    design = with_overrides(scenario_file("coffee-healthy"), ["population.users=400",
                            *CASES["coffee-healthy"]])  # fmt: skip
    m = monitor(log, design, periods=1, replications=4, seed=3)
    write(m, tmp_path / "out")
    state = read_snapshot(tmp_path / "out" / "state.parquet", compile_model(m.scenario))
    actual = int(m.actual.results["outstanding"][0, -1].sum())
    assert state.outstanding == m.state.outstanding == actual
    assert m.forecast is not None
    last = m.forecast.as_of
    for path in m.forecast.paths:
        assert path.at("outstanding points", last) == (actual, actual, actual)
        low, _, high = path.at("outstanding points", last + 20)
        assert low < high  # and the replications part after it
        # the liability run-off: every replication accounts for each point held on as_of
        redeemed, expired, left = path.runoff[:, last:].transpose(2, 0, 1)
        assert (redeemed + expired + left == actual).all() and (redeemed[:, -1] > 0).all()
    months = m.summary()["forecast"]["paths"]["design"]["liability_runoff"]["months"]
    assert [r["month"][:7] for r in months] == ["2027-05"]
    book = load_workbook(tmp_path / "out" / "finance.xlsx")
    rows = list(book["liability run-off"].values)
    assert rows[1][:2] == ("design", months[0]["month"])
    # the breakage memo shows the simulation's own URR beside the books' (issue 36): the
    # points of the log's months followed from the state, with 1-month expiry all settled
    own = m.forecast.ultimate
    assert own.method == "simulation from today's state" and "3 years" in own.note
    redeemed = m.actual.results.total("redeemed").sum()
    issued = m.actual.results.total("issued").sum()
    assert redeemed / issued < own.urr < 1
    shown = [c.method for c in m.actual.metrics.breakage_memo.estimate.candidates]
    assert shown[-1] == own.method
    memo = [r[0] for r in book["breakage memo"].values]
    assert own.method in memo


@pytest.mark.slow  # a recorded programme, continued six times
def test_a_forecast_from_a_logs_books_redeems_what_the_programme_went_on_to(
    tmp_path: Path,
) -> None:
    """A log cannot show who left: going on from its books, with the quiet members who
    left drawn from their silence, redeems in the next month what the recorded programme
    did (the truth, one run: inside the continuations' spread); taking every quiet member
    as staying redeems too much."""
    s = programme("coffee-healthy", days=180, users=1500, case=False)
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(s, seed=SEED, ledger=True))
    truth = float(simulated(s).ledger.redeemed[120:150].sum())
    short = compile_model(s.model_copy(update={"horizon_days": 120}))
    live = read_live_log(log, short, s.start_date.replace(month=4, day=30), points=short)
    books = actual_results(live, short, 0).arrays
    snap = books_snapshot(live, short)
    assert not snap.churn_known and snap.as_of.isoformat() == "2027-04-30"

    def month(snapshot: Snapshot, k: int) -> float:
        sim = continue_from(compile_model(s), Start(snapshot, books), np.random.default_rng(k))
        run_calendar(sim)
        return float(sim.ledger.redeemed[120:150].sum())

    drawn = [month(snap, k) for k in range(6)]
    sd = np.std(drawn, ddof=1)
    assert abs(np.mean(drawn) - truth) < 3 * sd + 0.01 * truth, (truth, drawn)
    staying = [month(dataclasses.replace(snap, churn_known=True), k) for k in range(6)]
    se = np.sqrt((np.var(drawn, ddof=1) + np.var(staying, ddof=1)) / 6)
    assert np.mean(staying) - np.mean(drawn) > 4 * se, (truth, drawn, staying)


def test_the_runoff_follows_the_snapshots_points_oldest_first() -> None:
    """The points held on the snapshot's day are used up before any earned after it: when
    members earn nothing more, every point redeemed or expired is one of them; and always
    redeemed + expired + still outstanding is what they held."""
    s = programme("coffee-healthy", days=330, users=400)
    sim = simulated(s, 250)
    start = Start(snapshot_of(sim), sim.ledger.arrays())
    held = start.snapshot.outstanding
    for extra, earning in (([], True), (["population.uptake_scale=0"], False)):
        model = compile_model(with_overrides(s, extra))
        other = continue_from(model, start, np.random.default_rng(1))
        run_calendar(other)
        led = other.ledger
        redeemed, expired, left = led.runoff[249:].T
        assert (redeemed + expired + left == held).all()
        assert (np.diff(left) <= 0).all() and (left <= led.outstanding[249:].sum(axis=1)).all()
        if not earning:
            assert redeemed[-1] == led.redeemed[250:].sum() > 0
            assert expired[-1] == led.expired[250:].sum() > 0
            assert left[-1] == led.outstanding[-1].sum()


def test_a_run_from_a_state_file_opens_with_its_points(tmp_path: Path) -> None:
    """``econsim run --from-state``: the run starts the day after the snapshot, with its
    members; the roll-forward opens with their points and the books add up from there."""
    from econsim.testing import check_ledger
    from tests.conftest import econsim_here

    s = programme("coffee-healthy")
    snap = snapshot_of(simulated(s, 200))
    state = tmp_path / "state.parquet"
    write_snapshot(state, snap)
    design = ROOT / "scenarios" / "coffee-healthy.yaml"
    small = ("--set", "population.acquisition_per_day=1", "--set", "horizon_days=60",
             "--set", CASES["coffee-healthy"][0])  # the snapshot's expiry rule  # fmt: skip
    out = tmp_path / "run"
    done = econsim_here("run", design, "--from-state", state, *small, "--replications", "2",
                        "-o", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    day = snap.as_of + dt.timedelta(days=1)
    assert f"started from {state} on {day}: {snap.members:,} members holding" in done.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["from_state"] == {"start_date": day.isoformat(),
                                     "opening_points": snap.outstanding}  # fmt: skip
    roll = (out / "finance" / "roll-forward.csv").read_text(encoding="utf-8-sig").splitlines()
    assert float(roll[1].split(",")[1]) == snap.outstanding  # the first period's opening
    runoff = list(load_workbook(out / "finance.xlsx")["liability run-off"].values)
    assert runoff[1][:2] == ("run", f"{day:%Y-%m}") and runoff[1][3] > 0  # redeemed, p50
    import econsim

    run = econsim.run(design, state=state, overrides=small[1::2], replications=1, workers=1)
    check_ledger(run)  # opening + issued − redeemed − expired + transferred = outstanding
    assert run.results["runoff"][0, -1, 0] > 0  # its members spent what they held


def test_a_run_from_a_bad_state_file_names_the_row(tmp_path: Path) -> None:
    from tests.conftest import econsim_here

    state = tmp_path / "state.csv"
    write_snapshot(state, snapshot_of(simulated(programme("coffee-healthy"), 100)))
    lines = state.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",member,", ",platinum,", 1).replace(",gold,", ",platinum,", 1)
    state.write_text("\n".join(lines) + "\n", encoding="utf-8")
    design = ROOT / "scenarios" / "coffee-healthy.yaml"
    done = econsim_here("run", design, "--from-state", state, "-o", tmp_path / "run")
    assert done.returncode == 2, done.stdout
    assert f"{state}:4:3: tier: unknown tier 'platinum'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
