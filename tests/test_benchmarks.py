"""CI smoke test of ``benchmarks/run.py --quick``: it runs, and its Mesa reference agrees.

Timings are never asserted (they belong to docs/performance.md); what is asserted is that the
three models run end to end and that the comparison is like for like.
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
    for row in ("| econsim |", "| floor kernel (numpy) |", "| Mesa reference |"):
        assert row in done.stdout
    assert "- 20,000 users: a replication alone" in done.stdout  # start-up vs shared cache
    res = json.loads((tmp_path / "quick.json").read_text(encoding="utf-8"))
    # Mesa and econsim simulate the same model: totals within Monte Carlo error.
    for key in ("issued", "consumed", "outstanding"):
        assert abs(res["agreement"][key]["z"]) < 4, (key, res["agreement"][key])
    assert res["econsim"]["agent_days"] > 100_000 * 365
    assert res["econsim"]["bytes_per_user"] > 0
