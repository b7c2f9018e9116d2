"""The chain-ladder estimate of the ultimate redemption rate, with Mack's standard error.

Development factors ``f_a = Σ_c C(c, a + 1) / Σ_c C(c, a)`` (volume-weighted) carry each
cohort's cumulative redemptions ``C`` from its latest age to the last age observed; a tail
factor fitted to the factors' decay (an exponential curve in ``f − 1``) carries them on
while the cohort's points can still be redeemed. Mack (1993) gives the standard error of
the ultimate, parameter and process risk together:

    URR = Σ_c min(ultimate_c, issued_c − expired_c) / Σ_c issued_c,  se = Mack se / Σ issued

The tail — development past the oldest age the triangle shows — is the least known part,
and Mack's error leaves it out: ``beyond``, the URR's part from the tail, widens the
interval (``reserving.urr``).

The development factors, the Mack recursion and the tail are the ``chainladder`` package's
(CAS, https://github.com/casact/chainladder-python) — the P&C reserving library, installed
with ``pip install 'econsim[breakage]'``. References: Mack, T. (1993) "Distribution-free
calculation of the standard error of chain ladder reserve estimates", ASTIN Bulletin 23(2);
CAS Monograph 1, "Stochastic loss reserving using Bayesian MCMC models" (loyalty reserving
applies the same triangles to points).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.errors import EconsimError
from econsim.reserving.triangle import Triangle


class ChainLadderMissingError(EconsimError, ImportError):
    """The ``chainladder`` package is not installed."""


def _chainladder() -> Any:
    try:
        import chainladder
    except ImportError:
        raise ChainLadderMissingError(
            "the chain-ladder estimate needs the chainladder package: "
            "pip install 'econsim[breakage]'"
        ) from None
    return chainladder


class ChainLadder:
    """Mack chain-ladder on a triangle of cumulative redemptions."""

    name = "chain-ladder (Mack)"

    def __init__(self) -> None:
        self.urr = float("nan")
        self.se = float("nan")
        self.factors: F64 = np.zeros(0)
        self.tail = 1.0
        self.beyond = 0.0  # the part of the URR from the tail, past the oldest age seen

    def fit(self, tri: Triangle) -> ChainLadder:
        """Development factors, a tail while points can still be redeemed, the ultimate."""
        cl = _chainladder()
        data = _cl_triangle(cl, tri)
        with warnings.catch_warnings():  # its pandas and numpy warnings are its own
            warnings.simplefilter("ignore")
            developed = cl.Development().fit_transform(data)
            self.factors = np.asarray(developed.ldf_.values, float).ravel()
            within = self._urr(tri, cl.Chainladder().fit(developed).ultimate_.values)
            if int(tri.last_age.max()) >= tri.ages:  # development goes on past the triangle
                developed = cl.TailCurve(curve="exponential").fit_transform(developed)
                self.tail = float(np.asarray(developed.tail_.values).ravel()[0])
            mack = cl.MackChainladder().fit(developed)
            se = float(np.asarray(mack.total_mack_std_err_).ravel()[0])
            if not np.isfinite(se):  # a factor of no variance (a closed age): the cohorts'
                # errors alone, as if independent — the covariance of their factors left out
                by_cohort = np.asarray(mack.mack_std_err_.values, float)[0, 0, :, -1]
                se = float(np.sqrt(np.nansum(by_cohort**2)))
        self.urr = self._urr(tri, mack.ultimate_.values)
        self.beyond = self.urr - within
        self.se = se / float(tri.issued.sum())
        return self

    @staticmethod
    def _urr(tri: Triangle, ultimate: Any) -> float:
        """Ultimates over points issued, each between what is redeemed and what can be."""
        out = np.nan_to_num(np.asarray(ultimate, float).ravel())
        out = np.maximum(np.minimum(out, tri.issued - tri.expired[:, -1]), tri.latest())
        return float(out.sum() / tri.issued.sum())

    def predict(self, tri: Triangle, steps: int) -> F64:
        """Each cohort's cumulative redemptions ``steps`` evaluations after ``tri``'s last,
        by the development factors of ``tri`` alone (NaN: past the factors it has)."""
        cl = _chainladder()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ldf = cl.Development().fit(_cl_triangle(cl, tri)).ldf_.values
        factors = np.asarray(ldf, float).ravel()
        latest = tri.by_age()
        out = np.full(tri.ages, np.nan)
        for c in range(tri.ages):
            a = tri.ages - 1 - c  # the cohort's latest age
            end = min(a + steps, max(int(tri.last_age[c]), a))  # none after its points expire
            if end <= factors.size:
                out[c] = latest[c, a] * float(np.prod(factors[a:end]))
        return out


def _cl_triangle(cl: Any, tri: Triangle) -> Any:
    """``tri``'s cumulative redemptions as a chainladder Triangle (monthly grains): a
    template of its shape, built once from a frame (the slow part), with these values."""
    out = _template(cl, tri.cohorts[0], tri.ages).copy()
    out.values = tri.by_age()[None, None].copy()
    return out


@functools.lru_cache(maxsize=64)
def _template(cl: Any, first: str, ages: int) -> Any:
    import pandas as pd

    c, a = np.nonzero(np.add.outer(np.arange(ages), np.arange(ages)) < ages)
    origin = pd.period_range(first, periods=ages, freq="M")
    frame = pd.DataFrame(
        {
            "origin": origin[c].to_timestamp(),
            "valuation": (origin[c] + a).to_timestamp(),
            "redeemed": np.ones(c.size),
        }
    )
    return cl.Triangle(
        frame, origin="origin", development="valuation", columns=["redeemed"], cumulative=True
    )
