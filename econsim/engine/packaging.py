"""Packaged campaigns: one budget per participant, delivered four ways (domain §7).

A member who does the campaign's behaviour on a campaign day for the first time decides
once whether to take part, with the packaging's participation. What each participant costs
is money, booked to the campaign's sink ``packaged:NAME`` when paid:

- **flat**: every participant gets the reward;
- **draw**: each participant wins the prize with the draw's probability;
- **group**: participants fill groups of ``size`` in the order they come (a group may span
  days); a full group completes with its probability and pays its leader and members;
- **micro_draw**: every ``every`` participants, one of them wins the prize.

On the campaign's last day (or the horizon's) an unfilled group or block is settled with the
chance that keeps the expected cost per participant exact: a group of s < k completes with
``q × s (L + (k−1) M) / (k (L + (s−1) M))``, a block of s < N pays its prize with ``s / N``.
Draws use the world's campaign stream, so packagings compared on one seed share every other
draw. Who takes part is decided in the members' loop (``compiled.day``); the rewards, which
fill across members, here; paying them within a hard cap in ``compiled.serving``.
"""

from __future__ import annotations

import numpy as np

from econsim.arrays import F64, I64
from econsim.engine.world import World
from econsim.scenario.schema import PackagedCampaign


def rewards(world: World, i: int, c: PackagedCampaign, rows: I64, last: bool) -> tuple[I64, F64]:
    """Who is paid today and how much."""
    rng, r = world.campaign_rng, c.rewards()
    if c.packaging == "flat":
        return rows, np.full(rows.size, r["reward"])
    if c.packaging == "draw":
        won = rows[rng.random(rows.size) < c.draw.win_probability]
        return won, np.full(won.size, r["prize"])
    queue = np.concatenate([world.waiting[i], rows[rng.permutation(rows.size)]])
    if c.packaging == "group":
        return _groups(world, i, c, queue, last)
    return _blocks(world, i, c.micro_draw.every, r["prize"], queue, last)


def _groups(world: World, i: int, c: PackagedCampaign, queue: I64, last: bool) -> tuple[I64, F64]:
    g, r, rng = c.group, c.rewards(), world.campaign_rng
    k = g.size
    full = queue.size // k
    groups = queue[: full * k].reshape(full, k)
    done = groups[rng.random(full) < g.completion_probability]
    pay = np.tile(np.r_[r["leader"], np.full(k - 1, r["member"])], done.shape[0])
    paid, cost = done.ravel(), pay
    rest = queue[full * k :]
    world.waiting[i] = rest
    if last and rest.size:
        s = rest.size
        whole = r["leader"] + (k - 1) * r["member"]
        part = r["leader"] + (s - 1) * r["member"]
        if rng.random() < g.completion_probability * s * whole / (k * part):
            paid = np.concatenate([paid, rest])
            cost = np.concatenate([cost, [r["leader"]], np.full(s - 1, r["member"])])
        world.waiting[i] = np.zeros(0, np.int64)
    return paid, cost


def _blocks(
    world: World, i: int, every: int, prize: float, queue: I64, last: bool
) -> tuple[I64, F64]:
    rng = world.campaign_rng
    full = queue.size // every
    pick = rng.integers(0, every, full)
    winners = queue[np.arange(full) * every + pick]
    rest = queue[full * every :]
    world.waiting[i] = rest
    if last and rest.size:
        if rng.random() < rest.size / every:
            winners = np.concatenate([winners, rest[rng.integers(0, rest.size, 1)]])
        world.waiting[i] = np.zeros(0, np.int64)
    return winners, np.full(winners.size, prize)
