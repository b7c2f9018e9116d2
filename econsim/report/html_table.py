"""An HTML table of the reports: escaped headers that may break after "_" or ".", a wide
table scrolling inside its own box."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    # long names may break after "_" or "." (word break opportunities), never mid-word
    head = "".join(
        f"<th>{escape(h).replace('_', '_<wbr>').replace('.', '.<wbr>')}</th>" for h in headers
    )
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    # a wide table scrolls inside its own box: the page never runs past the window
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<div class='wide'>{table}</div>"
