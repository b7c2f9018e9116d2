"""Reading a live log (issue 18): every row used, counted after --as-of, or rejected by name;
malformed rows are errors at their line; odd but usable logs get cautions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from econsim.engine.model import compile_model
from econsim.errors import ScenarioError
from econsim.monitor.log import LiveLog, read_live_log
from econsim.scenario.load import load_scenario
from tests.conftest import ROOT

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"
HEADER = "user_id,date,event,amount,item,points,tier,cost"
# two members: a purchase and a sign-in each, one redemption of a cup upgrade (100 points)
GOOD = [
    "a,2027-01-01,join,,,0,member,",
    "a,2027-01-01,purchase,120,,120,member,",
    "b,2027-01-02,join,,,0,member,",
    "b,2027-01-02,sign_in,,,2,member,",
    "a,2027-01-03,redemption,,cup_upgrade,100,member,1",
]


def _log(tmp_path: Path, rows: list[str], name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _read(path: Path, as_of: dt.date | None = None) -> LiveLog:
    return read_live_log(path, compile_model(load_scenario(COFFEE)), as_of)


def _accounted(log: LiveLog) -> bool:
    rejected = sum(r.count for r in log.rejected)
    return log.rows_read == log.rows_used + log.after_as_of + rejected


def test_a_clean_log_is_used_whole(tmp_path: Path) -> None:
    log = _read(_log(tmp_path, GOOD))
    assert (log.rows_read, log.rows_used, log.after_as_of, log.rejected) == (5, 5, 0, ())
    assert log.cautions == () and log.days == 3 and _accounted(log)
    assert log.points.tolist() == [0, 120, 0, 2, 100]


def test_a_redemption_past_the_balance_is_rejected_and_counted(tmp_path: Path) -> None:
    rows = [*GOOD, "b,2027-01-03,redemption,,free_coffee,400,member,4"]  # b holds 2 points
    log = _read(_log(tmp_path, rows))
    (rejected,) = log.rejected
    assert rejected.reason == "redemption larger than the member's balance"
    assert rejected.count == 1 and rejected.lines == (7,)  # CSV line 7 (the header is 1)
    assert log.rows_used == 5 and _accounted(log)


def test_leaving_out_one_overdraft_can_cover_the_next(tmp_path: Path) -> None:
    """a holds 120 - 100: a 400-point redemption is refused, the 20-point one after is not."""
    rows = [*GOOD, "a,2027-01-03,redemption,,free_coffee,400,member,4",
            "a,2027-01-03,redemption,,cup_upgrade,20,member,1"]  # fmt: skip
    log = _read(_log(tmp_path, rows))
    assert [r.count for r in log.rejected] == [1] and log.rows_used == 6


def test_rows_out_of_date_order_are_sorted_with_a_caution(tmp_path: Path) -> None:
    rows = [GOOD[4], *GOOD[:4]]  # the redemption written first
    log = _read(_log(tmp_path, rows))
    assert log.rejected == () and log.rows_used == 5
    assert any("dated before the row above" in c for c in log.cautions)


def test_a_repeated_join_is_kept_with_a_caution_a_repeated_sign_in_is_ordinary(
    tmp_path: Path,
) -> None:
    log = _read(_log(tmp_path, [*GOOD[:4], GOOD[3], GOOD[4]]))  # b signs in twice on a day
    assert log.rows_used == 6 and log.cautions == ()
    log = _read(_log(tmp_path, [*GOOD[:3], GOOD[2], *GOOD[3:]]))  # b joins twice: doubled?
    assert log.rows_used == 6
    assert any("1 join, bonus, tier_change or expiry row repeats" in c for c in log.cautions)


def test_rows_after_as_of_are_counted_not_used(tmp_path: Path) -> None:
    log = _read(_log(tmp_path, GOOD), as_of=dt.date(2027, 1, 2))
    assert (log.rows_used, log.after_as_of, log.days) == (4, 1, 2) and _accounted(log)


def test_a_log_ending_before_as_of_is_a_caution(tmp_path: Path) -> None:
    log = _read(_log(tmp_path, GOOD), as_of=dt.date(2027, 1, 13))
    assert log.days == 13
    assert any("10 days before --as-of" in c for c in log.cautions)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("a,2027-01-04,redemption,,mugg,3000,member,", 5, "unknown item 'mugg'"),
        ("a,2027-01-04,purchse,12,,12,member,", 3, "unknown event 'purchse'"),
        ("a,2027-01-04,purchase,,,12,member,", 4, "a core behaviour's row needs its amount"),
        ("a,2027-13-04,sign_in,,,2,member,", 2, "'2027-13-04' is not a date"),
        ("a,2026-12-31,sign_in,,,2,member,", 2, "before the design's start_date 2027-01-01"),
        ("a,2027-01-04,sign_in,,,two,member,", 6, "'two' is not a number"),
        ("a,2027-01-04,sign_in,,,2.5,member,", 6, "not a whole number"),
        ("a,2027-01-04,sign_in,,,2,platinum,", 7, "unknown tier 'platinum'"),
        ("a,2027-01-04,expiry,,,,member,", 6, "a expiry row needs its points"),
        (",2027-01-04,sign_in,,,2,member,", 1, "empty user_id"),
    ],
)
def test_a_malformed_row_is_an_error_at_its_line_and_column(
    tmp_path: Path, row: str, column: int, message: str
) -> None:
    path = _log(tmp_path, [*GOOD, row])
    with pytest.raises(ScenarioError) as err:
        _read(path)
    text = str(err.value)
    assert f"{path}:7:{column}:" in text and message in text


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    rows = [*GOOD, "a,2027-01-04,purchse,12,,12,member,", "b,2027-01-04,redemption,,mugg,1,member,"]
    with pytest.raises(ScenarioError) as err:
        _read(_log(tmp_path, rows))
    assert len(err.value.problems) == 2


def test_a_missing_column_names_the_columns_a_live_log_has(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("user,date,event\na,2027-01-01,sign_in\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="missing column 'user_id'"):
        _read(path)


def test_a_row_with_more_fields_than_the_header_is_an_error_at_its_line(tmp_path: Path) -> None:
    """pyarrow refuses a row with too many cells and the log is read again by csv: the extra
    cell is an error at its line (issue 38: it was silently accepted — a comma in an
    unquoted cell shifts every column after it)."""
    path = _log(tmp_path, [*GOOD, 'a,2027-01-04,sign_in,,,2,member,,"extra"'])
    with pytest.raises(ScenarioError, match=r"log.csv:7:0: 9 fields, but the header names 8"):
        _read(path)
    trailing = _log(tmp_path, [*GOOD, "a,2027-01-04,sign_in,,,2,member,,"], name="t.csv")
    assert _read(trailing).rows_used == 6  # an empty trailing cell is no extra field


@pytest.mark.parametrize(
    ("row", "as_of", "message"),
    [
        ("b,2100-01-01,sign_in,,,2,member,", None,
         "2100-01-01 is 26,661 days after the rest of the log, which ends 2027-01-03: a "
         "mistyped date?"),
        ("b,9999-12-31,sign_in,,,2,member,", None, "is more than 36,500 days after"),
        ("b,2027-01-04,sign_in,,,2,member,", dt.date(2200, 1, 1),
         "2200-01-01 is 63,184 days after the log's last row (2027-01-04)"),
        ("b,2027-01-04,purchase,1e308,,,member,", None,
         "'1e308' is not a number from 0 to 1e+15"),
        ("b,2027-01-04,purchase,100000000000000,,,member,", None,
         "earns 1e+14 points at the design's point values, more than one row"),
        ("b,2027-01-04,redemption,,{long},,member,", None, "unknown item 'xxxxx"),
    ],
)  # fmt: skip
def test_a_log_that_would_stretch_or_overflow_the_books_is_an_error(
    tmp_path: Path, row: str, as_of: dt.date | None, message: str
) -> None:
    """Issue 38: one mistyped date turned a review into 26,664 days; --as-of 2200 ran 63,000
    days until killed; amounts of 1e308 and 1e20 overflowed; a 200,000-character item name
    was echoed whole."""
    path = _log(tmp_path, [*GOOD, row.format(long="x" * 200_000)])
    with pytest.raises(ScenarioError) as err:
        _read(path, as_of)
    text = " ".join(str(err.value).split())
    assert message in text
    assert len(text) < 2000


def test_a_mistyped_date_can_be_left_out_with_as_of(tmp_path: Path) -> None:
    path = _log(tmp_path, [*GOOD, "b,2100-01-01,sign_in,,,2,member,"])
    log = _read(path, dt.date(2027, 1, 3))
    assert log.after_as_of == 1 and log.days == 3


def test_a_device_or_folder_is_no_log(tmp_path: Path) -> None:
    for path in (Path("/dev/zero"), tmp_path):
        with pytest.raises(ScenarioError, match="not a regular file"):
            _read(path)


def test_a_parquet_log_with_two_columns_of_one_name_names_it(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    dates = pa.array(["2027-01-01"])
    table = pa.Table.from_arrays(
        [pa.array(["a"]), dates, pa.array(["join"]), dates], names=["user_id", "date", "event",
                                                                   "date"]
    )  # fmt: skip
    path = tmp_path / "log.parquet"
    pq.write_table(table, path)
    with pytest.raises(ScenarioError) as err:
        _read(path)
    text = str(err.value)
    assert "two columns are called 'date'" in text and "schema" not in text


def test_points_left_out_are_priced_from_the_design(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "user_id,date,event,amount,item\n"
        "a,2027-01-01,purchase,120,\n"
        "a,2027-01-02,sign_in,,\n"
        "a,2027-01-03,redemption,,cup_upgrade\n",
        encoding="utf-8",
    )
    model = compile_model(load_scenario(COFFEE))
    log = read_live_log(path, model)
    # as written: 1 point per CNY, 2 per sign-in; the catalog price of a cup upgrade
    assert log.points.tolist() == [120, 2, 100]
    assert len(log.computed) == 2 and any("no tier column" in c for c in log.cautions)


def test_parquet_reads_as_csv_does(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    csv_path = _log(tmp_path, GOOD)
    table = pacsv.read_csv(csv_path)  # typed columns: dates, integers, floats
    pq.write_table(table, tmp_path / "log.parquet")
    a, b = _read(csv_path), _read(tmp_path / "log.parquet")
    assert a.points.tolist() == b.points.tolist() and a.day.tolist() == b.day.tolist()
    kind = table.column("date").type  # pyarrow read the dates as dates: typed Parquet
    assert pa.types.is_date(kind) or pa.types.is_timestamp(kind)


def test_rows_without_points_are_priced_by_the_rules_in_force_that_day(tmp_path: Path) -> None:
    """A rule change on day 2 doubles point values and catalog prices: a row from day 2 on
    is priced at the new rules, a row before at the old."""
    path = tmp_path / "log.csv"
    path.write_text(
        "user_id,date,event,amount,item\n"
        "a,2027-01-01,purchase,120,\n"
        "a,2027-01-02,redemption,,cup_upgrade\n"
        "a,2027-01-03,purchase,120,\n"
        "a,2027-01-03,redemption,,cup_upgrade\n",
        encoding="utf-8",
    )
    scenario = load_scenario(COFFEE)
    changes = {"rule_changes": [{"day": 2, "catalog_price_multiplier": 2.0,
                                 "point_value_multiplier": 2.0}]}  # fmt: skip
    from econsim.scenario.variants import with_overrides

    changed = with_overrides(scenario, [f"design.rule_changes={changes['rule_changes']}"])
    log = read_live_log(path, compile_model(changed))
    assert log.points.tolist() == [120, 100, 240, 200]
    assert log.computed == (
        "2 earn rows without points: priced from the design (the point values in force that day)",
        "2 redemption rows without points: priced from the design (the price in force that day)",
    )


@pytest.mark.parametrize("stamped", [False, True])
def test_a_redemption_written_before_the_days_earning_is_read_after_it(
    tmp_path: Path, stamped: bool
) -> None:
    """An export sorted by date and event name puts 'redemption' before 'sign_in': with
    dates only the day is read in the engine's order (earn, then redeem); with timestamps,
    in time order."""
    t = ("T09:00:00", "T10:00:00") if stamped else ("", "")
    rows = [f"a,2027-01-01{t[1]},redemption,,cup_upgrade,100,member,",
            f"a,2027-01-01{t[0]},sign_in,,,100,member,"]  # fmt: skip
    log = _read(_log(tmp_path, rows))
    assert log.rejected == () and log.rows_used == 2
    assert log.kind.tolist() == [0, 2]  # earn, then redemption


def test_a_timestamped_redemption_before_the_earning_is_an_overdraft(tmp_path: Path) -> None:
    """Times say the redemption came first: the programme cannot have served it."""
    rows = ["a,2027-01-01T09:00:00,redemption,,cup_upgrade,100,member,",
            "a,2027-01-01T10:00:00,sign_in,,,100,member,"]  # fmt: skip
    log = _read(_log(tmp_path, rows))
    assert [r.count for r in log.rejected] == [1] and log.rejected[0].lines == (2,)


def test_a_member_with_many_overdrafts_keeps_the_redemptions_it_could_pay(tmp_path: Path) -> None:
    """40 refused redemptions (more than the vectorised passes), then one the balance pays."""
    rows = ["a,2027-01-01,sign_in,,,1000,member,"]
    rows += [f"a,2027-01-{d:02d},redemption,,mug,3000,member," for d in range(2, 29)]
    rows += [f"a,2027-02-{d:02d},redemption,,mug,3000,member," for d in range(1, 14)]
    rows += ["a,2027-02-15,redemption,,cup_upgrade,100,member,", "b,2027-02-15,sign_in,,,2,member,"]
    log = _read(_log(tmp_path, rows))
    assert [r.count for r in log.rejected] == [40]
    assert log.rows_used == 3 and log.points.tolist() == [1000, 2, 100]  # earn, then redeem


def test_no_row_left_to_judge_is_an_error_saying_where_they_went(tmp_path: Path) -> None:
    path = _log(tmp_path, ["a,2027-01-03,redemption,,cup_upgrade,100,member,"])
    with pytest.raises(ScenarioError, match=r"no row to judge: of 1 row, 1 redemption larger"):
        _read(path)
    with pytest.raises(ScenarioError, match=r"of 2 rows, 2 after 2027-01-01"):
        _read(_log(tmp_path, GOOD[2:4]), dt.date(2027, 1, 1))  # b's first row is on 2 January


def test_an_empty_tier_cell_carries_the_members_tier(tmp_path: Path) -> None:
    rows = ["a,2027-01-01,join,,,0,,", "a,2027-01-01,purchase,120,,120,gold,",
            "a,2027-01-02,sign_in,,,2,,"]  # fmt: skip
    log = _read(_log(tmp_path, rows))
    assert log.tier.tolist() == [0, 1, 1]
    assert any("2 rows have no tier" in c for c in log.cautions)
    with pytest.raises(ScenarioError, match="a tier_change row needs the new tier"):
        _read(_log(tmp_path, [*rows, "a,2027-01-03,tier_change,,,,,"]))


def test_a_tier_change_row_needs_no_points(tmp_path: Path) -> None:
    log = _read(_log(tmp_path, [*GOOD, "a,2027-01-04,tier_change,,,,gold,"]))
    assert log.rows_used == 6 and log.points[-1] == 0


def test_two_columns_of_one_name_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("user_id,date,event,date\na,2027-01-01,sign_in,2027-02-01\n", "utf-8")
    with pytest.raises(ScenarioError, match="two columns are called 'date'"):
        _read(path)


def test_parquet_columns_of_the_exports_own_may_hold_anything(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "user_id": ["a"], "date": ["2027-01-01"], "event": ["sign_in"],
        "props": pa.array([{"k": 1}]), "tags": pa.array([["x"]]),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "log.parquet")
    assert _read(tmp_path / "log.parquet").rows_used == 1
    bad = table.append_column("amount", pa.array([[1.0]]))
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(ScenarioError, match="amount: the column is list"):
        _read(tmp_path / "bad.parquet")
