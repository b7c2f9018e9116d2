"""CI smoke test of ``benchmarks/run.py --quick``: it runs, and its Mesa reference agrees.

Timings are never asserted (they belong to docs/performance.md); what is asserted is that the
models — the engine, its floor kernel and Mesa — run end to end
and that the comparison is like for like.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmark_runs_and_mesa_agrees(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    paths = ["compiled"]
    rows = ["| Mesa reference |", "| econsim (compiled) |",
            "| floor kernel (compiled, the engine's generator) |"]  # fmt: skip
    for row in [*rows, "- warm-cache start:"]:
        assert row in done.stdout
    assert "- 20,000 users (compiled path): a replication alone" in done.stdout
    assert "- coffee-healthy as bundled (20,000 members, 365 days, 4 replications" in done.stdout
    res = json.loads((tmp_path / "quick.json").read_text(encoding="utf-8"))
    assert res["engines"] == paths
    for path in paths:
        # Mesa and the engine simulate the same model: totals within Monte Carlo error.
        for key in ("issued", "consumed", "outstanding"):
            z = res["agreement"][path][key]
            assert abs(z["z"]) < 4, (path, key, z)
        assert res["econsim"][path]["engine"] == path
        assert res["econsim"][path]["agent_days"] > 20_000 * 365  # --quick: 20,000 members
        assert res["econsim"][path]["bytes_per_user"] > 0
        assert res["floor"][path]["agent_days"] == 20_000 * 365
    small = res["small_run"]  # 20,000 members x 365 days x 4 replications, one round
    assert small["agent_days"] == 20_000 * 365 * 4 and len(small["seconds"]) == 1
