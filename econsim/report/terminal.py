"""A run's verdicts and key figures as a rich table for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from econsim.pipeline import Run


def print_verdicts(run: Run, console: Console) -> None:
    """✓/✗ per verdict with its value and advice, then the overall state."""
    table = Table(title=f"{run.scenario.name}", title_justify="left")
    for col in ("", "verdict", "value", "threshold", "advice"):
        table.add_column(col, overflow="fold")
    for v in run.metrics.verdicts:
        value = f"{v.value:.1%}" if abs(v.value) < 10 else f"{v.value:,.2f}"
        mark = f"[green]{v.mark}[/]" if v.passed else f"[red]{v.mark}[/]"
        table.add_row(mark, v.name, value, f"{v.threshold:.0%}", v.advice)
    console.print(table)
    f = run.metrics.finance
    console.print(
        f"cost {f.total_cost:,.0f} of budget {f.total_budget:,.0f} {run.scenario.currency}; "
        f"liability {f.liability.final():,.0f}; breakage {f.breakage:.1%}"
    )
    state = "[green]healthy[/]" if run.healthy else "[red]unhealthy[/]"
    console.print(f"overall: {state}")
