"""The mutable world of one replication: what the daily kernels read and change.

The kernels (earning, redemption, lifecycle, tiers) take a ``World`` and the compiled
model it holds; the simulation owns one and drives it with its calendar. Keeping the
world below the simulation lets the kernels know nothing of the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.engine.ledger import Ledger
from econsim.engine.model import Model, Rules
from econsim.engine.recorder import Recorder
from econsim.engine.state import State, add_users, choose, initial_state

#: The last spawn keys of the generator's seed sequence: the streams of their own.
SPEND_STREAM, CAMPAIGN_STREAM = 2**31 - 1, 2**31 - 2


def spend_seed(rng: np.random.Generator, stream: int = SPEND_STREAM) -> np.random.SeedSequence:
    """A child of the generator's seed sequence, independent of every other stream."""
    seq = rng.bit_generator.seed_seq
    assert isinstance(seq, np.random.SeedSequence)
    return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, stream))


@dataclass(init=False, eq=False)  # arrays: no field-wise equality
class World:
    """Population state, ledger, the day's rules and the period's running totals."""

    model: Model
    rng: np.random.Generator
    spend_rng: np.random.Generator
    campaign_rng: np.random.Generator  # packaged campaigns: who takes part, who wins
    rules: Rules
    state: State
    ledger: Ledger
    day: int
    stock_left: NDArray[np.int64]
    period_cost: float
    period_core_amount: float
    camp_mult: NDArray[np.float64]  # [T, B] today's campaign multiplier
    camp_source: NDArray[np.int64]  # [T, B] the campaign source it is booked to (-1: none)
    ever_redeemed: int  # distinct users who have redeemed (kept by redemption)
    recorder: Recorder | None  # an event log, when asked for
    leaving: NDArray[np.int64]  # users who drop out overnight (BG/NBD)
    waiting: list[NDArray[np.int64]]  # per packaged campaign: participants not yet in a
    # full group (group deal) or a full block (micro-stake draw)

    def __init__(
        self,
        model: Model,
        rng: np.random.Generator,
        recorder: Recorder | None = None,
        state: State | None = None,
    ) -> None:
        """``state``: the members to start with (``engine.snapshot``), else the scenario's
        population drawn for day 0."""
        self.model, self.rng = model, rng
        # Spending draws from a stream of its own, so that two designs run on one seed see
        # the same earning, lifecycle and acquisition draws whatever their catalogs do
        # (common random numbers for sweeps and comparisons).
        self.spend_rng = np.random.default_rng(spend_seed(rng))
        # and so do packaged campaigns: four packagings of one campaign compared on one seed
        # differ only in who takes part and who wins
        self.campaign_rng = np.random.default_rng(spend_seed(rng, CAMPAIGN_STREAM))
        self.rules = model.initial_rules()
        self.state = initial_state(model, rng) if state is None else state
        self.ledger = Ledger.empty(model)
        self.day = 0
        self.stock_left = model.item_stock.copy()
        self.period_cost = 0.0
        self.period_core_amount = 0.0
        self.camp_mult = np.ones((len(model.tiers), len(model.behaviours)))
        self.camp_source = np.full((len(model.tiers), len(model.behaviours)), -1, np.int64)
        self.ever_redeemed = 0
        self.recorder = recorder
        if recorder is not None:  # initial_state adds the day-0 members, not add_users
            rows = np.arange(self.state.n)
            recorder.joined(rows, 0, self.state.tier[rows])
        self.leaving = np.zeros(0, np.int64)
        self.waiting = [np.zeros(0, np.int64) for _ in model.packaged]

    def period_budget(self) -> float:
        """The current period's budget: fixed, or a ratio of the core amount realised so far."""
        return self.model.scenario.design.budget.amount_for(self.period_core_amount)

    def hard_cap_terms(self) -> tuple[float, float]:
        """``(fixed, ratio)`` of today's period: a hard cap holds its cost to ``fixed + ratio
        × the core amount realised so far`` (``Budget.hard_cap_terms``)."""
        d = self.model.scenario.design
        start = self.day - self.day % d.period_days
        days = min(d.period_days, self.model.horizon - start)
        return d.budget.hard_cap_terms(days, d.period_days)

    def period_cap(self) -> float:
        """What a hard cap holds the period's cost to now: its budget, pro-rated when the
        horizon cuts the period short (as the finance view reads a short period's budget)."""
        fixed, ratio = self.hard_cap_terms()
        return fixed + ratio * self.period_core_amount

    def add_users(self, count: int) -> NDArray[np.int64]:
        """New users join today, in the lowest tier (or, with fixed layers, one drawn by
        share); returns their rows."""
        m = self.model
        layer: NDArray[np.int8] | None = None
        if m.fixed_tiers:
            layer = choose(self.rng, m.tier_share, count).astype(np.int8)
        self.state, rows = add_users(self.state, m, self.rng, count, self.day, layer)
        self.ledger.new_users[self.day] += count
        if self.recorder is not None:
            self.recorder.joined(rows, self.day, self.state.tier[rows])
        return rows
