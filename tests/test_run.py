"""``econsim run`` and ``econsim.run``: verdicts, files, the report, the CI gate."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from econsim.atomic import atomic_open, write_text
from econsim.errors import OutputExistsError
from econsim.pipeline import run
from econsim.report import write
from econsim.scenario import load_scenario
from tests.conftest import ROOT, small

HEALTHY = ROOT / "scenarios" / "coffee-healthy.yaml"
UNHEALTHY = ROOT / "scenarios" / "coffee-too-expensive.yaml"
SMALL = ("--set", "population.users=3000", "--set", "population.acquisition_per_day=3")


def test_healthy_design_passes_and_expensive_catalog_fails_with_advice() -> None:
    good = run(small(HEALTHY, 4000), replications=2, workers=1)
    bad = run(small(UNHEALTHY, 4000), replications=2, workers=1)
    assert good.healthy, good.summary()["verdicts"]
    assert not bad.healthy
    share = next(v for v in bad.metrics.verdicts if v.name == "consumer share")
    assert not share.passed
    assert "add cheaper items" in share.advice
    # the two designs differ only in prices: cheaper items reach more of the holders
    assert share.value < next(v.value for v in good.metrics.verdicts if v.name == share.name)


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.sources.append(values.get("src") or "")
        for key in ("href", "src"):
            if values.get(key) and tag != "img":
                self.links.append(values[key] or "")


def test_cli_run_writes_every_output(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    done = run_cli("run", HEALTHY, "-o", out, "--replications", "2", *SMALL)
    assert done.returncode == 0, done.stderr
    assert "overall: healthy" in done.stdout and "✓ │ consumption rate" in done.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["healthy"] is True and summary["replications"] == 2
    raw = (out / "daily.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "daily.csv needs a BOM for Excel"
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:4] == ["replication", "day", "date", "users"]
    assert len(rows) == 1 + 2 * load_scenario(HEALTHY).horizon_days
    for name in (
        "health",
        "issuance",
        "daily_flow",
        "activity",
        "retention",
        "inflation",
        "budget_burn",
        "liability",
        "balances",
        "aging",
        "sources",
        "consumption",
    ):
        for fmt in ("png", "svg"):
            assert (out / "charts" / f"{name}.{fmt}").stat().st_size > 1000
    html = (out / "report.html").read_text(encoding="utf-8")
    parser = Images()
    parser.feed(html)
    assert len(parser.sources) == 12
    assert all(src.startswith("data:image/png;base64,") for src in parser.sources)
    assert parser.links == [], "the report must not need the network"
    assert not re.search(r"https?://", html.replace("http://www.w3.org", ""))
    # the health verdicts pass; at this size points may still inflate (a warning)
    assert summary["status"] in ("healthy", "healthy_with_warnings")
    assert f'class="badge {summary["status"]}"' in html and "Coffee chain" in html


def test_no_charts_writes_the_same_books_and_a_report_without_pictures(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    args = ("--replications", "1", "--seed", "7", "--workers", "1", *SMALL)
    drawn = run_cli("run", HEALTHY, "-o", tmp_path / "drawn", *args)
    bare = run_cli("run", HEALTHY, "-o", tmp_path / "bare", "--no-charts", *args)
    assert (drawn.returncode, bare.returncode) == (0, 0), bare.stderr
    assert "(no charts: --no-charts)" in bare.stdout
    assert not (tmp_path / "bare" / "charts").exists()
    for name in ("summary.json", "daily.csv"):
        assert (tmp_path / "bare" / name).read_bytes() == (tmp_path / "drawn" / name).read_bytes()
    report = (tmp_path / "bare" / "report.html").read_text(encoding="utf-8")
    assert "<img" not in report and "written with <code>--no-charts</code>" in report
    assert "<img" in (tmp_path / "drawn" / "report.html").read_text(encoding="utf-8")
    # everything but the pictures: the same verdict lines in the terminal
    assert drawn.stdout.splitlines()[1:] == bare.stdout.splitlines()[1:]


def test_fail_on_unhealthy_exit_codes(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = run_cli(
        "run",
        UNHEALTHY,
        "-o",
        tmp_path / "bad",
        "--replications",
        "1",
        "--fail-on-unhealthy",
        "--no-charts",
        *SMALL,
    )
    assert bad.returncode == 3, bad.stderr
    assert "overall: unhealthy" in bad.stdout
    assert (tmp_path / "bad" / "report.html").exists(), "outputs are written before the gate"
    good = run_cli(
        "run",
        HEALTHY,
        "-o",
        tmp_path / "good",
        "--replications",
        "1",
        "--fail-on-unhealthy",
        "--no-charts",
        *SMALL,
    )
    assert good.returncode == 0, good.stderr


def test_existing_output_needs_force(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    out.mkdir()
    refused = run_cli("run", HEALTHY, "-o", out, "--replications", "1", "--no-charts", *SMALL)
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = run_cli(
        "run", HEALTHY, "-o", out, "--replications", "1", "--force", "--no-charts", *SMALL
    )
    assert forced.returncode == 0, forced.stderr
    (out / "keep.txt").write_text("mine", encoding="utf-8")  # the user's own note, then…
    again = run_cli(
        "run", HEALTHY, "-o", out, "--replications", "1", "--force", "--no-charts", *SMALL
    )
    assert again.returncode == 2 and "did not write (keep.txt)" in " ".join(again.stderr.split())
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"  # … never replaced


def test_api_write_refuses_existing_folder(tmp_path: Path) -> None:
    result = run(small(HEALTHY, 500), replications=1, workers=1)
    with pytest.raises(OutputExistsError, match="--force"):
        write(result, tmp_path)
    written = write(result, tmp_path / "new")
    assert {p.name for p in written} >= {"summary.json", "daily.csv", "report.html"}
    assert "consumption rate" in result._repr_html_()


def test_interrupted_write_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_text(target, "previous")
    with pytest.raises(KeyboardInterrupt), atomic_open(target) as fh:
        fh.write("half of the new con")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"], "no temp file left behind"
    assert oct(target.stat().st_mode & 0o777) != "0o600"
