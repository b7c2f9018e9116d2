"""One verdict model: every verdict has a class, and the overall status follows from them.

A verdict's *kind* says what it judges:

- ``health``: domain §5's consumption rate and consumer share;
- ``budget``: finance's hard line, money realised within the horizon budget;
- ``inflation``: outstanding points per user not growing too fast;
- ``plan``: actual issuance on the design's prediction.

The *gating classes* (default: health and budget; ``--fail-on`` chooses) decide the overall
status, which has three levels: **unhealthy** when a verdict of a gating class fails,
**healthy with warnings** when only verdicts of other classes fail, **healthy** otherwise.
Badge, last line, summary.json and exit code all read this one status, so they cannot
disagree with the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

VerdictKind = Literal["health", "budget", "peak", "inflation", "plan"]
#: Every verdict class, in the order reports list them.
KINDS: tuple[VerdictKind, ...] = get_args(VerdictKind)
#: The classes that gate by default: domain §5's health line and finance's budget line.
DEFAULT_FAIL_ON: frozenset[VerdictKind] = frozenset({"health", "budget"})


class Status(StrEnum):
    """Overall status of a run; the value is what summary.json carries."""

    HEALTHY = "healthy"
    WARNINGS = "healthy_with_warnings"
    UNHEALTHY = "unhealthy"

    @property
    def label(self) -> str:
        """Words for a badge or a last line: "healthy with warnings"."""
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Verdict:
    """One judgement of class ``kind``, with the number behind it and plain advice."""

    name: str
    value: float
    threshold: float
    passed: bool
    advice: str
    kind: VerdictKind

    @property
    def mark(self) -> str:
        return "✓" if self.passed else "✗"

    @property
    def gating(self) -> bool:
        """Whether this verdict gates under the default classes (health and budget)."""
        return self.gates(DEFAULT_FAIL_ON)

    def gates(self, fail_on: Iterable[VerdictKind]) -> bool:
        """Whether this verdict decides the status when ``fail_on`` are the gating classes."""
        return self.kind in set(fail_on)


def status(verdicts: Iterable[Verdict], fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON) -> Status:
    """Unhealthy if a gating verdict fails, with warnings if only others fail, else healthy."""
    gating = set(fail_on)
    failed = [v for v in verdicts if not v.passed]
    if any(v.kind in gating for v in failed):
        return Status.UNHEALTHY
    return Status.WARNINGS if failed else Status.HEALTHY


class FailOnError(ValueError):
    """A ``--fail-on`` value names a class that does not exist."""


def parse_fail_on(text: str) -> frozenset[VerdictKind]:
    """``"health,budget,inflation"`` → the gating classes; a clear error for a wrong name.

    Names are comma-separated, case and spaces ignored; an empty value is an error (a gate
    that gates nothing is a mistake, not a choice).
    """
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    valid = ", ".join(KINDS)
    if not names:
        raise FailOnError(f"--fail-on needs at least one verdict class; valid: {valid}")
    unknown = [n for n in names if n not in KINDS]
    if unknown:
        raise FailOnError(
            f"--fail-on: unknown verdict class {', '.join(repr(n) for n in unknown)}; "
            f"valid: {valid} (comma-separated, e.g. health,budget,inflation)"
        )
    return frozenset(k for k in KINDS if k in names)
