"""The advisor's files: a study's best design as a scenario file, its tables, charts and
report; a sensitivity analysis's tables, charts and report.

    optimize:     best.yaml, pareto/trial-N.yaml (two or more objectives), trials.csv,
                  top.csv, summary.json, charts/pareto.*, charts/history.*, report.html
    sensitivity:  tornado.csv, sobol.csv | morris.csv, summary.json, charts/*, report.html
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from econsim.advisor.optimisation import Optimisation, Trial
from econsim.advisor.sensitivity import Sensitivity
from econsim.atomic import write_text
from econsim.report.advisor_charts import optimisation_charts, sensitivity_charts
from econsim.report.charts import write_charts
from econsim.report.csvfile import write_csv
from econsim.report.exports import json_text
from econsim.report.html import STYLE, figures_html
from econsim.report.html_table import table
from econsim.report.wording import classes, short_path
from econsim.scenario.load import dump_scenario, dump_tree, load_tree, loads_scenario, parse_yaml
from econsim.scenario.overrides import apply_overrides

BEST = "best.yaml"
MONEY = {"cost", "liability", "cost_per_active_user"}


def design_text(
    o: Optimisation, trial: Trial, scenario_file: Path | str | None, overrides: Sequence[str]
) -> str:
    """The scenario file (comments kept) with the trial's design: what ``econsim run`` checks.

    The user's ``--set`` overrides are applied too, so the file runs what the study judged;
    its name and description say where it came from.
    """
    if scenario_file is not None:
        tree = load_tree(scenario_file)
        source = Path(scenario_file).name
        apply_overrides(tree, [*overrides, *o.design(trial)])
    else:  # a Scenario object: the user's overrides are already in it
        tree = parse_yaml(dump_scenario(o.scenario), "<scenario>")
        source = f"the scenario '{o.name}'"
        apply_overrides(tree, o.design(trial))
    objectives = ", ".join(
        f"{obj.name} {figure_text(obj.figure, v)}"
        for obj, v in zip(o.objectives, trial.objectives, strict=True)
    )
    tree["name"] = f"{o.name} — optimised (trial {trial.number})"
    tree["description"] = (
        f"Found by econsim optimize from {source}: passes every {classes(o.fail_on)} verdict "
        f"with {o.confidence:.0%} confidence over {o.replications} replications; {objectives}."
    )
    text = dump_tree(tree)
    loads_scenario(text, BEST)  # a design the advisor writes must validate
    changed = "".join(f"#   {line}\n" for line in o.design(trial))
    kept = "".join(f"#   {line}\n" for line in overrides)
    return (
        f"# Found by `econsim optimize` from {source}: trial {trial.number} of "
        f"{len(o.trials)}, passing every {classes(o.fail_on)} verdict with "
        f"{o.confidence:.0%} confidence over {o.replications} replications.\n"
        f"# The design, changed from the original:\n{changed}"
        + (f"# With the study's --set overrides:\n{kept}" if kept else "")
        + f"# Check it: econsim run {BEST} -o runs/best\n"
    ) + text


def figure_text(figure: str, value: float) -> str:
    """A figure as people read it: money with separators, shares as percentages."""
    if not math.isfinite(value):
        return "n/a"
    if figure in MONEY or figure in ("issued",):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:.1%}"


def _rows(o: Optimisation, trials: Sequence[Trial]) -> tuple[list[str], list[list[Any]]]:
    summary = o.summary()
    by_number = {row["trial"]: row for row in summary["rows"]}
    header = list(summary["rows"][0]) if summary["rows"] else ["trial"]
    return header, [[by_number[t.number][h] for h in header] for t in trials]


def write_optimisation(
    o: Optimisation,
    folder: Path,
    scenario_file: Path | str | None = None,
    overrides: Sequence[str] | None = None,
) -> list[Path]:
    """best.yaml (and the front's designs), trials.csv, top.csv, summary.json, charts and
    report.html into the study's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    user = list(overrides if overrides is not None else o.overrides)
    written: list[Path] = []
    summary = folder / "summary.json"
    write_text(summary, json_text(o.summary()))
    written.append(summary)
    header, rows = _rows(o, o.trials)
    written.append(write_csv(folder / "trials.csv", header, rows))
    header, rows = _rows(o, o.top(10))
    written.append(write_csv(folder / "top.csv", header, rows))
    best = o.best()
    if best is not None:
        path = folder / BEST
        write_text(path, design_text(o, best, scenario_file, user))
        written.append(path)
        if len(o.objectives) > 1:
            for t in o.front():
                path = folder / "pareto" / f"trial-{t.number}.yaml"
                write_text(path, design_text(o, t, scenario_file, user))
                written.append(path)
    charts = optimisation_charts(o)
    written += write_charts(charts, folder)
    report = folder / "report.html"
    write_text(report, render_optimisation(o, figures_html(charts)))
    written.append(report)
    return written


def trial_cells(o: Optimisation, t: Trial) -> list[str]:
    cells = [str(t.number), *(escape(f"{v:,g}") for v in t.values)]
    cells += [
        figure_text(obj.figure, v) for obj, v in zip(o.objectives, t.objectives, strict=False)
    ]
    cells += [
        figure_text(f, t.mean(f))
        for f in ("consumption_rate", "consumer_share", "budget_used", "supply_growth")
    ]
    ok = "<span class='pass'>✓</span>" if t.feasible else "<span class='fail'>✗</span>"
    return [*cells, ok]


def render_optimisation(o: Optimisation, charts: str) -> str:
    best = o.best()
    headers = [
        "trial",
        *(short_path(p) for p in o.box.names),
        *(x.name for x in o.objectives),
        "consumption rate",
        "consumer share",
        "budget used",
        "supply growth",
        "passes",
    ]
    top = o.front() if len(o.objectives) > 1 else o.top(10)
    cons = "".join(
        f"<li>{escape(c.name)}: the {'lower' if c.at_least else 'upper'} end of the "
        f"{o.confidence:.0%} interval of {escape(c.figure.replace('_', ' '))} "
        f"{'≥' if c.at_least else '≤'} {figure_text(c.figure, c.threshold)}</li>"
        for c in o.constraints
    )
    box = "".join(f"<li><code>{escape(d.describe())}</code></li>" for d in o.box.dimensions)
    if best is None:
        found = (
            "<p class='fail'>No design in the box passes every gating verdict with the stated "
            "confidence. Widen the ranges, vary other fields (docs/advisor.md lists the usual "
            "knobs), or run more trials.</p>"
        )
    else:
        found = (
            f"<p>Best: trial {best.number} — "
            + ", ".join(f"<code>{escape(x)}</code>" for x in o.design(best))
            + f". Written as <code>{BEST}</code>; check it with "
            f"<code>econsim run {BEST} -o runs/best</code>.</p>"
        )
    title = "Pareto front" if len(o.objectives) > 1 else "Top designs"
    refused = sum(t.refused for t in o.trials)
    refused_note = f"; {refused} refused by the scenario's rules" if refused else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(o.name)} — econsim optimize</title><style>{STYLE}</style></head>
