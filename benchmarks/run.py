"""Benchmark econsim against a Mesa implementation of the same model and the floor kernel.

    python benchmarks/run.py            # LOY-1M (and LOY-10M with --ten-million)
    python benchmarks/run.py --quick    # a smoke test in well under a minute

Prints one Markdown table (paste it into docs/performance.md) and writes the raw numbers as
JSON next to it (benchmarks/results/, not committed). Mesa runs on a smaller population and
is compared per agent-day: its cost is linear in agents × days.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from econsim import load_scenario, simulate  # noqa: E402
from econsim.engine.model import compile_model  # noqa: E402
from econsim.engine.state import bytes_per_user  # noqa: E402
from econsim.scenario.schema import Scenario  # noqa: E402

LOY = HERE / "loy-1m.yaml"


def loy(users: int) -> Scenario:
    """LOY with ``users`` members (acquisition scaled with them)."""
    acquisition = 500 * users / 1_000_000
    return load_scenario(
        LOY, [f"population.users={users}", f"population.acquisition_per_day={acquisition}"]
    )


def agent_days(r: Any) -> float:
    """User-days simulated: every user present (churned ones included) on every day."""
    return float((r.total("users") + r["churned"]).sum())


def time_econsim(s: Scenario, replications: int = 1, workers: int = 1) -> dict[str, Any]:
    start = time.perf_counter()
    r = simulate(s, replications=replications, workers=workers)
    seconds = time.perf_counter() - start
    issued = float(r.total("issued").sum(axis=1).mean())
    consumed = float(r.total("redeemed").sum(axis=1).mean())
    return {
        "seconds": seconds,
        "agent_days": agent_days(r),
        "issued": issued,
        "consumed": consumed,
        "expired": float(r.total("expired").sum(axis=1).mean()),
        "outstanding": float(r.total("outstanding")[:, -1].mean()),
        "per_replication": {
            "issued": r.total("issued").sum(axis=1).tolist(),
            "consumed": r.total("redeemed").sum(axis=1).tolist(),
            "outstanding": r.total("outstanding")[:, -1].tolist(),
        },
    }


MEASURE = """
import json, sys
sys.path.insert(0, %r)
from benchmarks.run import loy, peak_reset, rss_bytes, time_econsim
s = loy(%d)
base = rss_bytes("VmRSS")
peak_reset()
out = time_econsim(s)
out["base_bytes"] = base
out["peak_bytes"] = rss_bytes("VmHWM")
print(json.dumps(out))
"""


def rss_bytes(field: str) -> int:
    """Resident memory now (``VmRSS``) or at its peak (``VmHWM``), from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def peak_reset() -> None:
    """Reset the peak so it measures the run, not the imports before it (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def measured_run(users: int) -> dict[str, Any]:
    """One LOY run in a fresh process: its time and the peak memory it added per user."""
    code = MEASURE % (str(HERE.parent), users)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out: dict[str, Any] = json.loads(done.stdout)
    out["bytes_per_user"] = (out["peak_bytes"] - out["base_bytes"]) / users
    return out


def agreement(ours: dict[str, Any], mesa: dict[str, Any]) -> dict[str, Any]:
    """Mesa's totals against econsim's replications: distance in standard deviations."""
    out = {}
    for key in ("issued", "consumed", "outstanding"):
        values = ours["per_replication"][key]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
        z = (mesa[key] - mean) / (sd * math.sqrt(1 + 1 / len(values))) if sd else float("nan")
        out[key] = {"econsim": mean, "mesa": mesa[key], "z": z}
    rate = ours["consumed"] / ours["issued"], mesa["consumed"] / mesa["issued"]
    out["consumption_rate"] = {"econsim": rate[0], "mesa": rate[1]}
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--ten-million", action="store_true", help="also run LOY-10M")
    parser.add_argument("--output", type=Path, default=HERE / "results", help="folder for JSON")
    args = parser.parse_args()
    users = 100_000 if args.quick else 1_000_000
    mesa_users = 1_000 if args.quick else 5_000
    res: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
    }
    res["econsim"] = measured_run(users)
    # imported here, not at the top: worker processes are spawned and re-import this
    # module, and Mesa (with pandas) would add a second to every worker's start
    from benchmarks.floor import run_floor
    from benchmarks.mesa_model import run_mesa

    res["floor"] = run_floor(loy(users))
    res["mesa"] = run_mesa(loy(mesa_users))
    res["econsim_small"] = time_econsim(loy(mesa_users), replications=8)
    res["agreement"] = agreement(res["econsim_small"], res["mesa"])
    res["scaling"] = scaling(20_000 if args.quick else 200_000, 1 if args.quick else 5)
    res["contention"] = contention((20_000,) if args.quick else (20_000, 50_000, 200_000))
    model = compile_model(loy(users))
    res["state_bytes_per_user"] = bytes_per_user(model)
    res["lot_bytes_per_user"] = 4 * model.lot_count
    if args.ten_million:
        res["econsim_10m"] = measured_run(10_000_000)
    args.output.mkdir(parents=True, exist_ok=True)
    name = "quick.json" if args.quick else "loy.json"
    (args.output / name).write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(table(res, users, mesa_users))


def scaling(users: int, rounds: int) -> dict[str, Any]:
    """2 replications on 1 and on 2 workers, ``rounds`` times in turn: on a shared (virtual)
    machine one pair varies by tens of percent, so the median and the range are reported."""
    serial, parallel = [], []
    for _ in range(rounds):
        serial.append(time_econsim(loy(users), replications=2, workers=1)["seconds"])
        parallel.append(time_econsim(loy(users), replications=2, workers=2)["seconds"])
    eff = sorted(s / p / 2 for s, p in zip(serial, parallel, strict=True))
    return {
        "users": users,
        "serial_2": serial,
        "parallel_2": parallel,
        "efficiency": eff[len(eff) // 2],
        "efficiency_range": [eff[0], eff[-1]],
    }


def timed_replication(task: tuple[Scenario, Any]) -> float:
    """Seconds one replication takes inside whatever process runs it."""
    from econsim.engine.run import run_replication

    start = time.perf_counter()
    run_replication(*task)
    return time.perf_counter() - start


def contention(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """Per population size: a replication alone, each of two side by side (timed inside
    their workers), and the wall time of the pair — which shows start-up and shared-cache
    slow-down apart."""
    import numpy as np

    from econsim.engine.executors import LocalExecutor

    out = []
    for users in sizes:
        tasks = [(loy(users), c) for c in np.random.SeedSequence(1).spawn(2)]
        alone = [timed_replication(task) for task in tasks]
        start = time.perf_counter()
        together = [s for _, s in LocalExecutor(2).map(timed_replication, tasks)]
        wall = time.perf_counter() - start
        out.append({"users": users, "alone": alone, "together": together, "wall": wall})
    return out


def rate(x: dict[str, Any]) -> float:
    return x["agent_days"] / x["seconds"]


def table(res: dict[str, Any], users: int, mesa_users: int) -> str:
    e, f, m = res["econsim"], res["floor"], res["mesa"]
    rows = [
        ("econsim", users, e),
        ("floor kernel (numpy)", users, f),
        ("Mesa reference", mesa_users, m),
    ]
    if "econsim_10m" in res:
        rows.insert(1, ("econsim LOY-10M", 10_000_000, res["econsim_10m"]))
    lines = [
        f"Machine: {res['cores']} cores, {res['cpu']}, Python {res['python']}",
        "",
        "| run | users | seconds | agent-days/s | ns per agent-day |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, n, x in rows:
        lines.append(
            f"| {name} | {n:,} | {x['seconds']:.1f} | {rate(x) / 1e6:.2f} M | {1e9 / rate(x):.0f} |"
        )
    a = res["agreement"]
    lines += [
        "",
        f"- econsim vs Mesa per agent-day: **{rate(e) / rate(m):.0f}×**",
        f"- econsim time vs the floor kernel: **{rate(f) / rate(e):.2f}×**",
        f"- peak memory: {e['bytes_per_user']:.0f} bytes per user "
        f"(state {res['state_bytes_per_user'] - res['lot_bytes_per_user']} bytes + "
        f"{res['lot_bytes_per_user']} bytes of expiry lots)",
        f"- 2 replications on 2 cores ({res['scaling']['users']:,} users): "
        f"{res['scaling']['efficiency']:.0%} parallel efficiency (median of "
        f"{len(res['scaling']['serial_2'])}; range {res['scaling']['efficiency_range'][0]:.0%}"
        f"–{res['scaling']['efficiency_range'][1]:.0%})",
        f"- Mesa vs econsim ({mesa_users:,} users): issued z = {a['issued']['z']:+.2f}, "
        f"consumed z = {a['consumed']['z']:+.2f}, outstanding z = {a['outstanding']['z']:+.2f}; "
        f"consumption rate {a['consumption_rate']['mesa']:.3f} vs "
        f"{a['consumption_rate']['econsim']:.3f}",
    ]
    for c in res["contention"]:
        lines.append(
            f"- {c['users']:,} users: a replication alone {min(c['alone']):.2f} s, each of two "
            f"at once {min(c['together']):.2f}–{max(c['together']):.2f} s, the pair's wall "
            f"time {c['wall']:.2f} s"
        )
    if "econsim_10m" in res:
        ten = res["econsim_10m"]
        lines.append(
            f"- LOY-10M peak memory: {ten['peak_bytes'] / 2**30:.2f} GiB "
            f"({ten['bytes_per_user']:.0f} bytes per user)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
