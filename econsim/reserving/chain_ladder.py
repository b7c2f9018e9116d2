"""The chain-ladder estimate of the ultimate redemption rate, with Mack's standard error.

Development factors ``f_a = Σ_c C(c, a + 1) / Σ_c C(c, a)`` (volume-weighted) give how
cohorts' cumulative redemptions ``C`` develop with age; a tail factor fitted to the
factors' decay (an inverse power curve in ``f − 1``, ``TAIL``) carries them on while points
can still be redeemed (a triangle shorter than the expiry period takes the tail past the
expiry date: a prudent, higher URR). Points issued are the exposure, so the ultimate is
taken by Cape Cod (Stanard 1985): the expected URR is what every cohort redeemed over the
points its development has used up, ``Σ_c C_c / Σ_c issued_c / CDF_c``, and each cohort's
ultimate is its redemptions so far plus ``issued_c × URR × (1 − 1 / CDF_c)``. A
chain-ladder alone carries a young cohort at the level it happened to start from — a month
whose points were barely redeemed in their first month would be carried to almost nothing.
Mack (1993) gives the standard error of the chain-ladder's ultimate (parameter and process
risk); it stands for the Cape Cod's:

    URR = Σ_c min(ultimate_c, issued_c − expired_c) / Σ_c issued_c,  se = Mack se / Σ issued

The tail — development past the oldest age the triangle shows — is the least known part,
and Mack's error leaves it out: ``beyond``, the URR's part from the tail, widens the
interval (``reserving.urr``).

The ``chainladder`` package (CAS, https://github.com/casact/chainladder-python), the P&C
reserving library installed with ``pip install 'econsim[breakage]'``, is the reference: its
``MackChainladder`` gives the standard error, and the factors, the tail and the Cape Cod —
each a few lines of numpy here, because the package spends 25–85 ms a fit on pandas
bookkeeping and a comparison fits every replication — are tested equal to its
``Development``, ``TailCurve`` and ``CapeCod`` (tests/test_reserving.py). References: Mack, T.
(1993) "Distribution-free calculation of the standard error of chain ladder reserve
estimates", ASTIN Bulletin 23(2); Stanard, J. (1985) "A simulation test of prediction
errors of loss reserve estimation techniques", PCAS 72; loyalty reserving applies the same
triangles to points issued by month (the CAS E-Forum papers on loyalty programmes).
"""

from __future__ import annotations

import functools
import importlib.util
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


#: The tail's curve: the factors' excess over 1 falls as a power of the age. Points are
#: saved for long — a member who buys a few times a year redeems a year later — and the
#: exponential tail, which forgets them, missed 6 points of a no-expiry programme's URR from
#: 6 months of books where this missed 1 (benchmarks/breakage.py).
TAIL = "inverse_power"


class ChainLadder:
    """Chain-ladder development of cumulative redemptions, to the ultimate by Cape Cod."""

    name = "chain-ladder (Cape Cod)"

    def __init__(self) -> None:
        self.urr = float("nan")
        self.se = float("nan")
        self.factors: F64 = np.zeros(0)
        self.tail = 1.0
        self.beyond = 0.0  # the part of the URR from the tail, past the oldest age seen

    def fit(self, tri: Triangle, errors: bool = True) -> ChainLadder:
        """Development factors, a tail while points can still be redeemed, the ultimate
        (``errors=False``: the URR alone — each replication's in a comparison)."""
        _require_chainladder()
        self.factors = volume_factors(tri)
        if errors:
            within = tri.urr_of(cape_cod(tri, self.factors))
            self.se = _mack_se(tri) / float(tri.issued.sum())
        factors = self.factors
        if int(tri.last_age.max()) >= tri.ages:  # development goes on past the triangle
            factors = inverse_power_tail(self.factors)
            self.tail = float(np.prod(factors[self.factors.size :]))
        self.urr = tri.urr_of(cape_cod(tri, factors))
        if errors:
            self.beyond = self.urr - within
        return self

    def predict(self, tri: Triangle, steps: int) -> F64:
        """Each cohort's cumulative redemptions ``steps`` evaluations after ``tri``'s last,
        from ``tri`` alone: its points issued × the URR Cape Cod finds × the share of the
        development the factors put between the two ages (NaN: past the factors)."""
        _require_chainladder()
        factors = volume_factors(tri)
        urr = tri.urr_of(cape_cod(tri, factors))
        developed_by = developed_share(factors)
        latest = tri.by_age()
        out = np.full(tri.ages, np.nan)
        for c in range(tri.ages):
            a = tri.ages - 1 - c  # the cohort's latest age
            end = min(a + steps, max(int(tri.last_age[c]), a))  # none after its points expire
            if end < developed_by.size:
                more = developed_by[end] - developed_by[a]
                out[c] = latest[c, a] + tri.issued[c] * urr * more
        return out


