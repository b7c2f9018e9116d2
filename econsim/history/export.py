"""What ``econsim fit`` and ``econsim segment`` write, each file atomically.

fit:      the scenario YAML (the design file with its comments, a fitted population and the
          log's first day as start date) and, beside it, ``<name>.fit/``: estimates.csv,
          users.csv (tier, repeat purchases, P(alive)), one goodness-of-fit chart per
          fitted amount distribution, and cautions.txt when the fit has any.
segment:  segments.csv (one row per user), segments.json (counts and shares) and the chart.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from econsim.atomic import write_bytes, write_text
from econsim.history.fit import Fit
from econsim.history.rfm import ORDER, RFM
from econsim.scenario.load import dump_tree, load_tree, loads_scenario


def plain(x: Any) -> Any:
    """Numpy scalars and nested containers as plain Python values (for YAML and JSON)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def fitted_yaml(design_file: Path | str, fit: Fit) -> str:
    """The design file's YAML with the fitted population; validated before it is returned."""
    tree = load_tree(design_file)
    tree["start_date"] = fit.start
    tree["population"] = plain(fit.population)
    text = dump_tree(tree)
    loads_scenario(text, f"fitted scenario from {design_file}")
    return text


def _csv(rows: list[list[Any]], header: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_fit(design_file: Path | str, fit: Fit, output: Path) -> list[Path]:
    """The fitted scenario at ``output`` and its evidence in ``<output stem>.fit/``."""
    from econsim.report.charts import figure_bytes
    from econsim.report.history_charts import plot_amount_fit

    written = [output]
    write_text(output, fitted_yaml(design_file, fit))
    folder = output.parent / f"{output.stem}.fit"
    est = folder / "estimates.csv"
    rows = [[e.name, e.value, e.se, e.n] for e in fit.estimates]
    write_text(est, _csv(rows, ["estimate", "value", "standard_error", "n"]))
    users = folder / "users.csv"
    s = fit.summary
    tiers = fit.tier_names
    write_text(
        users,
        _csv(
            [
                [u, tiers[t], int(x), int(tx), int(big_t), round(float(p), 6)]
                for u, t, x, tx, big_t, p in zip(
                    fit.users, fit.user_tier, s.x, s.t_x, s.T, fit.p_alive, strict=True
                )
            ],
            [
                "user_id",
                "tier",
                "repeat_purchases",
                "last_purchase_day",
                "days_observed",
                "p_alive",
            ],
        ),
    )
    written += [est, users]
    cautions = folder / "cautions.txt"
    if fit.cautions:
        write_text(cautions, "".join(f"{c}\n" for c in fit.cautions))
        written.append(cautions)
    else:
        cautions.unlink(missing_ok=True)  # from an earlier fit (--force) that had some
    for a in fit.amounts:
        path = folder / f"amounts-{a.tier}-{a.behaviour}.png"
        write_bytes(path, figure_bytes(plot_amount_fit(a), "png"))
        written.append(path)
    return written


def write_segments(rfm: RFM, folder: Path) -> list[Path]:
    """segments.csv, segments.json and charts/segments.png|svg into ``folder``."""
    from econsim.report.charts import write_charts
    from econsim.report.history_charts import plot_segments

    folder.mkdir(parents=True, exist_ok=True)
    per_user = folder / "segments.csv"
    rows = [
        [u, int(r), int(f), round(float(m), 2), bool(rh), bool(fh), bool(mh), c]
        for u, r, f, m, rh, fh, mh, c in zip(
            rfm.users, rfm.recency, rfm.frequency, rfm.monetary, rfm.r_high, rfm.f_high,
            rfm.m_high, rfm.classes, strict=True,
        )
    ]  # fmt: skip
    header = ["user_id", "recency_days", "frequency", "monetary", "r_high", "f_high", "m_high",
              "segment"]  # fmt: skip
    write_text(per_user, _csv(rows, header))
    counts = rfm.counts()
    total = max(sum(counts.values()), 1)
    summary = folder / "segments.json"
    data = {
        "users": total,
        "segments": [{"segment": k, "users": counts[k], "share": counts[k] / total} for k in ORDER],
    }
    write_text(summary, json.dumps(data, indent=2) + "\n")
    written = [per_user, summary]
    return written + write_charts({"segments": plot_segments(rfm)}, folder)
