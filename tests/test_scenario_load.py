"""Loading scenario files: every bundled one validates; every class of mistake is located."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from econsim import ScenarioError, dump_scenario, load_scenario, loads_scenario
from econsim.scenario.jsonschema import scenario_json_schema
from econsim.scenario.load import to_plain
from econsim.templates import template_names, template_text
from tests.conftest import SCENARIOS

GOOD = textwrap.dedent(
    """\
    name: t
    design:
      budget: {method: fixed_amount, amount: 1000}
      calibration: {target_exchange_ratio: 100}
      behaviours:
        sign_in: {kind: non_core, points: 5, period_cap: 30, daily_cap: 1}
        buy: {kind: core, points: 1, unit: 10, period_cap: 1000}
      tiers:
        basic:
          core_share: 0.5
          uptake: {sign_in: 0.5, buy: 0.2}
        plus:
          entry: {metric: core_amount, threshold: 500}
          core_share: 0.7
          uptake: {sign_in: 0.6, buy: 0.3}
      catalog:
        coupon: {points_price: 100, cost: 1, loop: closed, use_rate: 0.5}
    population:
      users: 100
      tiers:
        basic: {share: 0.8}
        plus: {share: 0.2}
    """
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(tmp_path: Path, text: str) -> tuple[int, str, str]:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 1, str(info.value)
    p = info.value.problems[0]
    assert p.source == str(path)
    return p.line, p.path, str(p)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_bundled_scenario_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name


@pytest.mark.parametrize("name", template_names())
def test_every_template_validates(name: str) -> None:
    assert loads_scenario(template_text(name), name).name


def test_good_scenario_loads(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, GOOD))
    assert s.design.behaviours["buy"].unit == 10
    assert s.health.consumption_threshold == 0.40


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    line, _, text = only_problem(tmp_path, GOOD.replace("amount: 1000}", "amount: 1000"))
    assert line == 4  # the flow mapping is left open; the parser notices on the next line
    assert "YAML syntax" in text


def test_wrong_type_names_line_and_field(tmp_path: Path) -> None:
    line, path, text = only_problem(tmp_path, GOOD.replace("points: 5,", "points: five,"))
    assert (line, path) == (6, "design.behaviours.sign_in.points")
    assert "valid number" in text


def test_out_of_range_names_line_and_field(tmp_path: Path) -> None:
    line, path, text = only_problem(tmp_path, GOOD.replace("use_rate: 0.5", "use_rate: 1.5"))
    assert (line, path) == (17, "design.catalog.coupon.use_rate")
    assert "less than or equal to 1" in text


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    line, path, text = only_problem(
        tmp_path,
        GOOD.replace("target_exchange_ratio: 100", "target_exchange_ratio: 100, reserv_share: 0.1"),
    )
    assert (line, path) == (4, "design.calibration.reserv_share")
    assert "did you mean 'reserve_share'?" in text


def test_shares_not_summing_to_one(tmp_path: Path) -> None:
    line, path, text = only_problem(tmp_path, GOOD.replace("share: 0.2}", "share: 0.3}"))
    assert (line, path) == (20, "population.tiers")
    assert "sum to 1.1" in text


def test_entry_rules_on_some_tiers_above_the_lowest_but_not_all(tmp_path: Path) -> None:
    gold = "    gold:\n      core_share: 0.8\n      uptake: {sign_in: 0.7, buy: 0.4}\n"
    text = GOOD.replace("  catalog:", gold + "  catalog:", 1)
    text = text.replace("plus: {share: 0.2}", "plus: {share: 0.1}\n    gold: {share: 0.1}")
    line, path, message = only_problem(tmp_path, text)
    assert (line, path) == (16, "design.tiers.gold")
    assert "no entry rule but others above the lowest do" in message and "fixed layers" in message
    # with no entry rule above the lowest at all, the tiers are fixed layers: valid
    layers = text.replace("      entry: {metric: core_amount, threshold: 500}\n", "")
    assert load_scenario(write(tmp_path, layers)).design.tiers["plus"].entry is None


def test_dangling_reference(tmp_path: Path) -> None:
    text = GOOD.replace(
        "uptake: {sign_in: 0.6, buy: 0.3}", "uptake: {sign_in: 0.6, buy: 0.3, bye: 0.1}"
    )
    line, path, message = only_problem(tmp_path, text)
    assert (line, path) == (15, "design.tiers.plus.uptake.bye")
    assert "did you mean 'buy'?" in message


def test_duplicate_key(tmp_path: Path) -> None:
    line, _, text = only_problem(
        tmp_path, GOOD.replace("  users: 100\n", "  users: 100\n  users: 200\n")
    )
    assert line == 20
    assert "duplicate key" in text


def test_day_outside_horizon(tmp_path: Path) -> None:
    text = GOOD.replace("name: t\n", "name: t\nhorizon_days: 30\n")
    text = text.replace(
        "  catalog:\n",
        "  campaigns:\n    late: {start_day: 10, end_day: 40, multiplier: 2}\n  catalog:\n",
    )
    line, path, message = only_problem(tmp_path, text)
    assert (line, path) == (18, "design.campaigns.late.end_day")
    assert "outside the horizon" in message


def test_all_problems_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("points: 5,", "points: -5,").replace("share: 0.2}", "shar: 0.2}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    paths = {p.path for p in info.value.problems}
    assert {"design.behaviours.sign_in.points", "population.tiers.plus.shar"} <= paths


def test_missing_field_points_at_parent(tmp_path: Path) -> None:
    line, path, text = only_problem(tmp_path, GOOD.replace("  users: 100\n", ""))
    assert path == "population.users"
    assert line == 18  # the `population:` key, where users should be added
    assert "Field required" in text


def test_not_utf8_and_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="not a mapping"):
        load_scenario(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_override_changes_value_and_is_validated(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    s = load_scenario(path, ["design.budget.amount=2500", "population.tiers.plus.share=0.2"])
    assert s.design.budget.amount == 2500
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ["design.budget.amount=-1"])
    problem = info.value.problems[0]
    assert problem.source == "--set design.budget.amount=-1"
    assert problem.path == "design.budget.amount"
    with pytest.raises(ScenarioError, match="did you mean 'amount'"):
        load_scenario(path, ["design.budget.amout=1"])
    with pytest.raises(ScenarioError, match="PATH=VALUE"):
        load_scenario(path, ["design.budget.amount"])


def test_round_trip_through_yaml() -> None:
    for path in SCENARIOS:
        s = load_scenario(path)
        assert loads_scenario(dump_scenario(s)) == s


def test_json_schema_accepts_every_bundled_scenario() -> None:
    import jsonschema  # dev dependency: the editors' validator of the published schema

    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    from econsim.scenario.load import load_tree

    for path in SCENARIOS:
        data = json.loads(json.dumps(to_plain(load_tree(path)), default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, f"{path.name}: {errors[0].message}"
    bad = json.loads(json.dumps(to_plain(load_tree(SCENARIOS[0])), default=str))
    bad["design"]["bogus"] = 1
    assert list(validator.iter_errors(bad))
