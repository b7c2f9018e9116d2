"""``econsim.report.write``: every result type to its files, behind one "exists" check.

Results are pure data; this table says which writer turns each type into files. A new
result type adds one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from econsim.advisor.optimisation import Optimisation
from econsim.advisor.sensitivity import Sensitivity
from econsim.atomic import write_text
from econsim.calibration.calibrate import Calibration
from econsim.calibration.calibrated_yaml import calibrated_scenario_text
from econsim.explore.compare import Comparison
from econsim.explore.sweep import Sweep
from econsim.history.fit import Fit
from econsim.history.rfm import RFM
from econsim.monitor.monitor import Monitoring
from econsim.pipeline import Run
from econsim.report.advisor_report import write_optimisation, write_sensitivity
from econsim.report.compare_report import write_comparison
from econsim.report.exports import write_run
from econsim.report.history_report import write_fit, write_segments
from econsim.report.monitor_report import write_monitoring
from econsim.report.saved import write_results
from econsim.report.search_report import write_search
from econsim.report.sweep_report import write_sweep_report
from econsim.report.target import check_target
from econsim.results import Results
from econsim.testing.counterexample import Search


def write_calibrated(
    cal: Calibration, output: Path, design: Path | str, overrides: Sequence[str] = ()
) -> list[Path]:
    """The design file (with ``overrides`` applied) with calibrated point values, as YAML."""
    write_text(output, calibrated_scenario_text(design, cal, overrides))
    return [output]


#: Result types written to one file (the others fill a folder).
ONE_FILE: tuple[type, ...] = (Results, Fit, Calibration)

#: Result type → writer(result, target, **options) → paths written.
WRITERS: dict[type, Callable[..., list[Path]]] = {
    Run: write_run,
    Comparison: write_comparison,
    Sweep: write_sweep_report,
    Results: write_results,
    Fit: write_fit,
    RFM: write_segments,
    Calibration: write_calibrated,
    Search: write_search,
    Optimisation: write_optimisation,
    Sensitivity: write_sensitivity,
    Monitoring: write_monitoring,
}


def write(result: Any, target: Path | str, force: bool = False, **options: Any) -> list[Path]:
    """Write ``result``'s files to ``target`` (a folder, or a file for Results, Fit and
    Calibration); returns the paths written, each written atomically.

    An existing ``target`` is refused with ``OutputExistsError`` unless ``force``, and a
    target of the wrong kind (a file for a folder) or in a place that cannot be written in
    with ``OutputError`` even with ``force`` (:func:`~econsim.report.check_target`); a
    sweep's report goes into the folder the sweep streamed to, which the sweep itself
    checked. Options: ``design=`` (the scenario file) for Fit and Calibration,
    ``overrides=`` for Calibration, ``scenario_file=`` and ``overrides=`` for Search (its
    counterexample.yaml) and Optimisation (its best.yaml), ``fail_on=`` (the gating
    verdict classes, default health and budget) for Run, Comparison, Sweep and Monitoring;
    ``charts=False`` for Run and Monitoring (no charts drawn: a CI gate's run).
    """
    writer = WRITERS.get(type(result))
    if writer is None:
        known = ", ".join(sorted(t.__name__ for t in WRITERS))
        raise TypeError(f"cannot write a {type(result).__name__}; econsim writes {known}")
    # a sweep's and a study's folders were checked (or resumed) by the job itself
    streamed = isinstance(result, Sweep | Optimisation) and result.output == Path(target)
    folder = not isinstance(result, ONE_FILE)
    path = check_target(target, force or streamed, folder=folder, replaces=not streamed)
    return writer(result, path, **options)
