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

The development factors, the Mack recursion and the tail are the ``chainladder`` package's
(CAS, https://github.com/casact/chainladder-python) — the P&C reserving library, installed
with ``pip install 'econsim[breakage]'``; the Cape Cod is two lines on its factors (the
package's ``CapeCod`` gives the same, tests/test_reserving.py). References: Mack, T.
(1993) "Distribution-free calculation of the standard error of chain ladder reserve
estimates", ASTIN Bulletin 23(2); Stanard, J. (1985) "A simulation test of prediction
errors of loss reserve estimation techniques", PCAS 72; loyalty reserving applies the same
triangles to points issued by month (the CAS E-Forum papers on loyalty programmes).
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
        cl = _chainladder()
        with warnings.catch_warnings():  # its pandas and numpy warnings are its own
            warnings.simplefilter("ignore")
            developed = cl.Development().fit_transform(_cl_triangle(cl, tri))
            self.factors = np.asarray(developed.ldf_.values, float).ravel()
            if errors:
                within = tri.urr_of(cape_cod(tri, self.factors))
                # Mack within the triangle: a tail's extrapolated sigma made it infinite on
                # books whose late factors are exactly 1 (expired cohorts); the tail's own
                # uncertainty is ``beyond``
                mack = cl.MackChainladder().fit(developed)
                se = float(np.asarray(mack.total_mack_std_err_).ravel()[0])
                self.se = se / float(tri.issued.sum())
            factors = self.factors
            if int(tri.last_age.max()) >= tri.ages:  # development goes on past the triangle
                developed = cl.TailCurve(curve=TAIL).fit_transform(developed)
                self.tail = float(np.asarray(developed.tail_.values).ravel()[0])
                factors = np.asarray(developed.ldf_.values, float).ravel()  # and the tail's
            self.urr = tri.urr_of(cape_cod(tri, factors))
        if errors:
            self.beyond = self.urr - within
        return self

    def predict(self, tri: Triangle, steps: int) -> F64:
        """Each cohort's cumulative redemptions ``steps`` evaluations after ``tri``'s last,
        from ``tri`` alone: its points issued × the URR Cape Cod finds × the share of the
        development the factors put between the two ages (NaN: past the factors)."""
        cl = _chainladder()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            developed = cl.Development().fit(_cl_triangle(cl, tri))
            factors = np.asarray(developed.ldf_.values, float).ravel()
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
