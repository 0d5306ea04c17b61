"""The report page: one self-contained HTML file.

The page must open from disk, offline, years from now, attached to an e-mail:
so the style sheet is inline, every figure is embedded as a base64 PNG data
URI, and nothing is loaded from anywhere else (no fonts, no scripts). Links to
the SVG and PNG files beside it are plain relative links, used only when
clicked. Everything that comes from data is escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from mnistlab.report.tables import format_number

CSS = """
:root { --ink:#1d232b; --muted:#5b6570; --line:#dde2e7; --bg:#f6f7f9; --card:#fff;
  --accent:#2f6fb0; --diag:#e3eefa; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height:1.5; }
header.top { background:#1f2d3d; color:#fff; padding:2rem 1.5rem 1.5rem; }
header.top h1 { margin:0 0 .25rem; font-size:1.8rem; font-weight:650; }
header.top p { margin:0; color:#c9d3de; }
.wrap { max-width:1200px; margin:0 auto; }
main { padding:1rem 1.5rem 3rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:1.25rem 1.5rem; margin:1.25rem 0; }
.headline { display:flex; flex-wrap:wrap; gap:1rem; margin:1rem 0 0; }
.stat { background:rgba(255,255,255,.08); border-radius:8px; padding:.6rem 1rem; min-width:10rem; }
.stat .v { font-size:1.6rem; font-weight:650; color:#fff; display:block; }
.stat .k { font-size:.8rem; color:#c9d3de; text-transform:uppercase; letter-spacing:.04em; }
.summary-grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(300px, 1fr));
  gap:1.25rem; }
.summary-grid h3 { margin:.2rem 0 .5rem; font-size:1rem; }
nav.toc ol { columns:2; column-gap:2rem; margin:.25rem 0 0; padding-left:1.4rem; }
nav.toc a { color:var(--accent); text-decoration:none; }
nav.toc a:hover { text-decoration:underline; }
section.step h2 { margin:0 0 .5rem; font-size:1.35rem; }
section.step h2 .num { color:var(--accent); margin-right:.4rem; }
.meta { color:var(--muted); font-size:.85rem; margin:-.25rem 0 .75rem; }
.prose { max-width:75ch; }
.prose p { margin:.4rem 0; }
.body { display:grid; grid-template-columns:minmax(260px, 2fr) minmax(0, 3fr); gap:1.5rem;
  align-items:start; margin-top:1rem; }
.body.nofig, .body.nonum, .body.stacked { grid-template-columns:1fr; }
.body.stacked .numbers { display:flex; flex-wrap:wrap; gap:0 1.75rem; align-items:flex-start; }
.body.stacked .figures { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr));
  align-items:start; }
@media (max-width: 900px) { .body { grid-template-columns:1fr; } }
.numbers { overflow-x:auto; }
.figures { display:flex; flex-direction:column; gap:1.25rem; }
figure { margin:0; }
.body.stacked figure.wide { grid-column:1 / -1; }
figure img { display:block; max-width:100%; height:auto; border:1px solid var(--line);
  border-radius:6px; background:#fff; }
figcaption { font-size:.88rem; color:var(--muted); margin-top:.35rem; }
figcaption a { color:var(--accent); }
table { border-collapse:collapse; margin:0 0 1rem; font-size:.88rem;
  font-variant-numeric:tabular-nums; }
caption { text-align:left; font-weight:600; padding:0 0 .3rem; color:var(--ink); }
th, td { border:1px solid var(--line); padding:.25rem .5rem; }
th { background:#f0f3f6; font-weight:600; text-align:left; }
td.num { text-align:right; white-space:nowrap;
  font-family:ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
table.kv th { font-weight:500; }
table.matrix td[data-diag] { background:var(--diag); font-weight:600; }
table.matrix th.corner { font-size:.75rem; color:var(--muted); font-weight:500; }
.group h4 { margin:.25rem 0 .4rem; font-size:.92rem; }
code, .mono { font-family:ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size:.85em; }
.mono { word-break:break-all; }
.badge { display:inline-block; font-size:.75rem; padding:.05rem .45rem; border-radius:99px;
  background:#e7f3e9; color:#2d6a3a; margin-left:.4rem; }
table.book td.v-same, table.book td.v-as-printed { color:#2d6a3a; }
table.book td.v-differs { color:#8a5a00; }
table.book td.v-unexplained { color:#b00020; font-weight:600; }
.book-note { max-width:75ch; font-size:.85rem; color:var(--muted); margin:-.5rem 0 1rem; }
footer { color:var(--muted); font-size:.85rem; padding:0 1.5rem 2rem; }
"""


@dataclass(frozen=True)
class FigureEmbed:
    """One figure as the page shows it.

    Parameters
    ----------
    slug : str
        File stem of ``figures/<slug>.png`` and ``.svg``.
    caption : str
        Plain-text caption.
    png : bytes
        The PNG image, embedded as a data URI.
    width, height : int
        Pixel size of the PNG.
    """

    slug: str
    caption: str
    png: bytes
    width: int
    height: int


@dataclass(frozen=True)
class StepSection:
    """One step of the study as the page shows it."""

    number: int
    name: str
    title: str
    prose_html: str
    numbers_html: str
    figures: Sequence[FigureEmbed] = ()
    seconds: float | None = 0.0
    cached: bool = False


@dataclass(frozen=True)
class Summary:
    """The facts at the top of the page."""

    title: str
    dataset: str
    n_train: int
    n_test: int
    source: str
    checksum: str
    best_accuracy: float | None
    best_accuracy_label: str
    total_seconds: float
    generated_at: str
    versions: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    #: The comparison with the book's printed numbers, as escaped HTML.
    book_html: str = ""


def format_seconds(seconds: float) -> str:
    """Format a duration for people.

    Example
    -------
    >>> format_seconds(0.123), format_seconds(75.2), format_seconds(3725)
    ('0.12 s', '1 min 15 s', '1 h 2 min')
    """
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _duration(seconds: float | None) -> str:
    return "" if seconds is None else format_seconds(seconds)


def _e(text: object) -> str:
    return html.escape(str(text))


def _kv(rows: Sequence[tuple[str, str]], *, mono: bool = False) -> str:
    cls = ' class="mono"' if mono else ""
    body = "".join(f'<tr><th scope="row">{_e(k)}</th><td{cls}>{_e(v)}</td></tr>' for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _figure(fig: FigureEmbed) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    slug = _e(fig.slug)
    # Figures of several panels need the whole width of the step to stay legible.
    wide = ' class="wide"' if fig.width >= 760 else ""
    return (
        f'<figure id="fig-{slug}"{wide}>'
        f'<img src="data:image/png;base64,{data}" width="{fig.width}" height="{fig.height}" '
        f'alt="{_e(fig.caption)}" loading="eager">'
        f"<figcaption>{_e(fig.caption)} "
        f'<a href="figures/{slug}.svg">SVG</a> · <a href="figures/{slug}.png">PNG</a>'
        "</figcaption></figure>"
    )


def _anchor(step: StepSection) -> str:
    return f"step-{step.number:02d}-{step.name}"


def _section(step: StepSection) -> str:
    cached = '<span class="badge">from cache</span>' if step.cached else ""
    figures = "".join(_figure(f) for f in step.figures)
    layout = "body"
    # Wide tables or many figures do not fit side by side: numbers first, figures below.
    if "matrix wide" in step.numbers_html or len(step.figures) > 2:
        layout += " stacked"
    if not figures:
        layout += " nofig"
    elif not step.numbers_html:
        layout += " nonum"
    numbers = f'<div class="numbers">{step.numbers_html}</div>' if step.numbers_html else ""
    figs = f'<div class="figures">{figures}</div>' if figures else ""
    return (
        f'<section class="step card" id="{_anchor(step)}">'
        f'<h2><span class="num">{step.number}.</span>{_e(step.title)}</h2>'
        f'<p class="meta">{_duration(step.seconds)}{cached}</p>'
        f'<div class="prose">{step.prose_html}</div>'
        f'<div class="{layout}">{numbers}{figs}</div>'
        "</section>"
    )


def _summary(summary: Summary, steps: Sequence[StepSection]) -> str:
    data_rows = [
        ("Data set", summary.dataset),
        ("Training images", f"{summary.n_train:,}"),
        ("Test images", f"{summary.n_test:,}"),
        ("Source", summary.source),
    ]
    timing = "".join(
        f'<tr><th scope="row"><a href="#{_anchor(s)}">{s.number}. {_e(s.title)}</a></th>'
        f'<td class="num">{_duration(s.seconds)}</td>'
        f"<td>{'cached' if s.cached else ''}</td></tr>"
        for s in steps
    )
    return (
        '<section class="card" id="summary"><div class="summary-grid">'
        f"<div><h3>Data</h3>{_kv(data_rows)}"
        f'<h3>Checksum</h3><p class="mono">{_e(summary.checksum)}</p></div>'
        f"<div><h3>Settings</h3>{_kv(list(summary.settings.items()))}"
        f"<h3>Library versions</h3>{_kv(list(summary.versions.items()))}</div>"
        f'<div><h3>Time per step</h3><table class="kv">{timing}</table></div>'
        "</div></section>"
    )


def render_page(summary: Summary, steps: Sequence[StepSection]) -> str:
    """Render the whole report page.

    Parameters
    ----------
    summary : Summary
        The facts shown at the top.
    steps : sequence of StepSection
        The steps, in order.

    Returns
    -------
    str
        A complete HTML document that loads nothing from outside itself.

    Example
    -------
    >>> s = Summary("Study", "mnist", 60000, 10000, "local", "abc", 0.97, "Test accuracy",
    ...             60.0, "2025-01-01T00:00:00Z")
    >>> render_page(s, []).startswith("<!doctype html>")
    True
    """
    best = (
        format_number(summary.best_accuracy, percent=True)
        if summary.best_accuracy is not None
        else "—"
    )
    stats = [
        (summary.best_accuracy_label, best),
        ("Total time", format_seconds(summary.total_seconds)),
        ("Data set", summary.dataset),
        ("Steps", str(sum(1 for s in steps if s.name != "ladder"))),
    ]
    headline = "".join(
        f'<div class="stat"><span class="v">{_e(v)}</span><span class="k">{_e(k)}</span></div>'
        for k, v in stats
    )
    toc = "".join(f'<li><a href="#{_anchor(s)}">{_e(s.title)}</a></li>' for s in steps)
    sections = "\n".join(_section(s) for s in steps)
    book = (
        f'<section class="card" id="book"><h3>Beside the book</h3>{summary.book_html}</section>\n'
        if summary.book_html
        else ""
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(summary.title)}</title><style>{CSS}</style></head>\n<body>"
        f'<header class="top"><div class="wrap"><h1>{_e(summary.title)}</h1>'
        f"<p>The classification study on {_e(summary.dataset)}, step by step. "
        f"Generated {_e(summary.generated_at)}.</p>"
        f'<div class="headline">{headline}</div></div></header>\n'
        f'<main class="wrap">{book}{_summary(summary, steps)}\n'
        f'<nav class="toc card"><h3>Steps</h3><ol>{toc}</ol></nav>\n{sections}</main>\n'
        '<footer class="wrap">Every number of this page, unrounded, is in '
        '<a href="results.json">results.json</a>; every figure is in '
        "<code>figures/</code> as PNG and SVG. Written by mnistlab.</footer>"
        "</body></html>\n"
    )
