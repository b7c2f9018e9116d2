"""The calibration, step by step, as rich tables for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from econsim.calibration import Calibration


def _n(x: float, digits: int = 2) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.{digits}f}"


def print_calibration(cal: Calibration, console: Console) -> None:
    """Print every step of the calibration with its numbers and the warnings."""
    console.print(
        f"[bold]Calibration of '{cal.scenario}'[/] — per period of {cal.period_days} days"
    )
    steps12 = Table(title="Steps 1–2: behaviours and tier targets", title_justify="left")
    for col in ("behaviour", "kind", "points before"):
        steps12.add_column(col)
    for b in cal.behaviours:
        steps12.add_row(b.name, b.kind.replace("_", "-"), _n(b.points_before))
    console.print(steps12)
    tiers = Table(title="Steps 2–4: per tier, per user", title_justify="left")
    for col in ("tier", "users", "core share", "core multiplier", "max points", "predicted points"):
        tiers.add_column(col, justify="right")
    for t in cal.tiers:
        tiers.add_row(
            t.name,
            _n(t.users),
            f"{t.core_share:.0%}",
            f"{t.core_multiplier:.4g}",
            _n(t.max_points_per_user),
            _n(t.predicted_points_per_user),
        )
    console.print(tiers)
    console.print(
        f"Step 4 totals: max {_n(cal.total_max_points)} points, "
        f"predicted {_n(cal.total_predicted_points)} points"
    )
    console.print(
        f"Step 5: budget {_n(cal.budget)} {cal.currency}, reserve {cal.reserve_share:.0%} → "
        f"usable {_n(cal.usable_budget)}; exchange ratio before {cal.exchange_ratio_before:.6g}; "
        f"target {cal.target_exchange_ratio:g}; conversion coefficient "
        f"{cal.conversion_coefficient:.6g}"
    )
    points = Table(title="Step 5: point values", title_justify="left")
    for col in ("behaviour", "before", "× k", "after rounding", "allowed range"):
        points.add_column(col, justify="right")
    for b in cal.behaviours:
        points.add_row(
            b.name,
            _n(b.points_before),
            f"{b.points_exact:.6g}",
            f"{b.points_after:g}",
            f"{b.low:g}–{b.high:g}",
        )
    console.print(points)
    cost = Table(title=f"Step 5: cost per user ({cal.currency})", title_justify="left")
    for col in ("tier", "predicted cost", "maximum cost"):
        cost.add_column(col, justify="right")
    for t in cal.tiers:
        cost.add_row(t.name, _n(t.cost_per_user), _n(t.max_cost_per_user))
    console.print(cost)
    console.print(
        f"Total predicted cost {_n(cal.total_cost)} {cal.currency}; exchange ratio after "
        f"rounding {cal.exchange_ratio_after_rounding:.6g} ({cal.ratio_deviation:+.2%})"
    )
    if cal.warnings:
        for w in cal.warnings:
            console.print(f"[yellow]⚠ {w}[/]", markup=True, highlight=False)
    else:
        console.print("[green]✓ no warnings[/]")
