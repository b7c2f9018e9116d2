"""``econsim.sensitivity``: which knobs of a design move its key figures, and how much.

Three methods, one shape (SALib's ``sample`` then ``analyze``, on the unit box of the varied
fields, so every field's effect is "across its whole declared range"):

- **tornado** (always): each field at its low and its high end, every other field as
  designed — 2·d + 1 designs; read as "what if only this changed";
- **morris**: elementary effects along r random one-at-a-time paths (SALib), a cheap screen
  that ranks by μ* with bootstrap intervals — r·(d + 1) designs;
- **sobol**: Saltelli–Sobol first-order and total indices with bootstrap confidence
  intervals (SALib) — N·(d + 2) designs; the share of each figure's variance over the box
  that a field explains alone (S1) and with its interactions (ST).

Every design runs with replications on the same seed (common random numbers), and its
figure is the mean over replications. The designs are ``--set`` texts applied to the base
scenario by the same code as ``econsim run --set`` (advisor/trials.py); the tests put an
analytic function with known indices at the end of that path to prove the plumbing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Unpack

import numpy as np
from numpy.typing import NDArray

from econsim.advisor.requires import library
from econsim.advisor.trials import Design, FiguresOf, Simulate, check_box_memory, evaluate
from econsim.errors import Problem, ScenarioError
from econsim.options import RunKeywords, RunOptions
from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Scenario
from econsim.scenario.space import MAX_DESIGNS, Box, parse_box

if TYPE_CHECKING:
    import pandas as pd

Method = Literal["sobol", "morris", "tornado"]
METHODS: tuple[Method, ...] = ("sobol", "morris", "tornado")
#: The key figures analysed (the issue's "consumption rate, consumer share, cost, liability,
#: issued points").
FIGURES = ("consumption_rate", "consumer_share", "cost", "liability", "issued")
#: Bootstrap resamples behind every interval, and the intervals' confidence.
RESAMPLES = 200
CONF_LEVEL = 0.95
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Bar:
    """One field's tornado bar for one figure: the figure at the field's two ends."""

    path: str
    figure: str
    low: float  # the field's low end
    high: float
    at_low: float  # the figure with the field at its low end, all else as designed
    at_high: float

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)


@dataclass(frozen=True)
class Index:
    """One field's global index for one figure.

    Sobol: ``first`` is S1 and ``total`` ST (shares of variance). Morris: ``first`` is μ
    (signed mean effect) and ``total`` μ* (mean absolute effect, the ranking measure),
    ``spread`` σ (interactions or non-linearity); the intervals are μ*'s.
    """

    path: str
    figure: str
    first: float
    first_conf: float
    total: float
    total_conf: float
    spread: float = math.nan


@dataclass(frozen=True)
class Sensitivity:
    """How each varied field moves each key figure."""

    name: str
    box: Box
    method: Method
    figures: tuple[str, ...]
    samples: int  # Sobol's N or Morris' trajectories (0 for the tornado alone)
    seed: int
    replications: int
    designs: int  # designs simulated, tornado included
    baseline: dict[str, float]  # every figure as designed
    bars: tuple[Bar, ...]
    indices: tuple[Index, ...] = ()
    overrides: tuple[str, ...] = ()

    @property
    def measure(self) -> str:
        """What ranks the fields: "ST" (Sobol), "μ*" (Morris) or "swing" (tornado)."""
        return {"sobol": "ST", "morris": "μ*", "tornado": "swing"}[self.method]

    def scores(self, figure: str) -> dict[str, float]:
        """Each field's ranking measure for ``figure``: ST, μ* or the tornado swing."""
        if self.indices:
            return {i.path: i.total for i in self.indices if i.figure == figure}
        return {b.path: b.swing for b in self.bars if b.figure == figure}

    def ranking(self, figure: str) -> list[str]:
        """The fields, most influential first: by ST (Sobol), μ* (Morris) or swing."""
        score = self.scores(figure)
        return sorted(self.box.names, key=lambda p: -_finite(score.get(p, math.nan)))

    def moved(self, figure: str) -> bool:
        """Whether any field in the box moves ``figure`` at all (e.g. catalog prices never
        move the points issued)."""
        return any(_finite(v) > 0 for v in self.scores(figure).values()) or any(
            b.swing > 0 for b in self.bars if b.figure == figure
        )

    def summary(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "method": self.method,
            "box": [d.describe() for d in self.box.dimensions],
            "samples": self.samples,
            "designs": self.designs,
            "seed": self.seed,
            "replications": self.replications,
            "baseline": self.baseline,
            "measure": self.measure,
            "ranking": {f: self.ranking(f) if self.moved(f) else [] for f in self.figures},
            "scores": {f: self.scores(f) for f in self.figures},
            "tornado": [_plain(b) | {"swing": b.swing} for b in self.bars],
            "indices": [_plain(i) for i in self.indices],
        }

    def to_df(self) -> pd.DataFrame:
        """The global indices (or the tornado bars for ``method='tornado'``), one row each."""
        rows = [_plain(i) for i in self.indices] or [_plain(b) for b in self.bars]
        return pandas().DataFrame(rows)

    def _repr_html_(self) -> str:
        rows: list[list[object]] = [["figure", "fields, most influential first"]]
        rows += [[f, ", ".join(self.ranking(f))] for f in self.figures]
        return html_table(f"Sensitivity of {self.name} ({self.method})", rows)


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -math.inf


