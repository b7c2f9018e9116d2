"""What every scenario model shares: the frozen base model and the constrained numbers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

#: The largest count a scenario may hold: points prices, caps, bonuses, stock, members (a
#: trillion). Sums of such counts over members and days stay inside 64-bit integers only
#: when each is bounded; an unbounded 2^62 cap turned into NaN in the engine (issue 22).
MAX_COUNT = 10**12
#: The largest amount a scenario may hold: money, frequencies, ratios (a quadrillion); 1e308
#: overflowed to infinity in the first product.
MAX_AMOUNT = 1e15


def not_bool(value: Any) -> Any:
    """YAML's true/false are not numbers: `users: true` once validated as one member."""
    if isinstance(value, bool):
        raise ValueError("a number is needed here, not true/false")
    return value


Probability = Annotated[float, BeforeValidator(not_bool), Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, BeforeValidator(not_bool), Field(gt=0.0, le=MAX_AMOUNT)]
NonNegativeFloat = Annotated[float, BeforeValidator(not_bool), Field(ge=0.0, le=MAX_AMOUNT)]
PositiveInt = Annotated[int, BeforeValidator(not_bool), Field(gt=0, le=MAX_COUNT)]
NonNegativeInt = Annotated[int, BeforeValidator(not_bool), Field(ge=0, le=MAX_COUNT)]
#: The most points one bonus or reward may give at once: what a member's monthly expiry lot
#: holds (32 bits, four bytes a member a month). A bonus of 10^12 wrapped the lot around and
#: ended the run in "lots do not add up" (issue 38).
MAX_AWARD = 2**31 - 1
Award = Annotated[int, BeforeValidator(not_bool), Field(gt=0, le=MAX_AWARD)]
NonNegativeAward = Annotated[int, BeforeValidator(not_bool), Field(ge=0, le=MAX_AWARD)]
Day = Annotated[int, Field(ge=0, description="Day index, 0 = the first simulated day.")]
#: A number that is the same for every tier, or one number per tier name.
PerTier = PositiveFloat | dict[str, PositiveFloat]


class Section(BaseModel):
    """A section of the scenario format, the base of every one: immutable, unknown keys are
    errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
