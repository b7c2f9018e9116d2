"""Verdicts and key figures of a run, a sweep, a comparison or a fit as rich tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from econsim.metrics import DEFAULT_FAIL_ON, Item, Source, Sources, VerdictKind
from econsim.report.campaigns import campaign_lines, growth_line
from econsim.report.point_values import print_point_values
from econsim.report.wording import (
    STYLES,
    breakage_text,
    classes,
    fmt_figure,
    gate_note,
    liability_text,
    role,
    short_path,
    verdict_value,
)

if TYPE_CHECKING:
    from pathlib import Path

    from econsim.advisor.optimisation import Optimisation
    from econsim.advisor.sensitivity import Sensitivity
    from econsim.explore.sweep import Sweep
    from econsim.history.fit import Fit
    from econsim.history.rfm import RFM
    from econsim.monitor.monitor import Monitoring
    from econsim.pipeline import Run


#: Columns from which a verdict's advice is a column of its table (below: a line under it).
WIDE = 120


def print_verdicts(
    run: Run,
    console: Console,
    fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON,
    actual: bool = False,
) -> None:
    """✓/✗ per verdict with its class, value and advice; key figures; the overall status.

    The last line is the status the badge, summary.json and the exit code read.
    """
    gating = frozenset(fail_on)
    # Beside the figures when there is room; under the table on a narrow terminal (a CI log
    # at 80 columns), where a column of advice would fold each sentence a word a line.
    beside = console.width >= WIDE
    table = Table(title=f"{run.scenario.name}", title_justify="left")
    for col in ("", "verdict", "class", "value", "threshold", "advice")[: 6 if beside else 5]:
        table.add_column(col, overflow="fold")
    marks = [
        f"[green]{v.mark}[/]" if v.passed else f"[red]{v.mark}[/]" for v in run.metrics.verdicts
    ]
    for v, mark in zip(run.metrics.verdicts, marks, strict=True):
        cells = [mark, v.name, role(v, gating), verdict_value(v), f"{v.threshold:.0%}"]
        table.add_row(*cells, *([escape(v.advice)] if beside else []))
    console.print(table)
    if not beside:
        for v, mark in zip(run.metrics.verdicts, marks, strict=True):
            console.print(f"{mark} {escape(f'{v.name}: {v.advice}')}")
    print_key_figures(run, console, actual)
    state = run.metrics.status(gating)
    console.print(gate_note(gating), markup=False)
    console.print(f"overall: [{STYLES[state]}]{state.label}[/]")


def print_key_figures(run: Run, console: Console, actual: bool = False) -> None:
    """Money, liability, breakage with its basis, denied redemptions, stock-outs, values.

    ``actual``: the books of a live log, which record no denials, stock-outs or simulated
    values — those lines are left out rather than shown as zeros.
    """
    m, cur = run.metrics, run.scenario.currency
    f = m.finance
    console.print(
        f"cost {f.total_cost:,.0f} of budget {f.total_budget:,.0f} {cur}; "
        f"{breakage_text(f.breakage_estimate)}; {liability_text(f.breakage_estimate, cur)}",
        markup=False,
    )
    busiest = m.peaks.busiest
    period = (f"busiest period (largest share of its budget): {busiest.number} from "
              f"{busiest.start:%Y-%m-%d}, cost {busiest.cost:,.0f} of its budget "
              f"{busiest.budget:,.0f} {cur} ({fmt_figure(busiest.burn, 'share')})")  # fmt: skip
    console.print(flows_text(m.sources), markup=False)
    a = m.activity
    console.print(f"active members on the last day: DAU {a.dau.final():,.0f}, WAU "
                  f"{a.wau.final():,.0f}, MAU {a.mau.final():,.0f}; stickiness "
                  f"{fmt_figure(a.stickiness.final(), 'share')}", markup=False)  # fmt: skip
    kept = ", ".join(f"day {k} {fmt_figure(v, 'share')}" for k, v in m.retention.days.items())
    console.print(f"new members active again: {kept}", markup=False)
    console.print(growth_line(m), markup=False)
    if actual:
        console.print(period, markup=False)
        return
    for line in campaign_lines(m, cur):  # a log shows no participants or coupons given
        console.print(line, markup=False)
    console.print(
        f"redemptions denied by the budget cap: {m.denied:,.0f}; "
        f"stock-outs: {m.stock_outs:,.0f} (means over replications)",
        markup=False,
    )
    console.print(f"{period}, {busiest.stock_outs:,.0f} stock-outs, season "
                  f"×{busiest.season:.2f}", markup=False)  # fmt: skip
    values = run.summary().get("point_values")
    if isinstance(values, dict):
        print_point_values(values, console)


def whole_percents(shares: Sequence[float]) -> list[int]:
    """Shares as whole percentages that add up to what they round to together (the largest
    remainders get the spare points): three sources of 33.5%, 33.5% and 33% read 34, 33 and
    33, not a total of 101%."""
    exact = [100.0 * s for s in shares]
    out = [int(x) for x in exact]
    spare = round(sum(exact)) - sum(out)
    for i in sorted(range(len(exact)), key=lambda i: out[i] - exact[i])[: max(spare, 0)]:
        out[i] += 1
    return out


def flows_text(src: Sources, top: int = 3) -> str:
    """The largest sources and items by share of points: where points come from and go."""

    def largest(parts: Sequence[Source | Item]) -> str:
        moved = sorted((p for p in parts if p.points > 0), key=lambda p: -p.points)
        percents = whole_percents([p.share for p in moved])
        named = [f"{p.name} {k}%" for p, k in zip(moved[:top], percents, strict=False)]
        more = len(moved) - top
        return ", ".join(named + ([f"{more} more"] if more > 0 else [])) or "none"

    return f"points from: {largest(src.sources)}; spent on: {largest(src.items)}"


def print_sweep(
    s: Sweep, console: Console, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> None:
    """Every point with its key figures and verdicts; how many pass the gating classes."""
    from econsim.report.sweep_report import passing

    gating = frozenset(fail_on)
    table = Table(title=f"sweep of {s.name}", title_justify="left")
    table.add_column("point", justify="right")
    # headers a word a line: the figures' columns are as wide as their longest word; on a
    # narrow terminal (a CI log) the parameters are letters, named above the table
    names = [short_path(p).replace("_", " ").replace(".", " ") for p in s.paths]
    figures = ["consumption rate", "consumer share", "budget used", "passes gates", "in budget"]
    values = [max(len(str(row[p])) for row in s.rows) if s.rows else 1 for p in s.paths]
    wide = 9 + sum(max(len(w) for w in h.split()) + 3 for h in figures)
    for name, value in zip(names, values, strict=True):
        wide += max(value, *(len(w) for w in name.split())) + 3
    if wide > console.width:
        names = [chr(ord("A") + i) for i in range(len(s.paths))]
        for name, path in zip(names, s.paths, strict=True):
            console.print(f"{name} = {path}", markup=False)
    for col in [*names, *figures]:
        table.add_column("\n".join(col.split()), justify="right")
    for row in s.rows:
        table.add_row(
            str(row["point"]),
            *(str(row[p]) for p in s.paths),
            f"{row['consumption_rate_mean']:.1%}",
            f"{row['consumer_share_mean']:.1%}",
            f"{row['budget_used_mean']:.1%}",
            _tick(passing(row, gating)),
            _tick(row["within_budget"]),
        )
    console.print(table)
    good = sum(passing(row, gating) for row in s.rows)
    console.print(
        f"{good} of {len(s.rows)} points pass every gating verdict ({classes(gating)})",
        markup=False,
    )


def _tick(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[red]✗[/]"


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


def print_optimisation(o: Optimisation, folder: Path, console: Console) -> None:
    """The top designs (or the Pareto front), and what was found in one sentence."""
    from econsim.report.advisor_report import BEST

    front = len(o.objectives) > 1
    shown = o.front() if front else o.top(5)
    table = Table(
        title=f"{'Pareto front' if front else 'top designs'} of {o.name}",
        title_justify="left",
        padding=(0, 0),  # many columns: the box lines separate them
    )
    from econsim.report.advisor_report import figure_text

    # an 80-column terminal holds about seven columns: with more, the figures beyond the
    # consumer share are left to top.csv and the report
    figures = ["consumption_rate", "consumer_share", "budget_used"]
    if len(o.box) + len(o.objectives) + len(figures) + 1 > 7:
        figures = ["consumer_share"]
    headers = ["trial", *(short_path(p) for p in o.box.names),
               *(x.name for x in o.objectives), *figures]  # fmt: skip
    for h in headers:  # words wrap in a narrow terminal; a dotted path would be cut
        words = h.replace("_", " ").replace(".", " ")
        table.add_column(words, justify="right", min_width=max(map(len, words.split())))
    for t in shown:
        table.add_row(
            str(t.number),
            *(f"{v:,g}" for v in t.values),
            *(figure_text(x.figure, v) for x, v in zip(o.objectives, t.objectives, strict=True)),
            *(figure_text(f, t.mean(f)) for f in figures),
        )
    if shown:
        console.print(table)
    console.print(
        f"{len(o.trials)} trials ({o.resumed} resumed), {len(o.feasible())} pass every "
        f"{classes(o.fail_on)} verdict with {o.confidence:.0%} confidence over "
        f"{o.replications} replications",
        markup=False,
    )
    best = o.best()
    if best is None:
        console.print(
            "no passing design found: widen the --vary ranges, vary other fields, or run "
            f"more --trials (continue with --resume); wrote {folder}/report.html",
            markup=False,
        )
        return
    console.print(f"best: trial {best.number}: {', '.join(o.design(best))}", markup=False)
    console.print(
        f"wrote {folder / BEST} — check it: econsim run {folder / BEST} -o runs/best",
        markup=False,
    )


def print_sensitivity(s: Sensitivity, folder: Path, console: Console) -> None:
    """Each figure's fields, most influential first, with the measure that ranks them."""
    from econsim.report.advisor_report import ranked

    table = Table(title=f"sensitivity of {s.name} ({s.method})", title_justify="left")
    table.add_column("figure")
    table.add_column("as designed", justify="right")
    table.add_column(f"fields, most influential first ({s.measure})")
    for f in s.figures:
        unit = "share" if f in ("consumption_rate", "consumer_share") else "points"
        table.add_row(f.replace("_", " "), fmt_figure(s.baseline[f], unit), ranked(s, f))
    console.print(table)
    measure = {"sobol": "total Sobol index ST", "morris": "Morris μ* (mean |effect| across "
               "a field's range)", "tornado": "tornado swing"}[s.method]  # fmt: skip
    console.print(
        f"{s.designs} designs × {s.replications} replications; ranked by {measure}; "
        f"wrote {folder}/report.html",
        markup=False,
    )