def _plain(item: Bar | Index) -> dict[str, Any]:
    return dict(vars(item))


def sensitivity(
    scenario: Scenario | Path | str,
    vary: Sequence[str],
    *,
    method: Method = "sobol",
    samples: int | None = None,
    figures: Sequence[str] = FIGURES,
    model: FiguresOf | None = None,
    **options: Unpack[RunKeywords],
) -> Sensitivity:
    """The tornado of the ``vary`` box (``"PATH=LOW:HIGH[:int][:log]"``), and with
    ``method='sobol'`` or ``'morris'`` SALib's global indices of every figure.

    ``samples`` is Sobol's base sample N (default 64: N·(d+2) designs) or the number of
    Morris trajectories (default 10: r·(d+1) designs). ``progress(done, total)`` counts
    designs; ``model`` replaces the simulation by a function of the design's scenario.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    opts = RunOptions(**options)
    base = opts.scenario(scenario)
    box = parse_box(base, vary)
    seed_, reps = opts.seed_for(base), opts.replications_for(base)
    n = samples if samples is not None else {"sobol": 64, "morris": 10, "tornado": 0}[method]
    if method != "tornado" and n < 2:
        raise ValueError(f"samples must be at least 2 for {method}, not {n}")
    designs = {"sobol": n * (len(box) + 2), "morris": n * (len(box) + 1), "tornado": 0}[method]
    if designs > MAX_DESIGNS:  # before SALib allocates the sample (2^40 rows: 16 TiB)
        fields = f"{len(box)} field{'s' if len(box) != 1 else ''}"
        raise ScenarioError([Problem(
            "--samples", 0, 0, "", f"{n:,} samples of {fields} are {designs:,} designs, "
            f"each a whole simulation; the most one analysis runs is {MAX_DESIGNS:,}",
            "use fewer samples (Sobol's indices settle by a few hundred)",
        )])  # fmt: skip
    check_box_memory(base, box, opts.runner(), reps)
    if method != "tornado":
        library("SALib", f"econsim sensitivity --method {method}")
    tornado = _tornado_designs(box)
    problem = box.salib_problem()
    global_x = _sample(method, problem, n, seed_)
    points = [*tornado, *(tuple(box.overrides(box.from_unit(u))) for u in global_x)]
    y = _evaluate(base, points, model or Simulate(seed_, reps), tuple(figures), opts)
    baseline = {f: float(y[f][0]) for f in figures}
    bars = tuple(
        Bar(d.path, f, float(d.low), float(d.high), float(y[f][1 + 2 * k]), float(y[f][2 + 2 * k]))
        for f in figures
        for k, d in enumerate(box.dimensions)
    )
    indices: tuple[Index, ...] = ()
    if global_x.size:
        start = len(tornado)
        _check_refused(points[start:], {f: y[f][start:] for f in figures})
        indices = tuple(
            index
            for f in figures
            for index in _analyze(method, problem, global_x, y[f][start:], box.names, f, seed_)
        )
    return Sensitivity(
        base.name,
        box,
        method,
        tuple(figures),
        n if global_x.size else 0,
        seed_,
        reps,
        len(points),
        baseline,
        bars,
        indices,
        tuple(opts.overrides),
    )


def _tornado_designs(box: Box) -> list[tuple[str, ...]]:
    """The design itself, then each field alone at its low and its high end (the ``--set``
    texts move only that field, so every other one keeps the scenario's value even when
    that value lies outside its declared range)."""
    rows: list[tuple[str, ...]] = [()]
    rows += [(d.override(end),) for d in box.dimensions for end in (d.low, d.high)]
    return rows


def _sample(method: Method, problem: dict[str, Any], n: int, seed: int) -> NDArray[np.float64]:
    if method == "sobol":
        from SALib.sample import sobol

        out: NDArray[np.float64] = sobol.sample(problem, n, calc_second_order=False, seed=seed)
        return out
    if method == "morris":
        from SALib.sample import morris

        trajectories: NDArray[np.float64] = morris.sample(
            problem, n, num_levels=MORRIS_LEVELS, seed=seed
        )
        return trajectories
    return np.empty((0, len(problem["names"])))


def _evaluate(
    base: Scenario,
    points: list[tuple[str, ...]],
    model: FiguresOf,
    figures: tuple[str, ...],
    opts: RunOptions,
) -> dict[str, NDArray[np.float64]]:
    """Each figure's mean over replications for every design (NaN where it is refused)."""
    designs = [Design(i, base, p, model) for i, p in enumerate(points)]
    y = {f: np.full(len(points), np.nan) for f in figures}
    opts.report(0, len(designs))
    for done, (_, outcome) in enumerate(opts.runner().map(evaluate, designs), start=1):
        for f in figures:
            if not outcome.problem:
                values = outcome.figures[f]
                finite = values[np.isfinite(values)]
                y[f][outcome.number] = finite.mean() if finite.size else np.nan
        opts.report(done, len(designs))
    return y


