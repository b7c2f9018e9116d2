"""Counting a log's rows into the arrays of the books: rows per cell, the start of each run
of equal keys, sums within groups, values carried forward to the rows after them."""

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


def pick(flag: NDArray[np.bool_], idx: I64, day: I64) -> I64:
    """The end-of-day's day where ``flag`` holds for it, else -1 (idx ≥ 0 rows only)."""
    safe = np.clip(idx, 0, None)
    return np.where(flag[safe], day[safe], -1)


def forward(idx: I64) -> I64:
    """Each position's last non-negative ``idx`` at or before it."""
    pos = np.where(idx >= 0, np.arange(idx.size), 0)
    return idx[np.maximum.accumulate(pos)]


def forward_value(value: I64, member: I64) -> I64:
    """The last value ≥ 0 at or before each position within its member (else -1)."""
    n = value.size
    start = np.r_[True, member[1:] != member[:-1]] if n else np.zeros(0, bool)
    pos = np.where((value >= 0) | start, np.arange(n), 0)
    at = np.maximum.accumulate(pos)
    return value[at]
