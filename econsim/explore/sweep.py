"""``econsim.sweep``: run a design over a grid of parameter values, on common seeds.

Every point runs with the same root seed, so the replications of two points see the same
random draws wherever their designs allow (common random numbers): differences between
points come from the design, not from noise. Points stream to disk as they finish.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from econsim.engine.guards import check_parallel_memory
from econsim.explore.grid import Parameter, Point, check_not_rescaled, grid, point_scenarios
from econsim.explore.points import STATS, PointTask, daily_columns, index_row, run_point
from econsim.explore.store import TABLE_FORMAT, fingerprint, open_folder, read_table, write_table
from econsim.metrics.figures import NAMES
from econsim.options import RunKeywords, RunOptions
from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Sweep:
    """A finished (or resumed) sweep: one index row per point, in grid order."""

    name: str
    parameters: tuple[Parameter, ...]
    rows: tuple[dict[str, Any], ...]
    thresholds: dict[str, float]  # figure → the value it must reach (budget_used: stay under)
    currency: str
    paired: bool = False
    output: Path | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.parameters)

    def column(self, name: str) -> list[Any]:
        """One index column over the points, in grid order."""
        return [row[name] for row in self.rows]

    def good(self) -> list[dict[str, Any]]:
        """The points that are healthy and within budget."""
        return [row for row in self.rows if row["healthy"] and row["within_budget"]]

    def summary(self) -> dict[str, Any]:
        """The grid, the good points and every index row (plain values)."""
        return {
            "scenario": self.name,
            "parameters": {p.path: list(p.values) for p in self.parameters},
            "paired": self.paired,
            "points": len(self.rows),
            "good": [row["point"] for row in self.good()],
            "rows": [dict(row) for row in self.rows],
        }

    def to_df(self) -> pd.DataFrame:
        """The index as a data frame, one row per point (needs pandas)."""
        return pandas().DataFrame(list(self.rows))

    def _repr_html_(self) -> str:
        rows = [
            [row["point"], *(row[p] for p in self.paths), row["healthy"], row["within_budget"]]
            for row in self.rows
        ]
        head = ["point", *self.paths, "healthy", "within budget"]
        title = f"Sweep of {self.name}: {len(self.good())} of {len(self.rows)} point(s) good"
        return html_table(title, [head, *rows])


def _columns(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    return {key: [row[key] for row in rows] for key in rows[0]}


def _index_path(folder: Path) -> Path:
    return folder / f"index.{TABLE_FORMAT}"


def _point_path(folder: Path, index: int) -> Path:
    return folder / "points" / f"p{index:05d}.{TABLE_FORMAT}"


def _finished(
    folder: Path, parameters: Sequence[Parameter], points: Sequence[Point]
) -> dict[int, dict[str, Any]]:
    """Index rows of the points a previous run finished (point file and index row on disk)."""
    path = _index_path(folder)
    if not path.exists():
        return {}
    table = read_table(path)
    rows: dict[int, dict[str, Any]] = {}
    for i, point_id in enumerate(table["point"]):
        idx = int(point_id)
        if idx >= len(points) or not _point_path(folder, idx).exists():
            continue
        row: dict[str, Any] = {"point": idx}
        row |= dict(zip((p.path for p in parameters), points[idx].values, strict=True))
        row["replications"] = int(table["replications"][i])
        for flag in ("healthy", "within_budget"):
            cell = table[flag][i]
            row[flag] = cell if isinstance(cell, bool) else cell == "True"
        for name in NAMES:
            for stat in STATS:
                cell = table[f"{name}_{stat}"][i]
                row[f"{name}_{stat}"] = float("nan") if cell in ("", None) else float(cell)
        rows[idx] = row
    return rows


def sweep(
    scenario: Scenario | Path | str,
    parameters: Sequence[Parameter | str],
    *,
    paired: bool = False,
    output: Path | str | None = None,
    resume: bool = False,
    force: bool = False,
    **options: Unpack[RunKeywords],
) -> Sweep:
    """Run every grid point of ``parameters`` (``"PATH=800:1600:5"`` or :class:`Parameter`).

    With ``output``, each point's daily series and the index are written as points finish,
    and ``resume=True`` skips the points already there; ``econsim.report.write(sweep,
    output)`` then adds the charts and report.html. Points run on ``executor``, by
    default local processes on every core.
    The options mean what they mean for every call (:mod:`econsim.options`);
    ``progress(done, total)`` counts points.
    """
    opts = RunOptions(**options)
    params = tuple(p if isinstance(p, Parameter) else Parameter.parse(p) for p in parameters)
    points = grid(params, paired)
    base = opts.scenario(scenario)
    check_not_rescaled(params, points, base)
    scenarios = point_scenarios(scenario, params, points, opts.overrides)
    seed, reps = opts.seed_for(base), opts.replications_for(base)
    runner = opts.runner()
    check_parallel_memory(scenarios, runner, reps)  # before anything is written
    folder = Path(output) if output is not None else None
    done: dict[int, dict[str, Any]] = {}
    if folder is not None:
        manifest = _manifest(base, params, paired, seed, reps, len(points))
        open_folder(folder, manifest, resume, force)
        if resume:
            done = _finished(folder, params, points)
    tasks = [
        PointTask(p.index, s, seed, reps)
        for p, s in zip(points, scenarios, strict=True)
        if p.index not in done
    ]
    opts.report(len(done), len(points))
    for _, point in runner.map(run_point, tasks):
        row = index_row(point, tuple(p.path for p in params), points[point.index].values, reps)
        done[point.index] = row
        if folder is not None:
            write_table(_point_path(folder, point.index), daily_columns(point))
            write_table(_index_path(folder), _columns([done[i] for i in sorted(done)]))
        opts.report(len(done), len(points))
    rows = tuple(done[i] for i in sorted(done))
    return Sweep(base.name, params, rows, _thresholds(base), base.currency, paired, folder)


def _thresholds(base: Scenario) -> dict[str, float]:
    """The value each judged figure must reach (budget_used: stay under)."""
    health = base.health
    return {
        "consumption_rate": health.consumption_threshold,
        "consumption_rate_30d": health.consumption_threshold,
        "consumer_share": health.consumer_share_threshold,
        "budget_used": 1.0,
    }


def _manifest(
    base: Scenario, params: Sequence[Parameter], paired: bool, seed: int, reps: int, size: int
) -> dict[str, Any]:
    described: dict[str, Any] = {
        "scenario": base.model_dump(mode="json"),
        "parameters": {p.path: list(p.values) for p in params},
        "paired": paired,
        "seed": seed,
        "replications": reps,
    }
    return {
        "fingerprint": fingerprint(described),
        "name": base.name,
        "points": size,
        **{k: v for k, v in described.items() if k != "scenario"},
    }


def figure_grid(s: Sweep, name: str, stat: str = "mean") -> np.ndarray:
    """A figure's statistic shaped like the grid: ``[len(values of parameter 0), ...]``.

    Only for full-product sweeps; missing points (an unfinished sweep) are NaN.
    """
    shape = tuple(len(p.values) for p in s.parameters)
    out = np.full(math.prod(shape), np.nan)
    for row in s.rows:
        out[row["point"]] = row[f"{name}_{stat}"]
    return out.reshape(shape)