<body>
<h1>Optimisation of {escape(o.name)}</h1>
<p class="sub">{len(o.trials)} trial(s) ({o.sampler.upper()} sampler, seed {o.seed}), each
{o.replications} replications on common random numbers; {len(o.feasible())} pass every
gating verdict ({escape(classes(o.fail_on))}){refused_note}.</p>
{found}
<h2>The box</h2><ul>{box}</ul>
<h2>Constraints (the gating verdicts, with confidence)</h2><ul>{cons}</ul>
<h2>{title}</h2>
{table(headers, [trial_cells(o, t) for t in top]) if top else "<p>None passes.</p>"}
<h2>Charts</h2>
{charts}
<h2>Every trial</h2>
{table(headers, [trial_cells(o, t) for t in o.trials])}
<p class="sub">Made by econsim. The study is in study.db (Optuna SQLite storage);
see docs/advisor.md.</p>
</body></html>
"""


#: What a sensitivity analysis writes into its folder (the indices' CSV is named by method).
SENSITIVITY_FILES = ("summary.json", "tornado.csv", "sobol.csv", "morris.csv", "charts",
                     "report.html")  # fmt: skip


def write_sensitivity(s: Sensitivity, folder: Path) -> list[Path]:
    """tornado.csv, the global indices' CSV, summary.json, charts and report.html."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = folder / "summary.json"
    write_text(summary, json_text(s.summary()))
    written.append(summary)
    bars = s.summary()["tornado"]
    written.append(
        write_csv(folder / "tornado.csv", list(bars[0]), [list(b.values()) for b in bars])
    )
    if s.indices:
        rows = s.summary()["indices"]
        header = _index_header(s.method)
        written.append(
            write_csv(
                folder / f"{s.method}.csv",
                list(header.values()),
                [[r[k] for k in header] for r in rows],
            )
        )
    charts = sensitivity_charts(s)
    written += write_charts(charts, folder)
    report = folder / "report.html"
    write_text(report, render_sensitivity(s, figures_html(charts)))
    written.append(report)
    return written


