"""``econsim.optimize``: search a box of designs for one that passes and is best on an objective.

Optuna proposes designs (TPE by default, NSGA-II on request, both constraint-aware); each is
simulated with replications on the study's seed — common random numbers, so two designs
differ by their design, not by their luck — and judged as ``econsim run`` judges it. A
gating verdict becomes a constraint met only with stated confidence: the lower end of the
confidence interval of the mean consumer share over replications must reach 40%, not one
lucky replication.

With ``output``, the study lives in ``DIR/study.db`` (Optuna's SQLite storage): every trial's
design, figures and constraints are written the moment it ends, so ``resume=True`` continues
a killed study; a trial that was running when the study died is run again under its own
number (same design), so no trial is lost or counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from econsim.advisor.objectives import (
    DEFAULT_OBJECTIVE,
    OBJECTIVES,
    Constraint,
    Objective,
    constraints,
    interval,
)
from econsim.advisor.optimisation import SAMPLERS, SHOWN, Optimisation, Sampler, Trial
from econsim.advisor.requires import library
from econsim.advisor.study import open_study
from econsim.advisor.trials import (
    Design,
    FiguresOf,
    Outcome,
    Simulate,
    check_box_memory,
    evaluate,
)
from econsim.engine.executors import LocalExecutor, default_workers, kept_alive
from econsim.errors import Problem, ScenarioError
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind
from econsim.options import RunKeywords, RunOptions
from econsim.scenario.schema import Scenario
from econsim.scenario.space import MAX_DESIGNS, Box, parse_box

if TYPE_CHECKING:
    import optuna

#: Designs asked of the sampler at a time (more when more workers would stand idle).
BATCH = 4
#: The confidence with which a constraint must be met over replications.
CONFIDENCE = 0.9


def parse_objectives(names: Sequence[str]) -> tuple[Objective, ...]:
    """The named objectives (default: lowest cost per active user); a located error otherwise."""
    names = list(names) or [DEFAULT_OBJECTIVE]
    known = ", ".join(OBJECTIVES)
    problems = [
        Problem(
            f"--objective {n}", 0, 0, "", f"unknown objective '{n}'", f"the objectives: {known}"
        )
        for n in names
        if n not in OBJECTIVES
    ]
    problems += [
        Problem(f"--objective {n}", 0, 0, "", "this objective is named twice", "name it once")
        for n in sorted({n for n in names if names.count(n) > 1})
    ]
    if problems:
        raise ScenarioError(problems)
    return tuple(OBJECTIVES[n] for n in names)


def optimize(
    scenario: Scenario | Path | str,
    vary: Sequence[str],
    *,
    objectives: Sequence[str] = (),
    trials: int = 100,
    fail_on: frozenset[VerdictKind] | None = None,
    confidence: float = CONFIDENCE,
    sampler: Sampler = "tpe",
    output: Path | str | None = None,
    resume: bool = False,
    force: bool = False,
    model: FiguresOf | None = None,
    **options: Unpack[RunKeywords],
) -> Optimisation:
    """Search the ``vary`` box (``"PATH=LOW:HIGH[:int][:log]"``) for designs that pass every
    gating verdict with ``confidence`` over replications and are best on ``objectives``.

    ``fail_on`` are the gating classes (default: health, budget and inflation — a design the
    advisor recommends should not inflate either). Two or more objectives give a Pareto
    front. With ``output`` the study is stored in ``DIR/study.db`` and ``resume=True``
    continues it; ``econsim.report.write(result, DIR)`` then writes best.yaml, the tables,
    charts and report.html. Trials run ``workers`` at a time on local processes or on
    ``executor`` (e.g. Dask); ``progress(done, total)`` counts trials. ``model`` replaces the
    simulation by a function of the design's scenario (tests use it).
    """
    _check_arguments(trials, confidence, sampler)
    opts = RunOptions(**options)
    base = opts.scenario(scenario)
    box = parse_box(base, vary)
    objs = parse_objectives(objectives)
    seed_, reps = opts.seed_for(base), opts.replications_for(base)
    if reps < 2 and model is None:
        raise ScenarioError([Problem(
            "--replications", 0, 0, "", "a study needs at least 2 replications per design to "
            "judge its constraints with confidence", "e.g. --replications 2",
        )])  # fmt: skip
    gating: frozenset[VerdictKind] = (
        frozenset(fail_on) if fail_on is not None else DEFAULT_FAIL_ON | {"inflation"}
    )
    h = base.health
    cons = constraints(
        h.consumption_threshold, h.consumer_share_threshold, h.issuance_tolerance, gating
    )
    settings = {
        "scenario": base.model_dump(mode="json"),
        "box": [d.describe() for d in box.dimensions],
        "objectives": [o.name for o in objs],
        "gating_classes": sorted(gating),
        "confidence": confidence,
        "sampler": sampler,
        "seed": seed_,
        "replications": reps,
    }
    folder = Path(output) if output is not None else None
    check_box_memory(base, box, opts.runner(), reps)
    library("optuna", "econsim optimize")
    study = open_study(folder, settings, resume, force, objs, partial(_sampler, sampler, seed_))
    run_model = model or Simulate(seed_, reps)
    search = _Search(study, base, box, objs, cons, confidence, run_model, opts)
    resumed = search.finished()
    search.run(trials)
    return Optimisation(
        base,
        box,
        objs,
        cons,
        gating,
        confidence,
        seed_,
        reps,
        sampler,
        tuple(search.results()),
        tuple(opts.overrides),
        folder,
        resumed,
    )


def _check_arguments(trials: int, confidence: float, sampler: str) -> None:
    """A study that can run and finish: trials, confidence and sampler in range."""
    if trials < 1:
        raise ValueError(f"trials must be at least 1, not {trials}")
    if trials > MAX_DESIGNS:  # a study that cannot finish: each trial is a whole simulation
        raise ScenarioError([Problem(
            "--trials", 0, 0, "", f"{trials:,} trials, each a whole simulation, cannot "
            f"finish; the most one study runs is {MAX_DESIGNS:,}",
            "a few hundred trials find a design; a killed study resumes (--resume)",
        )])  # fmt: skip
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, not {sampler!r}")


def _sampler(name: Sampler, seed: int, held: int) -> optuna.samplers.BaseSampler:
    """Both samplers read each trial's constraints (``Trial.set_constraint``) themselves.

    Seeded by the study's seed and the trials it already holds, so a resumed study draws
    new designs and a study resumed at the same point draws the same ones.
    """
    import optuna

    if held:
        seed = int(np.random.SeedSequence([seed, held]).generate_state(1)[0])
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


@dataclass
class _Search:
    """The ask–run–tell loop over one study."""

    study: optuna.Study
    base: Scenario
    box: Box
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    confidence: float
    model: FiguresOf
    opts: RunOptions

    def finished(self) -> int:
        from optuna.trial import TrialState

        return len(
            self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL))
        )

    def run(self, total: int) -> None:
        """Rerun trials a killed study left running, then ask new ones up to ``total``.

        Trials run in batches of :data:`BATCH` (or one per worker when there are more
        workers), told in trial order once the batch is done, so the same study asks the
        same designs on any machine with up to BATCH cores.
        """
        from optuna.trial import Trial as OptunaTrial
        from optuna.trial import TrialState

        runner = self.opts.runner()
        workers = runner.workers if isinstance(runner, LocalExecutor) else 2 * default_workers()
        batch = max(BATCH, workers)
        # a trial RUNNING in the storage belongs to a study that died: this process is the
        # study's only writer, so it runs that design again under the same number — and a
        # study killed while asking left it without some of its fields: they are asked now
        pending = [
            self._suggest(OptunaTrial(self.study, t._trial_id))
            for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        ]
        done = self.finished()
        self.opts.report(done, max(total, done + len(pending)))
        with kept_alive(runner) as pool:
            while pending or done < total:
                room = max(0, min(batch - len(pending), total - done - len(pending)))
                pending += [self._ask() for _ in range(room)]
                if not pending:
                    break
                outcomes = {
                    o.number: o for _, o in pool.map(evaluate, [self._design(t) for t in pending])
                }
                for t in sorted(pending, key=lambda t: t.number):
                    self._tell(t, outcomes[t.number])
                    done += 1
                    self.opts.report(done, max(total, done))
                pending = []

    def _ask(self) -> optuna.trial.Trial:
        return self._suggest(self.study.ask())

    def _suggest(self, trial: optuna.trial.Trial) -> optuna.trial.Trial:
        """The trial's value of each field of the box: the one it holds, else a new one."""
        for d in self.box.dimensions:
            log = d.scale == "log"
            if d.integer:
                trial.suggest_int(d.path, int(d.low), int(d.high), log=log)
            else:
                trial.suggest_float(d.path, d.low, d.high, log=log)
        return trial

    def _values(self, params: dict[str, Any]) -> list[float]:
        return [params[d.path] for d in self.box.dimensions]

    def _design(self, trial: optuna.trial.Trial) -> Design:
        values = self._values(trial.params)
        return Design(trial.number, self.base, tuple(self.box.overrides(values)), self.model)

    def _tell(self, trial: optuna.trial.Trial, outcome: Outcome) -> None:
        from optuna.trial import TrialState

        if outcome.problem:
            trial.set_user_attr("problem", outcome.problem)
            self.study.tell(trial, state=TrialState.FAIL)
            return
        figures = {k: _plain(v) for k, v in outcome.figures.items() if k in _kept(self)}
        objectives = [_mean(outcome.figures[o.figure]) for o in self.objectives]
        slacks = [c.slack(outcome.figures[c.figure], self.confidence) for c in self.constraints]
        trial.set_user_attr("figures", figures)
        trial.set_user_attr("slacks", slacks)
        for c, slack in zip(self.constraints, slacks, strict=True):
            trial.set_constraint(c.name, slack)
        if not all(math.isfinite(v) for v in objectives):
            trial.set_user_attr(
                "problem",
                "an objective is undefined for this design "
                "(no active members, no budget or no points)",
            )
            self.study.tell(trial, state=TrialState.FAIL)
            return
        self.study.tell(trial, objectives)

    def results(self) -> list[Trial]:
        """Every finished trial, read back from the storage (a resumed study's too)."""
        from optuna.trial import TrialState

        out = []
        states = (TrialState.COMPLETE, TrialState.FAIL)
        for t in self.study.get_trials(deepcopy=False, states=states):
            figures = {
                k: tuple(math.nan if x is None else float(x) for x in v)
                for k, v in t.user_attrs.get("figures", {}).items()
            }
            problem = str(t.user_attrs.get("problem", ""))
            if t.state == TrialState.FAIL and not problem:
                problem = "the trial failed"
            out.append(
                Trial(
                    number=t.number,
                    values=tuple(self._values(t.params)),
                    objectives=tuple(t.values or ()) if not problem else (),
                    slacks=tuple(float(s) for s in t.user_attrs.get("slacks", [])),
                    figures=figures,
                    problem=problem,
                )
            )
        return sorted(out, key=lambda t: t.number)


def _kept(search: _Search) -> set[str]:
    return {*SHOWN, *(o.figure for o in search.objectives), *(c.figure for c in search.constraints)}


def _plain(values: Any) -> list[float | None]:
    """Per-replication values as JSON (NaN as null: the storage writes strict JSON)."""
    return [float(x) if math.isfinite(x) else None for x in np.asarray(values, dtype=float)]


def _mean(values: Any) -> float:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


__all__ = ["CONFIDENCE", "Optimisation", "Trial", "interval", "optimize", "parse_objectives"]
