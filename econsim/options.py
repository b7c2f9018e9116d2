"""The options every long-running call shares, with one meaning everywhere.

``econsim.run``, ``econsim.sweep`` and ``econsim.compare`` take the same keywords, with the
same defaults, and hand them to :class:`RunOptions`, the one place that interprets them:

- ``overrides``: ``PATH=VALUE`` texts (as ``--set``), applied to a scenario file *and* to a
  Scenario object;
- ``seed``, ``replications``: the root seed and the number of replications (default: the
  scenario's);
- ``workers``: local processes (default ``None``: every core); the numbers never depend on
  it, because every replication carries its own seed;
- ``executor``: where the work runs instead (e.g. :class:`~econsim.DaskExecutor`); give
  ``workers`` or ``executor``, not both;
- ``progress``: called as ``progress(done, total)``, first with ``done=0``, in the unit each
  function documents (replication-days, sweep points, designs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from econsim.engine.executors import Executor, executor_for
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides

#: ``progress(done, total)``: units finished so far and units in all.
Progress = Callable[[int, int], None]


class SimulationKeywords(TypedDict, total=False):
    """What is simulated, how often and where: the shared options but ``progress``."""

    overrides: Sequence[str]
    seed: int | None
    replications: int | None
    workers: int | None
    executor: Executor | None


class RunKeywords(SimulationKeywords, total=False):
    """The shared options as the keywords of ``run``, ``sweep``, ``compare``, ``optimize``
    and ``sensitivity`` (``**options``), each handed whole to :class:`RunOptions`."""

    progress: Progress | None


@dataclass(frozen=True)
class RunOptions:
    """The shared options of a call, checked once."""

    overrides: Sequence[str] = ()
    seed: int | None = None
    replications: int | None = None
    workers: int | None = None
    executor: Executor | None = None
    progress: Progress | None = None

    def __post_init__(self) -> None:
        # one text is one override, not a sequence of one-letter ones
        texts = (self.overrides,) if isinstance(self.overrides, str) else self.overrides
        object.__setattr__(self, "overrides", tuple(texts))
        if self.workers is not None and self.executor is not None:
            raise ValueError("give workers= (local processes) or executor=, not both")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.replications is not None and self.replications < 1:
            raise ValueError(f"replications must be at least 1, not {self.replications}")

    def scenario(self, source: Scenario | Path | str) -> Scenario:
        """The scenario (file or object) with the overrides applied and validated."""
        return with_overrides(source, self.overrides)

    def seed_for(self, scenario: Scenario) -> int:
        return scenario.seed if self.seed is None else self.seed

    def replications_for(self, scenario: Scenario) -> int:
        return scenario.replications if self.replications is None else self.replications

    def runner(self) -> Executor:
        """The executor given, else local processes (:func:`executor_for` decides how many)."""
        return self.executor or executor_for(self.workers)

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)
