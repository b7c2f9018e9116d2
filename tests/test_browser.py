"""Reports in a real browser: Debian's Chromium, driven by Playwright.

Each report type is opened at 1280 px: no console error, every chart loaded, nothing wider
than the window, the status shown as summary.json says, and a full-page screenshot kept as
an artefact (``browser-screenshots/`` under pytest's temporary folder, printed with -s).
Chromium comes from Debian's package (.ci/run installs it); a missing browser fails here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import ROOT, econsim_here

pytestmark = pytest.mark.slow  # a browser, and a report of every kind

SCENARIOS = ROOT / "scenarios"
WIDTH = 1280
SMALL = ("--set", "population.users=400", "--set", "population.acquisition_per_day=0",
         "--set", "horizon_days=90", "--replications", "2", "--workers", "1")  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), (
        "install Debian's chromium (.ci/run does: apt-get install chromium)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "browser-screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("reports")
    log = base / "live.csv"  # a live programme with its catalog ten times dearer from day 45
    dearer = "design.rule_changes=[{day: 45, catalog_price_multiplier: 10}]"
    done = econsim_here("record", SCENARIOS / "coffee-healthy.yaml", *SMALL[:6], "--set",
                       dearer, "-o", log)  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = {
        "run": ("run", SCENARIOS / "coffee-healthy.yaml", "-o", base / "run", *SMALL),
        "campaigns": (
            "run",
            SCENARIOS / "coffee-spring-push.yaml",
            "-o",
            base / "campaigns",
            *SMALL,
        ),
        "unhealthy": (
            "run",
            SCENARIOS / "coffee-too-expensive.yaml",
            "-o",
            base / "unhealthy",
            *SMALL,
        ),
        "sweep": (
            "sweep",
            SCENARIOS / "coffee-too-expensive.yaml",
            "--param",
            "design.catalog.cup_upgrade.points_price=100:1000:3",
            "-o",
            base / "sweep",
            *SMALL,
        ),
        "compare": (
            "compare",
            SCENARIOS / "coffee-healthy.yaml",
            SCENARIOS / "coffee-too-expensive.yaml",
            "-o",
            base / "compare",
            *SMALL,
        ),
        "monitor": (
            "monitor",
            log,
            "--design",
            SCENARIOS / "coffee-healthy.yaml",
            "--set",
            "population.users=400",
            "--set",
            "population.acquisition_per_day=0",
            "--replications",
            "6",
            "--periods",
            "1",
            "--what-if",
            "design.catalog.mug.points_price=30000",
            "--workers",
            "1",
            "-o",
            base / "monitor",
        ),
    }
    for name, args in made.items():
        done = econsim_here(*args)
        assert done.returncode in (0, 3), (name, done.stderr)
    return {name: base / name for name in made}


def open_report(browser: Browser, folder: Path, shots: Path, name: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((folder / "report.html").as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    return page, errors


def layout(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => ({
                images: document.images.length,
                broken: Array.from(document.images).filter(
                    i => !i.complete || i.naturalWidth === 0).length,
                width: document.scrollingElement.scrollWidth,
                scrolled: Array.from(document.querySelectorAll('.wide')).filter(
                    e => e.scrollWidth > e.clientWidth + 1).length,
            })"""
        )
    )


@pytest.mark.parametrize("name", ["run", "campaigns", "unhealthy", "sweep", "compare", "monitor"])
def test_report_loads_cleanly_and_fits_the_window(
    browser: Browser, reports: dict[str, Path], shots: Path, name: str
) -> None:
    page, errors = open_report(browser, reports[name], shots, name)
    found = layout(page)
    assert errors == []
    assert found["images"] > 0 and found["broken"] == 0, found
    assert found["width"] <= WIDTH, f"{name}: the page is {found['width']} px wide"
    assert found["scrolled"] == 0, f"{name}: {found['scrolled']} table(s) wider than the page"
    page.close()


@pytest.mark.parametrize("name", ["run", "unhealthy", "monitor"])
def test_run_badge_says_what_summary_json_says(
    browser: Browser, reports: dict[str, Path], shots: Path, name: str
) -> None:
    page, _ = open_report(browser, reports[name], shots, f"{name}-badge")
    status = json.loads((reports[name] / "summary.json").read_text())["status"]
    assert page.inner_text("h1 .badge") == status.replace("_", " ").upper()
    page.close()


