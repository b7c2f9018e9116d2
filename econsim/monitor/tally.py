"""Counting a log's rows into the arrays of the books: rows per cell, the start of each run
of equal keys, sums within groups."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64


def tally(index: I64, size: int, weights: NDArray[Any] | None = None) -> F64:
    """Rows (or their ``weights``) per cell ``index`` of ``size`` cells."""
    return np.bincount(index, weights=weights, minlength=size).astype(float)


def run_starts(sorted_keys: I64) -> NDArray[np.bool_]:
    """Where each run of equal keys starts (the keys sorted)."""
    if sorted_keys.size == 0:
        return np.zeros(0, bool)
    out: NDArray[np.bool_] = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    return out


def group_cumsum(x: F64, first: NDArray[np.bool_]) -> F64:
    """The running sum of ``x`` restarted where ``first`` holds."""
    total = np.cumsum(x)
    base = np.maximum.accumulate(np.where(first, np.arange(x.size), 0))
    return total - np.where(base > 0, total[base - 1], 0.0)
