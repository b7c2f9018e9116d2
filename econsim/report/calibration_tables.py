"""The calibration, step by step, as rich tables for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from econsim.calibration import Calibration


def _n(x: float) -> str:
    """Points, members and totals: whole numbers (a column never mixes 680 and 3,400.00)."""
    return f"{x:,.0f}"


def _money(x: float) -> str:
    """A cost per member: to the cent, in every row."""
    return f"{x:,.2f}"


def print_calibration(cal: Calibration, console: Console) -> None:
    """Print every step of the calibration with its numbers and the warnings."""
    console.print(
        f"[bold]Calibration of '{cal.scenario}'[/] — per period of {cal.period_days} days"
    )
    console.print(_behaviours(cal))
    console.print(_tiers(cal))
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
    console.print(_point_values(cal))
    console.print(_costs(cal))
    console.print(
        f"Total predicted cost {_n(cal.total_cost)} {cal.currency}; exchange ratio after "
        f"rounding {cal.exchange_ratio_after_rounding:.6g} ({cal.ratio_deviation:+.2%})"
    )
    for w in cal.warnings:
        console.print(f"[yellow]⚠ {w}[/]", markup=True, highlight=False)
    if not cal.warnings:
        console.print("[green]✓ no warnings[/]")


def _table(title: str, *columns: str, justify: str = "right") -> Table:
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]  # rich's Literal
    return table


def _behaviours(cal: Calibration) -> Table:
    table = _table(
        "Steps 1–2: behaviours and tier targets",
        "behaviour",
        "kind",
        "points before",
        justify="left",
    )
    for b in cal.behaviours:
        table.add_row(b.name, b.kind.replace("_", "-"), f"{b.points_before:g}")
    return table


def _tiers(cal: Calibration) -> Table:
    table = _table(
        "Steps 2–4: per tier, per user",
        "tier",
        "users",
        "core share",
        "core multiplier",
        "max points",
        "predicted points",
    )
    for t in cal.tiers:
        table.add_row(
            t.name,
            _n(t.users),
            f"{t.core_share:.0%}",
            f"{t.core_multiplier:.4g}",
            _n(t.max_points_per_user),
            _n(t.predicted_points_per_user),
        )
    return table


def _point_values(cal: Calibration) -> Table:
    table = _table(
        "Step 5: point values", "behaviour", "before", "× k", "after rounding", "allowed range"
    )
    for b in cal.behaviours:
        table.add_row(
            b.name,
            f"{b.points_before:g}",
            f"{b.points_exact:.6g}",
            f"{b.points_after:g}",
            f"{b.low:g}–{b.high:g}",
        )
    return table


def _costs(cal: Calibration) -> Table:
    """Cost per user: calibrated (what `econsim run` simulates by default) and as written."""
    table = _table(
        f"Step 5: cost per user ({cal.currency})",
        "tier",
        "predicted cost",
        "maximum cost",
        "as written",
    )
    for t in cal.tiers:
        table.add_row(
            t.name,
            _money(t.cost_per_user),
            _money(t.max_cost_per_user),
            _money(t.cost_per_user_as_written),
        )
    return table
