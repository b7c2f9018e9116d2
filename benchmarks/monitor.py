"""Time `econsim monitor` on a live log of about ten million events, as CSV and as Parquet.

    python benchmarks/monitor.py                 # coffee at 45,000 members for a year
    python benchmarks/monitor.py --users 5000    # a smaller log

The target (issue 18): a log of 10 million events is read and judged in under a minute on
this 2-core machine. Two figures per format: reading and judging alone (the log read and
checked, the actual books rebuilt, every verdict computed; in one process, timed around the
calls) and the whole command as a user runs it (`econsim monitor --periods 0`, which also
simulates the plan's band). Prints Markdown rows for docs/performance.md and writes
benchmarks/results/monitor.json (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "coffee-healthy.yaml"


def judge(log: Path, overrides: list[str]) -> dict[str, float]:
    """Seconds to read the log, rebuild the books and compute the verdicts."""
    from econsim.calibration import calibrate
    from econsim.engine.model import compile_model
    from econsim.metrics import evaluate
    from econsim.monitor.actual_books import actual_results
    from econsim.monitor.log import read_live_log
    from econsim.pipeline import simulated_scenario
    from econsim.scenario.variants import with_overrides

    scenario = with_overrides(SCENARIO, overrides)
    plan = simulated_scenario(scenario, calibrate(scenario))
    t0 = time.perf_counter()
    live = read_live_log(log, compile_model(plan))
    t1 = time.perf_counter()
    on_log = plan.model_copy(update={"horizon_days": live.days})
    results = actual_results(live, compile_model(on_log))
    t2 = time.perf_counter()
    evaluate(results)
    t3 = time.perf_counter()
    return {"rows": live.rows_read, "read": t1 - t0, "books": t2 - t1, "verdicts": t3 - t2,
            "total": t3 - t0}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=45_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    overrides = [f"population.users={args.users}", f"horizon_days={args.days}"]
    sets = [a for o in overrides for a in ("--set", o)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "parquet"):
            log = Path(tmp) / f"live.{fmt}"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "econsim", "record", str(SCENARIO), *sets,
                            "-o", str(log)], check=True, capture_output=True)  # fmt: skip
            made = time.perf_counter() - t
            timing = judge(log, overrides)
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "econsim", "monitor", str(log), "--design", str(SCENARIO),
                 *sets, "--periods", "0", "--replications", "5", "-o", str(Path(tmp) / fmt)],
                capture_output=True, text=True,
            )  # fmt: skip
            command = time.perf_counter() - t
            if done.returncode not in (0, 3):
                raise SystemExit(done.stderr)
            rows.append({"format": fmt, "size_mb": log.stat().st_size / 2**20,
                         "record_s": made, **timing, "command_s": command})  # fmt: skip
    info = {"cores": os.cpu_count(), "python": platform.python_version(), "rows": rows,
            "users": args.users, "days": args.days}  # fmt: skip
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "monitor.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"{os.cpu_count()} cores, coffee-healthy at {args.users:,} members × {args.days} days")
    print("| format | rows | file | read | books | verdicts | read and judged | whole command |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['format']} | {r['rows']:,} | {r['size_mb']:,.0f} MB | {r['read']:.1f} s | "
              f"{r['books']:.1f} s | {r['verdicts']:.1f} s | **{r['total']:.1f} s** | "
              f"{r['command_s']:.1f} s |")  # fmt: skip


if __name__ == "__main__":
    main()