def _require_chainladder() -> None:
    """The chain-ladder is checked against the ``chainladder`` package and its error is
    the package's Mack: without the package there is no chain-ladder estimate (the curves
    give the URR, in the run and in its memo alike). Found, not imported: a fit does not
    need it."""
    if not _installed():
        _chainladder()  # raises, with how to install it


@functools.cache
def _installed() -> bool:
    return importlib.util.find_spec("chainladder") is not None


def volume_factors(tri: Triangle) -> F64:
    """Volume-weighted age-to-age factors ``f_a = Σ_c C(c, a + 1) / Σ_c C(c, a)`` over the
    cohorts seen at both ages with something redeemed (a cell of nothing carries no
    development, as in chainladder's ``Development``; NaN: no such cohort)."""
    c = tri.by_age()
    x, y = c[:, :-1], c[:, 1:]
    seen = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    up, down = np.where(seen, y, 0.0).sum(axis=0), np.where(seen, x, 0.0).sum(axis=0)
    out: F64 = np.divide(up, down, out=np.full(up.shape, np.nan), where=down > 0)
    return out


def inverse_power_tail(factors: F64, periods: int = 100, projection: int = 12) -> F64:
    """``factors`` followed by the tail: ``f_k − 1 = e^a k^b``, fitted by least squares of
    ``ln(f_k − 1)`` on ``ln k`` over the factors above 1.00001, continued ``projection``
    ages one by one and then as one factor for the ``periods`` ages after the factors
    (chainladder's ``TailCurve(curve="inverse_power")`` with its defaults, tested equal;
    written out because the package's took 25 ms a fit in pandas bookkeeping). NaN: fewer
    than two factors to fit."""
    n = factors.size
    k = np.arange(1, n + 1, dtype=float)
    use = np.isfinite(factors) & (factors > 1.00001)
    x, y = np.log(k[use]), np.log(factors[use] - 1.0)
    spread = float(((x - x.mean()) ** 2).sum()) if x.size else 0.0
    if x.size < 2 or spread <= 0:
        unknown: F64 = np.r_[factors, np.full(projection + 1, np.nan)]
        return unknown
    slope = float(((x - x.mean()) * (y - y.mean())).sum()) / spread
    intercept = float(y.mean()) - slope * float(x.mean())
    fitted = np.exp(intercept) * np.arange(1, periods + n + 1, dtype=float) ** slope
    end = n + projection  # the ages continued one by one; the rest is one factor
    out: F64 = np.r_[factors, 1.0 + fitted[n:end], np.prod(1.0 + fitted[end:])]
    return out


def _mack_se(tri: Triangle) -> float:
    """Mack's standard error of the chain-ladder's total ultimate within the triangle (the
    chainladder package's ``MackChainladder``)."""
    cl = _chainladder()
    with warnings.catch_warnings():  # its pandas and numpy warnings are its own
        warnings.simplefilter("ignore")
        # Mack within the triangle: a tail's extrapolated sigma made it infinite on books
        # whose late factors are exactly 1 (expired cohorts); the tail's own uncertainty
        # is ``beyond``
        developed = cl.Development().fit_transform(_cl_triangle(cl, tri))
        mack = cl.MackChainladder().fit(developed)
        return float(np.asarray(mack.total_mack_std_err_).ravel()[0])


def developed_share(factors: F64) -> F64:
    """``[age]``: the share of the development done by each age — 1 / the age-to-age
    ``factors`` from it to the last."""
    out: F64 = 1.0 / np.cumprod(np.r_[factors, 1.0][::-1])[::-1]
    return out


def cape_cod(tri: Triangle, factors: F64) -> F64:
    """Cape Cod ultimates (Stanard 1985) from the age-to-age ``factors`` (the last ones the
    tail's, if any): the expected URR is what every cohort redeemed over the points their
    development has used up, ``Σ C / Σ issued / CDF``, and each cohort's ultimate is its
    redemptions so far plus its points issued × that URR × the development still to come —
    a young cohort that redeemed little by chance is not carried at that level, as the
    chain-ladder alone would. (chainladder's ``CapeCod`` gives the same, tested; written
    out here because the package's took 60 ms a fit.)"""
    age = tri.ages - 1 - np.arange(tri.ages)  # each cohort's latest
    developed = developed_share(factors)[age]
    latest = tri.latest()
    used_up = float((tri.issued * developed).sum())
    urr = float(latest.sum()) / used_up if used_up > 0 else 0.0
    out: F64 = latest + tri.issued * urr * (1.0 - developed)
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
