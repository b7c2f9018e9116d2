"""The live log of ``simulate_events(..., ledger=True)`` against the engine's own ledger.

Every point the ledger books is a row of the log: grouped by day, tier and source or sink,
the rows give back the ledger's arrays exactly, and replaying them member by member in file
order never takes a balance below zero and ends at the ledger's outstanding points.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from numpy.typing import NDArray

import econsim
from econsim.atomic import read_parquet
from econsim.engine.calendar import run_calendar
from econsim.engine.compiled.journal import MARGIN
from econsim.engine.model import Model, compile_model
from econsim.engine.recorder import LEDGER_COLUMNS, LedgerRecorder, cents
from econsim.engine.simulation import Simulation
from econsim.errors import SimulationError
from econsim.history import event_writer
from econsim.history.event_writer import write_events
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides
from tests.builders import tiny
from tests.conftest import ROOT

SEED = 7
TINY = ["population.users=60", "population.acquisition_per_day=1"]
#: Bundled scenarios that together use every mechanic (test_every_kind_of_row checks it).
CASES = {
    # rolling expiry of one month, so points expire within the run
    "coffee-healthy": ["design.expiry={policy: rolling, months: 1}"],
    "coffee-festival": [],  # a season and festivals
    "content-community": [],  # a streak, a bundle, tiers by points earned
    # a campaign's multiplier and bonus, random rewards, a point game played often
    "e-commerce": [
        "design.expiry={policy: rolling, months: 2}",
        "population.game_play_probability.lucky_wheel=0.3",
    ],
    "ride-hailing": ["population.users=30"],  # weekly periods, two bundles
    # referrals, a multiplier campaign, a devaluation, a restarting streak
    "wealth-management": ["population.referral_rate=0.01"],
    "record-store": [],  # BG/NBD drop-out, no expiry
    # a daily task; coupons and a packaged campaign: money paid without points
    "coffee-spring-push": ["population.users=200"],
}
BONUS = ("streak", "task:", "bundle:", "referral", "random:", "campaign:")
Array = NDArray[Any]


@dataclass(frozen=True)
class Live:
    """One scenario's live log, decoded to indices, and replication 0 of ``simulate``."""

    scenario: Scenario
    model: Model
    log: dict[str, Array]
    ledger: dict[str, Array]
    day: NDArray[np.int64]
    user: NDArray[np.int64]
    tier: NDArray[np.int64]
    event: NDArray[np.int64]  # into model.sources, then KINDS

    def of(self, kind: str) -> NDArray[np.bool_]:
        mask: NDArray[np.bool_] = self.event == len(self.model.sources) + KINDS.index(kind)
        return mask

    @property
    def earned(self) -> NDArray[np.bool_]:
        mask: NDArray[np.bool_] = self.event < len(self.model.sources)
        return mask

    def zeros(self, *axes: int) -> NDArray[np.int64]:
        return np.zeros((self.model.horizon, *axes), np.int64)


KINDS = ("join", "redemption", "tier_change", "expiry")


def _index(values: Array, names: list[str]) -> NDArray[np.int64]:
    """Each value's position in ``names``, by looking each distinct value up once."""
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    lookup = np.array([names.index(v) for v in distinct.tolist()], dtype=np.int64)
    out: NDArray[np.int64] = lookup[inverse].reshape(-1)
    return out


def scenario(name: str) -> Scenario:
    return with_overrides(ROOT / "scenarios" / f"{name}.yaml", [*TINY, *CASES[name]])


@functools.cache
def live(name: str) -> Live:
    s = scenario(name)
    model = compile_model(s)
    log = econsim.simulate_events(s, seed=SEED, ledger=True)
    res = econsim.simulate(s, seed=SEED, replications=1)
    start = s.start_date.toordinal()
    days = [str(s.start_date.fromordinal(start + d)) for d in range(s.horizon_days)]
    users = np.array([int(u[1:]) for u in log["user_id"].tolist()], dtype=np.int64)
    return Live(
        scenario=s,
        model=model,
        log=log,
        ledger={k: v[0] for k, v in res.arrays.items()},
        day=_index(log["date"], days),
        user=users,
        tier=_index(log["tier"], list(model.tiers)),
        event=_index(log["event"], [*model.sources, *KINDS]),
    )


