"""User lifecycle for one day: new → active → dormant → churned, and reactivation."""

from __future__ import annotations

import numpy as np

from econsim.engine.model import ACTIVE, CHURNED, DORMANT, NEW
from econsim.engine.world import World


def step(world: World) -> None:
    """Churn hazard, newcomers settling in, dormancy after idle days, reactivation."""
    lc = world.model.scenario.population.lifecycle
    if not lc.enabled:
        return
    st, rng, day = world.state, world.rng, world.day
    n = st.n
    life = st.life[:n]
    life[world.leaving] = CHURNED  # yesterday's BG/NBD drop-outs
    world.leaving = np.zeros(0, np.int64)
    if lc.churn_hazard > 0:
        alive = np.nonzero(life != CHURNED)[0]
        gone = alive[rng.random(alive.size) < lc.churn_hazard]
        life[gone] = CHURNED
    settled = (life == NEW) & (day - st.joined[:n] >= lc.new_days)
    life[settled] = ACTIVE
    idle = (life == ACTIVE) & (day - st.last_active[:n] >= lc.dormant_after_days)
    life[idle] = DORMANT
    if lc.reactivation_probability > 0:
        dormant = np.nonzero(life == DORMANT)[0]
        back = dormant[rng.random(dormant.size) < lc.reactivation_probability]
        life[back] = ACTIVE
        st.last_active[back] = day
