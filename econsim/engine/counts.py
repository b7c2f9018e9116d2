"""A day's count of occurrences per member, drawn exactly: one uniform decides whether a
member acts (its chance of zero from a table), and inversion finds the count only for the
few who do — binomial for non-core behaviours' slots, Poisson for core frequencies."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64


def _invert(u: F64, p0: F64, scale: F64, n: int | None) -> I64:
    """Smallest k ≥ 1 with CDF(k) ≥ u, for users already known to have k ≥ 1.

    ``p0`` is P(0); P(k)/P(k−1) is ``(n − k + 1) / k × scale`` (binomial with ``n``
    trials, ``scale`` = p/q) or ``scale / k`` (Poisson, ``n`` None, ``scale`` = λ). Every
    user still walking is at the same k, so the arrays shrink to them as they go.
    """
    out = np.ones(u.size, np.int64)
    idx = np.arange(u.size)
    pk, cdf = p0, p0
    k = 0
    while idx.size:
        k += 1
        pk = pk * (scale / k if n is None else (n - k + 1) / k * scale)
        cdf = cdf + pk
        out[idx] = k
        if n is not None and k >= n:
            break
        more = (u > cdf) & (pk > 0)
        idx, u, pk, cdf, scale = idx[more], u[more], pk[more], cdf[more], scale[more]
    return out


#: A count is drawn by inversion from its chance of zero only while that chance is at least
#: this; below it (a rate past ~23 a day) the walk up from it loses the distribution's bulk
#: to rounding, or starts at an underflowed 0 (issue 38: 1 occurrence for ~1,800), and the
#: generator's own exact draw is used (as on the compiled path).
INVERTIBLE = 1e-10


def binomial_actors(
    rng: np.random.Generator, n: int, p: F64, key: NDArray[np.intp]
) -> tuple[I64, I64]:
    """Exact Binomial(n, p[key]) counts by inversion, computed only for users with one or more.

    One uniform per user decides whether the count is zero (u ≤ (1−p)^n, a table lookup);
    the inversion then runs on the few who act. Where zero is all but impossible
    (:data:`INVERTIBLE`) the generator draws the count itself.
    """
    q = 1.0 - p
    zero = q**n
    u = rng.random(key.size)
    busy = zero < INVERTIBLE
    rows = np.nonzero((u > zero[key]) & ~busy[key])[0]
    ratio_table = np.divide(p, q, out=np.zeros_like(p), where=q > 0)
    at = key[rows]
    k = _invert(u[rows], zero[at], ratio_table[at], n)
    # p == 1: P(0..n−1) = 0, so the walk stops at once; every trial succeeds
    k[q[at] == 0] = n
    if busy.any():
        many = np.nonzero(busy[key])[0]
        drawn = rng.binomial(n, p[key[many]]).astype(np.int64)
        rows, k = _merged(rows, k, many[drawn > 0], drawn[drawn > 0])
    return rows, k


def _merged(rows: I64, k: I64, more: I64, more_k: I64) -> tuple[I64, I64]:
    """Two sets of (row, count) as one, in row order."""
    all_rows = np.concatenate([rows, more])
    order = np.argsort(all_rows, kind="stable")
    return all_rows[order], np.concatenate([k, more_k])[order]


def poisson_actors(
    rng: np.random.Generator,
    lam: F64,
    key: NDArray[np.intp],
    pace: NDArray[np.float32] | None = None,
) -> tuple[I64, I64]:
    """Exact Poisson(lam[key] × pace) counts by inversion, computed only for users with one
    or more. Without ``pace`` the chance of zero is a table lookup, not a per-user exp."""
    u = rng.random(key.size)
    if pace is None:
        zero = np.exp(-lam)
        busy = (zero < INVERTIBLE)[key]  # see INVERTIBLE: the generator draws these
        rows = np.nonzero((u > zero[key]) & ~busy)[0]
        lam_rows = lam[key[rows]]
        start = zero[key[rows]]
    else:
        lam_user = lam[key] * pace
        zero_user = np.exp(-lam_user)
        busy = zero_user < INVERTIBLE
        rows = np.nonzero((u > zero_user) & ~busy)[0]
        lam_rows = lam_user[rows]
        start = zero_user[rows]
    k = _invert(u[rows], start, lam_rows, None)
    if busy.any():
        many = np.nonzero(busy)[0]
        rate = lam[key[many]] if pace is None else lam[key[many]] * pace[many]
        drawn = rng.poisson(rate).astype(np.int64)
        rows, k = _merged(rows, k, many[drawn > 0], drawn[drawn > 0])
    return rows, k
