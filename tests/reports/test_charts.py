"""PNG charts: the image is produced, readable on a phone, and shows the tables' numbers."""
from __future__ import annotations

import io
import math
import struct
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from core.content import Content, load_content
from reports import charts
from reports.charts import (
    Cell,
    Chart,
    ChartTexts,
    CompletionRow,
    CompletionTable,
    DeliveryCounts,
    ProgressLine,
    ProgressSeries,
    completion_charts,
    delivery_chart,
    progress_chart,
)

ROOT = Path(__file__).resolve().parent.parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TELEGRAM_PHOTO_SIDE = 1280  # Telegram keeps a photo's long side up to this without scaling it down


@pytest.fixture(scope="module")
def content(content_dir: Path) -> Content:
    return load_content(content_dir)


@pytest.fixture(scope="module")
def texts(content: Content) -> ChartTexts:
    return ChartTexts.from_texts(content.texts)


def image(chart: Chart) -> Image.Image:
    assert chart.png.startswith(PNG_SIGNATURE)
    picture = Image.open(io.BytesIO(chart.png))
    picture.load()
    assert picture.format == "PNG" and picture.size == (chart.width, chart.height) == (1080, chart.height)
    return picture.convert("RGB")


def png_chunks(png: bytes) -> list[bytes]:
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        chunks.append(kind)
        at += 12 + length
    return chunks


def pixels_of(picture: Image.Image, colour: str) -> int:
    """How many pixels have exactly this colour ("#RRGGBB")."""
    wanted = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return sum(count for count, rgb in picture.getcolors(maxcolors=1 << 20) if rgb == wanted)


def table(*rows: tuple[str, list[tuple[int, int]]], columns: tuple[str, ...] = ("PI 1", "PI 2")) -> CompletionTable:
    return CompletionTable(columns, tuple(CompletionRow(name, tuple(Cell(d, t) for d, t in cells)) for name, cells in rows))


# -- completion ----------------------------------------------------------------------------------------

def test_completion_chart_shows_each_groups_numbers_most_behind_first(texts: ChartTexts) -> None:
    data = table(("Bambang Sutrisno", [(7, 10), (5, 10)]), ("Andi Rahman", [(2, 8), (0, 8)]),
                 ("Siti Nurhaliza", [(6, 6), (6, 6)]))
    [chart] = completion_charts(data, texts, title="Penyelesaian per kelompok PP", subtitle="per hari ini")
    image(chart)
    assert chart.labels == ("Andi Rahman", "Bambang Sutrisno", "Siti Nurhaliza")
    assert chart.columns == ("PI 1", "PI 2")
    assert chart.texts == ("2/8", "0/8", "7/10", "5/10", "6/6", "6/6")
    assert chart.values == ((0.25, 0.0), (0.7, 0.5), (1.0, 1.0))


def test_cell_colours_come_from_the_shares(texts: ChartTexts) -> None:
    # nobody done is drawn vermillion, everyone done blue, a group with nobody for a flow grey
    [chart] = completion_charts(table(("Andi Rahman", [(0, 8), (8, 8)]), ("Bambang", [(0, 0), (8, 8)])), texts, title="T")
    picture = image(chart)
    assert math.isnan(chart.values[1][0]) and chart.texts[2] == "–"
    cell = 900  # a cell is about 300 × 84 px here; its number covers a small part of it
    assert pixels_of(picture, charts.VERMILLION) > cell * 20
    assert pixels_of(picture, charts.BLUE) > 2 * cell * 20
    assert pixels_of(picture, charts.NOBODY) > cell * 20