@pytest.fixture(params=list(CASES), scope="module")
def case(request: pytest.FixtureRequest) -> Live:
    return live(request.param)


def test_columns_types_and_empty_cells(case: Live) -> None:
    log, m = case.log, case.model
    assert tuple(log) == LEDGER_COLUMNS
    for name in ("user_id", "date", "event", "item", "tier"):
        assert log[name].dtype == object
    assert log["amount"].dtype == np.float64 and log["cost"].dtype == np.float64
    assert log["points"].dtype == np.int64 and (log["points"] >= 0).all()
    core = np.isin(case.event, np.flatnonzero(m.is_core))
    assert not np.isnan(log["amount"][core]).any() and np.isnan(log["amount"][~core]).all()
    spent = case.of("redemption")
    assert not np.isnan(log["cost"][spent]).any() and np.isnan(log["cost"][~spent]).all()
    assert (log["item"][spent] != "").all() and (log["item"][~spent] == "").all()
    assert (log["points"][case.of("join")] == 0).all()
    assert (np.diff(case.day) >= 0).all()


def test_issued_by_day_source_and_tier(case: Live) -> None:
    issued = case.zeros(len(case.model.sources), len(case.model.tiers))
    e = case.earned
    np.add.at(issued, (case.day[e], case.event[e], case.tier[e]), case.log["points"][e])
    assert_array_equal(issued, case.ledger["issued"])


def test_redemptions_by_day_sink_and_tier(case: Live) -> None:
    m, r = case.model, case.of("redemption")
    sink = _index(case.log["item"][r], list(m.sinks))
    day, tier = case.day[r], case.tier[r]
    redeemed = case.zeros(len(m.sinks), len(m.tiers))
    np.add.at(redeemed, (day, sink, tier), case.log["points"][r])
    count = case.zeros(len(m.sinks))
    spent = case.log["points"][r] > 0  # a row without points pays money: no redemption
    np.add.at(count, (day[spent], sink[spent]), 1)
    cost = np.zeros((m.horizon, len(m.sinks)))
    np.add.at(cost, (day, sink), case.log["cost"][r])
    assert_array_equal(redeemed, case.ledger["redeemed"])
    assert_array_equal(count, case.ledger["redemptions"])
    assert_allclose(cost, case.ledger["cost"], rtol=1e-12, atol=1e-9)


def _previous_tier(case: Live) -> NDArray[np.int64]:
    """Each row's member's tier on their row before (-1 on their first row)."""
    order = np.argsort(case.user, kind="stable")
    before = np.r_[-1, case.tier[order][:-1]]
    before[np.r_[True, case.user[order][1:] != case.user[order][:-1]]] = -1
    out = np.empty_like(before)
    out[order] = before
    return out


def test_tier_changes_expiry_and_joins(case: Live) -> None:
    nt, s = len(case.model.tiers), case.scenario
    move = case.of("tier_change")
    day, new, old = case.day[move], case.tier[move], _previous_tier(case)[move]
    pts = case.log["points"][move]
    transferred = case.zeros(nt)
    np.add.at(transferred, (day, new), pts)
    np.add.at(transferred, (day, old), -pts)
    up, down = case.zeros(nt), case.zeros(nt)
    np.add.at(up, (day[new > old], new[new > old]), 1)
    np.add.at(down, (day[new < old], new[new < old]), 1)
    assert_array_equal(transferred, case.ledger["transferred"])
    assert_array_equal(up, case.ledger["tier_up"])
    assert_array_equal(down, case.ledger["tier_down"])
    x = case.of("expiry")
    expired = case.zeros(nt)
    np.add.at(expired, (case.day[x], case.tier[x]), case.log["points"][x])
    assert_array_equal(expired, case.ledger["expired"])
    joins = case.of("join")
    initial = joins & (case.user < s.population.users)
    assert initial.sum() == s.population.users and (case.day[initial] == 0).all()
    arrived = np.bincount(case.day[joins & ~initial], minlength=s.horizon_days)
    assert_array_equal(arrived, case.ledger["new_users"])
    assert joins.sum() == case.user.max() + 1 == np.unique(case.user).size


def _signed_points(case: Live) -> NDArray[np.int64]:
    """What each row does to its member's balance."""
    sign = np.where(case.earned, 1, 0) - case.of("redemption") - case.of("expiry")
    out: NDArray[np.int64] = sign * case.log["points"]
    return out


