"""Pre-cap mean amount per core occurrence that realises an uptake after the period cap.

A member's core occurrences in a period are Poisson(``frequency``) (a Poisson count per day
summed over the period) and their amounts are i.i.d. with mean ``m`` and a given family
and coefficient of variation. The engine cuts each day's total to the room left under the
period cap, so what counts in a period is ``min(S, cap)`` with ``S`` the period's sum.
Setting ``m = uptake × cap / frequency`` makes E[S] equal the uptake's share of the cap,
but E[min(S, cap)] falls short of it; :func:`pre_cap_mean` solves E[min(S, cap)] =
uptake × cap for ``m`` instead. Everything is deterministic: closed forms for fixed,
exponential and gamma amounts, a fixed-seed sample for lognormal sums.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64

# the cap but a world where single purchases exceed it: the solver stays below this.
MAX_MEAN_PER_CAP = 1.0
# Poisson counts beyond this upper tail probability are dropped (they change nothing).
TAIL = 1e-12
# Lognormal sums: sample size and seed of the fixed sample (standard error of the realised
# share about 0.0005 of the cap, i.e. ~0.15% of a 0.3 uptake; see docs/engine.md).
LOGNORMAL_DRAWS = 1 << 17
LOGNORMAL_SEED = 20_240_024
# Core activity of a tier whose population states none (the schema's documented default).
DEFAULT_FREQUENCY = 4.0
DEFAULT_SHAPE = ("lognormal", 1.0)


def _counts(frequency: float) -> tuple[NDArray[np.int64], F64]:
    """Occurrence counts n ≥ 1 with their Poisson probabilities, up to the far tail."""
    from scipy import special  # scenario loading imports this module: scipy only when solving

    top = int(frequency + 12 * np.sqrt(frequency) + 30)  # P(N > top) < TAIL for any frequency
    n = np.arange(1, top + 1, dtype=np.int64)
    pmf = np.exp(n * np.log(frequency) - frequency - special.gammaln(n + 1))
    keep = np.cumsum(pmf[::-1])[::-1] >= TAIL  # drop the tail that changes nothing
    return n[keep], pmf[keep]


@lru_cache(maxsize=256)
def _lognormal_unit_sums(cv: float, top: int) -> tuple[F64, F64]:
    """Sums of 1..top lognormal amounts of mean 1 from a fixed-seed sample: each column
    sorted, with its running totals, so a capped mean is one binary search per count."""
    sigma2 = np.log1p(cv * cv)
    rng = np.random.default_rng(LOGNORMAL_SEED)
    # drawn count by count, so a sample for more counts starts with the same columns
    z = rng.standard_normal((top, LOGNORMAL_DRAWS)).T
    sums = np.sort(np.cumsum(np.exp(np.sqrt(sigma2) * z - sigma2 / 2), axis=1), axis=0)
    running = np.vstack([np.zeros(top), np.cumsum(sums, axis=0)])
    return sums, running


def _lognormal_capped(mean: float, cv: float, n: NDArray[np.int64]) -> F64:
    """Sample mean of min(mean × U_n, 1) for each count n: draws below 1/mean count whole."""
    # one sample per cv serves every frequency up to the next multiple of 64 occurrences
    sums, running = _lognormal_unit_sums(cv, -(-int(n[-1]) // 64) * 64)
    below = np.array([np.searchsorted(sums[:, j], 1.0 / mean) for j in range(sums.shape[1])])
    cols = np.arange(sums.shape[1])
    capped: F64 = (mean * running[below, cols] + (LOGNORMAL_DRAWS - below)) / LOGNORMAL_DRAWS
    return capped[n - 1]


def capped_share(mean: float, frequency: float, distribution: str, cv: float) -> float:
    """E[min(S, 1)] for a period cap of 1 and amounts of the given pre-cap ``mean``.

    Works in units of the cap: the answer for cap ``c`` and mean ``m`` is ``c`` times the
    answer for mean ``m / c``.
    """
    if mean <= 0:
        return 0.0
    n, pn = _counts(frequency)
    if distribution == "fixed" or cv == 0:
        per_n = np.minimum(n * mean, 1.0)
    elif distribution in ("gamma", "exponential"):
        from scipy import special  # see _counts

        k = 1.0 if distribution == "exponential" else 1.0 / (cv * cv)
        theta = mean / k
        # S_n ~ Gamma(n k, θ): E[min(S_n, 1)] = n k θ P(n k + 1, 1/θ) + (1 − P(n k, 1/θ))
        shape = n * k
        per_n = shape * theta * special.gammainc(shape + 1, 1 / theta) + special.gammaincc(
            shape, 1 / theta
        )
    else:
        per_n = _lognormal_capped(mean, float(cv), n)
    return float(pn @ per_n)


@lru_cache(maxsize=1024)
def reachable_uptake(frequency: float, distribution: str, cv: float) -> float:
    """Largest uptake reachable with a pre-cap mean of at most MAX_MEAN_PER_CAP × cap."""
    return capped_share(MAX_MEAN_PER_CAP, frequency, distribution, cv)


@lru_cache(maxsize=1024)
def pre_cap_mean(
    uptake: float, cap: float, frequency: float, distribution: str, cv: float
) -> float:
    """Mean amount per occurrence whose capped per-period total has mean ``uptake × cap``.

    Raises ValueError for an uptake above :func:`reachable_uptake` (the scenario checks
    report it, located, before a model is compiled).
    """
    if uptake <= 0 or cap <= 0:
        return 0.0
    top = reachable_uptake(frequency, distribution, cv)
    if uptake > top:
        raise ValueError(f"uptake {uptake:g} is above the largest reachable {top:.4g}")

    def gap(m: float) -> float:
        return capped_share(m, frequency, distribution, cv) - uptake

    from scipy import optimize  # see _counts

    # the uncapped mean is a lower bound: capping only ever takes amount away
    low = uptake / frequency
    if gap(low) >= 0:
        return low * cap
    m = optimize.brentq(gap, low, MAX_MEAN_PER_CAP, xtol=1e-12, rtol=1e-10)
    return float(m) * cap


def core_means(
    uptake: F64, cap: F64, frequency: F64, is_core: NDArray[np.bool_], solve: NDArray[np.bool_]
) -> F64:
    """Pre-cap mean amounts for a [tier, behaviour] table: solved where ``solve`` (the
    default population's lognormal shape), ``uptake × cap / frequency`` elsewhere (a
    population that states its own core activity keeps what it states)."""
    out = np.where(is_core[None, :], uptake * cap / frequency, 0.0)
    for t, b in zip(*np.nonzero(solve & is_core[None, :]), strict=True):
        out[t, b] = pre_cap_mean(
            float(uptake[t, b]), float(cap[t, b]), float(frequency[t, b]), *DEFAULT_SHAPE
        )
    return out


#: Counts summed one by one in :func:`capped_count`; past this many (caps of millions of
#: occurrences) only the window where the tail is not yet 0 or 1 is, and past that too the
#: normal approximation, exact to far under a millionth of such a count.
MAX_TERMS = 1 << 20
#: Standard deviations beyond which a binomial tail holds nothing a double sees.
TAIL_SD = 40.0


def _above(j: NDArray[np.int64], trials: int, p: float) -> F64:
    """P(X > j) for X ~ Binomial(trials, p): scipy's bdtr, or past the 2^31 trials it takes,
    the regularised incomplete beta function it stands for, I_p(j + 1, n − j)."""
    from scipy import special  # see _counts

    if trials < 2**31:
        tail: F64 = 1.0 - special.bdtr(j, trials, p)
        return tail
    x = j.astype(float)
    beta: F64 = special.betainc(x + 1.0, trials - x, p)
    return beta


def capped_count(p: float, trials: int, cap: int) -> float:
    """E[min(X, cap)] for X ~ Binomial(trials, p): the sum of P(X > j) for j < cap."""
    from scipy import special  # see _counts

    if min(cap, trials) <= MAX_TERMS:
        return float(_above(np.arange(min(cap, trials)), trials, p).sum())
    mean, sd = trials * p, math.sqrt(trials * p * (1.0 - p))
    # P(X > j) is 1 below the window and 0 above it, to double precision
    lo = min(cap, max(0, math.floor(mean - TAIL_SD * sd)))
    hi = min(cap, trials, math.ceil(mean + TAIL_SD * sd) + 1)
    if hi <= lo:
        return float(lo)
    if hi - lo <= MAX_TERMS:
        return float(lo + _above(np.arange(lo, hi), trials, p).sum())
    z = (cap - mean) / sd  # E[min(X, c)] = mean − E[(X − c)+], X normal
    above = sd * math.exp(-z * z / 2) / math.sqrt(2 * math.pi) - (cap - mean) * special.ndtr(-z)
    return float(mean - above)


@lru_cache(maxsize=1024)
def slot_probability(uptake: float, cap: float, daily_cap: int, period_days: int) -> float:
    """Chance per daily slot of a non-core behaviour whose capped period count has mean
    ``uptake × cap``.

    A period has ``period_days × daily_cap`` slots, each taken with the same chance, and the
    count is cut at the period cap. Where the cap is never binding (or the uptake cannot be
    reached even with every slot taken) this is the uncapped ``uptake × cap / slots``.
    """
    slots = period_days * daily_cap
    plain = uptake * cap / period_days / daily_cap  # as written before issue 24, bit for bit
    whole = int(np.floor(cap))
    if uptake <= 0 or plain >= 1 or slots <= whole:
        return plain
    if capped_count(plain, slots, whole) >= uptake * cap * (1 - 1e-12):
        return plain  # the cap (practically) never binds: keep the plain rate exactly
    if capped_count(1.0, slots, whole) < uptake * cap:
        return plain  # out of reach; the engine takes every slot it can, as before
    from scipy import optimize  # see _counts

    p = optimize.brentq(
        lambda q: capped_count(q, slots, whole) - uptake * cap, plain, 1.0, xtol=1e-14
    )
    return float(p)


def slot_probabilities(
    uptake: F64,
    cap: F64,
    daily_cap: NDArray[np.int64],
    period_days: int,
    is_core: NDArray[np.bool_],
) -> F64:
    """:func:`slot_probability` for a [tier, behaviour] table (0 for core behaviours)."""
    out = np.zeros_like(uptake)
    for t, b in zip(*np.nonzero(~is_core[None, :] & (uptake > 0)), strict=True):
        out[t, b] = slot_probability(
            float(uptake[t, b]), float(cap[t, b]), int(daily_cap[b]), period_days
        )
    return out
