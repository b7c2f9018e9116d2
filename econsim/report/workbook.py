"""finance.xlsx and finance/*.csv: the books of a run, as finance opens them.

One table per statement — summary, roll-forward, aging, deferred revenue, cost per tier,
the breakage memo and its issuance triangle —
written as CSV (finance/NAME.csv) and as the sheets of one workbook with formatted numbers,
frozen headers and columns wide enough to read. openpyxl is imported inside the writer for
start-up speed.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from econsim.atomic import write_bytes
from econsim.report.csvfile import write_csv

if TYPE_CHECKING:
    from econsim.pipeline import Run

Table = tuple[list[str], list[list[Any]]]
SHEETS = ("summary", "roll-forward", "aging", "deferred revenue", "cost per tier",
          "breakage memo", "breakage triangle")  # fmt: skip


def summary_table(run: Run) -> Table:
    b, f, cur = run.metrics.books, run.metrics.finance, run.scenario.currency
    g = b.growth
    m, busiest = run.metrics, run.metrics.peaks.busiest
    rows: list[list[Any]] = [
        ["scenario", run.scenario.name],
        ["consumption rate", m.verdict("consumption rate").value],
        ["consumer share (last 30 days)", m.verdict("consumer share").value],
        [
            "busiest period (largest share of its budget)",
            f"{busiest.number} from {busiest.start:%Y-%m-%d}",
        ],
        ["busiest period's burn (cost / its budget)", busiest.burn],
        [f"cost realised ({cur})", f.total_cost],
        [f"budget over the horizon ({cur})", f.total_budget],
        ["outstanding points at the horizon", b.roll_forward.points["closing"][:, -1].mean()],
        [f"liability at the horizon ({cur})", b.roll_forward.money["closing"][:, -1].mean()],
        [f"revenue allocated to points ({cur})", float(b.deferred.allocated.sum())],
        [f"revenue recognised ({cur})", float(b.deferred.recognised.sum())],
        [f"contract liability at the horizon ({cur})", float(b.deferred.liability[-1])],
        [f"marketing provision at the horizon ({cur})", float(b.provision[-1])],
        ["value per point used for deferred revenue", float(b.deferred.value_per_point[0])],
        ["expected redemption share used for deferred revenue", _share_used(run)],
        ["growth: cost ∝ members ^", g.elasticity if g.elasticity == g.elasticity else ""],
        [f"projected period cost at 2× members ({cur})", g.projected.get("2x", "")],
        [f"projected period cost at 5× members ({cur})", g.projected.get("5x", "")],
        ["growth note", g.note],
    ]
    return ["figure", "value"], rows


def _share_used(run: Run) -> str:
    """The deferred revenue's expected redemption share, named."""
    e = run.metrics.breakage_memo.estimate
    if e.chosen:
        return f"{e.urr:.1%}: the URR of the breakage memo ({e.chosen})"
    return "points spent of those that left the books (no URR: see the breakage memo)"


def roll_forward_table(run: Run) -> Table:
    rf = run.metrics.books.roll_forward
    return rf.columns(), rf.rows()


def aging_table(run: Run) -> Table:
    b = run.metrics.books
    rows = [[tier, *map(float, values), float(values.sum())] for tier, values in b.aging.items()]
    return ["tier", *(f"expires within {x}" if x[0].isdigit() else x for x in b.aging_labels),
            "outstanding"], rows  # fmt: skip


def deferred_table(run: Run) -> Table:
    b = run.metrics.books
    rows = [
        [dt.date.fromisoformat(row[0]), *row[1:], float(p)]
        for row, p in zip(b.deferred.rows(), b.provision, strict=True)
    ]
    headers = ["period start", "sales", "points earned with purchases", "value per point",
               "expected redemption share", "points redeemed", "allocated to points",
               "recognised", "of which catch-up", "contract liability",
               "marketing provision"]  # fmt: skip
    return headers, rows


def cost_table(run: Run) -> Table:
    b = run.metrics.books
    starts = run.metrics.books.roll_forward.dates
    rows = [
        [start, tier, float(b.cost_per_tier[tier][i]), b.planned[tier]]
        for i, start in enumerate(starts)
        for tier in b.cost_per_tier
    ]
    cur = run.scenario.currency
    return ["period start", "tier", f"cost per member ({cur})", f"planned ({cur})"], rows


def memo_table(run: Run) -> Table:
    """The breakage memo: data window, method and why, the URR with its interval, every
    method side by side, the books at the URR ± 5 and ± 10 points."""
    memo, cur = run.metrics.breakage_memo, run.scenario.currency
    e = memo.estimate
    rows: list[list[Any]] = [
        ["data window", memo.window],
        ["triangle", "sheet 'breakage triangle': each cohort's share redeemed by age"],
    ]
    sim = memo.simulated
    compared = [
        "the simulation's own breakage, for comparison",
        f"{sim.value:.1%} ({sim.basis}: {sim.method})" if sim.value == sim.value else "unobserved",
    ]
    methods: list[list[Any]] = [
        ["method", "URR", "URR interval low", "URR interval high", "out-of-sample error",
         "note"],
        *([r[0], r[1], r[2], r[3], r[5], "chosen" if r[6] else r[7]] for r in e.rows()),
    ]  # fmt: skip
    if not e.chosen:
        rows += [["no estimate", e.reason], compared]
        if e.candidates:
            rows += [[], *methods]
        return _square(["breakage memo", "value"], rows)
    low, high = e.interval
    rows += [
        ["method", e.chosen],
        ["chosen because", e.reason],
        ["ultimate redemption rate (URR)", e.urr],
        ["URR 95% interval, low", low],
        ["URR 95% interval, high", high],
        ["breakage (1 − URR)", e.breakage],
        compared,
        [],
        *methods,
        [],
        ["URR shift", "URR", f"liability ({cur})", f"revenue recognised ({cur})",
         f"contract liability ({cur})"],
        *([f"{s.shift:+.0%}", s.urr, s.liability, s.recognised, s.contract_liability]
          for s in memo.sensitivity),
    ]  # fmt: skip
    return _square(["breakage memo", "value"], rows)


