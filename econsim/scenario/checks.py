"""Cross-field rules a schema cannot express: references, sums, days inside the horizon.

Each rule yields ``(loc, message, hint)``; the loader turns locations into file:line:col.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from econsim.scenario.amounts import DEFAULT_FREQUENCY, DEFAULT_SHAPE, reachable_uptake
from econsim.scenario.operating import observable
from econsim.scenario.schema import Scenario, ThresholdCoupon
from econsim.scenario.season import check_seasonality

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str, str]

SHARE_TOLERANCE = 1e-6


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A 'did you mean …' hint naming the closest choice, or the list of choices."""
    options = sorted(choices)
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"choose one of: {', '.join(options)}" if options else "nothing is defined to refer to"


def _refs(names: Iterable[str], known: Iterable[str], loc: Loc, what: str) -> Iterator[Finding]:
    known_set = set(known)
    for i, name in enumerate(names):
        if name not in known_set:
            yield (*loc, i), f"unknown {what} '{name}'", did_you_mean(name, known_set)


def _keys(mapping: dict[str, Any], known: Iterable[str], loc: Loc, what: str) -> Iterator[Finding]:
    known_set = set(known)
    for name in mapping:
        if name not in known_set:
            yield (*loc, name), f"unknown {what} '{name}'", did_you_mean(name, known_set)


def check_scenario(s: Scenario) -> list[Finding]:
    """Every cross-field problem of a schema-valid scenario."""
    calendar = list(_check_calendar(s))
    if calendar:  # the other checks walk the calendar
        return calendar
    return [
        *_check_tiers(s),
        *_check_behaviours(s),
        *_check_budget_catalog(s),
        *_check_schedule(s),
        *_check_mechanics(s),
        *_check_population(s),
        *check_seasonality(s),
        *check_core_uptake(s),
        *_check_operating(s),
    ]


def _check_operating(s: Scenario) -> Iterator[Finding]:
    """Cohort metrics a scenario asks for must fit its horizon."""
    op, horizon = s.operating, s.horizon_days
    last = horizon - 2
    for i, k in enumerate(op.retention_days or ()):
        if not observable(k, horizon):
            yield (
                ("operating", "retention_days", i),
                f"day-{k} retention needs a horizon of at least {k + 2} days (the first "
                f"cohort joins on day 1); this one has {horizon}",
                f"ask for days up to {last} or extend horizon_days"
                if last > 0
                else "extend horizon_days: a cohort metric needs at least 3 days",
            )
    after = op.retained_after_days
    if after is not None and not observable(after, horizon):
        yield (
            ("operating", "retained_after_days"),
            f"retained after {after} days needs a horizon of at least {after + 2} days; this "
            f"one has {horizon}",
            f"set it to at most {last} or extend horizon_days"
            if last > 0
            else "extend horizon_days: a cohort metric needs at least 3 days",
        )


#: Days the calendar must still have after the last simulated one: seasons average a year
#: from the start, and the books look up to 13 months ahead for points coming due.
CALENDAR_MARGIN = 400


def _check_calendar(s: Scenario) -> Iterator[Finding]:
    """The last simulated day, and a year and a month after it, must be dates the calendar
    has (year 9999 at most)."""
    room = (dt.date.max - s.start_date).days - CALENDAR_MARGIN
    if room < s.horizon_days:
        latest = dt.date.max - dt.timedelta(days=CALENDAR_MARGIN + s.horizon_days)
        yield (
            ("start_date",),
            f"{s.horizon_days:,} days from {s.start_date} and the year after them (seasons, "
            f"points coming due) run past the calendar's last date ({dt.date.max})",
            f"start on or before {latest}, or simulate fewer days",
        )


#: Tiers a design may have: the engine keeps each member's tier in one byte (int8).
MAX_TIERS = 100


