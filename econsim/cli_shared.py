"""The option groups several commands share, declared once: typer reads them from the
signature :func:`shared_options` gives a command, and the command receives them as one
:class:`SharedOptions` — what to simulate, how often, where, and what gates the exit code.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from econsim import cli_options as opt

if TYPE_CHECKING:
    from econsim.engine.executors import Executor
    from econsim.metrics import VerdictKind
    from econsim.options import SimulationKeywords


@dataclass(frozen=True)
class SharedOptions:
    """What a command's shared options ask for: the run keywords of the library call they
    lead to, and the verdict classes that gate its exit code."""

    seed: int | None = None
    set_: list[str] | None = None
    as_written: bool = False
    replications: int | None = None
    workers: int | None = None
    scheduler: str | None = None
    fail_on: str | None = None
    fail_on_unhealthy: bool = False

    @property
    def overrides(self) -> list[str]:
        """The --set overrides, plus the one --as-written stands for."""
        return opt.with_as_written(self.set_, self.as_written)

    def keywords(self, replications: int | None = None) -> SimulationKeywords:
        """``overrides``, ``seed``, ``replications`` and ``executor`` for ``econsim.run`` and
        the calls that share its options (``econsim.options``); ``replications``: a
        command's own option of that name (compare's)."""
        return {
            "overrides": self.overrides,
            "seed": self.seed,
            "replications": self.replications if replications is None else replications,
            "executor": self.executor(),
        }

    def executor(self) -> Executor:
        """Local processes (--workers) or a Dask cluster (--scheduler)."""
        from econsim.engine.executors import executor_for  # start-up speed: loads the engine

        return executor_for(self.workers, self.scheduler)

    @property
    def gate(self) -> frozenset[VerdictKind] | None:
        """The classes --fail-on or --fail-on-unhealthy gate the exit code on, else None."""
        return opt.gating_classes(self.fail_on, self.fail_on_unhealthy)

    @property
    def gating(self) -> frozenset[VerdictKind]:
        """The classes the report and summary.json show as gating: the gate, or the default."""
        from econsim.metrics import DEFAULT_FAIL_ON  # start-up speed

        return self.gate or DEFAULT_FAIL_ON


#: The shared options in the order --help lists them, after the command's own.
_OPTIONS: dict[str, tuple[Any, Any]] = {
    "replications": (opt.ReplicationsOption, None),
    "seed": (opt.SeedOption, None),
    "workers": (opt.WorkersOption, None),
    "scheduler": (opt.SchedulerOption, None),
    "set_": (opt.SetOption, None),
    "as_written": (opt.AsWrittenOption, False),
    "fail_on": (opt.FailOnOption, None),
    "fail_on_unhealthy": (opt.FailOnUnhealthyOption, False),
}
Command = TypeVar("Command", bound=Callable[..., Any])


def shared_options(
    *, replications: bool = True, workers: bool = True, gate: bool = False
) -> Callable[[Command], Command]:
    """Give a command --seed, --set and --as-written, and where asked --replications (unless
    it declares its own), --workers with --scheduler (where it runs in parallel) and the
    gate, --fail-on with --fail-on-unhealthy. The command takes them as one keyword-only
    ``shared: SharedOptions``; a --fail-on that names no class is a usage error at once."""
    left_out = set() if replications else {"replications"}
    left_out |= set() if workers else {"workers", "scheduler"}
    left_out |= set() if gate else {"fail_on", "fail_on_unhealthy"}
    names = [n for n in _OPTIONS if n not in left_out]

    def decorate(command: Command) -> Command:
        own = inspect.signature(command, eval_str=True)
        params = [p for name, p in own.parameters.items() if name != "shared"]
        params += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=_OPTIONS[n][1],
                              annotation=_OPTIONS[n][0])
            for n in names
        ]  # fmt: skip

        @functools.wraps(command)
        def with_shared(*args: Any, **values: Any) -> Any:
            shared = SharedOptions(**{n: values.pop(n) for n in names})
            shared.gate  # noqa: B018 — a bad --fail-on stops here, before any work
            return command(*args, **values, shared=shared)

        with_shared.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
        return with_shared  # type: ignore[return-value]

    return decorate
