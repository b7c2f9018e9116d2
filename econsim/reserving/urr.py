"""The ultimate redemption rate (URR) of a programme's points, as finance books it:
every estimator on the issuance triangle side by side, one chosen by a stated rule, or the
reason no estimate can be given.

The rule: the chain-ladder (Cape Cod) whenever it gives a URR — on every programme of
``benchmarks/breakage.py`` it was the closest to the ultimate a long simulation shows, from
6, 12 and 24 months of books (docs/guide-finance.md) — else the redemption curve that
predicted the books best out of sample. The curves are fitted and tested either way, and
shown as the check on it.

Out of sample: the books are closed again at month-ends before their last (``LAGS``); each
estimator, fitted to the triangle as it stood then, predicts every cohort's redemptions at
the last close (1 to 12 months ahead); its error is the mean absolute miss as a share of
the points issued. A good short-term prediction does not make a good ultimate — the tail
is past every close the books hold — which is why the error picks between the curves and
not over the chain-ladder. Only month-ends are evaluations: the books' part month after the
last one is left out of the fit.

The interval: the estimator's own standard error (Mack's, or the curve fit's), and the
development past the oldest age the books show — the tail, extrapolated and the least known
part — as uncertain as it is large: its 95% interval runs from no tail to twice the fitted
one, ``se = √(se_fit² + (tail / 1.96)²)``.

No estimate — a statement instead — when the books hold fewer than ``MIN_EVALUATIONS``
month-ends, nothing has been redeemed yet, or a cohort inside the window issued nothing
(a hole in the triangle). Breakage = 1 − URR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.protocol import html_table, pandas
from econsim.reserving.chain_ladder import ChainLadder, ChainLadderMissingError
from econsim.reserving.curves import RedemptionCurve
from econsim.reserving.triangle import Triangle

if TYPE_CHECKING:
    import pandas as pd

#: Month-ends a triangle needs before any estimate (three sequential evaluations).
MIN_EVALUATIONS = 3
#: The past closes, in months before the last, each estimator predicts the last from: up
#: to a year ahead, since the further, the more of the development still to come is tested.
LAGS = (1, 3, 6, 12)
#: Two-sided 95% normal interval.
Z95 = 1.959964


@dataclass(frozen=True)
class Candidate:
    """One estimator's URR on the triangle, and how well it predicted the books."""

    method: str
    urr: float  # NaN when the method gave none (see ``note``)
    se: float
    error: float  # mean out-of-sample miss, share of points issued (NaN: not tested)
    note: str = ""

    @property
    def interval(self) -> tuple[float, float]:
        half = Z95 * self.se
        return max(0.0, self.urr - half), min(1.0, self.urr + half)


