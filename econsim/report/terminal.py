"""Verdicts and key figures of a run, a sweep or a comparison as rich tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from econsim.explore.compare import Comparison
    from econsim.explore.sweep import Sweep
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


def short_path(path: str) -> str:
    """The last two parts of a field path: enough to tell parameters apart in a table."""
    return ".".join(path.split(".")[-2:])


def print_sweep(s: Sweep, console: Console) -> None:
    """Every point with its key figures and verdicts; the healthy, within-budget count."""
    table = Table(title=f"sweep of {s.name}", title_justify="left")
    table.add_column("point", justify="right")
    for p in s.paths:
        table.add_column(short_path(p), justify="right")
    for col in ("consumption", "consumer share", "budget used", "healthy", "in budget"):
        table.add_column(col, justify="right")
    for row in s.rows:
        table.add_row(
            str(row["point"]),
            *(str(row[p]) for p in s.paths),
            f"{row['consumption_rate_mean']:.1%}",
            f"{row['consumer_share_mean']:.1%}",
            f"{row['budget_used_mean']:.1%}",
            "[green]✓[/]" if row["healthy"] else "[red]✗[/]",
            "[green]✓[/]" if row["within_budget"] else "[red]✗[/]",
        )
    console.print(table)
    console.print(f"{len(s.good())} of {len(s.rows)} points are healthy and within budget")


def print_comparison(c: Comparison, console: Console) -> None:
    """Key figures side by side, with each difference to the baseline and its interval."""
    from econsim.metrics.figures import FIGURES

    units = {f.name: f.unit for f in FIGURES}
    base = c.labels[0]
    table = Table(title=" vs ".join(c.labels), title_justify="left")
    table.add_column("figure")
    for label in c.labels:
        table.add_column(label, justify="right")
    for label in c.labels[1:]:
        head = "Δ vs the first [95%]" if len(c.labels) == 2 else f"Δ {label} [95%]"
        table.add_column(head, justify="right")

    def fmt(x: float, unit: str, signed: bool = False) -> str:
        if unit == "share":
            return f"{x:+.1%}" if signed else f"{x:.1%}"
        if unit == "index":
            return f"{x:+.4g}" if signed else f"{x:.4g}"
        return f"{x:+,.0f}" if signed else f"{x:,.0f}"

    for row in c.table():
        unit = units[row["figure"]]
        cells = [fmt(row[f"{label} mean"], unit) for label in c.labels]
        for label in c.labels[1:]:
            d, lo, hi = (row[f"{label} − {base}{x}"] for x in ("", " 95% low", " 95% high"))
            cells.append(f"{fmt(d, unit, True)} [{fmt(lo, unit, True)}, {fmt(hi, unit, True)}]")
        table.add_row(row["figure"], *cells)
    console.print(table)
    for label, r in zip(c.labels, c.runs, strict=True):
        state = "[green]healthy[/]" if r.healthy else "[red]unhealthy[/]"
        money = "within budget" if r.metrics.finance.verdict.passed else "over budget"
        console.print(f"{label}: {state}, {money}")