def test_outstanding_is_the_sum_of_the_flows(case: Live) -> None:
    nt = len(case.model.tiers)
    flow = case.zeros(nt)
    np.add.at(flow, (case.day, case.tier), _signed_points(case))
    move = case.of("tier_change")
    np.add.at(flow, (case.day[move], case.tier[move]), case.log["points"][move])
    np.add.at(flow, (case.day[move], _previous_tier(case)[move]), -case.log["points"][move])
    assert_array_equal(flow.cumsum(axis=0), case.ledger["outstanding"])


def test_replaying_the_log_member_by_member(case: Live) -> None:
    order = np.argsort(case.user, kind="stable")  # file order within each member
    user = case.user[order]
    running = np.cumsum(_signed_points(case)[order])
    first = np.r_[True, user[1:] != user[:-1]]
    starts = np.flatnonzero(first)
    balance = running - np.repeat(
        np.r_[0, running[starts[1:] - 1]], np.diff(np.r_[starts, user.size])
    )
    assert (balance >= 0).all()
    last = np.r_[starts[1:] - 1, user.size - 1]
    final = np.bincount(
        case.tier[order][last], weights=balance[last], minlength=len(case.model.tiers)
    )
    assert_array_equal(final.astype(np.int64), case.ledger["outstanding"][-1])
    # a member's tier changes on their tier_change rows and nowhere else
    tier, moved = case.tier[order], case.of("tier_change")[order]
    assert (case.of("join")[order] == first).all()
    assert ((tier[1:] != tier[:-1]) == moved[1:])[~first[1:]].all()


def test_behaviour_points_split_over_occurrences(case: Live) -> None:
    """The day's points of a behaviour, evenly over its occurrences, the remainder first."""
    b = case.event < len(case.model.behaviours)
    behaviours = len(case.model.behaviours)
    key = (case.day[b] * (case.user.max() + 1) + case.user[b]) * behaviours + case.event[b]
    _, first, inverse, counts = np.unique(key, True, True, True)
    pts = case.log["points"][b]
    share = np.bincount(inverse, weights=pts).astype(np.int64) // counts
    assert_array_equal(np.delete(pts, first), np.delete(share[inverse], first))
    assert ((pts[first] - share) < counts).all() and (pts[first] >= share).all()


def test_the_default_log_is_the_ledger_logs_occurrences_and_catalog_redemptions(
    case: Live,
) -> None:
    m, log = case.model, case.log
    old = econsim.simulate_events(case.scenario, seed=SEED)
    keep = (case.event < len(m.behaviours)) | (
        case.of("redemption") & np.isin(log["item"], list(m.items))
    )
    expected = {
        "user_id": log["user_id"][keep].tolist(),
        "date": log["date"][keep].tolist(),
        "event": log["event"][keep].tolist(),
        "amount": ["" if math.isnan(a) else a for a in log["amount"][keep].tolist()],
        "item": log["item"][keep].tolist(),
    }
    assert old == expected


def test_recording_changes_nothing(case: Live) -> None:
    """Same seed, same run: the recorder draws no random numbers and moves no point."""
    child = np.random.SeedSequence(SEED).spawn(1)[0]
    sim = Simulation(case.model, np.random.default_rng(child), LedgerRecorder())
    run_calendar(sim)
    for name, values in sim.ledger.arrays().items():
        assert_array_equal(values, case.ledger[name], err_msg=name)


def test_every_kind_of_row() -> None:
    """The cases above cover every mechanic: each kind of row, each kind of bonus and sink."""
    events: set[str] = set()
    items: set[str] = set()
    ups = downs = 0
    for name in CASES:
        c = live(name)
        events |= set(c.log["event"].tolist())
        items |= set(c.log["item"].tolist())
        ups += int(c.ledger["tier_up"].sum())
        downs += int(c.ledger["tier_down"].sum())
    assert set(KINDS) <= events
    for prefix in BONUS:
        assert any(e.startswith(prefix) for e in events), prefix
    assert any(i.startswith("game:") for i in items) and ups > 0 and downs > 0
    for prefix in ("coupon:", "random:", "packaged:"):  # money paid without points
        assert any(i.startswith(prefix) for i in items), prefix


