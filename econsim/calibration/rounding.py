"""Integer adjustment of calibrated point values (step 5), solved exactly with MILP.

Each value v_b may move to a multiple of its step inside [v_b(1 − δ), v_b(1 + δ)]. Among
those choices we want the total predicted points Σ_b x_b·W_b as close as possible to the
target total T (stage 1); then, among choices whose total is within max(best, 0.1% of T),
the values closest to their exact v_b (stage 2), so no value moves further than the total
needs. With absolute values split into positive and negative parts, each stage is a small
mixed-integer linear program.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from econsim.arrays import F64

CLOSENESS_WEIGHT = 1e-6
#: Stage 2 may give up this share of the target total to keep values near their exact value.
TOTAL_TOLERANCE = 1e-3
#: Branch-and-bound nodes each stage may search. Realistic designs (a few to a few dozen
#: behaviours) solve at the root; fine steps over wide ranges can make the search explode
#: (it is a subset-sum), and then the best solution found so far is used and reported. A
#: count of nodes, not seconds: the same design calibrates to the same values on any machine
#: under any load (a 2-second limit gave another answer on a busy one). 10,000 nodes take
#: about half a second.
NODE_LIMIT = 10_000
#: A backstop only, far above what NODE_LIMIT takes.
TIME_LIMIT = 60.0
#: With more whole steps than this in a value's range, rounding each value to its nearest
#: step is already within a millionth of the total, and the MILP's coefficients (a cap of
#: 10^15 points) would only give HiGHS a numerically hopeless search that ignores its time
#: limit (issue 22): such values are rounded directly, as are values whose total weighs
#: more than 10^12 per step (a cap of 10^15 points: past what double precision can
#: balance to one step).
MAX_MULTIPLES = 1_000_000


@contextlib.contextmanager
def _silenced_stdout() -> Iterator[None]:
    """File descriptor 1 to /dev/null inside the block: the MIP solver's own prints
    ("HighsMipSolverData::…") landed in the JSON of ``econsim calibrate --json`` (issue 38)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout to silence (a detached process)
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


@dataclass(frozen=True)
class Rounded:
    """The chosen values and the range each was allowed to move in."""

    values: F64
    low: F64
    high: F64
    widened: tuple[int, ...]  # indices whose range held no multiple of the step
    optimal: bool = True  # False when a stage stopped at its search limit


def allowed_range(value: float, step: float, spread: float) -> tuple[int, int, bool]:
    """Lowest and highest multiple count n (value ≈ n·step) allowed, and whether widened.

    A range with no multiple of the step is widened to the nearest multiples, never below one
    step: a behaviour that earns points keeps earning at least one step.
    """
    lo = max(1, math.ceil(value * (1.0 - spread) / step - 1e-9))
    hi = math.floor(value * (1.0 + spread) / step + 1e-9)
    if lo <= hi:
        return lo, hi, False
    near = max(1, round(value / step))
    return min(lo, near), max(near, min(lo, near)), True


def round_values(
    values: F64, steps: F64, weights: F64, target_total: float, spread: float
) -> Rounded:
    """Choose x_b = n_b·step_b within range: the total Σ x_b·W_b as close as possible to T,
    then (among totals within TOTAL_TOLERANCE of that best) each x_b as close to v_b as possible.
    """
    ranges = [allowed_range(float(v), float(s), spread) for v, s in zip(values, steps, strict=True)]
    lo = np.array([r[0] for r in ranges], dtype=float)
    hi = np.array([r[1] for r in ranges], dtype=float)
    widened = tuple(i for i, r in enumerate(ranges) if r[2])
    coefficients = steps * weights
    hopeless = not np.all(np.isfinite(coefficients)) or float(np.max(coefficients)) > 1e12
    if hopeless or float(np.max(hi - lo, initial=0.0)) > MAX_MULTIPLES:
        nearest = np.clip(np.round(values / steps), lo, hi)
        return Rounded(values=nearest * steps, low=lo * steps, high=hi * steps, widened=widened)
    scale = max(abs(target_total), 1.0)
    best, optimal = _solve(values, steps, weights, target_total, lo, hi, None, scale)
    best_dev = abs(float(best @ (steps * weights)) - target_total)
    slack = max(best_dev, TOTAL_TOLERANCE * scale)
    n, optimal2 = _solve(values, steps, weights, target_total, lo, hi, slack, scale, start=best)
    return Rounded(
        values=n * steps,
        low=lo * steps,
        high=hi * steps,
        widened=widened,
        optimal=optimal and optimal2,
    )


def _solve(
    values: F64,
    steps: F64,
    weights: F64,
    target_total: float,
    lo: F64,
    hi: F64,
    slack: float | None,
    scale: float,
    start: F64 | None = None,
) -> tuple[F64, bool]:
    """One MILP. slack None: minimise |total − T|. Else: minimise Σ|x − v|/v, |total − T| ≤ slack.

    Variables: n_b (integer), e+ and e− (total deviation), d_b+ and d_b− (value deviation).
    """
    nb = len(values)
    n_vars = nb + 2 + 2 * nb
    c = np.zeros(n_vars)
    if slack is None:
        c[nb : nb + 2] = 1.0 / scale
    c[nb + 2 :] = CLOSENESS_WEIGHT / np.concatenate([values, values])
    if slack is not None:
        c[nb + 2 :] /= CLOSENESS_WEIGHT
    total_row = np.zeros(n_vars)
    total_row[:nb] = steps * weights
    total_row[nb], total_row[nb + 1] = -1.0, 1.0
    close_rows = np.zeros((nb, n_vars))
    close_rows[np.arange(nb), np.arange(nb)] = steps
    close_rows[np.arange(nb), nb + 2 + np.arange(nb)] = -1.0
    close_rows[np.arange(nb), nb + 2 + nb + np.arange(nb)] = 1.0
    constraints = [
        LinearConstraint(total_row[None, :], target_total, target_total),
        LinearConstraint(close_rows, values, values),
    ]
    dev_cap = np.inf if slack is None else slack
    lower = np.concatenate([lo, np.zeros(2 + 2 * nb)])
    upper = np.concatenate([hi, [dev_cap, dev_cap], np.full(2 * nb, np.inf)])
    integrality = np.concatenate([np.ones(nb), np.zeros(2 + 2 * nb)])
    with _silenced_stdout():  # HiGHS' C++ prints to the process's stdout, past Python
        res = milp(
            c,
            constraints=constraints,
            bounds=Bounds(lower, upper),
            integrality=integrality,
            options={"node_limit": NODE_LIMIT, "time_limit": TIME_LIMIT, "disp": False},
        )
    if res.x is None:
        # a limit with nothing found: stage 2 keeps stage 1's answer (feasible for it);
        # stage 1 falls back to the nearest allowed multiples
        fallback = start if start is not None else np.clip(np.round(values / steps), lo, hi)
        return fallback, False
    # status 0 is proven optimal; at a node or time limit the values are the best found
    return np.asarray(np.round(res.x[:nb]), dtype=float), res.status == 0
