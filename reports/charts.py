"""PNG charts for a phone screen: completion per group, progress over time, a broadcast's delivery.

Pure functions: plain dataclasses in, `Chart` out (PNG bytes plus what the picture shows, read back from
the drawn figure so tests can compare it with the tables). matplotlib is imported on the first render,
not with this module: callers build the inputs for free and the bot pays matplotlib's import (~0.5 s)
only when it draws. Rendering is CPU-bound (~0.05-0.1 s a chart) and matplotlib is not thread-safe:
render in one worker off the event loop. No pyplot, no global rcParams: a Figure on its own Agg canvas.

For a small phone: 1080 px wide and, with the default `top`, at most about 1280 px tall (the long side
Telegram keeps unscaled when the picture is sent as a photo), text of 28 px and more, the Okabe-Ito
colours (safe for colour-blind readers) and numbers written on the marks. A completion chart lists the groups most behind first and
folds the rest into one "N lainnya" row (the full list belongs in the text and the export); flows that
do not fit across go on further pages. The same data gives the same bytes: fixed size and DPI, the
DejaVu fonts matplotlib bundles, no software or time stamp in the PNG.

    python -m reports.charts --demo OUT_DIR    writes sample PNGs to look at
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from babel.numbers import format_decimal

from core.dates import LOCALE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

WIDTH = 1080
DPI = 100
TITLE_PX, TEXT_PX, SMALL_PX = 46, 32, 28
CELL_PX = 30  # the numbers in a completion chart's cells
PAD = 40  # outer margin
ROW_PX = 84  # one group's row in a completion chart
BAR_PX = 120  # one category's bar in a delivery chart
LABEL_MAX_PX = 340  # a group's name may be shortened to this to make room for the cells
LABEL_GAP_PX = 14
MIN_CELL_PX = 96  # "100%" and some air
CELL_PAD_PX = 12
ROOMY_CELL_PX = 140  # cells get this much before long names take more than LABEL_MAX_PX
INK, MUTED, GRID = "#1A1A1A", "#555555", "#FFFFFF"
NOBODY = "#DDDDDD"  # a cell whose group has nobody for that flow
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, GREY = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999")
SCALE_AT, SCALE = (0.0, 0.35, 0.6, 0.85, 1.0), (VERMILLION, "#F3B58A", "#F5F0EB", "#9CC7E4", BLUE)
LINE_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY)
LINE_STYLES = ("-", "--", "-.", ":", "-", "--")
MARKERS = ("o", "s", "^", "D", "v", "P")
MAX_MARKED_POINTS = 16  # more dates than this: lines without markers
DELIVERY = ("sent", "waiting", "failed", "blocked", "not_joined")
DELIVERY_COLOURS = (GREEN, SKY, VERMILLION, PURPLE, GREY)


# -- inputs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """How many of a group's people have submitted a flow, of those who should."""

    done: int
    total: int

    def __post_init__(self) -> None:
        if not 0 <= self.done <= self.total:
            raise ValueError(f"need 0 <= done <= total, got {self.done}/{self.total}")

    @property
    def share(self) -> float:
        """done / total; NaN when the group has nobody for this flow."""
        return self.done / self.total if self.total else math.nan


@dataclass(frozen=True)
class CompletionRow:
    name: str  # a PP's name or a district
    cells: tuple[Cell, ...]  # one per column of the table


@dataclass(frozen=True)
class CompletionTable:
    """Groups × flows: columns are flow labels in program order (short ones read best: "PI 3")."""

    columns: tuple[str, ...]
    rows: tuple[CompletionRow, ...]

    def __post_init__(self) -> None:
        if not self.columns or not self.rows:
            raise ValueError("a completion table needs at least one column and one row")
        for row in self.rows:
            if len(row.cells) != len(self.columns):
                raise ValueError(f"row {row.name!r} has {len(row.cells)} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class ProgressLine:
    name: str  # a flow's label, or the whole cohort
    counts: tuple[int, ...]  # submitted so far, one per date of the series


@dataclass(frozen=True)
class ProgressSeries:
    """Submissions over time; `total` (how many people could submit) is drawn as the ceiling."""

    dates: tuple[date, ...]
    lines: tuple[ProgressLine, ...]
    total: int | None = None

    def __post_init__(self) -> None:
        if not self.dates or not self.lines:
            raise ValueError("a progress series needs at least one date and one line")
        if len(self.lines) > len(LINE_COLOURS):
            raise ValueError(f"at most {len(LINE_COLOURS)} lines stay readable, got {len(self.lines)}")
        if any(later <= earlier for earlier, later in zip(self.dates, self.dates[1:])):
            raise ValueError("dates must be strictly increasing")
        for line in self.lines:
            if len(line.counts) != len(self.dates) or min(line.counts) < 0:
                raise ValueError(f"line {line.name!r} needs one count >= 0 per date")


@dataclass(frozen=True)
class DeliveryCounts:
    """Where a broadcast's recipients stand."""

    sent: int
    waiting: int  # queued, scheduled or held by quiet hours
    failed: int
    blocked: int  # blocked the bot
    not_joined: int  # never pressed Start

    def __post_init__(self) -> None:
        if min(self.values()) < 0:
            raise ValueError("delivery counts must be >= 0")

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in DELIVERY)


