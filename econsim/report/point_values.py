"""Which point values a run simulated: calibrated (the default) or as written.

A run's summary carries ``"point_values": {"simulated": "calibrated" | "as_written",
"behaviours": {NAME: {"as_written": x, "calibrated": y, "simulated": z}}}``; these render
it for report.html and the terminal, so a reader sees which programme was tested.
"""

from __future__ import annotations

from html import escape
from typing import Any

from rich.console import Console

WHAT = {
    "calibrated": "calibrated point values (as written → calibrated)",
    "as_written": "point values as written (calibration shown for reference)",
}


def _num(x: Any) -> str:
    return "–" if x is None else f"{float(x):,.4g}"


def headline(values: dict[str, Any]) -> str:
    """``simulated: calibrated point values (as written → calibrated)``."""
    mode = str(values.get("simulated", ""))
    return f"simulated: {WHAT.get(mode, escape(mode))}"


def rows(values: dict[str, Any]) -> list[list[str]]:
    """One row per behaviour: name, as written, calibrated, simulated."""
    return [
        [name, _num(v.get("as_written")), _num(v.get("calibrated")), _num(v.get("simulated"))]
        for name, v in values.get("behaviours", {}).items()
    ]


def print_point_values(values: dict[str, Any], console: Console) -> None:
    """The short terminal block: the headline and one line per behaviour."""
    console.print(headline(values), markup=False)
    for name, written, calibrated, simulated in rows(values):
        console.print(f"  {name}: {written} → {calibrated} (simulated {simulated})", markup=False)
