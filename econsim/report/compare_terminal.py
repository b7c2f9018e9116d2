"""A comparison in the terminal: key figures side by side with paired differences, whole
when the table fits, else what differs as lines (an 80-column CI log cuts nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from econsim.metrics import DEFAULT_FAIL_ON, Status, VerdictKind
from econsim.metrics.figures import UNITS, figure_label
from econsim.report.wording import RATE_30D_NOTE, STYLES, fmt_figure, gate_note

if TYPE_CHECKING:
    from econsim.explore.compare import Comparison


def print_comparison(
    c: Comparison, console: Console, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> None:
    """Key figures side by side, with each difference to the baseline and its interval.

    When that table is wider than the terminal (an 80-column CI log, several designs), the
    figures every design shares are named on one line, the others are a table of means,
    and the differences whose interval excludes zero follow as lines: nothing is cut."""
    gating = frozenset(fail_on)
    wide = _comparison_table(c)
    natural = Measurement.get(console, console.options.update_width(10_000), wide).maximum
    if natural <= console.width:
        console.print(wide)
        console.print(f"¹ {RATE_30D_NOTE} Differences of shares are in percentage points "
                      "(pp).", markup=False)  # fmt: skip
    else:
        _print_narrow_comparison(c, console)
    for label, r in zip(c.labels, c.runs, strict=True):
        state = r.metrics.status(gating)
        failed = [v.name for v in r.metrics.verdicts if not v.passed]
        detail = f" (failing: {', '.join(failed)})" if failed else ""
        console.print(f"{escape(label)}: [{STYLES[state]}]{state.label}[/]{escape(detail)}")
    worst = max((r.metrics.status(gating) for r in c.runs), key=_rank)
    console.print(gate_note(gating), markup=False)
    console.print(f"overall: [{STYLES[worst]}]{worst.label}[/] (the worst design)")


def _comparison_table(c: Comparison) -> Table:
    base = c.labels[0]
    table = Table(title=c.heading, title_justify="left")
    table.add_column("figure")
    for label in c.labels:
        table.add_column(label, justify="right")
    for label in c.labels[1:]:
        head = "Δ vs the first [95%]" if len(c.labels) == 2 else f"Δ {label} [95%]"
        table.add_column(head, justify="right")
    for row in c.table():
        unit = UNITS[row["figure"]]
        cells = [fmt_figure(row[f"{label} mean"], unit) for label in c.labels]
        for label in c.labels[1:]:
            d, lo, hi = (row[f"{label} − {base}{x}"] for x in ("", " 95% low", " 95% high"))
            low, high = fmt_figure(lo, unit, True), fmt_figure(hi, unit, True)
            cells.append(f"{fmt_figure(d, unit, True)} [{low}, {high}]")
        name = figure_label(row["figure"], c.runs[0].scenario.currency)
        table.add_row(name + ("¹" if row["figure"] == "consumption_rate_30d" else ""), *cells)
    return table


def _print_narrow_comparison(c: Comparison, console: Console) -> None:
    cur, base = c.runs[0].scenario.currency, c.labels[0]
    rows = c.table()
    means = [[row[f"{label} mean"] for label in c.labels] for row in rows]
    same = [r for r, m in zip(rows, means, strict=True) if all(x == m[0] for x in m)]
    if same:
        names = ", ".join(figure_label(r["figure"]) for r in same)
        console.print(f"the same in every design: {names}", markup=False)
    table = Table(title=c.heading, title_justify="left")
    table.add_column("figure", overflow="fold")
    for label in c.labels:
        table.add_column(label, justify="right", overflow="fold")
    noted = False
    for row in (r for r in rows if r not in same):
        name = figure_label(row["figure"], cur)
        if row["figure"] == "consumption_rate_30d":
            name, noted = name + "¹", True
        table.add_row(name, *(fmt_figure(row[f"{label} mean"], UNITS[row["figure"]])
                              for label in c.labels))  # fmt: skip
    console.print(table)
    if noted:
        console.print(f"¹ {RATE_30D_NOTE}", markup=False)
    console.print(f"differences from {base} whose 95% interval excludes zero (shares in pp):",
                  markup=False)  # fmt: skip
    found = [d for d in c.differences() if d.significant]
    for label in c.labels[1:]:
        mine = [d for d in found if d.design == label]
        said = "; ".join(
            f"{figure_label(d.figure)} {fmt_figure(d.difference, UNITS[d.figure], True)} "
            f"[{fmt_figure(d.low, UNITS[d.figure], True)}, "
            f"{fmt_figure(d.high, UNITS[d.figure], True)}]"
            for d in mine
        )
        console.print(f"  {label}: {said or 'none'}", markup=False)


def _rank(state: Status) -> int:
    return (Status.HEALTHY, Status.WARNINGS, Status.UNHEALTHY).index(state)
