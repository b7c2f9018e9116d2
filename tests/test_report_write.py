"""One protocol for every result (summary, to_df, notebook view) and one way to write them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import econsim
from econsim.errors import EconsimError, OutputError, OutputExistsError
from econsim.history.event_writer import write_events
from econsim.history.events import read_events
from econsim.history.rfm import rfm_classes
from econsim.protocol import Result
from econsim.report import write
from econsim.report.csvfile import write_csv
from tests.conftest import ROOT, small

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"
EXPENSIVE = ROOT / "scenarios" / "coffee-too-expensive.yaml"
TINY = ("population.users=300", "population.acquisition_per_day=0.3", "horizon_days=60")
FLAT = ("population.users=800", "population.acquisition_per_day=0", "horizon_days=120",
        "population.lifecycle.enabled=false")  # fmt: skip


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Any:
    s = econsim.load_scenario(COFFEE, FLAT)
    path = tmp_path_factory.mktemp("log") / "events.csv"
    write_events(path, econsim.simulate_events(s, seed=3))
    return s, read_events(path, list(s.design.behaviours))


def _run() -> Any:
    return econsim.run(small(COFFEE, 300), replications=2)


def _fit(log: Any) -> Any:
    return econsim.fit_history(log[1], log[0])


#: Each result type: how to make a small one, and what its summary, table and view must hold.
CASES: dict[str, tuple[Callable[[Any], Any], str, Callable[[Any, Any], bool], str]] = {
    "Run": (lambda _: _run(), "verdicts", lambda r, df: len(df) == 2 * r.results.days
            and "consumption_rate" in df.columns, "Coffee chain"),
    "Results": (lambda _: _run().results, "issued", lambda r, df: len(df) == 2 * r.days
                and any(c.startswith("issued|") for c in df.columns), "Coffee chain"),
    "Calibration": (lambda _: _run().calibration, "conversion_coefficient",
                    lambda c, df: list(df.index) == [b.name for b in c.behaviours]
                    and "points_after" in df.columns, "Calibration of Coffee chain"),
    "Comparison": (lambda _: econsim.compare([COFFEE, EXPENSIVE], overrides=TINY,
                                             replications=2, workers=1),
                   "differences", lambda c, df: "consumption_rate" in df.index, "vs"),
    "Sweep": (lambda _: econsim.sweep(COFFEE, ["design.catalog.cup_upgrade.points_price=100,900"],
                                      overrides=TINY, replications=1, workers=1),
              "good", lambda s, df: len(df) == 2 and "consumption_rate_mean" in df.columns,
              "Sweep of Coffee chain"),
    "Fit": (_fit, "estimates", lambda f, df: len(df) == len(f.estimates)
            and "standard_error" in df.columns, "Fit of"),
    "RFM": (lambda log: rfm_classes(log[1], log[1].days - 1), "segments",
            lambda r, df: len(df) == len(r.users) and "segment" in df.columns, "RFM segments"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(CASES))
def test_every_result_has_summary_table_and_view(kind: str, event_log: Any) -> None:
    make, key, table_ok, title = CASES[kind]
    result = make(event_log)
    assert type(result).__name__ == kind
    assert isinstance(result, Result)
    summary = result.summary()
    assert key in summary
    json.dumps(summary, default=str)  # plain values
    assert table_ok(result, result.to_df())
    assert title in result._repr_html_()


def test_write_refuses_an_existing_output_with_one_error(tmp_path: Path) -> None:
    assert econsim.report.write is write  # reachable from a plain `import econsim`
    run = econsim.run(small(COFFEE, 300), replications=1)
    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputExistsError, match="--force") as caught:
        write(run, tmp_path / "taken")
    assert isinstance(caught.value, EconsimError)  # the CLI prints it and exits 2
    # one file where a folder is: --force would not help, so the error says so (issue 22)
    with pytest.raises(OutputError, match="is a folder") as wrong:
        write(run.results, tmp_path / "taken", force=True)
    assert isinstance(wrong.value, EconsimError)
    assert list((tmp_path / "taken").iterdir()) == []
    written = write(run, tmp_path / "taken", force=True)
    assert {p.name for p in written} >= {"summary.json", "daily.csv", "report.html"}
    with pytest.raises(TypeError, match="cannot write a str"):
        write("not a result", tmp_path / "other")


def test_a_sweep_report_goes_into_its_own_streamed_folder(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    s = econsim.sweep(COFFEE, ["design.catalog.cup_upgrade.points_price=100,900"],
                      overrides=TINY, replications=1, workers=1, output=folder)  # fmt: skip
    assert not (folder / "report.html").exists(), "the sweep itself writes no report"
    written = write(s, folder)
    assert folder / "report.html" in written
    assert "Sweep of" in (folder / "report.html").read_text(encoding="utf-8")
    with pytest.raises(OutputExistsError):  # any other existing folder is still refused
        write(s, tmp_path)


def test_csv_helper_writes_a_bom_and_crlf(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["name", "value"], [["café", 1.5], ["thé", ""]])
    assert path.read_bytes() == "\ufeffname,value\r\ncafé,1.5\r\nthé,\r\n".encode()


def test_nothing_below_report_imports_it() -> None:
    # results are data; report/ imports them, never the other way (not even lazily)
    import ast

    package = ROOT / "econsim"
    upward = []
    for path in package.rglob("*.py"):
        rel = path.relative_to(package)
        if rel.parts[0] == "report" or rel.parts[0].startswith("cli"):  # the CLI sits above
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            upward += [f"{rel}: {n}" for n in names if n.split(".")[:2] == ["econsim", "report"]]
    assert upward == []
