"""How close each estimate of the ultimate redemption rate (URR) comes to the truth, by the
months of books it is given.

    python benchmarks/breakage.py              # 3 seeds a programme
    python benchmarks/breakage.py --seeds 1    # a quick look

Programmes, 2,000 members each and none joining later, simulated long enough for the first
months' points to have run their course:

- **no expiry**: the record store (BG/NBD buyers, `scenarios/record-store.yaml`), 8 years;
- **12-month expiry**: the coffee chain (`coffee-healthy.yaml`, rolling 12 months), 4 years;
- **year-end expiry**: the e-commerce programme (`e-commerce.yaml`, 31 December of the next
  year), 4 years.

The truth: the points of the first ``n`` months' cohorts redeemed by the end of the long run,
over the points issued in them (exact once they have expired; with no expiry, what eight
years show — a hair under the ultimate). Each estimator is given the triangle of the first
``n`` months only (n = 6, 12, 24), as `econsim run` or `econsim monitor` would be after that
long: the chain-ladder (Cape Cod), the two redemption curves, the one the memo chooses,
and the simulation's own breakage of those months (the recent redemption hazard run
forward, ``metrics.breakage``).

Prints the Markdown table of docs/guide-finance.md — each estimator's mean error in points
of URR, and in how many runs its 95% interval covered the truth — and writes
benchmarks/results/breakage.json (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"
#: name → (scenario file, years simulated)
PROGRAMMES = {
    "no expiry": ("record-store.yaml", 8),
    "12-month expiry": ("coffee-healthy.yaml", 4),
    "year-end expiry": ("e-commerce.yaml", 4),
}
MONTHS = (6, 12, 24)
METHODS = ("chosen", "chain-ladder (Cape Cod)", "exponential curve", "power curve",
           "simulation")  # fmt: skip


def simulate(file: str, years: int, seed: int) -> Any:
    """One long replication of the programme at 2,000 members, nobody joining later."""
    import econsim

    return econsim.run(
        SCENARIOS / file,
        overrides=["population.users=2000", f"horizon_days={round(365.25 * years)}",
                   "population.acquisition_per_day=0"],
        replications=1, seed=seed, workers=1,
    )  # fmt: skip


def the_simulations_own(run: Any, months: int) -> float:
    """The URR the run's own breakage gives from its first ``months`` months."""
    from econsim.metrics.breakage import breakage
    from econsim.reserving.triangle import month_keys
    from econsim.results import Results

    r = run.results
    days = int(np.searchsorted(month_keys(r.scenario.start_date, r.days), months))
    short = Results(r.scenario, r.seed, r.labels, {k: v[:, :days] for k, v in r.arrays.items()})
    return 1.0 - breakage(short, np.ones(1)).value


def estimates(run: Any, months: int) -> tuple[float, dict[str, tuple[float, float, float]]]:
    """The truth for the first ``months`` cohorts, and each method's (URR, low, high)."""
    from econsim.reserving import estimate_urr

    full = run.metrics.breakage_memo.triangle
    truth = float(full.redeemed[:months, -1].sum() / full.issued[:months].sum())
    e = estimate_urr(full.upto(months))
    out = {c.method: (c.urr, *c.interval) for c in e.candidates}
    out["chosen"] = (e.urr, *e.interval)
    nan = float("nan")
    out["simulation"] = (the_simulations_own(run, months), nan, nan)
    return truth, out


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: a row per programme and months of books; per estimator its mean error
    (estimate − truth) in points of URR, and in how many runs its 95% interval covered the
    truth."""
    grouped: dict[tuple[str, int, str], list[tuple[float, bool]]] = defaultdict(list)
    for row in rows:
        for method, (urr, low, high) in row["estimates"].items():
            covered = bool(low <= row["truth"] <= high)
            grouped[row["programme"], row["months"], method].append((urr - row["truth"], covered))
    shown = [m for m in METHODS if m != "chosen"]  # the chosen is the chain-ladder here
    lines = [
        "| programme | months of books | " + " | ".join(shown) + " |",
        "|---|---|" + "---|" * len(shown),
    ]
    for programme in PROGRAMMES:
        for months in MONTHS:
            cells = []
            for method in shown:
                found = grouped[programme, months, method]
                error = np.nanmean([m for m, _ in found]) * 100
                covers = (
                    ""
                    if method == "simulation"
                    else (f" ({sum(c for _, c in found)}/{len(found)})")
                )
                cells.append(f"{error:+.1f} pp{covers}")
            lines.append(f"| {programme} | {months} | " + " | ".join(cells) + " |")
    chosen = all(
        np.allclose([m for m, _ in grouped[k]], [m for m, _ in grouped[k[0], k[1], METHODS[1]]])
        for k in grouped
        if k[2] == "chosen"
    )
    note = "the chain-ladder was the one chosen every time" if chosen else "the chosen varied"
    return "\n".join(lines) + f"\n\n({note})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="replications a programme")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    for programme, (file, years) in PROGRAMMES.items():
        for seed in range(1, args.seeds + 1):
            run = simulate(file, years, seed)
            for months in MONTHS:
                truth, found = estimates(run, months)
                rows.append({"programme": programme, "seed": seed, "months": months,
                             "truth": truth, "estimates": found})  # fmt: skip
                print(f"{programme}, seed {seed}, {months} months: truth {truth:.4f}, "
                      f"chosen {found['chosen'][0]:.4f}", flush=True)  # fmt: skip
    print()
    print(table(rows))
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(f"\n{len(rows)} estimates in {time.perf_counter() - began:.0f} s on {machine}")
    out = HERE / "results" / "breakage.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
