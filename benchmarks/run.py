"""Benchmark econsim against a Mesa implementation of the same model and the floor kernels.

    python benchmarks/run.py                    # LOY-1M (and LOY-10M with --ten-million)
    python benchmarks/run.py --quick            # a smoke test in about a minute

The engine (its compiled kernels) is measured against the compiled floor kernel
(benchmarks/floor.py), with its scaling, contention, LOY-10M run and compile time. (Before
issue 34 retired it, the numpy reference was measured too: docs/performance.md keeps those
rows.) Prints one Markdown table (paste it
into docs/performance.md) and writes the raw numbers as JSON next to it
(benchmarks/results/, not committed). Mesa runs on a smaller population and is compared per
agent-day: its cost is linear in agents × days.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
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
#: The engine's row name (the JSON keeps the "path" keys of the reports before issue 34).
EnginePath = str
#: Row names of the engine paths.
LABEL = {"compiled": "compiled", "numpy": "numpy reference"}
#: The members of the warm-up run before an engine is timed: on the compiled path it loads
#: the kernels from numba's cache (or compiles them); on both it does the first run's lazy
#: imports and set-up, so that a timing is of the simulation alone.
WARM_UP_USERS = 1_000


def loy(users: int) -> Scenario:
    """LOY with ``users`` members (acquisition scaled with them)."""
    acquisition = 500 * users / 1_000_000
    return load_scenario(
        LOY, [f"population.users={users}", f"population.acquisition_per_day={acquisition}"]
    )


def agent_days(r: Any) -> float:
    """User-days simulated: every user present (churned ones included) on every day."""
    return float((r.total("users") + r["churned"]).sum())


def time_econsim(
    s: Scenario, replications: int = 1, workers: int = 1, engine: EnginePath = "compiled"
) -> dict[str, Any]:
    start = time.perf_counter()
    r = simulate(s, replications=replications, workers=workers)
    seconds = time.perf_counter() - start
    issued = float(r.total("issued").sum(axis=1).mean())
    consumed = float(r.total("redeemed").sum(axis=1).mean())
    return {
        "engine": engine,
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


_warm: set[str] = set()


def warm_up(path: EnginePath) -> float:
    """Seconds of a small replication on ``path`` (once a process; 0 after that)."""
    if path in _warm:
        return 0.0
    _warm.add(path)
    import numpy as np

    from econsim.engine.run import run_replication

    start = time.perf_counter()
    run_replication(loy(WARM_UP_USERS), np.random.SeedSequence(0), None)
    return time.perf_counter() - start


MEASURE = """
import json, sys
sys.path.insert(0, %r)
from benchmarks.run import loy, peak_reset, rss_bytes, time_econsim, warm_up
engine = %r
warm = warm_up(engine)
s = loy(%d)
base = rss_bytes("VmRSS")
peak_reset()
out = time_econsim(s, engine=engine)
out["warm_up_seconds"] = warm
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


