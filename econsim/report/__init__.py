"""Every file econsim writes for people: tables, charts, HTML reports and exports.

``write(result, target, force=False)`` takes any result (Run, Comparison, Sweep, Results,
Fit, RFM, Calibration) and writes its files; nothing outside this package writes one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from econsim.errors import OutputExistsError
from econsim.report.target import check_target


def write(result: Any, target: Path | str, force: bool = False, **options: Any) -> list[Path]:
    """See :func:`econsim.report.dispatch.write`."""
    # the writers pull in matplotlib: imported on first use to keep start-up fast
    from econsim.report.dispatch import write as dispatch

    return dispatch(result, target, force, **options)


__all__ = ["OutputExistsError", "check_target", "write"]
