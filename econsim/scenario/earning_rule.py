"""The earning rule of the format: how a behaviour's value, cap and uptake become points.

Calibration, the engine's compiled model and the history fit all read a behaviour the same
way, so the rule is written once, here, on whole arrays (or plain floats): a user realises
``uptake × cap`` of a behaviour per period (occurrences, or amount for core behaviours),
and every ``unit`` of that earns ``points × tier multiplier``.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

#: A float or a numpy array of floats: the rule is the same element by element.
X = TypeVar("X", float, NDArray[np.float64])


def expected_quantity(cap: X, uptake: X) -> X:
    """Occurrences (non-core) or amount (core) an average user realises per period."""
    return uptake * cap


def max_points(points: X, cap: X, unit: X, multiplier: X) -> X:
    """Points per user per period with the behaviour at its cap."""
    return points * cap / unit * multiplier


def expected_points(points: X, cap: X, unit: X, multiplier: X, uptake: X) -> X:
    """Predicted points per user per period: the maximum times the uptake (domain step 4)."""
    return max_points(points, cap, unit, multiplier) * uptake


def points_per_value(cap: X, unit: X, multiplier: X, uptake: X) -> X:
    """Predicted points per user per period for each point of the behaviour's value."""
    return cap / unit * uptake * multiplier


def points_for(
    quantity: NDArray[np.float64],
    unit: float | NDArray[np.float64],
    points: float | NDArray[np.float64],
    multiplier: float | NDArray[np.float64],
) -> NDArray[np.float64]:
    """Points earned by ``quantity`` occurrences (non-core, unit 1) or amount (core)."""
    earned: NDArray[np.float64] = quantity / unit * points * multiplier
    return earned


def realised_uptake(
    quantity: NDArray[np.float64], cap: float | NDArray[np.float64]
) -> NDArray[np.float64]:
    """Uptake of realised quantities per period: the share of the cap each uses (at most 1)."""
    out: NDArray[np.float64] = np.minimum(quantity, cap) / cap
    return out