def test_compare_badges_say_what_compare_json_says(
    browser: Browser, reports: dict[str, Path], shots: Path
) -> None:
    page, _ = open_report(browser, reports["compare"], shots, "compare-badges")
    data = json.loads((reports["compare"] / "compare.json").read_text())
    shown = [b.upper() for b in page.locator(".badge").all_inner_texts()]
    statuses = [data["verdicts"][label]["status"] for label in data["designs"]]
    wanted = [s.replace("_", " ").upper() for s in statuses]
    assert shown == wanted
    page.close()


def test_advice_reads_from_the_left(
    browser: Browser, reports: dict[str, Path], shots: Path
) -> None:
    page, _ = open_report(browser, reports["unhealthy"], shots, "advice")
    align = page.evaluate("getComputedStyle(document.querySelector('.advice')).textAlign")
    assert align in ("left", "start")
    page.close()


@pytest.mark.parametrize("name", ["run", "monitor"])
def test_where_the_points_come_from_and_go_is_shown_as_summary_json_says(
    browser: Browser, reports: dict[str, Path], shots: Path, name: str
) -> None:
    """The source section: its stacked charts loaded (a run's), and the largest source in
    its table is the one summary.json gives the most points."""
    page, _ = open_report(browser, reports[name], shots, f"{name}-sources")
    section = page.locator("#sources")
    assert section.is_visible()
    if name == "run":
        for chart in ("sources", "consumption"):
            size = page.evaluate(f"document.querySelector('#chart-{chart} img').naturalWidth")
            assert size > 0
    issued = json.loads((reports[name] / "summary.json").read_text())["sources"]["issued"]
    largest = max(issued, key=lambda s: s["points"])["source"]
    first = page.locator("#sources ~ div.wide table tbody tr td").first.inner_text()
    assert first == largest
    page.close()


def _cells(page: Page, section: str) -> list[list[str]]:
    """The rows of the table that follows a section's heading."""
    rows = page.locator(f"#{section} ~ div.wide").first.locator("tbody tr")
    return [[c.inner_text() for c in r.locator("td").all()] for r in rows.all()]


def test_campaign_coupon_and_growth_tables_say_what_summary_json_says(
    browser: Browser, reports: dict[str, Path], shots: Path
) -> None:
    """A run with a packaged campaign and coupons: the tables show summary.json's numbers
    (cost per participant, coupon uplift, the funnel), as a reader sees them."""
    page, _ = open_report(browser, reports["campaigns"], shots, "campaigns")
    summary = json.loads((reports["campaigns"] / "summary.json").read_text())
    push = summary["packaged_campaigns"][0]
    row = _cells(page, "packaged")[0]
    assert row[0] == push["campaign"] and row[2] == f"{push['participants']:,.0f}"
    assert row[5] == f"{push['cost_per_participant']:,.2f}"
    coupons = {c["coupon"]: c for c in summary["coupons"]}
    shown = {r[0]: r for r in _cells(page, "coupons")}
    threshold = coupons["coupon:spend_60_get_6"]
    assert shown["coupon:spend_60_get_6"][5] == f"{threshold['uplift']:,.0f}"
    assert threshold["uplift"] > 0 and shown["random:lucky_cup"][5] == "–"  # no threshold
    funnel = summary["growth"]["funnel"]
    stages = {r[0]: r for r in _cells(page, "growth")}
    assert stages["acquisition"][1] == f"{funnel['acquisition']['members']:,.0f}"
    assert list(stages) == ["acquisition", "activation", "retention", "revenue", "referral"]
    page.close()


def test_the_monitor_shows_growth_but_no_campaign_tables(
    browser: Browser, reports: dict[str, Path], shots: Path
) -> None:
    """A log records no participants or coupons given: those tables are left out."""
    page, _ = open_report(browser, reports["monitor"], shots, "monitor-growth")
    assert page.locator("#growth").is_visible()
    assert page.locator("#packaged").count() == 0 and page.locator("#coupons").count() == 0
    page.close()