def _check_tiers(s: Scenario) -> Iterator[Finding]:
    d = s.design
    behaviours = set(d.behaviours)
    previous = -1.0
    metrics = {t.entry.metric for t in d.tiers.values() if t.entry is not None}
    # above the lowest tier, entry rules on all tiers (members move) or on none (fixed layers)
    ruled = [t.entry is not None for t in list(d.tiers.values())[1:]]
    mixed = any(ruled) and not all(ruled)
    if len(d.tiers) > MAX_TIERS:
        yield (
            ("design", "tiers"),
            f"{len(d.tiers)} tiers; econsim runs at most {MAX_TIERS}",
            "merge tiers: a programme has a handful (members cannot tell 100 apart)",
        )
    if len(metrics) > 1:
        yield (
            ("design", "tiers"),
            f"tiers use different entry metrics ({', '.join(sorted(metrics))})",
            "use one metric for every tier's entry rule: core_amount or points_earned",
        )
    for i, (name, tier) in enumerate(d.tiers.items()):
        loc: Loc = ("design", "tiers", name)
        missing = sorted(behaviours - set(tier.uptake))
        if missing:
            yield (
                (*loc, "uptake"),
                f"no uptake assumed for {', '.join(missing)}",
                "give every behaviour an uptake (0 if this tier never does it)",
            )
        yield from _keys(tier.uptake, behaviours, (*loc, "uptake"), "behaviour")
        if i > 0 and tier.entry is None and mixed:
            yield (
                loc,
                "this tier has no entry rule but others above the lowest do",
                "add entry: {metric, threshold}; or remove every entry rule to make the tiers "
                "fixed layers (users keep the tier drawn for them by share)",
            )
        if tier.entry is not None:
            if tier.entry.threshold < previous:
                yield (
                    (*loc, "entry", "threshold"),
                    f"threshold {tier.entry.threshold:g} is below the tier beneath ({previous:g})",
                    "list tiers lowest first, with rising thresholds",
                )
            previous = tier.entry.threshold


def _check_behaviours(s: Scenario) -> Iterator[Finding]:
    d = s.design
    tiers = set(d.tiers)
    for name, b in d.behaviours.items():
        loc: Loc = ("design", "behaviours", name)
        if isinstance(b.period_cap, dict):
            yield from _keys(b.period_cap, tiers, (*loc, "period_cap"), "tier")
            missing = sorted(tiers - set(b.period_cap))
            if missing:
                yield (
                    (*loc, "period_cap"),
                    f"no cap for tier {', '.join(missing)}",
                    "give one number for every tier, or a single number for all",
                )
        yield from _keys(b.tier_multipliers, tiers, (*loc, "tier_multipliers"), "tier")
        if b.kind == "core" and b.daily_cap is not None:
            yield (*loc, "daily_cap"), "core behaviours are capped by amount", "remove daily_cap"
        if b.kind == "non_core" and b.unit != 1.0:
            yield (*loc, "unit"), "only core behaviours have a unit amount", "remove unit"


def _check_budget_catalog(s: Scenario) -> Iterator[Finding]:
    # an expiry's own fields are checked by its tagged union in the schema
    missing = s.design.budget.missing_field()
    if missing is not None:
        yield ("design", "budget"), *missing
    for name, item in s.design.catalog.items():
        if item.loop == "open" and item.use_rate != 1.0:
            yield (
                ("design", "catalog", name, "use_rate"),
                "use_rate applies to closed-loop coupons only",
                "remove use_rate or set loop: closed",
            )


def _check_day(day: int, horizon: int, loc: Loc) -> Iterator[Finding]:
    if day >= horizon:
        yield (
            loc,
            f"day {day} is outside the horizon (0..{horizon - 1})",
            "move it or extend horizon_days",
        )


