"""The simulation's own URR of a live programme: today's members simulated on from the
books until their points have run their course.

The members of the snapshot (their balances in their expiry lots, tiers, lifecycle) go on
under the design, behaving as the population fitted to the log, for ``YEARS`` years with
nobody joining (newcomers' points are not today's); the run-off follows the points they
hold today (``engine.runoff``). Then

    URR = (points redeemed in the books + today's points redeemed in the run-off
           + ½ × today's points still held at its end) / points issued in the books

— what is still held after ``YEARS`` years, mostly by members who left, counted half
redeemed; the interval spans none of it to all of it, and the replications' spread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.engine.executors import Executor
from econsim.engine.run import simulate
from econsim.engine.snapshot import Start
from econsim.reserving.urr import Z95, Candidate
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides

#: How long today's points are followed.
YEARS = 3
#: Replications of the run-off (each follows every member: a spread, not a band).
REPLICATIONS = 2
METHOD = "simulation from today's state"


def simulated_urr(
    fitted: Scenario,
    books: Mapping[str, NDArray[Any]],
    start: Start,
    *,
    seed: int,
    workers: int = 1,
    executor: Executor | None = None,
) -> Candidate:
    """The URR of the programme of ``books`` (a log's, up to ``start``'s snapshot) when its
    members go on as ``fitted`` says (the design, the population fitted to the log)."""
    days = int(np.asarray(books["issued"]).shape[1]) + round(365.25 * YEARS)
    ahead = with_overrides(fitted, [f"horizon_days={days}", "population.acquisition_per_day=0"])
    r = simulate(ahead, seed=seed, replications=REPLICATIONS, workers=workers,
                 executor=executor, start=start)  # fmt: skip
    issued = float(np.asarray(books["issued"]).sum())
    before = float(np.asarray(books["redeemed"]).sum())
    end = r["runoff"][:, -1].astype(float)  # [replication, (redeemed, expired, outstanding)]
    low = (before + end[:, 0]) / issued
    held = end[:, 2] / issued
    urr = low + held / 2
    spread = float(urr.std(ddof=1)) if urr.size > 1 else 0.0
    se = float(np.hypot(spread, held.mean() / 2 / Z95))
    note = (
        f"today's points followed {YEARS} years with nobody joining; {held.mean():.1%} of the "
        "points issued still held then, counted half redeemed"
    )
    return Candidate(METHOD, float(urr.mean()), se, float("nan"), note)