@dataclass(frozen=True)
class UrrEstimate:
    """The chosen URR with its interval, every candidate, and the triangle behind them."""

    triangle: Triangle
    candidates: tuple[Candidate, ...]
    chosen: str  # the chosen method; "" when no estimate could be given
    reason: str  # how it was chosen, or why there is no estimate
    holdouts: int  # past closes each candidate was tested from

    @property
    def best(self) -> Candidate | None:
        return next((c for c in self.candidates if c.method == self.chosen), None)

    @property
    def urr(self) -> float:
        return self.best.urr if self.best else float("nan")

    @property
    def se(self) -> float:
        return self.best.se if self.best else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return self.best.interval if self.best else (float("nan"), float("nan"))

    @property
    def breakage(self) -> float:
        return 1.0 - self.urr

    def rows(self) -> list[list[Any]]:
        """One row per candidate: method, URR, its 95% interval, se, out-of-sample error."""
        return [
            [c.method, c.urr, *c.interval, c.se, c.error, c.method == self.chosen, c.note]
            for c in self.candidates
        ]

    COLUMNS = ("method", "urr", "low", "high", "se", "out_of_sample_error", "chosen", "note")

    def summary(self) -> dict[str, Any]:
        def number(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return {
            "urr": number(self.urr),
            "breakage": number(self.breakage),
            "interval_95": [number(x) for x in self.interval],
            "method": self.chosen,
            "reason": self.reason,
            "holdouts": self.holdouts,
            "candidates": [
                {
                    k: number(v) if isinstance(v, float) else v
                    for k, v in zip(self.COLUMNS, r, strict=True)
                }
                for r in self.rows()
            ],
        }

    def to_df(self) -> pd.DataFrame:
        return pandas().DataFrame(self.rows(), columns=list(self.COLUMNS)).set_index("method")

    def _repr_html_(self) -> str:
        head = [["method", "URR", "95% interval", "out-of-sample error", ""]]
        body = [
            [c.method, _pct(c.urr), f"{_pct(c.interval[0])} – {_pct(c.interval[1])}",
             _pct(c.error), "chosen" if c.method == self.chosen else c.note]
            for c in self.candidates
        ]  # fmt: skip
        return html_table(f"Ultimate redemption rate: {self.reason}", head + body)


def outstanding_redeemed(urr: float, issued: Any, expired: Any, outstanding: Any) -> Any:
    """Share of the points outstanding that a URR of ``urr`` expects to be redeemed: of the
    points issued, ``1 − urr`` are never redeemed, and those not yet expired are among the
    outstanding — ``1 − ((1 − urr) × issued − expired) / outstanding``, within 0 … 1 (1
    where nothing is outstanding). Elementwise over arrays."""
    issued, expired, held = (np.asarray(x, float) for x in (issued, expired, outstanding))
    lost = np.maximum((1.0 - urr) * issued - expired, 0.0)
    share = 1.0 - np.divide(lost, held, out=np.zeros_like(lost * held), where=held > 0)
    return np.clip(share, 0.0, 1.0)


def _pct(x: float) -> str:
    return "—" if np.isnan(x) else f"{x:.1%}"


def refusal(tri: Triangle) -> str:
    """Why the triangle cannot carry an estimate ("" when it can)."""
    used = tri.upto(tri.complete)
    if tri.issued.sum() <= 0:
        return "no points issued in the books: there is nothing to estimate"
    if used.ages < MIN_EVALUATIONS:
        return (
            f"the books hold {used.ages} month-end(s); an estimate needs at least "
            f"{MIN_EVALUATIONS} sequential evaluations (three months of history)"
        )
    if used.latest().sum() <= 0:
        return "no points redeemed yet: the cohorts are too young to show how they develop"
    issuing = np.flatnonzero(used.issued > 0)
    holes = [used.cohorts[c] for c in range(issuing[0], issuing[-1]) if used.issued[c] <= 0]
    if holes:
        return (
            f"cohort {holes[0]} issued no points: the triangle has a hole, and development "
            "factors across it are undefined; estimate from the months after it"
        )
    return ""


#: The estimators, by the name each reports.
METHODS: dict[str, Callable[[], ChainLadder | RedemptionCurve]] = {
    ChainLadder.name: ChainLadder,
    "exponential curve": lambda: RedemptionCurve("exponential"),
    "power curve": lambda: RedemptionCurve("power"),
}


def estimate_urr(tri: Triangle) -> UrrEstimate:
    """Every estimator on ``tri``'s month-ends, one chosen by the module's rule."""
    why = refusal(tri)
    if why:
        return UrrEstimate(tri, (), "", why, 0)
    used = tri.upto(tri.complete)
    lags = tuple(h for h in LAGS if used.ages - h >= MIN_EVALUATIONS)
    candidates = [_candidate(make, used, lags) for make in METHODS.values()]
    ladder, *curves = candidates
    tested = [c for c in curves if np.isfinite(c.urr) and np.isfinite(c.error)]
    curve = min(tested, key=lambda c: c.error) if tested else None
    checked = (
        f"; of the curves, the {curve.method} predicted past closes best ({curve.error:.2%} of "
        f"points issued, from {_months(lags)} before)"
        if curve
        else ""
    )
    if np.isfinite(ladder.urr):
        best, reason = ladder, f"{ladder.method}, the method to trust from 3 month-ends{checked}"
    elif curve is not None:
        best, reason = curve, f"{curve.method}: {ladder.note}{checked}"
    else:
        usable = [c for c in curves if np.isfinite(c.urr)]
        if not usable:
            return UrrEstimate(tri, tuple(candidates), "", "no estimator could fit the books", 0)
        best = usable[0]
        reason = (
            f"{best.method}: {ladder.note}; {used.ages} month-ends are too few to test the "
            f"curves out of sample (that needs {MIN_EVALUATIONS + 1})"
        )
    return UrrEstimate(tri, tuple(candidates), best.method, reason, len(lags))


def _months(lags: tuple[int, ...]) -> str:
    return f"{', '.join(map(str, lags[:-1]))} and {lags[-1]} months" if len(lags) > 1 else "1 month"


def urr_by(method: str, tri: Triangle) -> float:
    """The URR ``method`` gives ``tri`` (its month-ends), without its error (NaN when the
    triangle cannot carry one): each replication's, by the run's method."""
    if refusal(tri):
        return float("nan")
    model = METHODS[method]()
    used = tri.upto(tri.complete)
    try:
        if isinstance(model, ChainLadder):
            return model.fit(used, errors=False).urr
        return model.fit(used).urr
    except (ChainLadderMissingError, RuntimeError, ValueError, FloatingPointError):
        return float("nan")


def chosen_urr(tri: Triangle) -> tuple[float, str]:
    """The URR the rule chooses, and its method, without the errors and out-of-sample tests
    the memo adds (a run's books need the number; the memo is written once): the
    chain-ladder's when it gives one — exactly the estimate ``estimate_urr`` chooses — else
    that estimate's choice. (NaN, "") when the triangle cannot carry one."""
    if refusal(tri):
        return float("nan"), ""
    ladder = urr_by(ChainLadder.name, tri)
    if np.isfinite(ladder):
        return ladder, ChainLadder.name
    full = estimate_urr(tri)
    return full.urr, full.chosen


def _candidate(
    make: Callable[[], ChainLadder | RedemptionCurve], tri: Triangle, lags: tuple[int, ...]
) -> Candidate:
    model = make()
    try:
        model.fit(tri)
    except ChainLadderMissingError as exc:
        return Candidate(model.name, float("nan"), float("nan"), float("nan"), str(exc))
    except (RuntimeError, ValueError, FloatingPointError) as exc:  # a fit that fails to converge
        return Candidate(model.name, float("nan"), float("nan"), float("nan"), f"no fit: {exc}")
    se = float(np.hypot(model.se, model.beyond / Z95))
    return Candidate(model.name, model.urr, se, _error(model, tri, lags))


def _error(model: ChainLadder | RedemptionCurve, tri: Triangle, lags: tuple[int, ...]) -> float:
    """Mean miss, as a share of the points issued, predicting the books' last close from
    the close ``h`` months before it, for each ``h`` of ``lags`` (the further, the more of
    the development still to come is tested)."""
    misses: list[float] = []
    for h in lags:
        before = tri.upto(tri.ages - h)
        try:
            predicted = model.predict(before, h)
        except (RuntimeError, ValueError, FloatingPointError):
            return float("nan")
        actual = tri.redeemed[: before.ages, -1]
        ok = np.isfinite(predicted)
        issued = float(tri.issued[: before.ages][ok].sum())
        if issued > 0:
            misses.append(float(np.abs(predicted[ok] - actual[ok]).sum()) / issued)
    return float(np.mean(misses)) if misses else float("nan")
