"""Redemption curves: the cumulative share of a cohort's points redeemed by its age.

Fitted to every cell of the triangle at once (weighted least squares, each cohort weighted
by its points issued), with ``t = a + ½`` months since the average point of a cohort was
issued:

- **exponential decay** of what is left to redeem: ``r(t) = U (1 − e^(−λ t))``;
- **power** (a slower, heavy-tailed decay): ``r(t) = U (1 − (1 + t)^(−α))``.

``U`` is the share ever redeemed of points that never expire. A cohort's ultimate carries
it on from its own latest cell, ``C + issued × (r(T) − r(t_latest))``, ``T`` the last age its
points can be redeemed at (∞ with no expiry); the URR is the ultimates over the points
issued, its standard error by the delta method from the fit's covariance. References: Lee &
Zhang, CAS E-Forum (2016) on loyalty breakage curves; the redemption curves of IFRS 15
breakage practice (exponential and power decay, chosen by fit).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np

from econsim.arrays import F64
from econsim.reserving.triangle import NEVER_AGE, Triangle

Shape = Literal["exponential", "power"]


def _exponential(t: F64, u: float, rate: float) -> F64:
    out: F64 = u * (1.0 - np.exp(-rate * t))
    return out


def _power(t: F64, u: float, alpha: float) -> F64:
    out: F64 = u * (1.0 - (1.0 + t) ** (-alpha))
    return out


CURVES: dict[Shape, Callable[..., F64]] = {"exponential": _exponential, "power": _power}
#: Where the fit starts: half the points ever redeemed, a tenth of what is left a month.
START = {"exponential": (0.5, 0.1), "power": (0.5, 0.5)}


class RedemptionCurve:
    """One curve shape fitted to a triangle."""

    def __init__(self, shape: Shape) -> None:
        self.shape: Shape = shape
        self.name = f"{shape} curve"
        self.params: F64 = np.full(2, np.nan)
        self.cov: F64 = np.full((2, 2), np.nan)
        self.urr = float("nan")
        self.se = float("nan")
        self.beyond = 0.0  # the part of the URR from ages past the oldest the triangle shows

    def share(self, t: F64, params: F64 | None = None) -> F64:
        """The fitted cumulative share redeemed by ``t`` months (∞ allowed)."""
        p = self.params if params is None else params
        t = np.asarray(t, float)
        out: F64 = np.where(np.isinf(t), p[0], CURVES[self.shape](np.where(np.isinf(t), 0, t), *p))
        return out

    def fit(self, tri: Triangle) -> RedemptionCurve:
        from scipy.optimize import curve_fit

        ratio = tri.ratio()
        c, a = np.nonzero(np.isfinite(ratio))
        weight = tri.issued[c]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a poorly determined fit shows in its se
            params, cov = curve_fit(
                CURVES[self.shape], a + 0.5, ratio[c, a], p0=START[self.shape],
                sigma=1.0 / np.sqrt(weight / weight.mean()), bounds=([0.0, 1e-6], [1.0, 50.0]),
                maxfev=5000,
            )  # fmt: skip
        self.params, self.cov = np.asarray(params, float), np.asarray(cov, float)
        self.urr = self._urr(tri, self.params)
        self.beyond = self.urr - self._urr(tri, self.params, horizon=tri.ages - 0.5)
        self.se = self._se(tri)
        return self

    def predict(self, tri: Triangle, steps: int) -> F64:
        """Each cohort's cumulative redemptions ``steps`` evaluations after ``tri``'s last,
        by a curve fitted to ``tri`` alone."""
        fitted = RedemptionCurve(self.shape).fit(tri)
        age = (tri.ages - 1 - np.arange(tri.ages)).astype(float)
        last = tri.last_age.astype(float)
        now, then = np.minimum(age, last) + 0.5, np.minimum(age + steps, last) + 0.5
        out: F64 = tri.latest() + tri.issued * (fitted.share(then) - fitted.share(now))
        return out

    def _urr(self, tri: Triangle, params: F64, horizon: float = np.inf) -> float:
        """Ultimates over points issued; ``horizon``: development only up to that age."""
        age = tri.ages - 1 - np.arange(tri.ages)
        last = np.where(tri.last_age >= NEVER_AGE, np.inf, tri.last_age + 0.5)
        last = np.minimum(last, horizon)
        now = np.minimum(age + 0.5, last)
        more = np.clip(self.share(last, params) - self.share(now, params), 0.0, None)
        return tri.urr_of(tri.latest() + tri.issued * more)

    def _se(self, tri: Triangle) -> float:
        """Delta method: the URR's gradient in the parameters through their covariance."""
        if not np.isfinite(self.cov).all():
            return float("nan")
        grad = np.zeros(2)
        for k in range(2):
            step = np.zeros(2)
            step[k] = 1e-6 * max(abs(self.params[k]), 1e-3)
            grad[k] = (self._urr(tri, self.params + step) - self._urr(tri, self.params - step)) / (
                2 * step[k]
            )
        return float(np.sqrt(max(float(grad @ self.cov @ grad), 0.0)))
