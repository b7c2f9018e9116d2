"""One replication on the compiled path: the reference's calendar, compiled days.

``CompiledSimulation`` keeps everything of ``engine.simulation.Simulation`` that runs a few
times a run — the simpy calendar, budget periods, rule changes, campaign tables, month-end
aging and cohorts, acquisition, packaged campaigns' groups and blocks — and replaces what
runs over every member every day with the kernels of ``day`` and ``close``. A recorder
(``simulate_events``) gets the rows the kernels write in the journal (``journal``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.engine import lots, packaging
from econsim.engine.compiled import close, day, day_books, serving, uniform
from econsim.engine.compiled.day_books import Books, Buffers
from econsim.engine.compiled.journal import MARGIN, Journal, drain, journal
from econsim.engine.compiled.tables import Day, day_tables, members, tables
from econsim.engine.model import CHURNED, Model
from econsim.engine.recorder import Recorder
from econsim.engine.redemption import book_cost
from econsim.engine.simulation import Simulation


class CompiledSimulation(Simulation):
    """A replication whose daily member-wide work runs compiled."""

    def __init__(
        self, model: Model, rng: np.random.Generator, recorder: Recorder | None = None
    ) -> None:
        super().__init__(model, rng, recorder)
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

    def _books(self) -> Books:
        led, d = self.ledger, self.day
        return Books(
            issued=led.issued[d],
            occurrences=led.occurrences[d],
            actors=led.actors[d],
            core_amount=led.core_amount[d],
            active=led.active[d],
            retained=led.retained[d],
            redeemed=led.redeemed[d],
            redemptions=led.redemptions[d],
            cost=led.cost[d],
            cost_by_tier=led.cost_by_tier[d],
            coupons_given=led.coupons_given[d],
            coupons_used=led.coupons_used[d],
            coupon_uplift=led.coupon_uplift[d],
            buyers=led.buyers[d],
            repeat_buyers=led.repeat_buyers[d],
            funnel=led.funnel[d],
            participants=led.participants[d],
            day_counts=self.day_counts,
            money=self.money,
            counts=self.counts,
        )

    def _day(self, n_old: int) -> Day:
        r = self.rules
        return day_tables(
            self.model,
            self.day,
            n_old,
            r.points,
            r.prices,
            self.camp_mult,
            self.camp_source,
            self.hard_cap_terms(),
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
        s = members(self.state)
        um, us, uc = self.streams
        at = 0
        while at < n:  # once, unless a recorded run's journal fills
            at = day.members_day(t, d, s, bk, buf, self.journal, at, n, self.rng, um, us, uc)
            self._drain()
        self._sync()
        self._packaged()
        self._invitees(d)
        bk, s, buf = self._books(), members(self.state), self.buffers
        self._unsync()
        jr = self._room(self.state.n * max(1, len(self.model.games) + self.claims))
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

    def _packaged(self) -> None:
        """Rewards of today's participants: groups and blocks fill across members, in the
        reference's own code (``engine.packaging``)."""
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
            paid, cost = packaging._rewards(self, i, c, rows[which == i], last)
            paid = book_cost(self, paid, m.sink(f"packaged:{name}"), cost)
            self.ledger.rewarded[self.day, i] = paid.size
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
            day.newcomers_day(
                self.tables, d, members(self.state), self._books(), self.buffers,
                self._room(count), lo, self.state.n, self.tables.invitee_points,
                self.streams[1],
            )  # fmt: skip
            self._drain()
            self._sync()
        led.funnel[self.day, 0] = led.new_users[self.day] if self.day >= 1 else 0

    # ------------------------------------------------------------------ calendar events
    def review_tiers(self) -> None:
        m, st, led, d = self.model, self.state, self.ledger, self.day
        cfg = m.scenario.design.tier_review
        moves = np.zeros((4, len(m.tiers)), np.int64)
        close.review(
            members(st), st.n, m.tier_thresholds.astype(float), cfg.downgrade,
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
            k % size
            for k in range(month - size + 1, month + 1)
            if self.rules.expiry.expires_by(k, start_month) <= month
        ]
        expired = np.zeros(len(m.tiers), np.int64)
        if due:
            slots, jr = np.array(due, np.int64), self._room(self.state.n)
            close.expire(members(self.state), self.state.n, slots, expired, jr, self.counts)
            self._drain()
        self.ledger.expired[self.day] += expired

    def record_aging(self) -> None:
        m, d = self.model, self.day
        buckets = lots.aging_buckets(
            m.lot_count, self.rules.expiry, int(m.month_key[d]), m.scenario.start_date, d
        )
        self.ledger.aging[d] = close.aging(members(self.state), self.state.n, buckets, len(m.tiers))

    def close_day(self) -> None:
        m, st, led, d = self.model, self.state, self.ledger, self.day
        c = close.close_counts(members(st), st.n, d, len(m.tiers))
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
        if m.month_end[d] or d == m.horizon - 1:
            self.record_aging()
            self.record_cohorts()
        if self.on_day is not None:
            self.on_day(d)
