"""The population as a struct of arrays: one row per user, no per-user Python objects.

Arrays are allocated with spare capacity so that acquisition appends without copying every
day; ``n`` is the number of rows in use.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from econsim.engine.model import NEW, Model

NEVER = -(2**30)
RETAINED, REFERRED = 1, 2  # ``State.milestones`` bits of a new member's funnel
#: ``State.purchases`` stops counting here: a repeat buyer needs no more.
AGAIN = 2


@dataclass
class State:
    """Per-user state. Row i is one user; only rows ``[:n]`` are in use."""

    n: int
    tier: NDArray[np.int8]
    life: NDArray[np.int8]  # lifecycle state
    joined: NDArray[np.int32]
    last_active: NDArray[np.int32]  # lifecycle's clock: joined, acted or woken by chance
    acted: NDArray[np.int32]  # last day with a behaviour (NEVER before any): WAU and MAU
    balance: NDArray[np.int64]
    lots: NDArray[np.int32]  # [L, capacity]: points by month earned, ring-indexed by month key
    count: NDArray[np.int32]  # [non-core B, capacity]: occurrences this period (kind_row)
    amount: NDArray[np.float64]  # [core B, capacity]: amount this period (kind_row)
    streak: NDArray[np.int32]
    bundle_done: NDArray[np.bool_]  # [bundles, capacity]
    bonus_got: NDArray[np.bool_]  # [campaigns, capacity]
    review_metric: NDArray[np.float64]  # core amount or points earned since last review
    below: NDArray[np.int16]  # consecutive reviews below the tier's threshold
    target: NDArray[np.int16]  # catalog item the user saves for
    last_redeem: NDArray[np.int32]
    buying: NDArray[np.float32]  # [2, capacity] pace and drop-out chance (BG/NBD), or [0, …]
    took_part: NDArray[np.int8]  # [packaged campaigns, capacity] 0 not asked, 1 yes, 2 no
    coupon_until: NDArray[np.int32]  # [coupons, capacity] last day a held coupon is valid
    coupon_value: NDArray[np.float32]  # [coupons, capacity] money off (random coupons)
    purchases: NDArray[np.int8]  # core purchases so far, counted up to 2 (repurchase)
    milestones: NDArray[np.uint8]  # AARRR stages reached: RETAINED, REFERRED bits

    @property
    def capacity(self) -> int:
        return int(self.tier.shape[0])

    @property
    def lot_sum(self) -> NDArray[np.int64]:
        total: NDArray[np.int64] = self.lots[:, : self.n].sum(axis=0, dtype=np.int64)
        return total


def bytes_per_user(model: Model) -> int:
    """State bytes one user costs (for the memory check before a run)."""
    b = len(model.behaviours)
    extra = len(model.scenario.design.mechanics.task_bundles) + len(model.scenario.design.campaigns)
    buying = 8 if model.repeat_buying is not None else 0
    taking = len(model.scenario.design.mechanics.packaged_campaigns)
    coupons = 8 * len(model.coupons)
    core = int(model.is_core.sum())
    per_behaviour = 4 * (b - core) + 8 * core  # occurrences (non-core), amounts (core)
    fixed = 1 + 1 + 4 + 4 + 4 + 8 + 4 * model.lot_count + 4 + 8 + 2 + 2 + 4 + 1 + 1
    return fixed + per_behaviour + extra + buying + taking + coupons


def allocate(model: Model, capacity: int) -> State:
    b = len(model.behaviours)
    nb = len(model.scenario.design.mechanics.task_bundles)
    nc = len(model.scenario.design.campaigns)
    return State(
        n=0,
        tier=np.zeros(capacity, np.int8),
        life=np.zeros(capacity, np.int8),
        joined=np.zeros(capacity, np.int32),
        last_active=np.zeros(capacity, np.int32),
        acted=np.full(capacity, NEVER, np.int32),
        balance=np.zeros(capacity, np.int64),
        lots=np.zeros((model.lot_count, capacity), np.int32),
        count=np.zeros((b - int(model.is_core.sum()), capacity), np.int32),
        amount=np.zeros((int(model.is_core.sum()), capacity), np.float64),
        streak=np.zeros(capacity, np.int32),
        bundle_done=np.zeros((nb, capacity), bool),
        bonus_got=np.zeros((nc, capacity), bool),
        review_metric=np.zeros(capacity, np.float64),
        below=np.zeros(capacity, np.int16),
        target=np.zeros(capacity, np.int16),
        last_redeem=np.full(capacity, NEVER, np.int32),
        buying=np.zeros((2 if model.repeat_buying is not None else 0, capacity), np.float32),
        took_part=np.zeros(
            (len(model.scenario.design.mechanics.packaged_campaigns), capacity), bool
        ),
        coupon_until=np.full((len(model.coupons), capacity), NEVER, np.int32),
        coupon_value=np.zeros((len(model.coupons), capacity), np.float32),
        purchases=np.zeros(capacity, np.int8),
        milestones=np.zeros(capacity, np.uint8),
    )


def _grow(state: State, capacity: int) -> State:
    grown = {}
    for f in fields(state):
        arr = getattr(state, f.name)
        if not isinstance(arr, np.ndarray):
            grown[f.name] = arr
            continue
        shape = (*arr.shape[:-1], capacity)
        fill = NEVER if f.name in ("last_redeem", "acted", "coupon_until") else 0
        new = np.full(shape, fill, dtype=arr.dtype)
        new[..., : arr.shape[-1]] = arr
        grown[f.name] = new
    return State(**grown)


def choose(rng: np.random.Generator, p: NDArray[np.float64], size: int) -> NDArray[np.int64]:
    """Indices drawn with chances ``p``: ``rng.choice(len(p), size, p=p)`` draw for draw (the
    same uniforms, the same answers) without its checks of ``p`` — a quarter of the time,
    and members join every day."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right")


def initial_state(model: Model, rng: np.random.Generator) -> State:
    """Day-0 users with tiers drawn by share; capacity for the expected newcomers."""
    pop = model.scenario.population
    expected_new = pop.acquisition_per_day * model.horizon * 1.2 + 64
    capacity = int(pop.users + expected_new)
    state = allocate(model, capacity)
    tiers = choose(rng, model.tier_share, pop.users)
    add_users(state, model, rng, pop.users, day=0, tiers=tiers.astype(np.int8))
    # users present at day 0 are established, not newcomers
    state.life[: state.n] = 1
    return state


def add_users(
    state: State,
    model: Model,
    rng: np.random.Generator,
    count: int,
    day: int,
    tiers: NDArray[np.int8] | None = None,
) -> tuple[State, NDArray[np.int64]]:
    """Append ``count`` users (lowest tier unless given); returns the state and their rows."""
    if state.n + count > state.capacity:
        state = _grow(state, max(2 * state.capacity, state.n + count))
    rows = np.arange(state.n, state.n + count)
    state.tier[rows] = 0 if tiers is None else tiers
    state.life[rows] = NEW
    state.joined[rows] = day
    state.last_active[rows] = day
    if len(model.items):
        state.target[rows] = choose(rng, model.item_pref, count)
    rb = model.repeat_buying
    if rb is not None:
        state.buying[0, rows] = rng.gamma(rb.rate_shape, 1.0 / rb.rate_shape, count)
        state.buying[1, rows] = rng.beta(rb.dropout_a, rb.dropout_b, count)
    state.n += count
    return state, rows
