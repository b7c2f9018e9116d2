"""One replication: the population state, the ledger, and the compiled kernels on them.

``Simulation`` is the ``World`` with the calendar's actions (``engine.calendar`` calls
them): what runs a few times a run — budget periods, rule changes, campaign tables,
month-end aging and cohorts, acquisition, packaged campaigns' groups and blocks — is Python;
what runs over every member every day is the compiled kernels of ``compiled.day``,
``compiled.serving`` and ``compiled.close``. A recorder (``simulate_events``) gets the rows
the kernels write in the journal (``compiled.journal``).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from econsim.engine import lots, packaging
from econsim.engine.compiled import close, day, day_books, serving, uniform
from econsim.engine.compiled.day_books import Books, Buffers
from econsim.engine.compiled.journal import MARGIN, Journal, drain, journal
from econsim.engine.compiled.tables import (
    Day,
    Members,
    Rates,
    day_rates,
    day_tables,
    members,
    season_key,
    tables,
)
from econsim.engine.model import CHURNED, Model
from econsim.engine.recorder import Recorder
from econsim.engine.runoff import Runoff
from econsim.engine.state import State
from econsim.engine.world import World
from econsim.scenario.schema import RuleChange

#: What the kernels book besides the ledger's rows of the day (``Books``): the
#: simulation's own running totals.
_OWN_BOOKS = ("day_counts", "money", "counts")


class Simulation(World):
    """One replication's world with the calendar's actions on it."""

    def __init__(
        self,
        model: Model,
        rng: np.random.Generator,
        recorder: Recorder | None = None,
        state: State | None = None,
    ) -> None:
        super().__init__(model, rng, recorder, state)
        self.on_day: Callable[[int], None] | None = None  # progress hook
        self.days_done = 0  # the calendar has simulated days 0 … days_done − 1
        self.tables = tables(model)
        self.counts = np.zeros(day_books.COUNTS, np.int64)
        # a recorded run's rows of the day (the members' loop drains it as it fills)
        self.journal = journal(0 if recorder is None else 8 * MARGIN)
        self.money = np.zeros(2)
        self.day_counts = np.zeros(3, np.int64)
        mech = model.scenario.design.mechanics
        self.uses = {
            "requests": bool(len(model.items) or len(model.games)),
            "leaving": model.repeat_buying is not None,
            "inviters": mech.referral is not None,
            "participants": bool(mech.packaged_campaigns),
        }
        self.buffers = self._buffers(self.state.capacity)
        # a kernel is compiled the first time a scenario needs it: none needs all of them
        self.claims = any(
            c.points_price is not None and c.claim_probability > 0
            for c in mech.threshold_coupons.values()
        )
        # the loops' uniforms, one stream per numpy stream (common random numbers hold)
        self.streams = tuple(uniform.seeded(g) for g in (rng, self.spend_rng, self.campaign_rng))
        # views the kernels take, kept between calls (building them is most of a small
        # run's time: Python per call, numba's unboxing of each array)
        self._members_of: object = None
        self._members_view: Members
        self._books_day = -1
        self._books_view: Books
        self._rates: dict[bytes, Rates] = {}

    # ------------------------------------------------------------------ checkpoints
    def checkpoint(self) -> bytes:
        """The replication as it stands between two days — members, ledger, rules in force,
        the budget period's totals, queues, a recorder's rows and every random stream's
        state — as bytes :meth:`restore` turns back into it; ``run_calendar`` then goes on
        from day ``days_done`` exactly as the uninterrupted run would (byte for byte). A
        pickle: restore only checkpoints you wrote. The progress hook is not kept."""
        hook, self.on_day = self.on_day, None
        try:
            return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            self.on_day = hook

    def __getstate__(self) -> dict[str, object]:
        # the kept views are rebuilt on use: a pickled view of the ledger is a copy
        kept = ("_members_view", "_books_view")
        return {k: v for k, v in self.__dict__.items() if k not in kept} | {
            "_members_of": None,
            "_books_day": -1,
        }

    @staticmethod
    def restore(data: bytes) -> Simulation:
        """The simulation :meth:`checkpoint` wrote."""
        sim = pickle.loads(data)
        if not isinstance(sim, Simulation):
            raise TypeError(f"not a checkpoint of a simulation: {type(sim).__name__}")
        return sim

    def _buffers(self, capacity: int) -> Buffers:
        def rows(name: str, per: int = 1) -> NDArray[np.int32]:  # member rows fit int32
            return np.empty(capacity * per if self.uses[name] else 0, np.int32)

        per = len(self.model.packaged)
        return Buffers(
            requests=rows("requests"),
            wanted=rows("requests"),
            leaving=rows("leaving"),
            inviters=rows("inviters"),
            participants=rows("participants", per),
            participated=rows("participants", per),
            stock_left=self.stock_left,
            requested=np.zeros(len(self.model.items), np.int64),
        )

    def _members(self) -> Members:
        """The members' arrays as the kernels take them, rebuilt only when the state was
        (a grown state is a new object; its arrays are otherwise changed in place)."""
        if self._members_of is not self.state:
            self._members_view, self._members_of = members(self.state), self.state
        return self._members_view

    def _books(self) -> Books:
        """Today's rows of the ledger as the kernels book them (built once a day)."""
        if self._books_day != self.day:
            self._books_view, self._books_day = self._day_books(), self.day
        return self._books_view

    def _day_books(self) -> Books:
        led, d = self.ledger, self.day
        rows = {f: getattr(led, f)[d] for f in Books._fields if f not in _OWN_BOOKS}
        return Books(**rows, day_counts=self.day_counts, money=self.money, counts=self.counts)

    def _day(self, n_old: int) -> Day:
        r, key = self.rules, season_key(self.model, self.day)
        if key not in self._rates:  # once per distinct season row, not once a day
            self._rates[key] = day_rates(self.model, self.day)
        return day_tables(
            self.model,
            self.day,
            n_old,
            r.points,
            r.prices,
            self.camp_mult,
            self.camp_source,
            self.hard_cap_terms(),
            self._rates[key],
        )

    # ------------------------------------------------------------------ the day
    def tick(self) -> None:
        st, pop = self.state, self.model.scenario.population
        if self.leaving.size:  # yesterday's BG/NBD drop-outs
            st.life[self.leaving] = CHURNED
            self.leaving = np.zeros(0, np.int64)
        n_old = st.n
        open_ = pop.acquisition_days is None or self.day < pop.acquisition_days
        arrivals = self.rng.poisson(pop.acquisition_per_day) if open_ else 0
        if arrivals:
            self.add_users(int(arrivals))
        if self.buffers.requests.size < self.state.capacity and any(self.uses.values()):
            self.buffers = self._buffers(self.state.capacity)
        self.buffers = self.buffers._replace(stock_left=self.stock_left)
        self.buffers.requested[:] = 0
        self.money[:] = (self.period_core_amount, self.period_cost)
        self.counts[:] = 0
        self.counts[day_books.EVER] = self.ever_redeemed
        self.day_counts[:] = 0
        d, t, bk, buf = self._day(n_old), self.tables, self._books(), self.buffers
        n = self.state.n
        s = self._members()
        um, us, uc = self.streams
        at = 0
        while at < n:  # once, unless a recorded run's journal fills
            at = day.members_day(t, d, s, bk, buf, self.journal, at, n, self.rng, um, us, uc)
            self._drain()
        self._sync()
        self._packaged(d)
        self._invitees(d)
        bk, s, buf = self._books(), self._members(), self.buffers
        self._unsync()
        # a row per request served (one a member at most), per play and per claim
        jr = self._room(self.state.n * (1 + len(self.model.games) + self.claims))
        if len(self.model.items):
            serving.serve_requests(t, d, s, bk, buf, jr, us)
        if len(self.model.games):
            serving.play_games(t, d, s, bk, buf, jr, self.state.n, us)
        if self.claims:
            serving.claim_coupons(t, d, s, bk, jr, self.state.n, us)
        self._drain()
        self._sync()
        served = self.ledger.redemptions[self.day, : len(self.model.items)]
        limited = self.stock_left >= 0
        self.stock_left = np.where(limited, self.stock_left - served, -1)

    def _room(self, rows: int) -> Journal:
        """The journal, with room for ``rows`` more when the run is recorded."""
        if self.recorder is not None and self.journal.user.size < rows:
            self._drain()
            self.journal = journal(rows)
        return self.journal

    def _drain(self) -> None:
        if self.recorder is not None:
            drain(self.journal, self.counts, self.day, self.recorder, len(self.model.items))

    def _sync(self) -> None:
        """The loop's totals back into the world (numpy code between kernels reads them)."""
        led, d = self.ledger, self.day
        self.period_core_amount, self.period_cost = float(self.money[0]), float(self.money[1])
        self.ever_redeemed = int(self.counts[day_books.EVER])
        if self.counts[day_books.OVERFLOWS]:
            raise lots.lot_overflow(d)
        led.denied[d] += self.day_counts[day_books.DENIED]
        led.stock_outs[d] += self.day_counts[day_books.STOCK_OUTS]
        led.active_new[d] += self.day_counts[day_books.ACTIVE_NEW]
        self.day_counts[:] = 0
        leaving = self.counts[day_books.LEAVING]
        if leaving:
            self.leaving = self.buffers.leaving[:leaving].astype(np.int64)
            self.counts[day_books.LEAVING] = 0

    def _unsync(self) -> None:
        self.money[:] = (self.period_core_amount, self.period_cost)
        self.counts[day_books.EVER] = self.ever_redeemed

    def _packaged(self, d: Day) -> None:
        """Rewards of today's participants: groups and blocks fill across members
        (``engine.packaging``), paid within a hard cap (``serving.pay_rewards``)."""
        m = self.model
        took = int(self.counts[day_books.PARTICIPANTS])
        if not m.packaged:
            return
        rows = self.buffers.participants[:took].astype(np.int64)
        which = self.buffers.participated[:took]
        for i, (name, c) in enumerate(m.scenario.design.mechanics.packaged_campaigns.items()):
            if not c.start_day <= self.day <= c.end_day:
                continue
            last = self.day == min(c.end_day, m.horizon - 1)
            paid, cost = packaging.rewards(self, i, c, rows[which == i], last)
            ok = np.zeros(paid.size, np.bool_)
            serving.pay_rewards(
                self.tables, d, self._members(), self._books(),
                self._room(paid.size), paid, cost, m.sink(f"packaged:{name}"), ok,
            )  # fmt: skip
            self._drain()
            self._sync()
            self.ledger.rewarded[self.day, i] = int(ok.sum())
        self.counts[day_books.PARTICIPANTS] = 0

    def _invitees(self, d: Day) -> None:
        """Friends brought today join, with their points, after the members' loop."""
        count = int(self.counts[day_books.INVITERS])
        self.counts[day_books.INVITERS] = 0
        led = self.ledger
        if count:
            lo = self.state.n
            self.add_users(count)
            if self.buffers.requests.size < self.state.capacity and any(self.uses.values()):
                # the day's requests are queued already: the grown buffers carry them over
                queued = int(self.counts[day_books.REQUESTS])
                old, grown = self.buffers, self._buffers(self.state.capacity)
                grown.requests[:queued] = old.requests[:queued]
                grown.wanted[:queued] = old.wanted[:queued]
                self.buffers = grown._replace(stock_left=self.stock_left, requested=old.requested)
            self._unsync()
            serving.newcomers_day(
                self.tables, d, self._members(), self._books(), self.buffers,
                self._room(count), lo, self.state.n, self.tables.invitee_points,
                self.streams[1],
            )  # fmt: skip
            self._drain()
            self._sync()
        led.funnel[self.day, 0] = led.new_users[self.day] if self.day >= 1 else 0

    # ------------------------------------------------------------------ calendar events
    def start_period(self) -> None:
        st = self.state
        st.count[:] = 0
        st.amount[:] = 0.0
        st.bundle_done[:] = False
        self.stock_left = self.model.item_stock.copy()
        self.period_cost = 0.0
        self.period_core_amount = 0.0

    def apply_rule_change(self, rc: RuleChange) -> None:
        self.rules.change(self.model, rc)

    def update_campaigns(self) -> None:
        m, day = self.model, self.day
        self.camp_mult[:] = 1.0
        self.camp_source[:] = -1
        for name, c in m.scenario.design.campaigns.items():
            if not (c.start_day <= day <= c.end_day) or c.multiplier == 1.0:
                continue
            ts = [m.tiers.index(t) for t in c.tiers] or list(range(len(m.tiers)))
            bs = [m.behaviours.index(b) for b in c.behaviours] or list(range(len(m.behaviours)))
            cell = np.ix_(ts, bs)
            self.camp_mult[cell] *= c.multiplier
            free = self.camp_source[cell] < 0
            self.camp_source[cell] = np.where(
                free, m.source(f"campaign:{name}"), self.camp_source[cell]
            )

    def record_cohorts(self) -> None:
        """Members of each month's cohort (joined from day 1) with a behaviour this month."""
        m, st, d = self.model, self.state, self.day
        month = int(m.month_key[d])
        first = int(np.searchsorted(m.month_key, month))  # the month's first day in the run
        joined = st.joined[: st.n]
        sel = (joined >= 1) & (st.acted[: st.n] >= first)
        counts = np.bincount(m.month_key[joined[sel]], minlength=month + 1)
        self.ledger.cohort_active[d, : month + 1] = counts[: month + 1]

    def review_tiers(self) -> None:
        m, st, led, d = self.model, self.state, self.ledger, self.day
        cfg = m.scenario.design.tier_review
        moves = np.zeros((4, len(m.tiers)), np.int64)
        close.review(
            self._members(), st.n, m.tier_thresholds.astype(float), cfg.downgrade,
            cfg.grace_reviews, moves, self._room(st.n), self.counts,
        )  # fmt: skip
        self._drain()
        led.transferred[d] += moves[0] + moves[1]
        led.tier_up[d] += moves[2]
        led.tier_down[d] += moves[3]

    def expire_month(self) -> None:
        m = self.model
        start_month = m.scenario.start_date.month
        month = int(m.month_key[self.day])
        size = m.lot_count
        due = [
            k
            for k in range(month - size + 1, month + 1)
            if self.rules.expiry.expires_by(k, start_month) <= month
        ]
        expired = np.zeros(len(m.tiers), np.int64)
        if due:
            keys, jr = np.array(due, np.int64), self._room(self.state.n)
            cohorts = self.ledger.cohort_expired[self.day]
            close.expire(self._members(), self.state.n, keys, expired, cohorts, jr, self.counts)
            self._drain()
        self.ledger.expired[self.day] += expired

    def record_aging(self) -> None:
        m, d = self.model, self.day
        buckets = lots.aging_buckets(
            m.lot_count, self.rules.expiry, int(m.month_key[d]), m.scenario.start_date, d
        )
        self.ledger.aging[d] = close.aging(self._members(), self.state.n, buckets, len(m.tiers))

    def close_day(self) -> None:
        m, st, led, d = self.model, self.state, self.ledger, self.day
        c = close.close_counts(self._members(), st.n, d, len(m.tiers))
        led.outstanding[d] = c[0]
        led.users[d] = c[1]
        led.holders[d] = c[2]
        led.redeemers[d] = c[3]
        led.consumers_30d[d] = c[4]
        led.reach_30d[d] = c[5]
        led.wau[d] = c[6]
        led.mau[d] = c[7]
        led.churned[d] = c[8, 0]
        led.dormant[d] = c[9, 0]
        led.ever_redeemed[d] = self.ever_redeemed
        led.prices[d] = self.rules.prices
        led.budget[d] = self.period_budget()
        led.period_cost[d] = self.period_cost
        if isinstance(self.recorder, Runoff):
            led.runoff[d] = self.recorder.totals()
        if m.month_end[d] or d == m.horizon - 1:
            self.record_aging()
            self.record_cohorts()
        if self.on_day is not None:
            self.on_day(d)
