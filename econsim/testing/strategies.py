"""Hypothesis strategies around one programme: variants of *your* scenario, valid by construction.

Every variant is the scenario with a few fields moved inside a declared box
(``scenario/space.py`` checks the box against the scenario before anything is drawn, so no
example is thrown away). A field is drawn as a departure from its designed value — a side
and a whole number of steps towards that side's end — so Hypothesis, which shrinks integers
towards zero, shrinks a failing variant towards the design: the smallest change that
breaks the programme, not an arbitrary corner of the box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from hypothesis import note
from hypothesis import strategies as st

from econsim.errors import Problem, ScenarioError
from econsim.scenario.schema import Scenario
from econsim.scenario.space import Box, Dimension, parse_box
from econsim.scenario.variants import with_overrides
from econsim.testing.scale import CI_USERS, at_scale

Vary = Mapping[str, tuple[float, float]] | Sequence[str]


def box_of(base: Scenario, vary: Vary) -> Box:
    """The box of ``vary``: {path: (low, high)} or ``--vary`` texts (``PATH=LOW:HIGH[:int]``)."""
    if isinstance(vary, Mapping):
        texts = [f"{path}={low!r}:{high!r}" for path, (low, high) in vary.items()]
    else:
        texts = list(vary)
    return parse_box(base, texts)


#: Steps from the designed value to either end of a range: a departure is a whole number of
#: steps because Hypothesis shrinks integers towards 0 (a float would shrink towards "simple"
#: values such as 1.0, the far end of the range, not towards the design).
STEPS = 1000


def departure(dim: Dimension) -> st.SearchStrategy[float]:
    """A value of ``dim`` drawn as a move away from the designed value (which shrinks to it)."""
    home = min(max(dim.value, dim.low), dim.high)  # a designed value outside the box: its edge
    fraction = st.integers(0, STEPS).map(lambda k: k / STEPS)
    below = fraction.map(lambda f: home - f * (home - dim.low))
    above = fraction.map(lambda f: home + f * (dim.high - home))
    # "below" first: a failing example on both sides shrinks to the one below
    return st.one_of(below, above).map(lambda x: float(dim.clip(x)))


def points(box: Box) -> st.SearchStrategy[list[float]]:
    """One value per dimension of ``box``, each a departure from the design."""
    return st.tuples(*(departure(d) for d in box.dimensions)).map(list)


@st.composite
def _variant(draw: st.DrawFn, base: Scenario, box: Box) -> Scenario:
    overrides = box.overrides(draw(points(box)))
    note(f"econsim variant: --set {' --set '.join(overrides)}")
    return with_overrides(base, overrides)


def scenarios(
    base: Scenario | Path | str, vary: Vary, *, users: int | None = CI_USERS
) -> st.SearchStrategy[Scenario]:
    """Variants of ``base`` with the fields of ``vary`` inside their ranges.

    ``vary``: ``{"population.uptake_scale": (0.6, 1.2), ...}`` or ``--vary`` texts;
    ``users``: members to simulate (arrivals, a fixed budget and stock scaled alike; None:
    as written). Bad paths and ranges raise a located ScenarioError at once.
    """
    scaled = at_scale(base, users)
    return _variant(scaled, sized_box(scaled, vary, users))


def sized_box(base: Scenario, vary: Vary, users: int | None) -> Box:
    """:func:`box_of`, refusing to vary the population's size when every design is
    simulated at ``users`` members (it would run at the drawn sizes while saying ``users``:
    10^9 members for a search "at 100")."""
    box = box_of(base, vary)
    if users is not None and "population.users" in box.names:
        raise ScenarioError(
            [
                Problem(
                    "--vary population.users", 0, 0, "population.users",
                    f"every design is simulated at {users:,} members (--users), so the "
                    "population's size cannot be varied",
                    "vary what members do (e.g. population.uptake_scale), or set --users",
                )
            ]
        )  # fmt: skip
    return box


def population_box(base: Scenario, scale: float) -> dict[str, tuple[float, float]]:
    """±``scale`` around the population's assumptions: uptake, frequencies, propensity,
    arrivals (probabilities kept within 1)."""
    if not 0 < scale < 1:
        raise ScenarioError(
            [Problem("populations(scale=…)", 0, 0, "", f"scale {scale} is not in (0, 1)", "")]
        )
    p = base.population
    fields: dict[str, float] = {"population.uptake_scale": p.uptake_scale}
    if p.acquisition_per_day:
        fields["population.acquisition_per_day"] = p.acquisition_per_day
    for name, tier in p.tiers.items():
        fields[f"population.tiers.{name}.redemption_propensity"] = tier.redemption_propensity
        for behaviour, core in tier.core.items():
            fields[f"population.tiers.{name}.core.{behaviour}.frequency"] = core.frequency
    box = {}
    for path, value in fields.items():
        if value <= 0:
            continue  # nothing to move around (a zero stays zero)
        high = value * (1 + scale)
        if path.endswith("redemption_propensity"):
            high = min(high, 1.0)
        box[path] = (value * (1 - scale), high)
    return box


def populations(
    base: Scenario | Path | str, scale: float = 0.3, *, users: int | None = CI_USERS
) -> st.SearchStrategy[Scenario]:
    """Variants of ``base`` whose population departs from the design's assumptions by up to
    ±``scale``: uptake scale, every stated core frequency, redemption propensities,
    arrivals."""
    scaled = at_scale(base, users)
    return _variant(scaled, box_of(scaled, population_box(scaled, scale)))


@st.composite
def _calendar(draw: st.DrawFn, base: Scenario) -> Scenario:
    overrides = []
    for name, c in base.design.campaigns.items():
        length = c.end_day - c.start_day
        start = draw(st.integers(0, max(base.horizon_days - 1 - length, 0)))
        overrides += [
            f"design.campaigns.{name}.start_day={start}",
            f"design.campaigns.{name}.end_day={start + length}",
        ]
    note(f"econsim campaign calendar: --set {' --set '.join(overrides)}")
    return with_overrides(base, overrides)


def campaign_calendars(
    base: Scenario | Path | str, *, users: int | None = CI_USERS
) -> st.SearchStrategy[Scenario]:
    """``base`` with each of its campaigns moved to any start day that keeps it (and its
    length) inside the horizon: does the programme survive a campaign in its busiest week?"""
    scaled = at_scale(base, users)
    if not scaled.design.campaigns:
        raise ScenarioError(
            [
                Problem(
                    f"campaign_calendars({scaled.name!r})",
                    0,
                    0,
                    "design.campaigns",
                    "the design has no campaigns to move",
                    "add a campaign under design.campaigns, or vary other fields",
                )
            ]
        )
    return _calendar(scaled)