def test_many_groups_fold_into_one_row_for_the_rest(texts: ChartTexts) -> None:
    rows = [(f"PP {n:03}", [(n % 10, 10), (n % 7, 10)]) for n in range(200)]
    [chart] = completion_charts(table(*rows), texts, title="T", top=10)
    picture = image(chart)
    assert picture.height <= TELEGRAM_PHOTO_SIDE
    assert len(chart.labels) == 11 and chart.labels[-1] == texts.others.format(n=190)
    shown = {name: cells for name, cells in rows if name in chart.labels}
    rest = [cells for name, cells in rows if name not in shown]
    assert len(shown) == 10 and max(sum(d for d, _ in c) for c in shown.values()) <= min(sum(d for d, _ in c) for c in rest)
    for column in range(2):
        assert chart.values[-1][column] == pytest.approx(sum(c[column][0] for c in rest) / sum(c[column][1] for c in rest))
    # one row more than `top` is shown, not folded into "1 lainnya"
    [chart] = completion_charts(table(*rows[:11]), texts, title="T", top=10)
    assert len(chart.labels) == 11 and texts.others.format(n=1) not in chart.labels


def test_flows_that_do_not_fit_across_go_on_further_pages(texts: ChartTexts) -> None:
    columns = tuple(f"LK {n}" for n in range(12)) + ("Evaluasi penyelenggaraan Lokakarya",)
    data = table(("Andi Rahman", [(n % 4, 4) for n in range(13)]), ("Made Wirawan", [(4, 4)] * 13), columns=columns)
    pages = completion_charts(data, texts, title="Penyelesaian per kelompok PP", max_columns=6)
    assert len(pages) == 3 and [len(p.columns) for p in pages] == [5, 5, 3]
    shown = [c for p in pages for c in p.columns]
    assert shown[:12] == list(columns[:12])
    assert shown[12].startswith("Evaluasi\n") and shown[12].endswith("…")  # two lines at most, then shortened
    assert [v for p in pages for v in p.values[0]] == [(n % 4) / 4 for n in range(13)]
    for page in pages:
        image(page)


def test_big_numbers_become_percentages_and_long_names_are_shortened(texts: ChartTexts) -> None:
    long_name = "Kabupaten Kepulauan Mentawai Sebelah Utara Pulau Siberut"
    data = table((long_name, [(992, 1098), (2, 1098), (1097, 1098), (1098, 1098)]), ("Kota Jayapura", [(5, 7)] * 4),
                 columns=("PI 1", "PI 2", "PI 3", "PI 4"))
    [chart] = completion_charts(data, texts, title="Penyelesaian per kabupaten/kota")
    assert chart.labels[0] == "Kota Jayapura" and chart.texts[:4] == ("5/7",) * 4
    # a fraction as wide as "992/1.098" leaves no room for four columns: percentages, never a false 0% or 100%
    assert chart.texts[4:] == ("90%", "<1%", "99%", "100%")
    assert chart.labels[1].endswith("…") and long_name.startswith(chart.labels[1][:-1])


def test_a_bad_table_is_refused() -> None:
    with pytest.raises(ValueError, match="done <= total"):
        Cell(5, 4)
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        table(("Andi", [(1, 2), (1, 2)]), columns=("a", "b", "c"))
    with pytest.raises(ValueError, match="at least one"):
        CompletionTable(("PI 1",), ())


# -- progress ------------------------------------------------------------------------------------------

def test_progress_chart_draws_the_series(texts: ChartTexts) -> None:
    days = tuple(date(2026, 1, 5) + timedelta(weeks=n) for n in range(6))
    series = ProgressSeries(days, (ProgressLine("PI 1", (0, 100, 400, 700, 900, 940)),
                                   ProgressLine("PI 2", (0, 0, 10, 150, 500, 938))), total=1000)
    chart = progress_chart(series, texts, title="Perkembangan pengisian", subtitle="Angkatan 11")
    image(chart)
    assert chart.height == 1080
    assert chart.labels == ("PI 1", "PI 2")
    assert chart.values == ((0, 100, 400, 700, 900, 940), (0, 0, 10, 150, 500, 938))
    assert chart.texts == ("PI 1: 940/1.000", "PI 2: 938/1.000", "Jumlah peserta: 1.000")


