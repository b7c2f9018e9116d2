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

__all__ = sorted(_API)  # the one table of the public names

if TYPE_CHECKING:  # the same names for type checkers (tests/test_architecture.py)
    from econsim.testing.counterexample import Search as Search
    from econsim.testing.counterexample import search as search
    from econsim.testing.invariants import assert_verdicts as assert_verdicts
    from econsim.testing.invariants import assert_within_budget as assert_within_budget
    from econsim.testing.invariants import check_ledger as check_ledger
    from econsim.testing.invariants import check_roll_forward as check_roll_forward
    from econsim.testing.scale import CI_USERS as CI_USERS
    from econsim.testing.scale import at_scale as at_scale
    from econsim.testing.scale import scale_overrides as scale_overrides
    from econsim.testing.strategies import campaign_calendars as campaign_calendars
    from econsim.testing.strategies import populations as populations
    from econsim.testing.strategies import scenarios as scenarios


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'econsim.testing' has no attribute {name!r}")