def triangle_table(run: Run) -> Table:
    """The issuance triangle: each cohort's points issued and share redeemed by age; then,
    with tiers, each tier's in points — issued to its members, redeemed by them (a member
    who changes tier takes its points along, so a tier's share is not shown)."""
    from econsim.reserving import triangle

    tri = run.metrics.breakage_memo.triangle
    head = ["cohort", "points issued", *(f"redeemed by age {a}" for a in range(tri.ages))]
    rows = tri.rows()
    tiers = run.results.tiers if len(run.results.tiers) > 1 else ()
    for tier in tiers:
        own = triangle(run.results, tier)
        rows += [
            [],
            [f"{tier}: cohort", "points issued to its members",
             *(f"points redeemed by its members by age {a}" for a in range(own.ages))],
            *([c, float(own.issued[i]), *(None if x != x else float(x) for x in own.by_age()[i])]
              for i, c in enumerate(own.cohorts)),
        ]  # fmt: skip
    return _square(head, rows)


def _square(head: list[str], rows: list[list[Any]]) -> Table:
    """Rows of one width (the widest's), blanks after the shorter."""
    width = max(len(head), *(len(r) for r in rows))
    return [*head, *[""] * (width - len(head))], [[*r, *[""] * (width - len(r))] for r in rows]


TABLES = {
    "summary": summary_table,
    "roll-forward": roll_forward_table,
    "aging": aging_table,
    "deferred revenue": deferred_table,
    "cost per tier": cost_table,
    "breakage memo": memo_table,
    "breakage triangle": triangle_table,
}


def write_finance(run: Run, directory: Path, more: dict[str, Table] | None = None) -> list[Path]:
    """finance/*.csv and finance.xlsx (with the ``more`` tables after the run's own);
    returns the paths written."""
    tables = {name: make(run) for name, make in TABLES.items()} | (more or {})
    written = [
        write_csv(directory / "finance" / f"{name.replace(' ', '-')}.csv", head, rows)
        for name, (head, rows) in tables.items()
    ]
    path = directory / "finance.xlsx"
    write_bytes(path, workbook_bytes(tables))
    return [*written, path]


#: Row labels (the memo) and headers (the triangle) whose numbers are shares, shown as %.
PERCENT = ("URR", "breakage (", "redeemed by age", "out-of-sample", "consumption rate",
           "consumer share", "burn")  # fmt: skip


def _format(header: str) -> str:
    if any(w in header for w in PERCENT) or header.startswith(("+", "-")):
        return "0.0%"
    if any(w in header for w in ("share", "members ^")):
        return "0.00"
    if "value per point" in header:
        return "0.0000"
    if "points" in header or "expires" in header or header in ("outstanding",):
        return "#,##0"
    return "#,##0.00"


#: Sheets of several tables: a row of three or more words heads the rows after it.
SECTIONED = ("breakage memo", "breakage triangle")


def _labels(name: str, header: list[str], rows: list[list[Any]]) -> list[list[str]]:
    """What each cell's number is, for its format: the column's title; in the summary the
    row's label; in the memo the row's label, or in a table inside it (a ``SECTIONED``
    sheet) that table's title, up to a blank row."""
    out, titles = [], None
    for row in rows:
        words = [x for x in row if isinstance(x, str) and x]
        if name in SECTIONED and len(words) >= 3 and len(words) == len([x for x in row if x != ""]):
            titles = row
        elif not any(x != "" for x in row):
            titles = None
        if name == "summary" or (name == "breakage memo" and titles is None):
            out.append([str(row[0])] * len(row))
        else:
            out.append([str(t) for t in (titles or header)])
    return out


def workbook_bytes(tables: dict[str, Table]) -> bytes:
    """The workbook: one sheet per table, bold frozen header, formatted numbers."""
    from openpyxl import Workbook  # for start-up speed
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, (header, rows) in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([float(x) if hasattr(x, "dtype") else x for x in row])
        sheet.freeze_panes = "A2" if name == "summary" else "B2"
        labels = _labels(name, header, rows)
        for j, title in enumerate(header, start=1):
            letter = get_column_letter(j)
            width = max(len(str(title)), *(len(f"{r[j - 1]:,.2f}" if isinstance(r[j - 1], float)
                                               else str(r[j - 1])) for r in rows), 8)  # fmt: skip
            sheet.column_dimensions[letter].width = min(width + 2, 60)
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = _format(labels[cell.row - 2][j - 1])
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
