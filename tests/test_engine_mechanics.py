"""Each engine mechanic against a closed form or a tiny case checked by hand, on each engine
path (the ``engine`` fixture).

Statistical tests state their tolerance as a number of standard errors (SE) of the
quantity compared; the standard error is worked out from the model in each test.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from econsim import simulate
from econsim.results import Results
from tests.builders import tiny

CATALOG_GIFT = {"gift": {"points_price": 300, "cost": 1.0, "loop": "open"}}


def issued(r: Results, source: str) -> np.ndarray:
    """Points issued per day by one source (summed over tiers), replication 0."""
    i = r.labels["sources"].index(source)
    return r["issued"][0, :, i, :].sum(axis=1)


def test_non_core_earning_is_exact_when_uptake_is_one() -> None:
    r = simulate(tiny())
    assert (issued(r, "sign_in") == 100 * 10).all()


def test_expiry_rolling_spends_oldest_lot_first() -> None:
    # 10 points a day from 1 January; a 300-point gift redeemed as soon as affordable;
    # points expire one month after the month they were earned.
    s = tiny(
        horizon_days=90,
        design={"expiry": {"policy": "rolling", "months": 1}, "catalog": CATALOG_GIFT},
        population={"tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}}},
    )
    r = simulate(s)
    users = 100
    # day 29: 300 from January spent. Day 30 (31 Jan) earns 10 more January points, which
    # expire at the end of February (day 58) because February's redemption comes later.
    assert np.nonzero(r["redemptions"][0, :, 0])[0].tolist() == [29, 60]
    expired = r["expired"][0, :, 0]
    assert expired[58] == 10 * users
    assert expired.sum() == 10 * users
    # the day-60 redemption took February's 280 and 20 of March: March keeps 290
    assert r["outstanding"][0, -1, 0] == 290 * users


def test_expiry_end_of_year() -> None:
    s = tiny(
        start_date="2027-12-01",
        horizon_days=400,
        design={"expiry": {"policy": "end_of_year", "years": 1}},
    )
    r = simulate(s)
    expired = r["expired"][0, :, 0]
    # December 2027's 31 days expire on 31 December 2028 (day 396)
    assert np.nonzero(expired)[0].tolist() == [396]
    assert expired[396] == 31 * 10 * 100


def test_streak_schedule_when_everyone_signs_in() -> None:
    s = tiny(
        horizon_days=14,
        design={
            "mechanics": {
                "sign_in_streak": {"behaviour": "sign_in", "bonus_by_day": [0, 0, 5, 5, 10, 10, 30]}
            }
        },
    )
    bonus = issued(simulate(s), "streak")
    assert bonus.tolist() == [100 * b for b in [0, 0, 5, 5, 10, 10, 30] * 2]


def expected_streak_bonus(p: float, days: int, schedule: list[int]) -> float:
    """E[bonus per user]: on day d the streak is j w.p. p^j(1−p) (j ≤ d) or p^(d+1)."""
    total = 0.0
    for d in range(days):
        for j in range(1, d + 2):
            prob = p**j * (1 - p) if j <= d else p ** (d + 1)
            total += prob * schedule[(j - 1) % len(schedule)]
    return total


def test_streak_resets_on_a_miss_matches_closed_form() -> None:
    schedule = [0, 0, 5, 5, 10, 10, 30]
    s = tiny(
        design={
            "behaviours": {"sign_in": {"period_cap": 30}},
            "mechanics": {"sign_in_streak": {"behaviour": "sign_in", "bonus_by_day": schedule}},
        },
        population={"users": 20_000},
    )
    s = s.model_copy(
        update={
            "design": s.design.model_copy(
                update={
                    "tiers": {
                        "basic": s.design.tiers["basic"].model_copy(
                            update={"uptake": {"sign_in": 0.5}}
                        )
                    }
                }
            )
        }
    )
    got = issued(simulate(s), "streak").sum() / 20_000
    want = expected_streak_bonus(0.5, 30, schedule)
    # per-user bonus has SD < 40 points (checked by simulation); SE over 20,000 users < 0.3;
    # tolerance 2% of ~49 points ≈ 3.5 SE
    assert got == pytest.approx(want, rel=0.02)


def test_task_bundles_pay_once_per_period() -> None:
    s = tiny(
        horizon_days=60,
        design={
            "mechanics": {
                "task_bundles": {
                    "five": {"behaviour": "sign_in", "count": 5, "bonus": 20},
                    "ten": {"behaviour": "sign_in", "count": 10, "bonus": 50},
                }
            }
        },
    )
    r = simulate(s)
    five, ten = issued(r, "bundle:five"), issued(r, "bundle:ten")
    assert np.nonzero(five)[0].tolist() == [4, 34]
    assert np.nonzero(ten)[0].tolist() == [9, 39]
    assert five.sum() == 2 * 20 * 100 and ten.sum() == 2 * 50 * 100


def test_referral_rewards_both_and_brings_users() -> None:
    s = tiny(
        design={"mechanics": {"referral": {"inviter_points": 100, "invitee_points": 50}}},
        population={"users": 2000, "referral_rate": 0.01},
    )
    r = simulate(s)
    invites = int(r["new_users"][0].sum())
    assert issued(r, "referral").sum() == invites * 150
    assert r["users"][0, -1].sum() == 2000 + invites
    expected = 2000 * (1.01**30 - 1)  # every user (old or new) refers at 1% a day
    assert abs(invites - expected) < 5 * math.sqrt(expected)  # ≈ Poisson: 5 SE


def test_friends_joining_in_numbers_leave_the_days_redemptions_whole() -> None:
    """Every member earns an item's price a day and redeems it that day, while friends join
    by the hundred (the population outgrows the arrays it started with): each day's
    redemptions are exactly the members of the day before — friends join after the day's
    earning, so they redeem from the next day on."""
    s = tiny(
        horizon_days=10,
        design={
            "catalog": {"gift": {"points_price": 10, "cost": 1.0, "loop": "open"}},
            "mechanics": {"referral": {"inviter_points": 0, "invitee_points": 0}},
        },
        population={
            "referral_rate": 0.3,
            "tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}},
        },
    )
    r = simulate(s)
    redemptions, users = r["redemptions"][0, :, 0], r["users"][0].sum(axis=1)
    assert users[-1] > 10 * 100  # grown tenfold
    assert redemptions[0] == 100
    np.testing.assert_array_equal(redemptions[1:], users[:-1])


def test_tier_up_then_down_with_balances_moving() -> None:
    tiers = {
        "basic": {"core_share": 0.5, "uptake": {"sign_in": 1.0}},
        "plus": {
            "entry": {"metric": "points_earned", "threshold": 250},
            "core_share": 0.5,
            "uptake": {"sign_in": 1.0},
        },
    }
    for grace, down_day in ((0, 59), (1, 89)):
        s = tiny(
            horizon_days=90,
            design={
                "tiers": tiers,
                "tier_review": {"every_days": 30, "downgrade": True, "grace_reviews": grace},
                "rule_changes": [{"day": 30, "point_value_multiplier": 0.1}],
            },
            population={"tiers": {"basic": {"share": 1.0}, "plus": {"share": 0.0}}},
        )
        r = simulate(s)
        assert r["tier_up"][0, 29].tolist() == [0, 100]
        assert r["transferred"][0, 29].tolist() == [-300 * 100, 300 * 100]
        assert np.nonzero(r["tier_down"][0, :, 0])[0].tolist() == [down_day]
        assert r["users"][0, down_day].tolist() == [100, 0]
        held = 300 + (down_day - 29)  # 10 a day to day 29, then 1 a day
        assert r["transferred"][0, down_day].tolist() == [held * 100, -held * 100]


def test_fixed_layers_are_never_reviewed_and_newcomers_join_by_share() -> None:
    uptake = {"sign_in": 1.0}
    s = tiny(
        horizon_days=90,
        design={
            "tiers": {
                "basic": {"core_share": 0.5, "uptake": uptake},
                "plus": {"core_share": 0.5, "uptake": uptake},
                "top": {"core_share": 0.5, "uptake": uptake},
            },
            "tier_review": {"every_days": 30, "downgrade": True},
        },
        population={
            "users": 1000,
            "acquisition_per_day": 100,
            "tiers": {"basic": {"share": 0.6}, "plus": {"share": 0.3}, "top": {"share": 0.1}},
        },
    )
    r = simulate(s, replications=2)
    assert r["tier_up"].sum() == 0 and r["tier_down"].sum() == 0
    assert (r["transferred"] == 0).all()
    users = r["users"][:, -1].sum(axis=0)
    total = users.sum()
    for got, share in zip(users, (0.6, 0.3, 0.1), strict=True):
        assert abs(got - share * total) < 5 * math.sqrt(share * (1 - share) * total)


def test_closed_loop_cost_only_when_used() -> None:
    catalog = {
        "coupon": {"points_price": 10, "cost": 10.0, "loop": "closed", "use_rate": 0.3},
    }
    s = tiny(
        design={"catalog": catalog},
        population={
            "users": 1000,
            "tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}},
        },
    )
    r = simulate(s)
    n = int(r["redemptions"][0].sum())
    assert n == 30 * 1000
    cost = float(r["cost"][0].sum())
    sd = 10 * math.sqrt(n * 0.3 * 0.7)
    assert abs(cost - 10 * 0.3 * n) < 4 * sd


def test_open_loop_cost_on_redemption_and_stock_per_period() -> None:
    catalog = {"mug": {"points_price": 10, "cost": 7.0, "loop": "open", "stock_per_period": 5}}
    s = tiny(
        horizon_days=60,
        design={"catalog": catalog},
        population={"tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}}},
    )
    r = simulate(s)
    per_day = r["redemptions"][0, :, 0]
    assert per_day[:30].sum() == 5 and per_day[30:].sum() == 5
    assert float(r["cost"][0].sum()) == pytest.approx(7.0 * 10)
    assert r["stock_outs"][0].sum() > 0


def test_hard_budget_cap_denies_and_holds() -> None:
    catalog = {"mug": {"points_price": 10, "cost": 10.0, "loop": "open"}}
    s = tiny(
        horizon_days=60,
        design={
            "catalog": catalog,
            "budget": {"method": "fixed_amount", "amount": 50, "hard_cap": True},
        },
        population={"tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}}},
    )
    r = simulate(s)
    assert (r["period_cost"][0] <= r["budget"][0]).all()
    assert r["redemptions"][0, :30].sum() == 5 and r["redemptions"][0, 30:].sum() == 5
    assert r["denied"][0].sum() > 0


def test_devaluation_steps_prices_on_its_day() -> None:
    catalog = {"mug": {"points_price": 100, "cost": 1.0, "loop": "open"}}
    s = tiny(
        design={"catalog": catalog, "rule_changes": [{"day": 10, "catalog_price_multiplier": 1.25}]}
    )
    prices = simulate(s)["prices"][0, :, 0]
    assert (prices[:10] == 100).all() and (prices[10:] == 125).all()


def test_campaign_multiplier_and_bonus() -> None:
    s = tiny(
        design={
            "campaigns": {
                "double": {
                    "start_day": 5,
                    "end_day": 9,
                    "multiplier": 2.0,
                    "behaviours": ["sign_in"],
                },
                "welcome": {"start_day": 0, "end_day": 29, "bonus": 7},
            }
        }
    )
    r = simulate(s)
    extra = issued(r, "campaign:double")
    assert np.nonzero(extra)[0].tolist() == [5, 6, 7, 8, 9]
    assert extra.sum() == 5 * 10 * 100
    assert issued(r, "sign_in").sum() == 30 * 10 * 100
    assert issued(r, "campaign:welcome").tolist() == [700] + [0] * 29


def test_random_reward_mean() -> None:
    s = tiny(
        design={
            "mechanics": {
                "random_rewards": {
                    "surprise": {"after": "sign_in", "probability": 0.5, "low": 1, "high": 9}
                }
            }
        },
        population={"users": 4000},
    )
    total = issued(simulate(s), "random:surprise").sum()
    occurrences = 30 * 4000
    var = 0.5 * sum(k * k for k in range(1, 10)) / 9 - 2.5**2
    assert abs(total - 2.5 * occurrences) < 4 * math.sqrt(occurrences * var)


def test_point_game_is_a_sink_with_prize_cost() -> None:
    s = tiny(
        design={
            "mechanics": {
                "point_games": {
                    "wheel": {"cost_points": 5, "win_probability": 0.1, "prize_cost": 3.0}
                }
            }
        },
        population={"users": 2000, "game_play_probability": {"wheel": 1.0}},
    )
    r = simulate(s)
    k = r.labels["sinks"].index("game:wheel")
    plays = int(r["redemptions"][0, :, k].sum())
    assert plays == 30 * 2000
    assert r["redeemed"][0, :, k].sum() == 5 * plays
    sd = 3 * math.sqrt(plays * 0.1 * 0.9)
    assert abs(float(r["cost"][0, :, k].sum()) - 0.3 * plays) < 4 * sd


def test_dormancy_after_idle_days_and_reactivation() -> None:
    base = {
        "design": {"tiers": {"basic": {"core_share": 0.5, "uptake": {"sign_in": 0.0}}}},
    }
    for reactivation, dormant_on_day_5 in ((0.0, 100), (1.0, 0)):
        s = tiny(
            **base,
            population={
                "lifecycle": {
                    "enabled": True,
                    "dormant_after_days": 5,
                    "reactivation_probability": reactivation,
                }
            },
        )
        dormant = simulate(s)["dormant"][0]
        assert dormant[4] == 0
        assert dormant[5] == dormant_on_day_5


def test_churn_hazard() -> None:
    s = tiny(population={"users": 10_000, "lifecycle": {"enabled": True, "churn_hazard": 0.01}})
    churned = simulate(s)["churned"][0]
    for day in (0, 9, 29):
        p = 1 - 0.99 ** (day + 1)
        assert abs(churned[day] - 10_000 * p) < 4 * math.sqrt(10_000 * p * (1 - p))


# ------------------------------------------------------------------ the count samplers


def assert_counts_follow(counts: np.ndarray, pmf: np.ndarray) -> None:
    """Frequencies of 0, 1, … within 5 standard errors of the pmf (binomial SE per cell)."""
    size = counts.size
    freq = np.bincount(counts, minlength=pmf.size)
    assert freq.size == pmf.size, f"a count beyond the support: {freq.size - 1}"
    se = np.sqrt(size * pmf * (1 - pmf))
    assert (np.abs(freq - size * pmf) <= 5 * se + 1e-9).all(), (freq, size * pmf)


def inverted(above: Any, u: np.ndarray, p0: float, *shape: float) -> np.ndarray:
    """The members' loop's count from each uniform: 0 at or below the chance of none, else
    the inversion above it (``compiled.draws``)."""
    return np.array([0 if x <= p0 else above(x, p0, *shape) for x in u.tolist()], np.int64)


@pytest.mark.parametrize(
    ("n", "p"), [(1, 0.3), (2, 0.25), (2, 0.9), (4, 0.5), (7, 0.05), (30, 0.2), (3, 1.0), (3, 0.0)]
)
def test_slots_draw_exact_binomial_counts(n: int, p: float) -> None:
    from scipy import stats

    from econsim.engine.compiled.draws import binomial_above

    u = np.random.default_rng(1).random(200_000)
    counts = inverted(binomial_above, u, (1.0 - p) ** n, p, n)
    assert_counts_follow(counts, stats.binom.pmf(np.arange(n + 1), n, p))


@pytest.mark.parametrize("lam", [0.01, 0.3, 2.5, 12.0])
def test_purchases_draw_exact_poisson_counts(lam: float) -> None:
    from scipy import stats

    from econsim.engine.compiled.draws import poisson_above

    u = np.random.default_rng(2).random(200_000)
    counts = inverted(poisson_above, u, math.exp(-lam), lam)
    support = int(stats.poisson.ppf(1 - 1e-12, lam)) + 1
    pmf = stats.poisson.pmf(np.arange(max(support, int(counts.max()) + 1)), lam)
    assert_counts_follow(counts, pmf)
