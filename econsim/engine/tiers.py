"""Tier review: upgrade on reaching a tier's threshold, downgrade after the grace reviews."""

from __future__ import annotations

import numpy as np

from econsim.engine.world import World


def review(world: World) -> None:
    """Move users to the tier their metric qualifies for; book the balances that move."""
    m, st, day, led = world.model, world.state, world.day, world.ledger
    review_cfg = m.scenario.design.tier_review
    n, nt = st.n, len(m.tiers)
    cur = st.tier[:n].astype(np.int64)
    qualified = np.searchsorted(m.tier_thresholds, st.review_metric[:n], side="right") - 1
    qualified = np.maximum(qualified, 0)
    new = cur.copy()
    up = qualified > cur
    new[up] = qualified[up]
    below = qualified < cur
    st.below[:n] = np.where(below, st.below[:n] + 1, 0)
    if review_cfg.downgrade:
        down = below & (st.below[:n] > review_cfg.grace_reviews)
        new[down] = qualified[down]
        st.below[:n][down] = 0
    else:
        down = np.zeros(n, bool)
    moved = np.nonzero(new != cur)[0]
    bal = st.balance[moved]
    led.transferred[day] -= np.bincount(cur[moved], weights=bal, minlength=nt).astype(np.int64)
    led.transferred[day] += np.bincount(new[moved], weights=bal, minlength=nt).astype(np.int64)
    led.tier_up[day] += np.bincount(new[up], minlength=nt)
    led.tier_down[day] += np.bincount(new[down], minlength=nt)
    st.tier[:n] = new.astype(np.int8)
    if world.recorder is not None:
        world.recorder.moved(moved, day, st.tier[moved], bal)
    st.review_metric[:n] = 0.0
