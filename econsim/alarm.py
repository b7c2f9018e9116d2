"""The monitor's alarm in numbers: its default false-alarm rate, run length and plan size,
and the rank rule that holds the rate (the test itself: :mod:`econsim.monitor.watch`).

Free of imports, so that ``econsim monitor --help`` shows the defaults without loading numpy.
"""

from __future__ import annotations

import math

#: The false-alarm rate by default: the chance that a review of an unchanged programme
#: raises an alarm on any watched figure.
FALSE_ALARM = 0.05
#: Days running a figure must stay out for its level to count.
PERSIST = 3
#: Plan runs by default: 39 hold 5% exactly (K = 2 of 40), with a sharper threshold than
#: the fewest that can (19: K = 1 of 20).
REPLICATIONS = 39


def replications_needed(false_alarm: float) -> int:
    """The fewest plan runs with which an alarm can hold ``false_alarm``: 1/α − 1."""
    return max(1, math.ceil(1 / false_alarm - 1e-9) - 1)


def alarm_rank(replications: int, false_alarm: float) -> int:
    """K: the alarm sounds above the K-th highest of the plan runs' scores, K = ⌊α (R + 1)⌋,
    so that an unchanged programme's score is there with chance K / (R + 1) ≤ α (0: no
    alarm can hold α)."""
    return math.floor(false_alarm * (replications + 1) + 1e-9)
