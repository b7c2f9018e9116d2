"""Verdicts and key figures of a run, a sweep, a comparison or a fit as rich tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from econsim.explore.compare import Comparison
    from econsim.explore.sweep import Sweep
    from econsim.history.fit import Fit
    from econsim.history.rfm import RFM
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


def print_fit(fit: Fit, console: Console) -> None:
    """Every estimate with its standard error; the amount fits; the lifecycle in words."""
    table = Table(title=f"estimated from {fit.source} ({fit.window_days} days)",
                  title_justify="left")  # fmt: skip
    for col in ("estimate", "value", "standard error", "n"):
        table.add_column(col, justify="left" if col == "estimate" else "right")
    for e in fit.estimates:
        se = "–" if e.se != e.se else f"{e.se:.3g}"
        table.add_row(e.name, f"{e.value:.4g}", se, f"{e.n:,}")
    console.print(table)
    for a in fit.amounts:
        console.print(
            f"amount of {a.behaviour}, tier {a.tier}: {a.distribution}, mean {a.mean:,.4g}, "
            f"cv {a.cv:.3f}; Kolmogorov–Smirnov distance {a.ks:.3f} over {a.n:,} occurrences"
        )
    m = fit.lifecycle
    if m is not None:
        console.print(
            f"lifecycle (BG/NBD): a living user buys every {1 / m.mean_rate:,.1f} days on "
            f"average and drops out after a purchase with chance {m.mean_dropout:.1%}; "
            f"{float(fit.p_alive.mean()):.1%} of users are likely still alive"
        )
    for caution in fit.cautions:
        console.print(f"[yellow]caution:[/yellow] {caution}")


def print_segments(rfm: RFM, console: Console) -> None:
    """Users and shares per RFM value class."""
    counts = rfm.counts()
    total = max(sum(counts.values()), 1)
    table = Table(title="RFM value classes", title_justify="left")
    for col in ("segment", "users", "share"):
        table.add_column(col, justify="left" if col == "segment" else "right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}", f"{n / total:.1%}")
    console.print(table)