def print_monitoring(m: Monitoring, console: Console, fail_on: Iterable[VerdictKind]) -> None:
    """The log's account and cautions, the figures outside the plan's band, the forecast,
    then the verdicts on the actual books (their last line is the status the exit reads)."""
    log = m.log
    rejected = ", ".join(f"{r.count:,} {r.reason}" for r in log.rejected) or "none rejected"
    console.print(f"{log.source} as of {m.as_of}: {log.rows_read:,} rows read, "
                  f"{log.rows_used:,} used, {log.after_as_of:,} after the as-of date, "
                  f"{rejected}", markup=False)  # fmt: skip
    for caution in (*log.cautions, *log.computed):
        console.print(f"  caution: {caution}", markup=False)
    gone = m.band.left
    if gone:
        for w in gone:
            shown = w.known_date(m.band.persist)
            console.print(f"[red]left the plan's band[/]: {escape(w.name)} {w.direction} "
                          f"on {w.left_date} (shown by {shown})")  # fmt: skip
    elif not m.band.can_alarm:
        console.print(f"the plan's band: not judged ({m.band.replications} replications of the "
                      "design over the same days; see the caution)")  # fmt: skip
    else:
        console.print(f"inside the plan's band: no alarm on any watched figure "
                      f"({m.band.replications} replications of the design over the same days; "
                      f"false-alarm rate {m.band.rate:.1%})")  # fmt: skip
    for caution in m.cautions:
        console.print(f"caution: {caution}", markup=False)
    if m.forecast is not None:
        f = m.forecast
        for caution in f.cautions:
            console.print(f"  forecast caution: {caution}", markup=False)
        st = m.state
        console.print(f"forecast from the books of {st.as_of}: {st.members:,} members holding "
                      f"{st.outstanding:,} points (state.parquet)", markup=False)  # fmt: skip
        for p in f.paths:
            low, mid, high = p.at("consumption rate (30 days)", f.days - 1)
            s_low, s_mid, s_high = p.at("consumer share", f.days - 1)
            what = p.label + (f" ({', '.join(p.overrides)})" if p.overrides else "")
            rate = [fmt_figure(x, "share") for x in (mid, low, high)]
            share = [fmt_figure(x, "share") for x in (s_mid, s_low, s_high)]
            console.print(f"forecast to {f.end}, {what}: consumption rate {rate[0]} "
                          f"({rate[1]}–{rate[2]}), consumer share {share[0]} "
                          f"({share[1]}–{share[2]})", markup=False)  # fmt: skip
    print_verdicts(m.actual, console, fail_on, actual=True)