def _check_refused(points: list[tuple[str, ...]], y: dict[str, NDArray[np.float64]]) -> None:
    bad = np.zeros(len(points), dtype=bool)
    for values in y.values():
        bad |= ~np.isfinite(values)
    if bad.any():
        example = ", ".join(points[int(np.argmax(bad))])
        raise ScenarioError(
            [
                Problem(
                    "--vary",
                    0,
                    0,
                    "",
                    f"{int(bad.sum())} of {len(points)} designs in the box have no value for a "
                    f"figure (a design the scenario's rules refuse, or a figure undefined "
                    f"there), e.g. {example}",
                    "narrow the ranges so every design in the box is valid",
                )
            ]
        )


def _analyze(
    method: Method,
    problem: dict[str, Any],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    names: list[str],
    figure: str,
    seed: int,
) -> list[Index]:
    if float(np.var(y)) == 0.0:  # no variance to share out: nothing moves this figure
        return [Index(p, figure, 0.0, 0.0, 0.0, 0.0, 0.0) for p in names]
    if method == "sobol":
        from SALib.analyze import sobol

        s = sobol.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=seed,
        )
        return [
            Index(
                p,
                figure,
                float(s["S1"][k]),
                float(s["S1_conf"][k]),
                float(s["ST"][k]),
                float(s["ST_conf"][k]),
            )
            for k, p in enumerate(names)
        ]
    from SALib.analyze import morris

    m = morris.analyze(
        problem,
        x,
        y,
        num_resamples=RESAMPLES,
        conf_level=CONF_LEVEL,
        num_levels=MORRIS_LEVELS,
        seed=seed,
    )
    return [
        Index(
            p,
            figure,
            float(m["mu"][k]),
            math.nan,
            float(m["mu_star"][k]),
            float(m["mu_star_conf"][k]),
            float(m["sigma"][k]),
        )
        for k, p in enumerate(names)
    ]
