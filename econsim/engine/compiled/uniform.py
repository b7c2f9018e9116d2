"""The compiled path's uniforms: xoshiro256+ (Blackman & Vigna), inlined in the loops.

numba calls a numpy ``Generator``'s ``random()`` through its bit generator's function
pointer, which LLVM cannot inline: 6–8 ns a draw, the whole budget of a member-day. The
day's uniforms — one per behaviour, lifecycle step and redemption decision — come from
this generator instead, about 1 ns each, its state seeded from the replication's own numpy
stream (so a seed still gives the same numbers, and nothing is global). The shaped draws
(amounts, binomial wins, integers) stay numpy's, from the same generators as before.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

_17, _45, _19, _11 = np.uint64(17), np.uint64(45), np.uint64(19), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53


def seeded(rng: np.random.Generator) -> NDArray[np.uint64]:
    """A fresh xoshiro256+ state drawn from ``rng`` (never all zero)."""
    while True:
        state = rng.integers(0, 2**64, size=4, dtype=np.uint64)
        if state.any():
            return state


@njit(cache=True, inline="always")
def uniform(state: NDArray[np.uint64]) -> float:
    """A uniform on [0, 1) with 53 random bits; advances ``state``."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    result = s0 + s3
    t = s1 << _17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _45) | (s3 >> _19)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return float(result >> _11) * _TO_UNIT


@njit(cache=True, error_model="numpy")
def pick(state: NDArray[np.uint64], cdf: NDArray[np.float64]) -> int:
    """An index drawn with the cumulative weights ``cdf`` (a catalog target)."""
    u = uniform(state) * cdf[-1]
    k = int(np.searchsorted(cdf, u, side="right"))
    return min(k, cdf.size - 1)
