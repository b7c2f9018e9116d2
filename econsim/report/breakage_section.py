"""The breakage memo in report.html: the data window, the URR chosen with its interval and
why, the methods side by side, the books at the URR ± 5 and ± 10 points, and the issuance
triangle (docs/guide-finance.md, "Breakage and the URR")."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from econsim.report.html_table import table

if TYPE_CHECKING:
    from econsim.pipeline import Run


def _pct(x: float) -> str:
    return "–" if x != x else f"{x:.1%}"  # NaN: the method gave none


def breakage_html(run: Run) -> str:
    memo, cur = run.metrics.breakage_memo, escape(run.scenario.currency)
    e, tri = memo.estimate, memo.triangle
    head = (
        "<h2 id='breakage'>Breakage memo: the ultimate redemption rate</h2>"
        f"<p>Data: {escape(memo.window)}.</p>"
    )
    sim = memo.simulated
    compared = (
        f"<p>For comparison, the simulation's own breakage — its recent redemptions run "
        f"forward, not a triangle method (docs/guide-finance.md, §6): {_pct(sim.value)} "
        f"({escape(sim.basis)}: {escape(sim.method)}).</p>"
        if sim.value == sim.value
        else ""
    )
    methods = [
        [c.method, _pct(c.urr), f"{_pct(c.interval[0])} – {_pct(c.interval[1])}", _pct(c.error),
         "chosen" if c.method == e.chosen else escape(c.note)]
        for c in e.candidates
    ]  # fmt: skip
    table_of_methods = (
        table(["method", "URR", "95% interval", "out-of-sample error", ""], methods)
        if methods
        else ""
    )
    if not e.chosen:
        return (
            f"{head}<p><strong>No estimate:</strong> {escape(e.reason)}.</p>"
            f"{table_of_methods}{compared}"
        )
    low, high = e.interval
    books = [
        [f"{s.shift:+.0%}", _pct(s.urr), f"{s.liability:,.0f}", f"{s.recognised:,.0f}",
         f"{s.contract_liability:,.0f}"]
        for s in memo.sensitivity
    ]  # fmt: skip
    ratio = tri.ratio()
    cells = [
        [
            f"<span style='white-space:nowrap'>{c}</span>",
            f"{tri.issued[i]:,.0f}",
            *("" if x != x else f"{x:.0%}" for x in ratio[i]),
        ]
        for i, c in enumerate(tri.cohorts)
    ]
    return (
        f"{head}<p>URR <strong>{_pct(e.urr)}</strong> (95% interval {_pct(low)} – "
        f"{_pct(high)}), breakage {_pct(e.breakage)}: {escape(e.reason)}. The deferred "
        "revenue books this URR as its expected redemption share.</p>"
        + table_of_methods
        + compared
        + f"<h3>The books at other URRs ({cur})</h3>"
        + table(
            ["URR shift", "URR", "liability", "revenue recognised", "contract liability"], books
        )
        + "<h3>Issuance triangle: share of each month's points redeemed by age (months)</h3>"
        + table(["cohort", "issued", *(str(a) for a in range(tri.ages))], cells)
    )
