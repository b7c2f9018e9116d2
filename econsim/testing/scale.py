"""A programme at test size: fewer members, with what is counted per member scaled alike."""

from __future__ import annotations

import math
from pathlib import Path

from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides

#: Members a CI run simulates by default: about half a second a year of a coffee programme.
CI_USERS = 2000


def scale_overrides(scenario: Scenario, users: int) -> list[str]:
    """``--set`` texts that shrink (or grow) ``scenario`` to ``users`` members.

    Arrivals, a fixed budget and the stock of every item scale with the members, so the
    verdicts judge the same programme: a budget per period left at its full size would pass
    any design at a tenth of the members, and full stock would never run out.
    """
    factor = users / scenario.population.users
    p, d = scenario.population, scenario.design
    out = [f"population.users={users}"]
    if p.acquisition_per_day:
        out.append(f"population.acquisition_per_day={p.acquisition_per_day * factor!r}")
    if d.budget.method == "fixed_amount" and d.budget.amount is not None:
        out.append(f"design.budget.amount={d.budget.amount * factor!r}")
    for name, item in d.catalog.items():
        if item.stock_per_period is not None:
            stock = max(1, math.ceil(item.stock_per_period * factor))
            out.append(f"design.catalog.{name}.stock_per_period={stock}")
    return out


def at_scale(scenario: Scenario | Path | str, users: int | None = CI_USERS) -> Scenario:
    """``scenario`` with ``users`` members (None: as written); see :func:`scale_overrides`."""
    base = with_overrides(scenario)
    if users is None or users == base.population.users:
        return base
    return with_overrides(base, scale_overrides(base, users))
