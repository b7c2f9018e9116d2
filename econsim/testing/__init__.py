"""Property tests for *your* programme: strategies, invariant checks and ``econsim test``.

The strategies and the search use Hypothesis (a dependency of econsim). A team's test is a
few lines::

    from hypothesis import given
    import econsim
    from econsim.testing import assert_verdicts, check_ledger, populations

    @given(populations("scenarios/coffee-healthy.yaml", scale=0.3))
    def test_healthy_for_any_population_within_30_percent(scenario):
        run = econsim.run(scenario, replications=1, workers=1)
        check_ledger(run)
        assert_verdicts(run)

docs/ci.md walks through it, with the pytest plugin's fixture and profile. Attributes load
lazily: the pytest plugin imports this package in every test session of a machine where
econsim is installed, and must not need Hypothesis there.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_API = {
    "CI_USERS": "econsim.testing.scale",
    "at_scale": "econsim.testing.scale",
    "scale_overrides": "econsim.testing.scale",
    "assert_verdicts": "econsim.testing.invariants",
    "assert_within_budget": "econsim.testing.invariants",
    "check_ledger": "econsim.testing.invariants",
    "check_roll_forward": "econsim.testing.invariants",
    "Search": "econsim.testing.counterexample",
    "search": "econsim.testing.counterexample",
    "campaign_calendars": "econsim.testing.strategies",
    "populations": "econsim.testing.strategies",
    "scenarios": "econsim.testing.strategies",
}

__all__ = [
    "CI_USERS",
    "Search",
    "assert_verdicts",
    "assert_within_budget",
    "at_scale",
    "campaign_calendars",
    "check_ledger",
    "check_roll_forward",
    "populations",
    "scale_overrides",
    "scenarios",
    "search",
]

if TYPE_CHECKING:
    from econsim.testing.counterexample import Search, search
    from econsim.testing.invariants import (
        assert_verdicts,
        assert_within_budget,
        check_ledger,
        check_roll_forward,
    )
    from econsim.testing.scale import CI_USERS, at_scale, scale_overrides
    from econsim.testing.strategies import campaign_calendars, populations, scenarios


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'econsim.testing' has no attribute {name!r}")