def _check_schedule(s: Scenario) -> Iterator[Finding]:
    d = s.design
    for name, c in d.campaigns.items():
        loc: Loc = ("design", "campaigns", name)
        yield from _check_day(c.start_day, s.horizon_days, (*loc, "start_day"))
        yield from _check_day(c.end_day, s.horizon_days, (*loc, "end_day"))
        if c.end_day < c.start_day:
            yield (*loc, "end_day"), "the campaign ends before it starts", "end_day >= start_day"
        if c.multiplier == 1.0 and c.bonus == 0:
            yield loc, "the campaign changes nothing", "set a multiplier other than 1 or a bonus"
        yield from _refs(c.behaviours, d.behaviours, (*loc, "behaviours"), "behaviour")
        yield from _refs(c.tiers, d.tiers, (*loc, "tiers"), "tier")
    for i, rc in enumerate(d.rule_changes):
        loc = ("design", "rule_changes", i)
        yield from _check_day(rc.day, s.horizon_days, (*loc, "day"))
        changes = (rc.catalog_price_multiplier, rc.point_value_multiplier, rc.expiry)
        if all(c is None for c in changes):
            yield loc, "the rule change changes nothing", "set a multiplier or an expiry"
        yield from _refs(rc.items, d.catalog, (*loc, "items"), "catalog item")
        yield from _refs(rc.behaviours, d.behaviours, (*loc, "behaviours"), "behaviour")


def _check_mechanics(s: Scenario) -> Iterator[Finding]:
    d = s.design
    m = d.mechanics
    loc: Loc = ("design", "mechanics")
    if m.sign_in_streak is not None:
        name = m.sign_in_streak.behaviour
        bloc = (*loc, "sign_in_streak", "behaviour")
        if name not in d.behaviours:
            yield bloc, f"unknown behaviour '{name}'", did_you_mean(name, d.behaviours)
        elif d.behaviours[name].kind != "non_core":
            yield bloc, f"'{name}' is a core behaviour", "a sign-in is a non-core behaviour"
    for key, bundle in m.task_bundles.items():
        if bundle.behaviour not in d.behaviours:
            yield (
                (*loc, "task_bundles", key, "behaviour"),
                f"unknown behaviour '{bundle.behaviour}'",
                did_you_mean(bundle.behaviour, d.behaviours),
            )
    for key, rr in m.random_rewards.items():
        rloc = (*loc, "random_rewards", key)
        if rr.after not in d.behaviours:
            yield (
                (*rloc, "after"),
                f"unknown behaviour '{rr.after}'",
                did_you_mean(rr.after, d.behaviours),
            )
        if rr.low > rr.high:
            yield (*rloc, "low"), f"low {rr.low} is above high {rr.high}", "low <= high"
        if rr.reward == "coupon" and not any(b.kind == "core" for b in d.behaviours.values()):
            yield (
                (*rloc, "reward"),
                "a coupon needs a core behaviour (a purchase) to be used on",
                "add a core behaviour or set reward: points",
            )
    for key, task in m.daily_tasks.items():
        yield from _keys(task.behaviours, d.behaviours, (*loc, "daily_tasks", key, "behaviours"),
                         "behaviour")  # fmt: skip
    for key, c in m.threshold_coupons.items():
        yield from _check_coupon(s, key, c)
    for key, pc in m.packaged_campaigns.items():
        ploc: Loc = (*loc, "packaged_campaigns", key)
        yield from _check_day(pc.start_day, s.horizon_days, (*ploc, "start_day"))
        yield from _check_day(pc.end_day, s.horizon_days, (*ploc, "end_day"))
        if pc.end_day < pc.start_day:
            yield (*ploc, "end_day"), "the campaign ends before it starts", "end_day >= start_day"
        if pc.after not in d.behaviours:
            yield (
                (*ploc, "after"),
                f"unknown behaviour '{pc.after}'",
                did_you_mean(pc.after, d.behaviours),
            )