def test_cents_round_as_python_does() -> None:
    rng = np.random.default_rng(1)
    values = np.r_[rng.gamma(2, 30, 20_000), np.arange(0, 3000) / 1000 + 0.005, 2.675, 0.125]
    assert cents(values).tolist() == [round(v, 2) for v in values.tolist()]


def test_written_log_csv_and_parquet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = live("e-commerce")
    monkeypatch.setattr(event_writer, "CSV_BLOCK", 1000)  # many blocks, one cut mid-day
    write_events(tmp_path / "live.csv", c.log)
    with (tmp_path / "live.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == LEDGER_COLUMNS and len(rows) == c.user.size + 1
    body = list(zip(*rows[1:], strict=True))
    assert [int(p) for p in body[5]] == c.log["points"].tolist()
    assert body[3].count("") == int(np.isnan(c.log["amount"]).sum())
    assert body[7].count("") == int(np.isnan(c.log["cost"]).sum())
    write_events(tmp_path / "live.parquet", c.log)
    table = read_parquet(tmp_path / "live.parquet").to_pydict()
    assert table["user_id"] == c.log["user_id"].tolist()
    assert table["points"] == c.log["points"].tolist()
    assert table["cost"].count(None) == int(np.isnan(c.log["cost"]).sum())
    assert table["item"].count(None) == int((c.log["item"] == "").sum())


def test_array_csv_quotes_like_the_csv_module(tmp_path: Path) -> None:
    text = np.array(["a,b", 'say "hi"', "two\nlines", "", "plain", None], dtype=object)
    number = np.array([1.5, np.nan, 0.1 + 0.2, 1e20, -2.0, 3.0])
    count = np.arange(6, dtype=np.int64)
    write_events(tmp_path / "q.csv", {"name,1": text, "x": number, "n": count})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name,1", "x", "n"])
    cells = ["" if math.isnan(x) else x for x in number.tolist()]
    writer.writerows(zip(text.tolist(), cells, count.tolist(), strict=True))
    assert (tmp_path / "q.csv").read_bytes() == buf.getvalue().encode()


def test_array_csv_quotes_a_carriage_return(tmp_path: Path) -> None:
    """Quoted on every Python (the csv module of 3.11 leaves a lone \\r bare)."""
    values = np.array(["cr\r", "crlf\r\n", "x"], dtype=object)
    write_events(tmp_path / "r.csv", {"v": values})
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as fh:
        assert [r[0] for r in csv.reader(fh)] == ["v", *values.tolist()]


def test_a_day_longer_than_the_journal_is_recorded_whole() -> None:
    """The members' loop stops when the journal is nearly full, hands its rows over and goes
    on from the next member: 40,000 members write ~50,000 rows a day, past the journal's
    room (``MARGIN`` × 8), and the log still gives back the ledger's issuance exactly."""
    s = with_overrides(ROOT / "scenarios" / "coffee-healthy.yaml",
                       ["population.users=40000", "horizon_days=3"])  # fmt: skip
    log = econsim.simulate_events(s, seed=SEED, ledger=True)
    day = np.array([int(d[-2:]) - 1 for d in log["date"].tolist()])  # 1–3 January
    rows_per_day = np.bincount(day)
    assert rows_per_day.max() > 8 * MARGIN, rows_per_day
    ledger = econsim.simulate(s, seed=SEED, replications=1)["issued"][0]
    model = compile_model(s)
    event = _index(log["event"], [*model.sources, *KINDS])
    earned = event < len(model.sources)
    issued = np.zeros_like(ledger)
    tier = _index(log["tier"], list(model.tiers))
    np.add.at(issued, (day[earned], event[earned], tier[earned]), log["points"][earned])
    assert_array_equal(issued, ledger)


BUSY = {"kind": "non_core", "points": 1, "period_cap": 10**7}


def test_a_member_day_past_the_journal_is_an_error_not_a_short_log() -> None:
    """One member signing in 40,000 times a day writes more rows than a journal holds: the
    recording stops with a named error rather than a log missing rows."""
    s = tiny(
        design={
            "calibration": {"point_values": "as_written"},
            "behaviours": {"sign_in": {**BUSY, "daily_cap": 40_000}},
            "tiers": {"basic": {"uptake": {"sign_in": 1.0}}},
        },
        population={"users": 1},
    )
    with pytest.raises(SimulationError, match="more than 4,096 rows of the event log"):
        econsim.simulate_events(s, seed=SEED, ledger=True)
