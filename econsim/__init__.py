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
    "estimate_memory": "econsim.engine.run",
    "Results": "econsim.results",
    "run": "econsim.pipeline",
    "Run": "econsim.pipeline",
    "sweep": "econsim.explore.sweep",
    "Sweep": "econsim.explore.sweep",
    "Parameter": "econsim.explore.grid",
    "compare": "econsim.explore.compare",
    "optimize": "econsim.advisor.optimize",
    "Optimisation": "econsim.advisor.optimize",
    "sensitivity": "econsim.advisor.sensitivity",
    "Monitoring": "econsim.monitor.monitor",
    "read_live_log": "econsim.monitor.log",
    "record": "econsim.monitor.record",
    "write_events": "econsim.history.events",
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

__all__ = [
    "RFM",
    "Calibration",
    "Comparison",
    "DaskExecutor",
    "DeferredRevenue",
    "Fit",
    "LocalExecutor",
    "Monitoring",
    "Optimisation",
    "Parameter",
    "Problem",
    "Results",
    "Run",
    "RunOptions",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "SimulationError",
    "Sweep",
    "calibrate",
    "compare",
    "deferred_revenue",
    "dump_scenario",
    "estimate_memory",
    "fit",
    "fit_history",
    "load_scenario",
    "loads_scenario",
    "optimize",
    "read_events",
    "read_live_log",
    "record",
    "rfm_classes",
    "run",
    "scenario_from_dict",
    "segment",
    "sensitivity",
    "simulate",
    "simulate_events",
    "sweep",
    "write_events",
]

if TYPE_CHECKING:
    from econsim.advisor.optimize import Optimisation, optimize
    from econsim.advisor.sensitivity import Sensitivity, sensitivity
    from econsim.calibration.calibrate import Calibration, calibrate
    from econsim.engine.executors import DaskExecutor, LocalExecutor
    from econsim.engine.run import estimate_memory, simulate, simulate_events
    from econsim.errors import Problem, ScenarioError, SimulationError
    from econsim.explore.compare import Comparison, compare
    from econsim.explore.grid import Parameter
    from econsim.explore.sweep import Sweep, sweep
    from econsim.history.events import read_events, write_events
    from econsim.history.fit import Fit, fit, fit_history
    from econsim.history.rfm import RFM, rfm_classes, segment
    from econsim.metrics.deferred_revenue import DeferredRevenue, deferred_revenue
    from econsim.monitor.log import read_live_log
    from econsim.monitor.monitor import Monitoring
    from econsim.monitor.record import record
    from econsim.options import RunOptions
    from econsim.pipeline import Run, run
    from econsim.results import Results
    from econsim.scenario.load import (
        dump_scenario,
        load_scenario,
        loads_scenario,
        scenario_from_dict,
    )
    from econsim.scenario.schema import Scenario


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
