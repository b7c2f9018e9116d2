"""econsim's own Hypothesis strategies: the public ones of ``econsim.testing``.

The generators of arbitrary valid scenarios live in the package (``econsim.testing.generated``)
so that teams testing tools built on econsim draw from the same space as econsim's own
property tests; the strategies around one programme are ``econsim.testing.scenarios`` and
friends.
"""

from __future__ import annotations

from econsim.testing import campaign_calendars, populations
from econsim.testing import scenarios as variants
from econsim.testing.generated import any_scenarios as scenarios
from econsim.testing.generated import packaged_campaign, scenario_data, threshold_coupon

__all__ = [
    "campaign_calendars",
    "packaged_campaign",
    "populations",
    "scenario_data",
    "scenarios",
    "threshold_coupon",
    "variants",
]
