"""econsim: design and stress-test points economies before they launch.

The pipeline, one call per step::

    scenario = econsim.load_scenario("scenarios/wealth-management.yaml")
    calibration = econsim.calibrate(scenario)        # the five-step calibration
    results = econsim.simulate(scenario, seed=1)     # the agent-based simulation
    run = econsim.run(scenario)                      # all of it, judged: run.healthy
    econsim.sweep(scenario, ["design.catalog.mug.points_price=2000:4000:5"])
    econsim.compare(["a.yaml", "b.yaml"])            # designs side by side, same seeds
    econsim.optimize(scenario, ["design.catalog.mug.points_price=500:5000"])  # a passing design
    econsim.sensitivity(scenario, ["design.catalog.mug.points_price=500:5000"])  # which knobs
    econsim.report.write(run, "runs/mine")           # any result's files, one call
    fit = econsim.fit("events.csv", "design.yaml")   # a population learnt from history
    econsim.segment("events.csv")                    # RFM value classes of its users

run, sweep and compare share their options (overrides, seed, replications, workers,
executor, progress) with one meaning: see :mod:`econsim.options`.

Attributes load lazily so that importing econsim (and ``econsim --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "Scenario": "econsim.scenario.schema",
    "load_scenario": "econsim.scenario.load",
    "loads_scenario": "econsim.scenario.load",
    "dump_scenario": "econsim.scenario.load",
    "scenario_from_dict": "econsim.scenario.load",
    "ScenarioError": "econsim.errors",
    "SimulationError": "econsim.errors",
    "Problem": "econsim.errors",
    "Calibration": "econsim.calibration.calibrate",
    "calibrate": "econsim.calibration.calibrate",
    "simulate": "econsim.engine.run",
    "estimate_memory": "econsim.engine.guards",
    "Results": "econsim.results",
    "run": "econsim.pipeline",
    "Run": "econsim.pipeline",
    "sweep": "econsim.explore.sweep",
    "Sweep": "econsim.explore.sweep",
    "Parameter": "econsim.explore.grid",
    "compare": "econsim.explore.compare",
    "optimize": "econsim.advisor.optimize",
    "Optimisation": "econsim.advisor.optimisation",
    "sensitivity": "econsim.advisor.sensitivity",
    "Monitoring": "econsim.monitor.monitor",
    "read_live_log": "econsim.monitor.log",
    "record": "econsim.monitor.record",
    "write_events": "econsim.history.event_writer",
    "Snapshot": "econsim.engine.snapshot",
    "snapshot_of": "econsim.engine.snapshot",
    "read_snapshot": "econsim.history.snapshot_file",
    "write_snapshot": "econsim.history.snapshot_file",
    "Sensitivity": "econsim.advisor.sensitivity",
    "Comparison": "econsim.explore.compare",
    "LocalExecutor": "econsim.engine.executors",
    "simulate_events": "econsim.engine.run",
    "read_events": "econsim.history.events",
    "fit": "econsim.history.fit",
    "Fit": "econsim.history.fit",
    "fit_history": "econsim.history.fit",
    "segment": "econsim.history.rfm",
    "RFM": "econsim.history.rfm",
    "rfm_classes": "econsim.history.rfm",
    "RunOptions": "econsim.options",
    "DaskExecutor": "econsim.engine.executors",
    "deferred_revenue": "econsim.metrics.deferred_revenue",
    "DeferredRevenue": "econsim.metrics.deferred_revenue",
}

__all__ = sorted(_API)  # the one table of the public names

if TYPE_CHECKING:  # the same names for type checkers (tests/test_architecture.py)
    from econsim.advisor.optimisation import Optimisation as Optimisation
    from econsim.advisor.optimize import optimize as optimize
    from econsim.advisor.sensitivity import Sensitivity as Sensitivity
    from econsim.advisor.sensitivity import sensitivity as sensitivity
    from econsim.calibration.calibrate import Calibration as Calibration
    from econsim.calibration.calibrate import calibrate as calibrate
    from econsim.engine.executors import DaskExecutor as DaskExecutor
    from econsim.engine.executors import LocalExecutor as LocalExecutor
    from econsim.engine.guards import estimate_memory as estimate_memory
    from econsim.engine.run import simulate as simulate
    from econsim.engine.run import simulate_events as simulate_events
    from econsim.engine.snapshot import Snapshot as Snapshot
    from econsim.engine.snapshot import snapshot_of as snapshot_of
    from econsim.errors import Problem as Problem
    from econsim.errors import ScenarioError as ScenarioError
    from econsim.errors import SimulationError as SimulationError
    from econsim.explore.compare import Comparison as Comparison
    from econsim.explore.compare import compare as compare
    from econsim.explore.grid import Parameter as Parameter
    from econsim.explore.sweep import Sweep as Sweep
    from econsim.explore.sweep import sweep as sweep
    from econsim.history.event_writer import write_events as write_events
    from econsim.history.events import read_events as read_events
    from econsim.history.fit import Fit as Fit
    from econsim.history.fit import fit as fit
    from econsim.history.fit import fit_history as fit_history
    from econsim.history.rfm import RFM as RFM
    from econsim.history.rfm import rfm_classes as rfm_classes
    from econsim.history.rfm import segment as segment
    from econsim.history.snapshot_file import read_snapshot as read_snapshot
    from econsim.history.snapshot_file import write_snapshot as write_snapshot
    from econsim.metrics.deferred_revenue import DeferredRevenue as DeferredRevenue
    from econsim.metrics.deferred_revenue import deferred_revenue as deferred_revenue
    from econsim.monitor.log import read_live_log as read_live_log
    from econsim.monitor.monitor import Monitoring as Monitoring
    from econsim.monitor.record import record as record
    from econsim.options import RunOptions as RunOptions
    from econsim.pipeline import Run as Run
    from econsim.pipeline import run as run
    from econsim.results import Results as Results
    from econsim.scenario.load import dump_scenario as dump_scenario
    from econsim.scenario.load import load_scenario as load_scenario
    from econsim.scenario.load import loads_scenario as loads_scenario
    from econsim.scenario.load import scenario_from_dict as scenario_from_dict
    from econsim.scenario.schema import Scenario as Scenario


def __getattr__(name: str) -> Any:
    if name == "report":  # econsim.report.write(result, folder): the one writer of files
        return import_module("econsim.report")
    if name == "monitor":  # econsim.monitor.monitor(log, design): the room and its call
        return import_module("econsim.monitor")
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'econsim' has no attribute '{name}'")


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
