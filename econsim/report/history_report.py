"""What ``econsim fit`` and ``econsim segment`` write, each file atomically.

fit:      the scenario YAML (the design file with its comments, a fitted population and the
          log's first day as start date) and, beside it, ``<name>.fit/``: estimates.csv,
          users.csv (tier, repeat purchases, P(alive)), one goodness-of-fit chart per
          fitted amount distribution, and cautions.txt when the fit has any.
segment:  segments.csv (one row per user), segments.json (counts and shares) and the chart.
"""

from __future__ import annotations

from pathlib import Path

from econsim.atomic import write_bytes, write_text
from econsim.history.fit import Fit
from econsim.history.fitted_yaml import fitted_yaml
from econsim.history.rfm import RFM
from econsim.report.charts import figure_bytes, write_charts
from econsim.report.csvfile import write_csv
from econsim.report.exports import json_text
from econsim.report.history_charts import plot_amount_fit, plot_segments

USER_COLUMNS = (
    "user_id", "tier", "repeat_purchases", "last_purchase_day", "days_observed", "p_alive",
)  # fmt: skip
SEGMENT_COLUMNS = (
    "user_id", "recency_days", "frequency", "monetary", "r_high", "f_high", "m_high", "segment",
)  # fmt: skip


def write_fit(fit: Fit, output: Path, design: Path | str) -> list[Path]:
    """The fitted scenario at ``output`` (from ``design``) and its evidence in
    ``<output stem>.fit/``."""
    write_text(output, fitted_yaml(design, fit))
    folder = output.parent / f"{output.stem}.fit"
    rows = [[e.name, e.value, e.se, e.n] for e in fit.estimates]
    est = write_csv(folder / "estimates.csv", ["estimate", "value", "standard_error", "n"], rows)
    s, tiers = fit.buying, fit.tier_names
    users = [
        [u, tiers[t], int(x), int(tx), int(big_t), round(float(p), 6)]
        for u, t, x, tx, big_t, p in zip(
            fit.users, fit.user_tier, s.x, s.t_x, s.T, fit.p_alive, strict=True
        )
    ]
    written = [output, est, write_csv(folder / "users.csv", USER_COLUMNS, users)]
    cautions = folder / "cautions.txt"
    if fit.cautions:
        write_text(cautions, "".join(f"{c}\n" for c in fit.cautions))
        written.append(cautions)
    else:
        cautions.unlink(missing_ok=True)  # from an earlier fit (force) that had some
    for a in fit.amounts:
        path = folder / f"amounts-{a.tier}-{a.behaviour}.png"
        write_bytes(path, figure_bytes(plot_amount_fit(a), "png"))
        written.append(path)
    return written


#: What a segmentation writes into its folder.
SEGMENT_FILES = ("segments.csv", "segments.json", "charts")


def write_segments(rfm: RFM, folder: Path) -> list[Path]:
    """segments.csv, segments.json and charts/segments.png|svg into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        [u, int(r), int(f), round(float(m), 2), bool(rh), bool(fh), bool(mh), c]
        for u, r, f, m, rh, fh, mh, c in zip(
            rfm.users, rfm.recency, rfm.frequency, rfm.monetary, rfm.r_high, rfm.f_high,
            rfm.m_high, rfm.classes, strict=True,
        )
    ]  # fmt: skip
    per_user = write_csv(folder / "segments.csv", SEGMENT_COLUMNS, rows)
    summary = folder / "segments.json"
    write_text(summary, json_text(rfm.summary()))
    return [per_user, summary, *write_charts({"segments": plot_segments(rfm)}, folder)]
