"""How every report words a verdict, a status, a difference of shares and breakage.

The terminal, report.html and the comparison and sweep reports all read these, so a run
cannot say "healthy" in one place and "unhealthy" in another, and a figure the simulation
could not observe is never printed as a bare number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from econsim.metrics import KINDS, Breakage, Status, Verdict, VerdictKind

#: Badge colour per status: green, amber, red.
COLOURS = {Status.HEALTHY: "#2ca02c", Status.WARNINGS: "#e6a000", Status.UNHEALTHY: "#d62728"}
#: rich style per status for the terminal's last line.
STYLES = {Status.HEALTHY: "green", Status.WARNINGS: "yellow", Status.UNHEALTHY: "red"}
#: Shown where consumption_rate_30d appears: why it can exceed 100%.
RATE_30D_NOTE = (
    "30-day consumption rate = points redeemed in the last 30 days / points issued in those "
    "30 days; it can exceed 100% when members redeem points earned earlier."
)


def classes(fail_on: Iterable[VerdictKind]) -> str:
    """``"health, budget"``: the gating classes in report order."""
    gating = set(fail_on)
    return ", ".join(k for k in KINDS if k in gating)


def gate_note(fail_on: Iterable[VerdictKind]) -> str:
    """What decides the status, in one sentence."""
    gating = set(fail_on)
    others = [k for k in KINDS if k not in gating]
    warn = f"; a failing {' or '.join(others)} verdict is a warning" if others else ""
    return f"gating classes: {classes(gating)} (a failing one makes the run unhealthy){warn}"


def shown_zero(x: float, places: int) -> float:
    """``x`` as it will be shown with ``places`` decimals, a negative that rounds to zero
    made zero (issue 39: "-0.0%" read as a fall)."""
    return round(x, places) + 0.0  # -0.0 + 0.0 is 0.0


def verdict_value(v: Verdict) -> str:
    """A verdict's value: a share as a percentage, a larger ratio as a number."""
    if not math.isfinite(v.value):
        return "–"
    return f"{shown_zero(v.value, 3):.1%}" if abs(v.value) < 10 else f"{v.value:,.2f}"


def role(v: Verdict, fail_on: Iterable[VerdictKind]) -> str:
    """``"budget · gates"`` or ``"inflation · warns"``: the verdict's class and its weight."""
    return f"{v.kind} · {'gates' if v.gates(fail_on) else 'warns'}"


def signed_share(x: float) -> str:
    """A difference of two shares in percentage points: ``+3.2 pp`` (never "%")."""
    return "–" if not math.isfinite(x) else f"{shown_zero(x * 100, 1):+.1f} pp"


def breakage_text(b: Breakage) -> str:
    """Breakage with its basis; an unobserved figure says so instead of printing 0% or nan."""
    if b.basis == "unobserved" or not math.isfinite(b.value):
        why = (
            "nothing could expire within the horizon and too little was redeemed recently "
            "to estimate it"
            if b.expirable_share <= 0
            else "too little was redeemed recently to estimate it"
        )
        return f"breakage unobserved — {why}"
    mark = "" if b.basis == "observed" else "~"
    return f"breakage {mark}{b.value:.1%} ({b.basis}: {b.method})"


def liability_text(b: Breakage, currency: str) -> str:
    """Liability at the redemption share the breakage figure implies."""
    if not math.isfinite(b.liability):
        return "liability at the estimated redemption share: unknown (nothing priced yet)"
    share = b.redemption_share
    basis = (
        "every outstanding point redeemed (prudent bound)"
        if not math.isfinite(share) or b.basis == "unobserved"
        else f"{share:.0%} of outstanding points redeemed"
    )
    return f"liability {b.liability:,.0f} {currency} at {basis}"


def short_path(path: str) -> str:
    """The last two parts of a field path: enough to tell parameters apart in a table."""
    return ".".join(path.split(".")[-2:])


def fmt_figure(x: float, unit: str, signed: bool = False) -> str:
    """A figure, or a difference of figures: shares differ by percentage points (pp); money
    under 100 keeps its cents (a cost per participant of 5.12 is not 5)."""
    if not math.isfinite(x):
        return "–"  # e.g. breakage unobserved, or an interval from one replication
    if unit == "share":
        return signed_share(x) if signed else f"{shown_zero(x, 3):.1%}"
    if unit == "index":
        return f"{x:+,.4g}" if signed else f"{x:,.4g}"
    places = 2 if unit == "money" and 0 < abs(x) < 100 else 0  # a nil difference: +0
    return f"{x:+,.{places}f}" if signed else f"{x:,.{places}f}"
