"""What the reports share: a figure as PNG bytes, a PNG as an embedded image, an HTML
table and the page style. Pages are self-contained: every plot is a data URI and every
text is escaped."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#1a202c}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
td,th{border:1px solid #cbd5e0;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#edf2f7} img{max-width:100%} .note{color:#4a5568}
"""


def png(fig: Any) -> bytes:
    """The figure as PNG bytes. A figure pyplot made is closed (pyplot keeps it
    otherwise); a bare `matplotlib.figure.Figure` is simply dropped."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    if getattr(fig.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return buf.getvalue()


def empty_png(message: str) -> bytes:
    """A short figure that says why there is no plot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 1.2))
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11)
    return png(fig)


def write_pngs(pngs: Mapping[str, bytes], out_dir: Path) -> list[Path]:
    """Write the plots by file name into `out_dir`; the paths written."""
    written = []
    for name, data in pngs.items():
        (out_dir / name).write_bytes(data)
        written.append(out_dir / name)
    return written


def cell(value: Any) -> str:
    """A table cell: None as a dash, a share (a fraction below 1) as a percentage."""
    if value is None:
        return "–"
    if isinstance(value, float) and 0 < value <= 1 and not value.is_integer():
        return f"{100 * value:.0f}%"
    return html.escape(str(value))


def html_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<h3>{html.escape(title)}</h3><table><tr>{head}</tr>{body}</table>"


def img(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'
