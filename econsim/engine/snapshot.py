"""The members as they stand at the end of a day, and a replication that goes on from them.

A :class:`Snapshot` holds what a member's future in the programme depends on and a
programme's books can show: tier, tier-qualifying progress since the last review, reviews
missed in a row, lifecycle state, the days that drive the lifecycle (joined, last active,
last behaviour, last redemption) and each expiry lot's points with its expiry date
(docs/state.md). ``econsim monitor`` takes one of the books it rebuilds from a live log
(``monitor.actual_state``) and forecasts from it; :func:`snapshot_of` takes one of a
simulation.

:func:`continue_from` starts a replication on the day after the snapshot, with the books
of the days before it (a live programme's actual books): the members hold their points
in their lots, in their tiers, and the calendar — budget periods, campaigns, rule changes,
seasons, month ends — goes on from that day. What a snapshot leaves out is drawn afresh
from the scenario's population, as for a member who joins: the item each saves for, a
repeat buyer's pace (BG/NBD), and this period's progress towards caps, streaks, task
bundles and held coupons (which a log does not show). The new members' funnel (activation,
retention, repeat purchase) counts who joins from then on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.compiled.tables import day_rates
from econsim.engine.lots import last_day_of_month
from econsim.engine.model import ACTIVE, CHURNED, DORMANT, NEW, Model, Rules, months_held
from econsim.engine.runoff import Runoff
from econsim.engine.simulation import Simulation
from econsim.engine.state import AGAIN, NEVER, REFERRED, RETAINED, State, add_users, allocate
from econsim.errors import SimulationError
from econsim.scenario.design import NEVER as NEVER_MONTH
from econsim.scenario.schema import Expiry

#: Lifecycle states by name, in the engine's order (``engine.model``).
STATES = ("new", "active", "dormant", "churned")
assert (NEW, ACTIVE, DORMANT, CHURNED) == (0, 1, 2, 3)

Dates = NDArray[np.datetime64]
NOT_A_DAY = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class Snapshot:
    """Members (one entry each) and their lots (one entry each, ``lot_member`` the
    member's index) at the end of ``as_of``. Dates are ``datetime64[D]``; NaT is "never"
    (no behaviour yet, no redemption yet, a lot that never expires)."""

    as_of: dt.date
    tiers: tuple[str, ...]  # the names ``tier`` indexes
    member: NDArray[Any]  # ids (str)
    tier: I64
    qualifying: F64  # the tier review's metric since the last review
    reviews_below: I64  # reviews in a row below the tier's threshold (its grace)
    state: I64  # lifecycle, indexing STATES
    joined: Dates
    last_active: Dates  # the lifecycle's clock: joined, a behaviour, or woken by chance
    last_behaviour: Dates
    last_redeemed: Dates
    saving_for: I64  # the catalog item each saves for (indexing ``items``; -1: unknown)
    items: tuple[str, ...]
    lot_member: I64
    lot_points: I64
    lot_expires: Dates
    #: False when the snapshot's source cannot show churn (a log: a member who left looks
    #: like one who is quiet): a run from it draws who of the quiet members has left
    #: (:func:`left_quietly`)
    churn_known: bool = True

    @property
    def members(self) -> int:
        return int(self.member.size)

    @property
    def balance(self) -> I64:
        """Each member's points: the sum of its lots."""
        out: I64 = np.bincount(self.lot_member, self.lot_points, self.members).astype(np.int64)
        return out

    @property
    def outstanding(self) -> int:
        return int(self.lot_points.sum())


def day_dates(start: dt.date, days: NDArray[Any], never: int = NEVER) -> Dates:
    """Day numbers from ``start`` as dates; ``never`` (the state's ``NEVER``) as NaT."""
    out: Dates = np.datetime64(start, "D") + days.astype(np.int64).astype("timedelta64[D]")
    out[days == never] = NOT_A_DAY
    return out


def _days(start: dt.date, dates: Dates) -> I64:
    """Dates as day numbers from ``start``; NaT as ``NEVER``."""
    days = (dates - np.datetime64(start, "D")).astype(np.int64)
    out: I64 = np.where(np.isnat(dates), NEVER, days)
    return out


def lot_keys(month: int, size: int) -> I64:
    """``[slot]``: the month key each lot slot holds in month ``month`` (a ring of
    ``size`` months: slot = key mod size, the latest ``size`` months)."""
    slots = np.arange(size)
    keys: I64 = month - (month - slots) % size
    return keys


def expiry_dates(expiry: Expiry, keys: I64, start: dt.date) -> Dates:
    """The day points earned in each month ``keys`` expire under ``expiry`` (NaT: never)."""
    out = np.full(keys.size, NOT_A_DAY)
    for i, k in enumerate(keys.tolist()):
        due = expiry.expires_by(k, start.month)
        if due < NEVER_MONTH:
            out[i] = np.datetime64(last_day_of_month(start, due), "D")
    return out


def snapshot_of(sim: Simulation) -> Snapshot:
    """The members of ``sim`` at the end of its last simulated day."""
    m, st, n = sim.model, sim.state, sim.state.n
    start, day = m.scenario.start_date, sim.days_done - 1
    keys = lot_keys(int(m.month_key[day]), m.lot_count)
    expires = expiry_dates(sim.rules.expiry, keys, start)
    slot, member = np.nonzero(st.lots[:, :n])
    order = np.lexsort((keys[slot], member))  # by member, oldest lot first
    slot, member = slot[order], member[order]
    return Snapshot(
        as_of=start + dt.timedelta(days=day),
        tiers=m.tiers,
        member=np.array([f"u{u}" for u in range(n)], dtype=object),
        tier=st.tier[:n].astype(np.int64),
        qualifying=st.review_metric[:n].copy(),
        reviews_below=st.below[:n].astype(np.int64),
        state=st.life[:n].astype(np.int64),
        joined=day_dates(start, st.joined[:n]),
        last_active=day_dates(start, st.last_active[:n]),
        last_behaviour=day_dates(start, st.acted[:n]),
        last_redeemed=day_dates(start, st.last_redeem[:n]),
        saving_for=st.target[:n].astype(np.int64) if m.items else np.full(n, -1, np.int64),
        items=m.items,
        lot_member=member.astype(np.int64),
        lot_points=st.lots[slot, member].astype(np.int64),
        lot_expires=expires[slot],
    )


def lot_slots(snap: Snapshot, model: Model, expiry: Expiry) -> I64:
    """``[lot]``: the slot of the engine's lot ring each of the snapshot's lots goes in —
    the latest month up to ``as_of`` whose points expire on the lot's date under
    ``expiry``. Raises :class:`SimulationError` for a lot no such month gives (the
    snapshot's readers check this first, by row: ``history.snapshot_file``)."""
    start = model.scenario.start_date
    month = _month_of(snap.as_of, start)
    keys = np.arange(month - model.lot_count + 1, month + 1)
    dates = expiry_dates(expiry, keys, start)
    slots = np.empty(snap.lot_points.size, np.int64)
    for i, when in enumerate(snap.lot_expires):
        same = np.flatnonzero((dates == when) | (np.isnat(dates) & np.isnat(when)))
        if same.size == 0:
            raise SimulationError(
                f"a lot of member {snap.member[snap.lot_member[i]]} expires "
                f"{'never' if np.isnat(when) else when}, which points earned by {snap.as_of} "
                "cannot under the design's expiry"
            )
        slots[i] = keys[same[-1]] % model.lot_count
    return slots


def _month_of(day: dt.date, start: dt.date) -> int:
    """The month key of ``day``: months from ``start``'s month (0)."""
    return (day.year - start.year) * 12 + day.month - start.month


def state_of(snap: Snapshot, model: Model, rng: np.random.Generator, rules: Rules) -> State:
    """A state holding the snapshot's members (what it leaves out drawn as for a newcomer:
    ``engine.state.add_users``), with room for the newcomers to come."""
    n, start = snap.members, model.scenario.start_date
    first = (snap.as_of - start).days + 1
    pop = model.scenario.population
    room = int(pop.acquisition_per_day * (model.horizon - first) * 1.2 + 64)
    state = allocate(model, n + room)
    tiers = np.array([model.tiers.index(t) for t in snap.tiers], np.int8)[snap.tier]
    add_users(state, model, rng, n, day=first, tiers=tiers)
    state.life[:n] = snap.state
    if not snap.churn_known and model.scenario.population.lifecycle.churn_hazard > 0:
        state.life[:n][left_quietly(snap, model, rng)] = CHURNED
    state.joined[:n] = _days(start, snap.joined)
    state.last_active[:n] = _days(start, snap.last_active)
    state.acted[:n] = _days(start, snap.last_behaviour)
    state.last_redeem[:n] = _days(start, snap.last_redeemed)
    if model.items:
        state.target[:n] = saving_for(snap, model, rng, rules.prices)
    state.review_metric[:n] = snap.qualifying
    state.below[:n] = snap.reviews_below
    slots = lot_slots(snap, model, rules.expiry)
    np.add.at(state.lots, (slots, snap.lot_member), snap.lot_points)
    state.balance[:n] = snap.balance
    # the funnel of new members (activation, retention, repeat purchase) counts who joins
    # from here on (``Tables.funnel_from``): the snapshot's members are in the books'
    state.purchases[:n] = AGAIN
    state.milestones[:n] = RETAINED | REFERRED
    return state


def saving_for(
    snap: Snapshot, model: Model, rng: np.random.Generator, prices: I64
) -> NDArray[np.int16]:
    """The catalog item each member saves for: the snapshot's where it names one, else
    drawn as the engine would have it by now. A member whose balance has long covered an
    item would most likely have redeemed it: an item of price p is drawn with its
    preference times the chance the member has not asked for it in the days its balance
    covered it (``(1 − q)^days``, q the member's daily chance to ask), the balance taken to
    have built up evenly since the member's last redemption (or joining); ``prices``: the
    catalog's in force on the snapshot's day."""
    named = np.array([model.items.index(i) for i in snap.items] or [0], np.int64)
    out = np.where(snap.saving_for >= 0, named[np.maximum(snap.saving_for, 0)], -1)
    unknown = np.flatnonzero(out < 0)
    if unknown.size:
        price = np.asarray(prices, float)
        tiers = np.array([model.tiers.index(t) for t in snap.tiers], np.int64)[snap.tier]
        q = model.propensity[tiers[unknown], None]
        since = np.where(np.isnat(snap.last_redeemed), snap.joined, snap.last_redeemed)
        days = (np.datetime64(snap.as_of, "D") - since[unknown]).astype(np.int64)[:, None]
        balance = snap.balance[unknown, None].astype(float)
        # points build up about evenly: the balance has covered price p for the last
        # (1 − p / balance) of the days since it was last spent down (or since joining)
        covered = days * np.clip(1.0 - price[None, :] / np.maximum(balance, 1.0), 0.0, 1.0)
        weight = model.item_pref[None, :] * (1 - q) ** covered
        weight /= np.maximum(weight.sum(axis=1, keepdims=True), 1e-300)
        cdf = weight.cumsum(axis=1)
        out[unknown] = (
            (cdf < rng.random(unknown.size)[:, None]).sum(axis=1).clip(max=price.size - 1)
        )
    return out.astype(np.int16)


def left_quietly(snap: Snapshot, model: Model, rng: np.random.Generator) -> NDArray[np.bool_]:
    """Which members have churned, drawn from what their silence says (a snapshot whose
    source cannot show churn). A member quiet for t days since its last behaviour (or
    joining) has left with the posterior chance

        P(left | quiet t days) = L / (L + (1−h)^t Q(t)),   L = Σ_{c≤t} (1−h)^(c−1) h Q(c−1)

    h the daily churn hazard and Q(s) the chance of s quiet days in a row for a member who
    stays — the product of each day's chance of no behaviour (``Rates.p_zero``: active for
    the lifecycle's ``dormant_after_days``, dormant after). Reactivation is left out: it
    makes a long silence a little likelier for who stays."""
    lc = model.scenario.population.lifecycle
    h, rates = lc.churn_hazard, day_rates(model, 0)
    quiet = np.prod(rates.p_zero, axis=2)  # [T, N_STATES] a day without any behaviour
    as_of = np.datetime64(snap.as_of, "D")
    since = np.where(np.isnat(snap.last_behaviour), snap.joined, snap.last_behaviour)
    t = (as_of - since).astype(np.int64)
    most = int(t.max(initial=0)) + 1
    s = np.arange(1, most)
    state = np.where(s < lc.dormant_after_days, ACTIVE, DORMANT)
    out = np.zeros(snap.members, bool)
    for k in range(len(snap.tiers)):
        log_q = np.r_[0.0, np.cumsum(np.log(np.maximum(quiet[k, state], 1e-300)))]  # Q(0..)
        stay = (1 - h) ** np.arange(most) * np.exp(log_q)
        went = np.r_[0.0, np.cumsum(h * (1 - h) ** np.arange(most - 1) * np.exp(log_q[:-1]))]
        chance = went / np.maximum(went + stay, 1e-300)
        mine = np.flatnonzero((snap.tier == k) & (snap.state != CHURNED))
        out[mine] = rng.random(mine.size) < chance[t[mine]]
    return out


def rules_held(model: Model, first: int) -> Rules:
    """The rules in force at the end of the day before ``first`` (the snapshot's day):
    its lots aged under that expiry rule, its members saw those prices."""
    rules = model.initial_rules()
    for rc in sorted(model.scenario.design.rule_changes, key=lambda rc: rc.day):
        if rc.day < first:
            rules.change(model, rc)
    return rules


@dataclass(frozen=True)
class Start:
    """Where a replication starts instead of a fresh population: a snapshot, and the books
    of every day up to it (``Results`` arrays of one replication, or a ledger's, over
    those days) — or none, when the snapshot is of the day before the scenario's first
    (``econsim run --from-state``): the run then opens with the snapshot's points."""

    snapshot: Snapshot
    books: Mapping[str, NDArray[Any]] | None = None

    def first_day(self, model: Model) -> int:
        """The first day simulated: the day after the snapshot."""
        return (self.snapshot.as_of - model.scenario.start_date).days + 1


def continue_from(model: Model, start: Start, rng: np.random.Generator) -> Simulation:
    """A simulation that has simulated every day up to the snapshot: its ledger holds the
    given books, its members the snapshot's; ``run_calendar`` goes on from the next day."""
    first = start.first_day(model)
    if start.books is None:  # points earned before the run: the ring holds every month
        held = max(months_held(model.scenario), model.lot_count)
        model = dataclasses.replace(model, lot_count=held)
    if not (0 < first < model.horizon if start.books is not None else first == 0):
        raise SimulationError(
            f"a snapshot as of {start.snapshot.as_of} is outside the scenario's days "
            f"({model.scenario.start_date} plus {model.horizon} days): a run goes on from "
            "the day after its snapshot, with the books of the days before (or, with none, "
            "from the scenario's first day)"
        )
    rules = rules_held(model, first)
    state = state_of(start.snapshot, model, rng, rules)
    runoff = Runoff(start.snapshot.balance.copy())  # the snapshot's points, followed
    sim = Simulation(model, rng, recorder=runoff, state=state)
    sim.rules = rules  # the rule changes before the first day are in force
    if start.books is None:  # the run opens with the snapshot's points
        opening = np.bincount(sim.state.tier[: state.n], sim.state.balance[: state.n])
        sim.ledger.opening[0, : opening.size] = opening.astype(np.int64)
        sim.ever_redeemed = int((sim.state.last_redeem[: state.n] != NEVER).sum())
    else:
        _books_before(sim, start.books, first)
        sim.ledger.runoff[first - 1] = runoff.totals()
    sim.tables = sim.tables._replace(funnel_from=max(first, 1))
    sim.day = sim.days_done = first
    sim.update_campaigns()
    return sim


def _books_before(sim: Simulation, books: Mapping[str, NDArray[Any]], first: int) -> None:
    """The ledger's days before ``first`` from ``books``, and the running totals they give:
    the budget period's cost and core amount so far, its stock left, who ever redeemed."""
    led, m = sim.ledger, sim.model
    for name, arr in led.arrays().items():
        given = np.asarray(books[name])
        given = given[0] if given.ndim == arr.ndim + 1 else given  # one replication's
        # the overlap: a longer run has more cohort months than the books
        both = (
            slice(0, first),
            *(slice(0, min(a, b)) for a, b in zip(arr.shape[1:], given.shape[1:], strict=True)),
        )
        arr[both] = given[both]
    closing = int(led.outstanding[first - 1].sum())
    if closing != sim.state.balance[: sim.state.n].sum():
        raise SimulationError(
            f"the books before the snapshot close with {closing:,} points outstanding and "
            f"the snapshot's members hold {int(sim.state.balance.sum()):,}: a snapshot "
            "goes on from the books it was taken of"
        )
    period = m.scenario.design.period_days
    began = first - first % period
    sim.period_cost = float(led.cost[began:first].sum())
    sim.period_core_amount = float(led.core_amount[began:first].sum())
    served = led.redemptions[began:first, : len(m.items)].sum(axis=0)
    sim.stock_left = np.where(m.item_stock >= 0, m.item_stock - served, -1)
    sim.ever_redeemed = int((sim.state.last_redeem[: sim.state.n] != NEVER).sum())
