"""Time the design advisor: `econsim optimize` as a user runs it, as one whole process.

    python benchmarks/advisor.py              # 100 trials, coffee at 20,000 members, 180 days
    python benchmarks/advisor.py --trials 20  # a shorter run

The target (issue 17): 100 trials of coffee-too-expensive at 20,000 members over 180 days,
2 replications each, within 5 minutes on a 2-core machine. Prints a Markdown row for
docs/performance.md and writes benchmarks/results/advisor.json (not committed).
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
SCENARIO = HERE.parent / "scenarios" / "coffee-too-expensive.yaml"
VARY = [
    "design.catalog.cup_upgrade.points_price=100:1000",
    "design.catalog.free_coffee.points_price=400:4000",
    "design.catalog.mug.points_price=3000:30000",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "econsim", "optimize", str(SCENARIO),
            *(a for v in VARY for a in ("--vary", v)),
            "--trials", str(args.trials), "--replications", str(args.replications),
            "--set", f"horizon_days={args.days}", "--set", f"population.users={args.users}",
            "-o", str(Path(tmp) / "study"),
        ]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 3):
            sys.exit(done.stderr)
        summary = json.loads((Path(tmp) / "study" / "summary.json").read_text(encoding="utf-8"))
    cores = len(os.sched_getaffinity(0))
    result = {
        "trials": args.trials,
        "users": args.users,
        "days": args.days,
        "replications": args.replications,
        "seconds": seconds,
        "feasible": summary["feasible"],
        "best": summary["best"],
        "cores": cores,
        "python": platform.python_version(),
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "advisor.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print("| trials | members | days | replications | cores | seconds | s per trial | pass |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.trials} | {args.users:,} | {args.days} | {args.replications} | {cores} | "
        f"{seconds:.1f} | {seconds / args.trials:.2f} | {summary['feasible']} |"
    )


if __name__ == "__main__":
    main()
