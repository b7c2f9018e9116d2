"""Which operating metrics a run counts (domain §6): the days of new-member retention and
when a new member counts as retained in the AARRR funnel.

New members are those who join on day 1 or later (day 0's are the launch population). The
first cohort joins on day 1, so day-k retention needs k ≤ horizon − 2. Left unset, the usual
days (1, 3, 7, 30) are counted and a day the horizon cannot show is reported as undefined
(null); a day the scenario *asks for* must fit the horizon — a located error names it
otherwise (:func:`econsim.scenario.checks.check_scenario`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from econsim.scenario.base import Section, not_bool

#: Day-k retentions counted when the scenario names none (domain §6).
DEFAULT_RETENTION_DAYS = (1, 3, 7, 30)
#: Days after joining from which activity makes a new member "retained" (AARRR), by default.
DEFAULT_RETAINED_AFTER = 30

CohortDay = Annotated[int, BeforeValidator(not_bool), Field(gt=0, le=36_500)]


def observable(days_after_joining: int, horizon_days: int) -> bool:
    """Whether a horizon shows a cohort ``days_after_joining`` days on: the first cohort
    joins on day 1 and the last day is ``horizon_days − 1``."""
    return days_after_joining <= horizon_days - 2


class Operating(Section):
    """Operating metrics: the retention days counted and the funnel's retention stage."""

    retention_days: list[CohortDay] | None = Field(
        default=None,
        min_length=1,
        max_length=8,
        description="Days after joining at which each new-member cohort's retention is "
        "counted. Unset: 1, 3, 7 and 30, a day the horizon cannot show being undefined; set, "
        "every day must fit the horizon (at most horizon_days − 2).",
    )
    retained_after_days: CohortDay | None = Field(
        default=None,
        description="A new member is 'retained' (the AARRR funnel's third stage) once active "
        "on a day at least this many days after joining. Unset: 30; set, it must fit the "
        "horizon (at most horizon_days − 2).",
    )

    def retention(self) -> tuple[int, ...]:
        """The retention days counted, ascending."""
        days = DEFAULT_RETENTION_DAYS if self.retention_days is None else self.retention_days
        return tuple(sorted(set(days)))

    def retained_after(self) -> int:
        return (
            DEFAULT_RETAINED_AFTER if self.retained_after_days is None else self.retained_after_days
        )
