"""The members' loop's shaped draws (numba, inlined): a day's count of occurrences by
inversion from one uniform, given it is at least one, and a core occurrence's amount.

Below ``INVERTIBLE`` the loop asks the generator for the count instead."""

from __future__ import annotations

import math
from typing import Any

from numba import njit

#: A count is drawn by inversion from its chance of zero only while that chance is at least
#: this; below it (a rate past ~23 a day) the walk up from it loses the distribution's bulk
#: to rounding, or starts at an underflowed 0 (issue 38: 1 occurrence for ~1,800), and the
#: generator's own exact draw is used.
INVERTIBLE = 1e-10


@njit(cache=True, inline="always", error_model="numpy")
def poisson_above(u: float, p0: float, lam: float) -> int:
    """Smallest k ≥ 1 with CDF(k) ≥ u for a Poisson(lam) count known to be ≥ 1."""
    k, pk, cdf = 0, p0, p0
    while True:
        k += 1
        pk = pk * lam / k
        cdf += pk
        if u <= cdf or pk <= 0.0:
            return k


@njit(cache=True, inline="always", error_model="numpy")
def binomial_above(u: float, p0: float, p: float, n: int) -> int:
    """Smallest k ≥ 1 with CDF(k) ≥ u for a Binomial(n, p) count known to be ≥ 1."""
    q = 1.0 - p
    if q <= 0.0:
        return n
    ratio = p / q
    k, pk, cdf = 0, p0, p0
    while True:
        k += 1
        pk = pk * (n - k + 1) / k * ratio
        cdf += pk
        if k >= n or u <= cdf or pk <= 0.0:
            return k


@njit(cache=True, error_model="numpy")
def amount(rng: Any, code: int, mean: float, cv: float) -> float:
    """One amount of a core occurrence: the tier's distribution with the calibrated mean."""
    if code == 3 or cv == 0.0:
        return mean
    if code == 0:
        s2 = math.log1p(cv * cv)
        return float(rng.lognormal(math.log(mean) - s2 / 2.0, math.sqrt(s2)))
    if code == 1:
        return float(rng.gamma(1.0 / (cv * cv), mean * cv * cv))
    return float(rng.exponential(mean))
