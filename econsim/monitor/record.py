"""A live log of a simulated programme: what ``econsim record`` writes.

The programme is the one ``econsim run`` simulates (calibrated point values unless the
design says as_written), one replication of ``seed``; its log is every point movement, in
the format ``econsim monitor`` reads. A log whose truth is known: to try monitoring before
a programme has data, and to test a pipeline that exports the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from numpy.typing import NDArray

from econsim.engine.run import simulate_events
from econsim.options import RunOptions
from econsim.pipeline import calibrate_located, simulated_scenario
from econsim.scenario.schema import Scenario


def record(
    design: Scenario | Path | str, *, overrides: Sequence[str] = (), seed: int | None = None
) -> dict[str, NDArray[Any]]:
    """The live log of ``design`` simulated once (columns as arrays: ``write_events`` writes
    them as CSV or Parquet)."""
    opts = RunOptions(overrides, seed, None, None, None, None)
    scenario = opts.scenario(design)
    programme = simulated_scenario(scenario, calibrate_located(scenario, design, opts.overrides))
    return simulate_events(programme, seed=opts.seed_for(scenario), ledger=True)