def python_c(code: str, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` in a fresh interpreter; the JSON it prints (its error if it fails)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the benchmark's subprocess failed (exit status {done.returncode}):\n{done.stderr}"
        )
    return json.loads(done.stdout)


def measured_run(users: int, engine: EnginePath = "compiled") -> dict[str, Any]:
    """One LOY run on ``engine`` in a fresh process: its time (after a warm-up run) and the
    peak memory it added per user."""
    out: dict[str, Any] = python_c(MEASURE % (str(HERE.parent), engine, users))
    out["bytes_per_user"] = (out["peak_bytes"] - out["base_bytes"]) / users
    return out


START = """
import time
start = time.perf_counter()
import json, sys
sys.path.insert(0, %r)
from benchmarks.run import loy, time_econsim
s = loy(%d)
imported = time.perf_counter() - start
first = time_econsim(s, engine=%r)["seconds"]
second = time_econsim(s, engine=%r)["seconds"]
print(json.dumps({"imports": imported, "first": first, "second": second}))
"""


def start_up(engine: EnginePath, cold: bool = True, users: int = WARM_UP_USERS) -> dict[str, Any]:
    """The first-run compile time: a small LOY run (full horizon, so that every kernel is
    called) in a fresh process with ``NUMBA_CACHE_DIR`` an empty folder, minus the same with
    the cache that run filled. Each process runs the simulation twice: its first run less
    its second, plus the imports, is the start of a process (the warm-cache start).
    ``cold=False`` (``--quick``: compiling the engine takes a minute) runs only the warm
    process, with the cache the benchmark's runs before filled."""

    def run(env: dict[str, str] | None = None) -> dict[str, Any]:
        start = time.perf_counter()
        out: dict[str, Any] = python_c(START % (str(HERE.parent), users, engine, engine), env)
        out["wall"] = time.perf_counter() - start
        out["start"] = out["imports"] + out["first"] - out["second"]
        return out

    out: dict[str, Any] = {"engine": engine, "users": users, "days": loy(users).horizon_days}
    if not cold:
        out["warm"] = run()
        return out
    with tempfile.TemporaryDirectory(prefix="econsim-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out["cold"] = run(env)
        out["warm"] = run(env)
    out["compile_seconds"] = out["cold"]["wall"] - out["warm"]["wall"]
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
    paths: list[EnginePath] = ["compiled"]
    main_path = paths[0]  # the compiled path when it is measured
    users = 20_000 if args.quick else 1_000_000
    mesa_users = 1_000 if args.quick else 5_000
    res: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "engines": paths,
    }
    if "compiled" in paths:
        import numba

        res["numba"] = numba.__version__
    for path in paths:
        # fills numba's cache first, so that the measured processes load the kernels and do
        # not compile them: memory a compile frees is reused by the run and hides its peak
        warm_up(path)
    res["econsim"] = {path: measured_run(users, path) for path in paths}
    # imported here, not at the top: worker processes are spawned and re-import this
    # module, and Mesa (with pandas) would add a second to every worker's start
    from benchmarks.floor import run_floor
    from benchmarks.mesa_model import run_mesa

    res["floor"] = {path: run_floor(loy(users)) for path in paths}
    res["mesa"] = run_mesa(loy(mesa_users))
    res["econsim_small"], res["agreement"] = {}, {}
    for path in paths:
        warm_up(path)
        res["econsim_small"][path] = time_econsim(loy(mesa_users), replications=8, engine=path)
        res["agreement"][path] = agreement(res["econsim_small"][path], res["mesa"])
    res["scaling"] = scaling(20_000 if args.quick else 200_000, 1 if args.quick else 5, main_path)
    sizes = (20_000,) if args.quick else (20_000, 50_000, 200_000)
    res["contention"] = contention(sizes, main_path)
    res["small_run"] = small_run(1 if args.quick else 5)
    from econsim.engine.executors import shutdown_pools

    shutdown_pools()  # the kept workers' memory back before the runs that measure memory
    if "compiled" in paths:
        res["start_up"] = start_up("compiled", cold=not args.quick)
    model = compile_model(loy(users))
    res["state_bytes_per_user"] = bytes_per_user(model)
    res["lot_bytes_per_user"] = 4 * model.lot_count
    if args.ten_million:
        res["econsim_10m"] = measured_run(10_000_000, main_path)
    args.output.mkdir(parents=True, exist_ok=True)
    name = "quick.json" if args.quick else "loy.json"
    (args.output / name).write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(table(res, users, mesa_users))


COFFEE = HERE.parent / "scenarios" / "coffee-healthy.yaml"


def small_run(rounds: int) -> dict[str, Any]:
    """The run users wait on most (issue 34's "small runs"): coffee-healthy as bundled —
    20,000 members, 365 days, 4 replications — calibrated, simulated on every core and
    judged (``econsim.run``, no files), in a warm session (kernels loaded, the pool kept);
    the median of ``rounds``. Its fixed cost: the same with one member and one day."""
    from econsim import run, scenario_from_dict

    scenario = load_scenario(COFFEE)
    tiny = scenario.model_dump(mode="json")
    tiny.update(horizon_days=1)
    tiny["population"].update(users=1, acquisition_per_day=0)
    tiny_scenario = scenario_from_dict(tiny)
    # warm: main() has loaded the kernels and started the session's pool (scaling());
    # called alone, the first round pays for both and the median sets it aside

    def timed(s: Scenario) -> list[float]:
        out = []
        for _ in range(rounds):
            start = time.perf_counter()
            run(s, replications=4)
            out.append(time.perf_counter() - start)
        return sorted(out)

    whole, fixed = timed(scenario), timed(tiny_scenario)
    agent_days = scenario.population.users * scenario.horizon_days * 4
    return {"seconds": whole, "fixed_seconds": fixed, "agent_days": agent_days,
            "workers": os.cpu_count()}  # fmt: skip


def scaling(users: int, rounds: int, engine: EnginePath = "compiled") -> dict[str, Any]:
    """2 replications on 1 and on 2 workers, ``rounds`` times in turn: on a shared (virtual)
    machine one pair varies by tens of percent, so the median and the range are reported.

    The 2 workers are the session's kept pool (econsim.engine.executors.shared_pool), as in
    a notebook or a sweep: it is started first, outside the rounds, and its start — spawning
    the workers, their imports and, on the compiled path, loading the kernels — is measured
    apart: the first 2-worker call of a fresh session less the same call again."""
    from econsim.engine.executors import shutdown_pools

    warm_up(engine)
    shutdown_pools()  # a fresh session: no pool kept from before
    small = [time_econsim(loy(WARM_UP_USERS), 2, 2, engine)["seconds"] for _ in range(2)]
    serial, parallel = [], []
    for _ in range(rounds):
        serial.append(time_econsim(loy(users), 2, 1, engine)["seconds"])
        parallel.append(time_econsim(loy(users), 2, 2, engine)["seconds"])
    eff = sorted(s / p / 2 for s, p in zip(serial, parallel, strict=True))
    return {
        "engine": engine,
        "users": users,
        "serial_2": serial,
        "parallel_2": parallel,
        "efficiency": eff[len(eff) // 2],
        "efficiency_range": [eff[0], eff[-1]],
        "pool_start": {"users": WARM_UP_USERS, "first_call": small[0], "again": small[1]},
    }


def timed_replication(task: tuple[Scenario, Any, EnginePath]) -> float:
    """Seconds one replication takes inside whatever process runs it (after a warm-up run:
    loading the compiled kernels is the process's start, not the replication)."""
    from econsim.engine.run import run_replication

    scenario, seed, path = task
    warm_up(path)
    start = time.perf_counter()
    run_replication(scenario, seed, None)
    return time.perf_counter() - start


def contention(sizes: tuple[int, ...], engine: EnginePath = "compiled") -> list[dict[str, Any]]:
    """Per population size: a replication alone, each of two side by side (timed inside
    their workers), and the wall time of the pair — which shows the shared-cache slow-down
    and what running in workers adds apart. The pair runs in the session's kept pool (started
    by :func:`scaling`), so the wall time holds no process start: that is the pool start."""
    import numpy as np

    from econsim.engine.executors import LocalExecutor

    out = []
    for users in sizes:
        tasks = [(loy(users), c, engine) for c in np.random.SeedSequence(1).spawn(2)]
        alone = [timed_replication(task) for task in tasks]
        start = time.perf_counter()
        together = [s for _, s in LocalExecutor(2).map(timed_replication, tasks)]
        wall = time.perf_counter() - start
        out.append(
            {"engine": engine, "users": users, "alone": alone, "together": together, "wall": wall}
        )
    return out


def rate(x: dict[str, Any]) -> float:
    return x["agent_days"] / x["seconds"]


def table(res: dict[str, Any], users: int, mesa_users: int) -> str:
    e, f, m = res["econsim"], res["floor"], res["mesa"]
    paths = list(e)
    rows = [(f"econsim ({LABEL[p]})", users, e[p]) for p in paths]
    if "econsim_10m" in res:
        ten = res["econsim_10m"]
        rows.append((f"econsim ({LABEL[ten['engine']]}) LOY-10M", 10_000_000, ten))
    rows += [("floor kernel (compiled, the engine's generator)", users, f[p]) for p in paths]
    rows.append(("Mesa reference", mesa_users, m))
    numba = f", numba {res['numba']}" if "numba" in res else ""
    lines = [
        f"Machine: {res['cores']} cores, {res['cpu']}, Python {res['python']}{numba}",
        "",
        "| run | users | seconds | agent-days/s | ns per agent-day |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, n, x in rows:
        lines.append(
            f"| {name} | {n:,} | {x['seconds']:.1f} | {rate(x) / 1e6:.2f} M | {1e9 / rate(x):.0f} |"
        )
    lines.append("")
    target = {"compiled": (" (target ≥ 500×)", " (target ≤ 2×)"), "numpy": ("", "")}
    for p in paths:
        lines += [
            f"- {LABEL[p]} engine vs Mesa per agent-day: **{rate(e[p]) / rate(m):.0f}×**"
            f"{target[p][0]}",
            f"- {LABEL[p]} engine vs the floor kernel with its own generator: "
            f"**{rate(f[p]) / rate(e[p]):.2f}×** the floor's time{target[p][1]}",
        ]
    if len(paths) == 2:
        lines.append(
            f"- compiled engine vs numpy reference: "
            f"**{rate(e['compiled']) / rate(e['numpy']):.2f}×** the agent-days per second"
        )
    state = res["state_bytes_per_user"] - res["lot_bytes_per_user"]
    peaks = ", ".join(f"{LABEL[p]} {e[p]['bytes_per_user']:.0f} bytes" for p in paths)
    lines.append(
        f"- peak memory per user: {peaks} (state {state} bytes + "
        f"{res['lot_bytes_per_user']} bytes of expiry lots)"
    )
    sc = res["scaling"]
    lines.append(
        f"- 2 replications on 2 cores ({sc['users']:,} users, {LABEL[sc['engine']]} path): "
        f"{sc['efficiency']:.0%} parallel efficiency (median of {len(sc['serial_2'])}; range "
        f"{sc['efficiency_range'][0]:.0%}–{sc['efficiency_range'][1]:.0%}; the session's "
        f"kept pool)"
    )
    ps = sc["pool_start"]
    lines.append(
        f"- pool start (2 workers, once a session): {ps['first_call'] - ps['again']:.2f} s "
        f"(2 replications of {ps['users']:,} members on 2 workers: {ps['first_call']:.2f} s "
        f"in a fresh session, {ps['again']:.2f} s again)"
    )
    if "start_up" in res:
        su = res["start_up"]
        warm = su["warm"]
        small = f"LOY with {su['users']:,} members, {su['days']} days, in a fresh process"
        if "cold" in su:
            lines.append(
                f"- first-run compile time: **{su['compile_seconds']:.1f} s** ({small}: "
                f"{su['cold']['wall']:.1f} s with an empty NUMBA_CACHE_DIR, "
                f"{warm['wall']:.1f} s with the cache it filled)"
            )
        else:
            lines.append("- first-run compile time: not measured with --quick")
        lines.append(
            f"- warm-cache start: {warm['start']:.2f} s ({small}: imports "
            f"{warm['imports']:.2f} s, first run {warm['first']:.2f} s, the same run again "
            f"{warm['second']:.2f} s; {warm['wall']:.2f} s in all)"
        )
    for p in paths:
        a = res["agreement"][p]
        lines.append(
            f"- Mesa vs econsim ({LABEL[p]}, {mesa_users:,} users): "
            f"issued z = {a['issued']['z']:+.2f}, consumed z = {a['consumed']['z']:+.2f}, "
            f"outstanding z = {a['outstanding']['z']:+.2f}; consumption rate "
            f"{a['consumption_rate']['mesa']:.3f} vs {a['consumption_rate']['econsim']:.3f}"
        )
    if "small_run" in res:
        sr = res["small_run"]
        whole, fixed = sr["seconds"], sr["fixed_seconds"]  # each sorted: the median mid-way
        lines.append(
            f"- coffee-healthy as bundled (20,000 members, 365 days, 4 replications on "
            f"{sr['workers']} cores), calibrate + simulate + judge in a warm session: "
            f"**{whole[len(whole) // 2]:.2f} s** (median of {len(whole)}, {whole[0]:.2f}–"
            f"{whole[-1]:.2f} s; target ≤ 2 s); the same at one member for one day "
            f"(the fixed cost of a run): {fixed[len(fixed) // 2]:.3f} s"
        )
    for c in res["contention"]:
        lines.append(
            f"- {c['users']:,} users ({LABEL[c['engine']]} path): a replication alone "
            f"{min(c['alone']):.2f} s, each of two at once {min(c['together']):.2f}–"
            f"{max(c['together']):.2f} s, the pair's wall time {c['wall']:.2f} s"
        )
    if "econsim_10m" in res:
        ten = res["econsim_10m"]
        lines.append(
            f"- LOY-10M ({LABEL[ten['engine']]} path) peak memory: "
            f"{ten['peak_bytes'] / 2**30:.2f} GiB ({ten['bytes_per_user']:.0f} bytes per user)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