def _check_coupon(s: Scenario, key: str, c: ThresholdCoupon) -> Iterator[Finding]:
    d = s.design
    loc: Loc = ("design", "mechanics", "threshold_coupons", key)
    if c.behaviour not in d.behaviours:
        yield (
            (*loc, "behaviour"),
            f"unknown behaviour '{c.behaviour}'",
            did_you_mean(c.behaviour, d.behaviours),
        )
    elif d.behaviours[c.behaviour].kind != "core":
        yield (
            (*loc, "behaviour"),
            f"'{c.behaviour}' is not a core behaviour: a coupon needs a purchase amount",
            "name a core behaviour",
        )
    if c.discount >= c.threshold:
        yield (
            (*loc, "discount"),
            f"discount {c.discount:g} is not below the threshold {c.threshold:g}",
            "a threshold coupon takes part of a basket off: discount < threshold",
        )
    if c.reach > c.threshold:
        yield (
            (*loc, "reach"),
            f"reach {c.reach:g} is above the threshold {c.threshold:g}",
            "reach is how far below the threshold a basket may be: at most the threshold",
        )
    if c.claim_probability > 0 and c.points_price is None:
        yield (
            (*loc, "claim_probability"),
            "members cannot claim a coupon that has no points_price",
            "set points_price or remove claim_probability",
        )
    if not c.handed_out and (c.points_price is None or c.claim_probability == 0):
        yield (
            loc,
            "no member can get this coupon",
            "set points_price and claim_probability, or days in handed_out",
        )
    for i, day in enumerate(c.handed_out):
        yield from _check_day(day, s.horizon_days, (*loc, "handed_out", i))


def _check_population(s: Scenario) -> Iterator[Finding]:
    d, p = s.design, s.population
    loc: Loc = ("population", "tiers")
    yield from _keys(p.tiers, d.tiers, loc, "tier")
    missing = sorted(set(d.tiers) - set(p.tiers))
    if missing:
        yield loc, f"no population for tier {', '.join(missing)}", "every design tier needs a share"
    total = sum(t.share for t in p.tiers.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        yield loc, f"tier shares sum to {total:.6g}, not 1", "make the shares add up to 1"
    core = {n for n, b in d.behaviours.items() if b.kind == "core"}
    for name, tp in p.tiers.items():
        yield from _keys(tp.uptake, d.behaviours, (*loc, name, "uptake"), "behaviour")
        yield from _keys(tp.core, core, (*loc, name, "core"), "core behaviour")
    yield from _keys(p.catalog_preference, d.catalog, ("population", "catalog_preference"), "item")
    if d.catalog and p.catalog_preference:
        weights = [p.catalog_preference.get(n, 1.0) for n in d.catalog]
        if sum(weights) <= 0:
            yield (
                ("population", "catalog_preference"),
                "every catalog item has weight 0",
                "give at least one item a positive weight",
            )
    games = d.mechanics.point_games
    gloc: Loc = ("population", "game_play_probability")
    yield from _keys(p.game_play_probability, games, gloc, "point game")
    for name in games:
        if name not in p.game_play_probability:
            yield (
                gloc,
                f"no play probability for point game '{name}'",
                f"add {name}: <daily chance a holder plays>",
            )
    if p.referral_rate > 0 and d.mechanics.referral is None:
        yield (
            ("population", "referral_rate"),
            "referral_rate has no effect without design.mechanics.referral",
            "add design.mechanics.referral or set referral_rate: 0",
        )


def check_core_uptake(s: Scenario) -> Iterator[Finding]:
    """A default-population core uptake the capped amount distribution cannot reach."""
    d, p = s.design, s.population
    for t in d.tiers:
        tp = p.tiers.get(t)
        if tp is None:
            continue
        for b, behaviour in d.behaviours.items():
            if behaviour.kind != "core" or b in tp.core:
                continue  # a population stating its own core activity keeps it
            own = b in tp.uptake
            uptake = s.actual_uptake(t, b)
            top = reachable_uptake(DEFAULT_FREQUENCY, *DEFAULT_SHAPE)
            if uptake > top:
                where = ("population", "tiers", t) if own else ("design", "tiers", t)
                yield (
                    (*where, "uptake", b),
                    f"core uptake {uptake:g} cannot be reached by the default population",
                    f"at most {top:.3f}: with {DEFAULT_FREQUENCY:g} occurrences per period and "
                    f"{DEFAULT_SHAPE[0]} amounts of cv {DEFAULT_SHAPE[1]:g}, even a mean amount "
                    "per occurrence equal to the whole period cap leaves members below it "
                    f"(no occurrence in a period, or spending cut at the cap); lower the uptake "
                    f"or state population.tiers.{t}.core.{b}",
                )
