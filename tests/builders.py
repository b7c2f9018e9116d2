"""Tiny hand-checkable scenarios for engine tests, built as plain data."""

from __future__ import annotations

import copy
from typing import Any

from econsim import Scenario, scenario_from_dict

BASE: dict[str, Any] = {
    "name": "tiny",
    "horizon_days": 30,
    "seed": 1,
    "replications": 1,
    "design": {
        "period_days": 30,
        "budget": {"method": "fixed_amount", "amount": 1_000_000},
        "calibration": {"target_exchange_ratio": 100},
        "behaviours": {
            "sign_in": {"kind": "non_core", "points": 10, "period_cap": 31, "daily_cap": 1},
        },
        "tiers": {"basic": {"core_share": 0.5, "uptake": {"sign_in": 1.0}}},
    },
    "population": {"users": 100, "tiers": {"basic": {"share": 1.0}}},
}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def tiny(**extra: Any) -> Scenario:
    """The base tiny scenario with sections merged in (nested dicts merge, others replace)."""
    return scenario_from_dict(merge(BASE, extra))
