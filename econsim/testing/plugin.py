"""The pytest plugin (entry point ``econsim``): a fixture that runs a programme at CI size, and
a Hypothesis profile for CI.

- ``econsim_run(scenario, *overrides, users=CI_USERS, replications=1)`` → a Run, cached per
  arguments for the session (a test module that checks several verdicts simulates once);
- the ``econsim-ci`` Hypothesis profile: derandomised (the same examples on every run), no
  example database, no deadline (a simulation takes longer than Hypothesis's 200 ms), 20
  examples. Load it with ``--hypothesis-profile=econsim-ci``.

Nothing here changes a test suite that does not ask for it: the fixture is only built when a
test names it, and the profile only applies when loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from econsim.pipeline import Run
from econsim.pipeline import run as run_scenario
from econsim.scenario.schema import Scenario
from econsim.testing.scale import CI_USERS, at_scale


def _register_profile() -> None:
    """The ``econsim-ci`` profile, when Hypothesis is installed (the plugin loads without)."""
    try:
        from hypothesis import HealthCheck, settings
    except ModuleNotFoundError:
        return
    settings.register_profile(
        "econsim-ci",
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=20,
        suppress_health_check=[HealthCheck.too_slow],
    )


_register_profile()

RunFactory = Callable[..., Run]


@pytest.fixture(scope="session")
def econsim_run() -> RunFactory:
    """Run a scenario (a path or a Scenario) at CI size: ``econsim_run(path, "--set" texts…)``."""
    cache: dict[tuple[object, ...], Run] = {}

    def run(
        scenario: Scenario | Path | str,
        *overrides: str,
        users: int | None = CI_USERS,
        replications: int = 1,
        seed: int | None = None,
    ) -> Run:
        key = (str(scenario), overrides, users, replications, seed)
        if key not in cache or isinstance(scenario, Scenario):
            from econsim.scenario.variants import with_overrides

            scaled = at_scale(with_overrides(scenario, overrides), users)
            cache[key] = run_scenario(scaled, seed=seed, replications=replications, workers=1)
        return cache[key]

    return run
