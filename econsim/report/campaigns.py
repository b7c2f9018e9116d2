"""The report's words for packaged campaigns, coupons and the growth funnel: table rows
(HTML-escaped) for report.html and the terminal's lines. Nothing here plots."""

from __future__ import annotations

import math
from html import escape

from econsim.metrics import Metrics
from econsim.metrics.series import finite_mean
from econsim.report.wording import fmt_figure

PACKAGED_HEADERS = ["campaign", "packaging", "participants", "rewards paid", "cost",
                    "cost per participant", "95% interval", "budget per participant"]  # fmt: skip
COUPON_HEADERS = ["coupon", "given", "used", "use rate", "cost", "basket uplift",
                  "uplift points", "uplift per unit of cost"]  # fmt: skip


def packaged_rows(m: Metrics) -> list[list[str]]:
    return [
        [escape(c.name), c.packaging, f"{c.participants:,.0f}", f"{c.rewarded:,.0f}",
         f"{c.cost:,.0f}",
         fmt_figure(c.cost_per_participant, "money"),
         f"{fmt_figure(c.low, 'money')} – {fmt_figure(c.high, 'money')}",
         fmt_figure(c.expected_cost_per_participant, "money")]
        for c in m.packaging.campaigns
    ]  # fmt: skip


def coupon_rows(m: Metrics) -> list[list[str]]:
    return [
        [escape(c.name), f"{c.given:,.0f}", f"{c.used:,.0f}", fmt_figure(c.use_rate, "share"),
         f"{c.cost:,.0f}", fmt_figure(c.uplift, "money"), fmt_figure(c.uplift_points, "points"),
         fmt_figure(c.uplift_per_cost, "index")]
        for c in m.coupons.coupons
    ]  # fmt: skip


def funnel_rows(m: Metrics) -> list[list[str]]:
    g = m.growth
    return [[stage, f"{n:,.0f}", fmt_figure(g.conversion[stage], "share")]
            for stage, n in g.stages.items()]  # fmt: skip


def growth_line(m: Metrics) -> str:
    """New/old ratio, repurchase and the funnel in one line."""
    g = m.growth
    stages = " → ".join(
        f"{s} {n:,.0f}"
        + ("" if s == "acquisition" else f" ({fmt_figure(g.conversion[s], 'share')})")
        for s, n in g.stages.items()
        if s == "acquisition" or math.isfinite(g.conversion[s])  # NaN: not in the design
    )
    return (
        f"new/old member ratio (30 days) {fmt_figure(finite_mean(g.new_old_30d), 'index')}; "
        f"repurchase rate {fmt_figure(g.repurchase_rate.final(), 'share')}; funnel: {stages}"
    )


def campaign_lines(m: Metrics, currency: str) -> list[str]:
    """One terminal line per packaged campaign and per coupon."""
    lines = [
        f"campaign {c.name} ({c.packaging}): {c.participants:,.0f} participants, cost per "
        f"participant {fmt_figure(c.cost_per_participant, 'money')} {currency} "
        f"[{fmt_figure(c.low, 'money')}, {fmt_figure(c.high, 'money')}] against "
        f"{fmt_figure(c.expected_cost_per_participant, 'money')} budgeted"
        for c in m.packaging.campaigns
    ]
    lines += [
        f"coupon {c.name}: {c.used:,.0f} of {c.given:,.0f} used "
        f"({fmt_figure(c.use_rate, 'share')}), cost {c.cost:,.0f} {currency}"
        + (f", basket uplift {c.uplift:,.0f} {currency}" if c.name.startswith("coupon:") else "")
        for c in m.coupons.coupons
    ]
    return lines
