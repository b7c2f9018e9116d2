"""The box of designs that optimize, sensitivity and `econsim test` search (--vary)."""

from __future__ import annotations

import pytest

from econsim.errors import ScenarioError
from econsim.scenario import load_scenario
from econsim.scenario.schema import Scenario
from econsim.scenario.space import parse_box

COFFEE = "scenarios/coffee-too-expensive.yaml"


@pytest.fixture(scope="module")
def coffee() -> Scenario:
    return load_scenario(COFFEE)


def test_a_box_knows_its_fields_ends_and_the_designed_value(coffee: Scenario) -> None:
    box = parse_box(
        coffee,
        ["design.catalog.mug.points_price=1000:4000", "population.uptake_scale=0.5:1.2:log"],
    )
    mug, uptake = box.dimensions
    assert (mug.low, mug.high, mug.integer, mug.value) == (1000, 4000, True, 30000)
    assert (uptake.scale, uptake.integer, uptake.value) == ("log", False, 1.0)
    assert box.from_unit([0.5, 0.5]) == [2500, pytest.approx((0.5 * 1.2) ** 0.5)]
    assert box.overrides([2500.4, 0.7]) == [
        "design.catalog.mug.points_price=2500",
        "population.uptake_scale=0.7",
    ]


def test_values_outside_the_ends_are_clipped_and_whole_fields_rounded(coffee: Scenario) -> None:
    (dim,) = parse_box(coffee, ["design.catalog.mug.points_price=1000:4000"]).dimensions
    assert [dim.clip(x) for x in (10, 1234.6, 9e9)] == [1000, 1235, 4000]


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("design.catalog.mugg.points_price=1:4", "'mugg' is not set in design.catalog"),
        ("design.catalog.mug.loop=0:4", "is not a number (it is 'open')"),
        ("design.catalog.mug.points_price=0:4", "LOW must be above 0"),
        ("design.catalog.mug.use_rate=0.5:2", "HIGH must be at most 1"),
        ("design.catalog.mug.points_price=5:4", "LOW (5) must be below HIGH (4)"),
        ("design.catalog.mug.points_price=5:x", "HIGH 'x' is not a number"),
        ("design.catalog.mug.points_price=1.5:4", "whole-number ends"),
        ("population.uptake_scale=0:1:log", "a log range must stay above 0"),
        ("population.uptake_scale=0.5:1:cubic", "unknown option 'cubic'"),
        ("population.uptake_scale", "PATH=LOW:HIGH"),
    ],
)
def test_a_bad_range_is_a_located_error(coffee: Scenario, vary: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_box(coffee, [vary])
    assert info.value.problems[0].source == f"--vary {vary}"
    assert message in str(info.value)


def test_an_empty_box_and_a_field_varied_twice_are_refused(coffee: Scenario) -> None:
    with pytest.raises(ScenarioError, match="the box is empty"):
        parse_box(coffee, [])
    with pytest.raises(ScenarioError, match="varied twice"):
        parse_box(coffee, ["population.uptake_scale=0.5:1", "population.uptake_scale=0.6:1"])


def test_an_end_where_the_scenario_does_not_validate_is_named(coffee: Scenario) -> None:
    # Tier shares must sum to 1: moving one share alone leaves the valid region at once.
    with pytest.raises(ScenarioError) as info:
        parse_box(coffee, ["population.tiers.member.share=0.5:0.9"])
    assert "--vary population.tiers.member.share (at 0.5)" in str(info.value)