def test_progress_without_a_ceiling_and_with_many_days(texts: ChartTexts) -> None:
    days = tuple(date(2026, 1, 1) + timedelta(days=n) for n in range(120))
    chart = progress_chart(ProgressSeries(days, (ProgressLine("Angkatan 11", tuple(range(0, 12_000, 100))),)), texts, title="T")
    image(chart)
    assert chart.values == (tuple(float(v) for v in range(0, 12_000, 100)),)
    assert chart.texts == ("Angkatan 11: 11.900",)


def test_a_bad_series_is_refused() -> None:
    days = (date(2026, 1, 1), date(2026, 1, 2))
    with pytest.raises(ValueError, match="at most 6 lines"):
        ProgressSeries(days, tuple(ProgressLine(f"PI {n}", (0, 1)) for n in range(7)))
    with pytest.raises(ValueError, match="one count >= 0 per date"):
        ProgressSeries(days, (ProgressLine("PI 1", (0,)),))
    with pytest.raises(ValueError, match="increasing"):
        ProgressSeries(days[::-1], (ProgressLine("PI 1", (0, 1)),))


# -- delivery ------------------------------------------------------------------------------------------

def test_delivery_chart_shows_every_state(texts: ChartTexts) -> None:
    counts = DeliveryCounts(sent=18_234, waiting=1_200, failed=37, blocked=412, not_joined=890)
    chart = delivery_chart(counts, texts, title="Pengiriman siaran #12")
    picture = image(chart)
    assert chart.labels == ("Terkirim", "Menunggu", "Gagal", "Memblokir bot", "Belum bergabung")
    assert chart.values == ((18_234,), (1_200,), (37,), (412,), (890,))
    assert chart.texts == ("18.234 (88%)", "1.200 (6%)", "37 (<1%)", "412 (2%)", "890 (4%)")
    # the bars' areas in the picture follow the counts
    sent, waiting = pixels_of(picture, charts.GREEN), pixels_of(picture, charts.SKY)
    assert sent / waiting == pytest.approx(18_234 / 1_200, rel=0.1)


def test_delivery_of_nothing_yet(texts: ChartTexts) -> None:
    chart = delivery_chart(DeliveryCounts(0, 0, 0, 0, 0), texts, title="Pengiriman siaran #1")
    image(chart)
    assert chart.texts == ("0 (0%)",) * 5
    with pytest.raises(ValueError):
        DeliveryCounts(-1, 0, 0, 0, 0)


# -- all charts ----------------------------------------------------------------------------------------

def test_the_same_data_gives_the_same_bytes_without_stamps(texts: ChartTexts) -> None:
    def draw() -> bytes:
        return delivery_chart(DeliveryCounts(3, 1, 0, 1, 0), texts, title="Pengiriman siaran #2").png

    first = draw()
    assert draw() == first
    assert set(png_chunks(first)) <= {b"IHDR", b"pHYs", b"IDAT", b"IEND"}  # no tEXt "Software", no tIME


def test_chart_texts_come_from_the_shipped_content(content: Content, texts: ChartTexts) -> None:
    assert texts.sent == content.text("chart.label.sent")
    assert texts.others.format(n=3) == "3 lainnya"
    for key in ("completion_pp", "completion_district", "progress"):
        assert content.text(f"chart.title.{key}")


def test_importing_the_module_or_the_bot_does_not_import_matplotlib() -> None:
    probe = "import sys, reports.charts, bot.app; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_demo_writes_sample_pictures(tmp_path: Path) -> None:
    written = charts.demo(tmp_path)
    assert len(written) >= 7 and all(p.parent == tmp_path for p in written)
    for path in written:
        with Image.open(path) as picture:
            assert picture.format == "PNG" and picture.width == 1080 and picture.height <= TELEGRAM_PHOTO_SIDE
