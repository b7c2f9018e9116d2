"""Reserving for points: issuance triangles and the ultimate redemption rate (URR) that
finance books breakage on — chain-ladder, redemption curves, chosen out of sample."""

from econsim.reserving.chain_ladder import ChainLadder, ChainLadderMissingError
from econsim.reserving.curves import RedemptionCurve
from econsim.reserving.triangle import Triangle, triangle
from econsim.reserving.urr import (
    Candidate,
    UrrEstimate,
    chosen_urr,
    estimate_urr,
    outstanding_redeemed,
)

__all__ = [
    "Candidate",
    "ChainLadder",
    "ChainLadderMissingError",
    "RedemptionCurve",
    "Triangle",
    "UrrEstimate",
    "chosen_urr",
    "estimate_urr",
    "outstanding_redeemed",
    "triangle",
]