def _index_header(method: str) -> dict[str, str]:
    if method == "sobol":
        return {
            "path": "path",
            "figure": "figure",
            "first": "S1",
            "first_conf": "S1_conf",
            "total": "ST",
            "total_conf": "ST_conf",
        }
    return {
        "path": "path",
        "figure": "figure",
        "first": "mu",
        "total": "mu_star",
        "total_conf": "mu_star_conf",
        "spread": "sigma",
    }


def ranked(s: Sensitivity, figure: str) -> str:
    """ "free_coffee.points_price 0.41, cup_upgrade.points_price 0.12, …" — or that nothing
    in the box moves the figure."""
    if not s.moved(figure):
        return "nothing in the box moves it"
    scores = s.scores(figure)
    return ", ".join(
        f"{short_path(p)} {_score(figure, scores[p], s.measure)}" for p in s.ranking(figure)
    )


def _score(figure: str, value: float, measure: str) -> str:
    """A Sobol index as a fraction (a share of the variance); a Morris μ* or a tornado
    swing in the figure's own unit — percentage points for a share, so it reads beside the
    figure's percentage."""
    if not math.isfinite(value):
        return "n/a"
    if measure == "ST":
        return f"{value:.2f}"
    if figure in MONEY | {"issued"}:
        return f"{value:,.0f}"
    return f"{value * 100:.1f} pp"


def render_sensitivity(s: Sensitivity, charts: str) -> str:
    ranking = [
        [
            escape(f.replace("_", " ")),
            figure_text(f, s.baseline[f]),
            f"<span class='advice'>{escape(ranked(s, f))}</span>",
        ]
        for f in s.figures
    ]
    measure = {"sobol": "total Sobol index ST", "morris": "Morris μ*", "tornado": "tornado swing"}[
        s.method
    ]
    box = "".join(f"<li><code>{escape(d.describe())}</code></li>" for d in s.box.dimensions)
    # an index whose interval is wider than most of the range says little: say so
    wide = s.method == "sobol" and any(i.total_conf > 0.2 for i in s.indices)
    wide_note = (
        "<p>Some intervals are wider than 0.2: the ranking may change with another seed; "
        "raise <code>--samples</code> (N) for sharper indices.</p>"
        if wide
        else ""
    )
    tornado = "the tornado (each field alone at each end of its range)"
    method = {
        "sobol": f"{tornado} and Sobol indices (SALib, N = {s.samples}, first-order and "
        "total, 95% bootstrap intervals)",
        "morris": f"{tornado} and Morris elementary effects (SALib, {s.samples} trajectories, "
        "95% bootstrap intervals on μ*)",
        "tornado": tornado,
    }[s.method]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(s.name)} — econsim sensitivity</title><style>{STYLE}</style></head>
<body>
<h1>Sensitivity of {escape(s.name)}</h1>
<p class="sub">{s.designs} designs × {s.replications} replications on common random
numbers (seed {s.seed}): {escape(method)}.</p>
<h2>The box</h2><ul>{box}</ul>
<h2>Which knobs matter (ranked by {escape(measure)})</h2>
{table(["figure", "as designed", f"fields, most influential first ({s.measure})"], ranking)}
{wide_note}
<h2>Charts</h2>
{charts}
<p class="sub">Made by econsim; see docs/advisor.md for how to read the indices.</p>
</body></html>
"""