@dataclass(frozen=True)
class ChartTexts:
    """Words drawn on the charts: content/texts/charts.yaml, keys `chart.label.<field>`."""

    others: str  # the folded row, with {n}
    page: str  # appended to a paged title, with {page} and {pages}
    total: str  # the ceiling line, with {n}
    sent: str
    waiting: str
    failed: str
    blocked: str
    not_joined: str

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> ChartTexts:
        """Take the labels from the content's texts (Content.texts)."""
        return cls(**{f.name: texts[f"chart.label.{f.name}"] for f in fields(cls)})


# -- output ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chart:
    """A rendered chart and what it shows, read back from the figure's marks."""

    png: bytes
    width: int
    height: int
    labels: tuple[str, ...]  # rows, lines (legend order) or bars as drawn, top to bottom
    values: tuple[tuple[float, ...], ...]  # per label: cell shares (NaN: nobody), line points or bar length
    texts: tuple[str, ...]  # numbers written on the picture, in drawing order ("7/10", "1.234 (62%)")
    columns: tuple[str, ...] = ()  # column headers as drawn (completion charts)


# -- completion per group ----------------------------------------------------------------------------

def completion_charts(table: CompletionTable, texts: ChartTexts, *, title: str, subtitle: str = "",
                      top: int = 10, max_columns: int = 6) -> list[Chart]:
    """Draw the groups most behind first (at most `top`, then one row for the rest), paged by flows.

    A row's cells read "7/10", or "70%" when its fractions would not fit `max_columns` across the page
    (big districts, the folded row).
    """
    rows = _most_behind(table.rows, texts.others, top)
    widest_name = max(_width(r.name, TEXT_PX) for r in rows)
    room = WIDTH - 2 * PAD - LABEL_GAP_PX - min(widest_name, LABEL_MAX_PX)
    cell_px = max(room / min(max_columns, len(table.columns)), MIN_CELL_PX)
    cells = [_row_texts(row, cell_px) for row in rows]
    need_px = max(max(_width(text, CELL_PX) for line in cells for text in line) + CELL_PAD_PX, MIN_CELL_PX)
    fits = max(1, min(max_columns, int(room // need_px)))
    pages = math.ceil(len(table.columns) / fits)
    per_page = math.ceil(len(table.columns) / pages)
    # names may use what roomy cells leave
    cells_px = per_page * max(need_px + CELL_PAD_PX, ROOMY_CELL_PX)
    label_px = PAD + LABEL_GAP_PX + min(widest_name, max(LABEL_MAX_PX, WIDTH - 2 * PAD - LABEL_GAP_PX - cells_px))
    charts = []
    for page in range(pages):
        columns = range(page * per_page, min((page + 1) * per_page, len(table.columns)))
        corner = texts.page.format(page=page + 1, pages=pages) if pages > 1 else ""
        charts.append(_completion_page(
            [r.name for r in rows], [table.columns[i] for i in columns], [[line[i] for i in columns] for line in cells],
            [[row.cells[i].share for i in columns] for row in rows], title, subtitle, corner, label_px,
            folded=len(rows) < len(table.rows)))
    return charts


def _most_behind(rows: Sequence[CompletionRow], others: str, top: int) -> list[CompletionRow]:
    """Rows by overall share, lowest first (groups with nobody last); beyond `top`, one summed row."""
    def key(row: CompletionRow) -> tuple[bool, float, str]:
        done, total = sum(c.done for c in row.cells), sum(c.total for c in row.cells)
        return total == 0, done / total if total else 0.0, row.name.casefold()

    ordered = sorted(rows, key=key)
    if len(ordered) <= top + 1:
        return ordered
    rest = ordered[top:]
    summed = tuple(Cell(sum(r.cells[i].done for r in rest), sum(r.cells[i].total for r in rest))
                   for i in range(len(rest[0].cells)))
    return [*ordered[:top], CompletionRow(others.format(n=len(rest)), summed)]


def _row_texts(row: CompletionRow, cell_px: float) -> list[str]:
    """The row's fractions ("7/10"), or its percentages if one fraction is too wide for a cell."""
    fractions = [f"{_number(c.done)}/{_number(c.total)}" if c.total else "–" for c in row.cells]
    if max(_width(text, CELL_PX) for text in fractions) + CELL_PAD_PX <= cell_px:
        return fractions
    return [_share_text(c.done, c.total) if c.total else "–" for c in row.cells]


def _completion_page(names: list[str], columns: list[str], cells: list[list[str]], shares: list[list[float]],
                     title: str, subtitle: str, corner: str, label_px: float, folded: bool) -> Chart:
    from matplotlib.colors import LinearSegmentedColormap

    page = _Page(title, subtitle, lambda head: head + 2 * SMALL_PX + 36 + len(names) * ROW_PX + PAD, corner)
    ax = page.axes(label_px, PAD, WIDTH - PAD, PAD + len(names) * ROW_PX)
    # behind (vermillion) → half-way (pale) → done (blue): the eye goes to the warm cells
    scale = LinearSegmentedColormap.from_list("behind", list(zip(SCALE_AT, SCALE))).with_extremes(bad=NOBODY)
    image = ax.imshow(shares, cmap=scale, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")  # NaN: "bad"
    for i, line in enumerate(cells):
        for j, text in enumerate(line):
            share = shares[i][j]
            colour = INK if math.isnan(share) else _ink_on(scale(share))
            ax.text(j, i, text, ha="center", va="center", color=colour, fontproperties=_font(CELL_PX))
    for x in range(1, len(columns)):
        ax.axvline(x - 0.5, color=GRID, linewidth=6)
    for y in range(1, len(names)):
        ax.axhline(y - 0.5, color=GRID, linewidth=6)
    cell_px = (WIDTH - PAD - label_px) / len(columns)
    ax.set_yticks(range(len(names)), [_fit(name, TEXT_PX, label_px - PAD - LABEL_GAP_PX) for name in names],
                  fontproperties=_font(TEXT_PX), color=INK)
    if folded:
        ax.get_yticklabels()[-1].set_fontproperties(_font(TEXT_PX, italic=True))
    ax.xaxis.tick_top()
    ax.set_xticks(range(len(columns)), [_wrap(c, SMALL_PX, cell_px - 12) for c in columns],
                  fontproperties=_font(SMALL_PX, bold=True), color=INK, linespacing=1.1)
    _bare(ax)
    return page.chart(
        labels=tuple(t.get_text() for t in ax.get_yticklabels()),
        values=tuple(tuple(float(v) for v in row) for row in image.get_array().filled(math.nan)),
        texts=tuple(t.get_text() for t in ax.texts),
        columns=tuple(t.get_text() for t in ax.get_xticklabels()),
    )


# -- progress over time ------------------------------------------------------------------------------

def progress_chart(series: ProgressSeries, texts: ChartTexts, *, title: str, subtitle: str = "") -> Chart:
    """Draw submissions over time, one line per flow (or one for the cohort), under the ceiling."""
    from matplotlib.ticker import MaxNLocator

    page = _Page(title, subtitle, lambda head: WIDTH)
    legend_px = len(series.lines) * (TEXT_PX + 18)
    top = max([series.total or 0] + [max(line.counts) for line in series.lines]) or 1
    y_ticks = [t for t in MaxNLocator(nbins=5, integer=True).tick_values(0, top) if 0 <= t <= top * 1.001]
    y_labels = [_number(int(t)) for t in y_ticks]
    x_ticks = _date_ticks(series.dates)
    x_labels = [format_date(d, "d MMM", locale=LOCALE) for d in x_ticks]
    left = max(PAD + max(_width(label, SMALL_PX) for label in y_labels) + 16, PAD + _width(x_labels[0], SMALL_PX) / 2)
    right = WIDTH - PAD - _width(x_labels[-1], SMALL_PX) / 2
    ax = page.axes(left, PAD + legend_px + SMALL_PX + 40, right, page.height - page.head - 16)
    x = [d.toordinal() for d in series.dates]
    marked = len(x) <= MAX_MARKED_POINTS
    legend = []
    for n, line in enumerate(series.lines):
        mark = dict(marker=MARKERS[n], markersize=11, markeredgecolor="white", markeredgewidth=1.5) if marked else {}
        drawn, = ax.plot(x, line.counts, color=LINE_COLOURS[n], linestyle=LINE_STYLES[n], linewidth=4.5,
                         solid_capstyle="round", gid="progress", label=line.name, **mark)
        last = _number(line.counts[-1]) + (f"/{_number(series.total)}" if series.total else "")
        legend.append((drawn, f"{_fit(line.name, TEXT_PX, WIDTH - 2 * PAD - 420)}: {last}"))
    if series.total:
        ax.axhline(series.total, color=MUTED, linewidth=2.5, linestyle=(0, (6, 4)))
        ax.annotate(texts.total.format(n=_number(series.total)), (x[-1], series.total), xytext=(0, 8),
                    textcoords="offset pixels", ha="right", va="bottom", color=MUTED, fontproperties=_font(SMALL_PX))
    ax.set_ylim(0, top * 1.12)
    span = max(x[-1] - x[0], 1)
    ax.set_xlim(x[0] - span * 0.02, x[-1] + span * 0.02)
    ax.set_yticks(y_ticks, y_labels, fontproperties=_font(SMALL_PX), color=INK)
    ax.set_xticks([d.toordinal() for d in x_ticks], x_labels, fontproperties=_font(SMALL_PX), color=INK)
    ax.grid(axis="y", color="#E0E0E0", linewidth=1.5)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.tick_params(length=0, pad=10)
    page.figure.legend([h for h, _ in legend], [text for _, text in legend], loc="lower left",
                       bbox_to_anchor=(PAD / WIDTH, PAD / page.height), frameon=False, prop=_font(TEXT_PX),
                       handlelength=2.6, borderaxespad=0, borderpad=0, labelspacing=0.5)
    lines = [line for line in ax.get_lines() if line.get_gid() == "progress"]
    return page.chart(
        labels=tuple(str(line.get_label()) for line in lines),
        values=tuple(tuple(float(v) for v in line.get_ydata()) for line in lines),
        texts=tuple(text for _, text in legend) + tuple(t.get_text() for t in ax.texts),
    )


def _date_ticks(dates: Sequence[date], most: int = 4) -> list[date]:
    """First and last date and evenly spaced ones between, at most `most`."""
    if len(dates) <= most:
        return list(dates)
    step = (len(dates) - 1) / (most - 1)
    return [dates[round(i * step)] for i in range(most)]


# -- a broadcast's delivery --------------------------------------------------------------------------

def delivery_chart(counts: DeliveryCounts, texts: ChartTexts, *, title: str, subtitle: str = "") -> Chart:
    """Draw one bar per state (sent, waiting, failed, blocked, not joined) with count and share."""
    values = counts.values()
    labels = [getattr(texts, name) for name in DELIVERY]
    numbers = [f"{_number(v)} ({_share_text(v, sum(values))})" for v in values]
    page = _Page(title, subtitle, lambda head: head + len(values) * BAR_PX + PAD)
    left = PAD + max(_width(label, TEXT_PX) for label in labels) + 20
    ax = page.axes(left, PAD, WIDTH - PAD, page.height - page.head)
    axis_px = WIDTH - PAD - left
    limit = float(max(values) or 1)
    for _ in range(2):  # a number beside a short bar must stay inside the picture
        for value, text in zip(values, numbers):
            text_px = _width(text, TEXT_PX, bold=True) + 12
            if value / limit * axis_px < text_px + 20:
                limit = max(limit, value * axis_px / (axis_px - text_px))
    ax.barh(range(len(values)), values, height=0.66, color=DELIVERY_COLOURS)
    ax.set_xlim(0, limit)
    ax.set_ylim(len(values) - 0.5, -0.5)
    nudge = limit * 12 / axis_px
    for y, (value, text) in enumerate(zip(values, numbers)):
        inside = value / limit * axis_px >= _width(text, TEXT_PX, bold=True) + 32
        ax.text(value - nudge if inside else value + nudge, y, text, ha="right" if inside else "left", va="center",
                fontproperties=_font(TEXT_PX, bold=True), color=_ink_on(DELIVERY_COLOURS[y]) if inside else INK)
    ax.set_yticks(range(len(values)), labels, fontproperties=_font(TEXT_PX), color=INK)
    ax.set_xticks([])
    _bare(ax)
    return page.chart(
        labels=tuple(t.get_text() for t in ax.get_yticklabels()),
        values=tuple((float(bar.get_width()),) for bar in ax.patches),
        texts=tuple(t.get_text() for t in ax.texts),
    )


# -- drawing helpers ---------------------------------------------------------------------------------

class _Page:
    """A figure WIDTH px wide on its own Agg canvas with a heading, laid out in pixels from the bottom left.

    `height` gets the heading's height and returns the figure's.
    """

    def __init__(self, title: str, subtitle: str, height: Callable[[int], int], corner: str = "") -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        corner_px = _width(corner, SMALL_PX) + 24 if corner else 0
        title = _wrap(title, TITLE_PX, WIDTH - 2 * PAD - corner_px, bold=True)
        lines = title.count("\n") + 1
        self.head = PAD + lines * round(TITLE_PX * 1.2) + (12 + SMALL_PX if subtitle else 0) + 40
        self.height = height(self.head)
        self.figure = Figure(figsize=(WIDTH / DPI, self.height / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.figure)
        top = self.height - PAD
        self.figure.text(PAD / WIDTH, top / self.height, title, ha="left", va="top", color=INK, linespacing=1.2,
                         fontproperties=_font(TITLE_PX, bold=True))
        if corner:  # "(1/3)": which page of several
            self.figure.text((WIDTH - PAD) / WIDTH, top / self.height, corner, ha="right", va="top", color=MUTED,
                             fontproperties=_font(SMALL_PX))
        if subtitle:
            below = top - lines * round(TITLE_PX * 1.2) - 12
            self.figure.text(PAD / WIDTH, below / self.height, _fit(subtitle, SMALL_PX, WIDTH - 2 * PAD),
                             ha="left", va="top", color=MUTED, fontproperties=_font(SMALL_PX))

    def axes(self, left: float, bottom: float, right: float, top: float) -> Axes:
        return self.figure.add_axes((left / WIDTH, bottom / self.height, (right - left) / WIDTH, (top - bottom) / self.height))

    def chart(self, **plotted: Any) -> Chart:
        buffer = io.BytesIO()
        self.figure.canvas.print_png(buffer, metadata={"Software": None})
        return Chart(png=buffer.getvalue(), width=WIDTH, height=self.height, **plotted)


def _bare(ax: Axes) -> None:
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0, pad=12)


@lru_cache(maxsize=16)
def _font(px: int, bold: bool = False, italic: bool = False) -> FontProperties:
    """The bundled DejaVu Sans at `px` pixels: the same glyphs on every machine."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    name = f"DejaVuSans{'-' if bold or italic else ''}{'Bold' if bold else ''}{'Oblique' if italic else ''}.ttf"
    return FontProperties(fname=Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name, size=px * 72 / DPI)


@lru_cache(maxsize=1)
def _measurer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(WIDTH, WIDTH, DPI)


@lru_cache(maxsize=4096)
def _width(text: str, px: int, bold: bool = False) -> float:
    """The text's width in pixels, as drawn."""
    width, _, _ = _measurer().get_text_width_height_descent(text, _font(px, bold), ismath=False)
    return width


def _fit(text: str, px: int, limit: float, bold: bool = False) -> str:
    """The text, or its longest beginning that fits `limit` pixels with "…" after it."""
    if _width(text, px, bold) <= limit:
        return text
    low, high = 0, len(text)  # text[:low] + "…" fits; text[:high] + "…" does not
    while high - low > 1:
        middle = (low + high) // 2
        if _width(text[:middle].rstrip() + "…", px, bold) <= limit:
            low = middle
        else:
            high = middle
    return text[:low].rstrip() + "…"


def _wrap(text: str, px: int, limit: float, most: int = 2, bold: bool = True) -> str:
    """The text on at most `most` lines of `limit` pixels, the last shortened with "…" if need be."""
    lines: list[str] = []
    for word in text.split():
        if lines and _width(f"{lines[-1]} {word}", px, bold) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[:most - 1], " ".join(lines[most - 1:])]
    return "\n".join(_fit(line, px, limit, bold) for line in lines)


def _ink_on(colour: Any) -> str:
    """Dark or white text, whichever reads better on `colour` (WCAG relative luminance)."""
    from matplotlib.colors import to_rgb

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if luminance > 0.179 else "#FFFFFF"  # the luminance where both contrast ratios are equal


def _number(value: int) -> str:
    """1234 → "1.234", as Indonesians write it."""
    return format_decimal(value, locale=LOCALE)


def _share_text(part: int, whole: int) -> str:
    """part/whole in whole percent that never claim "all" or "none" falsely: 0.2% → "<1%", 99.7% → "99%"."""
    if part == 0 or whole == 0:
        return "0%"
    if part == whole:
        return "100%"
    share = 100 * part / whole
    return "<1%" if share < 1 else f"{min(round(share), 99)}%"


# -- demo: python -m reports.charts --demo OUT_DIR ---------------------------------------------------

def demo(out: Path) -> list[Path]:
    """Write sample charts (content/examples/charts_demo.yaml, seeded counts) into `out`; return their paths."""
    import random

    import yaml

    from core.content.loader import load_content
    from core.dates import format_date as long_date
    from core.settings import SHIPPED_CONTENT_DIR

    content = load_content(SHIPPED_CONTENT_DIR)
    texts = ChartTexts.from_texts(content.texts)
    sample = yaml.safe_load((SHIPPED_CONTENT_DIR / "examples" / "charts_demo.yaml").read_text(encoding="utf-8"))
    rng = random.Random(11)
    today = date(2026, 3, 12)
    behind = content.text("chart.subtitle.behind_first", tanggal=long_date(today))
    as_of = content.text("chart.subtitle.as_of", tanggal=long_date(today))
    pi_share = (0.97, 0.9, 0.8, 0.62, 0.45, 0.25)

    def table(names: Sequence[str], columns: Sequence[str], sizes: tuple[int, int]) -> CompletionTable:
        rows = []
        for name in names:
            size, effort = rng.randint(*sizes), rng.uniform(0.5, 1.15)
            shares = [pi_share[i % len(pi_share)] for i in range(len(columns))]
            rows.append(CompletionRow(name, tuple(Cell(min(size, round(size * s * effort * rng.uniform(0.9, 1.1))), size)
                                                  for s in shares)))
        return CompletionTable(tuple(columns), tuple(rows))

    weeks = tuple(date.fromordinal(date(2026, 1, 5).toordinal() + 7 * n) for n in range(10))
    days = tuple(date.fromordinal(date(2026, 1, 5).toordinal() + n) for n in range(67))

    def climb(total: int, start: int, length: int, n: int) -> tuple[int, ...]:
        return tuple(round(total * 0.94 / (1 + math.exp(-(i - start - length / 2) * 6 / length))) for i in range(n))

    hundreds = [f"{name} {n}" for n in range(1, 11) for name in sample["pp"]]
    charts = {
        "penyelesaian_pp": completion_charts(table(sample["pp"], sample["pi"], (5, 10)), texts,
                                             title=content.text("chart.title.completion_pp"), subtitle=behind),
        "penyelesaian_kabupaten": completion_charts(
            table(sample["districts"], sample["pi"] + sample["pp_flows"], (80, 1400)), texts,
            title=content.text("chart.title.completion_district"), subtitle=behind),
        "penyelesaian_200_kelompok": completion_charts(table(hundreds, sample["pi"][:4], (5, 10)), texts,
                                                       title=content.text("chart.title.completion_pp"), subtitle=behind),
        "perkembangan_pi": [progress_chart(
            ProgressSeries(weeks, tuple(ProgressLine(f, climb(1000, 3 * n, 4, len(weeks))) for n, f in enumerate(sample["pi"][:3])), 1000),
            texts, title=content.text("chart.title.progress"), subtitle=f"{sample['cohort']} · {as_of}")],
        "perkembangan_harian": [progress_chart(
            ProgressSeries(days, (ProgressLine(sample["cohort"], climb(18_000, 10, 40, len(days))),), 18_000),
            texts, title=content.text("chart.title.progress"), subtitle=as_of)],
        "pengiriman_siaran": [delivery_chart(DeliveryCounts(18_234, 1_200, 37, 412, 890), texts,
                                             title=content.text("chart.title.delivery", nomor=sample["broadcast"]), subtitle=as_of)],
        "pengiriman_kecil": [delivery_chart(DeliveryCounts(3, 0, 0, 1, 0), texts,
                                            title=content.text("chart.title.delivery", nomor=sample["broadcast"] + 1), subtitle=as_of)],
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, pages in charts.items():
        for n, chart in enumerate(pages, start=1):
            path = out / (f"{name}.png" if len(pages) == 1 else f"{name}_{n}.png")
            path.write_bytes(chart.png)
            written.append(path)
    return written


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m reports.charts", description="Write sample charts as PNG files.")
    parser.add_argument("--demo", metavar="OUT_DIR", type=Path, required=True, help="folder for the PNG files")
    for written in demo(parser.parse_args().demo):
        print(written)
