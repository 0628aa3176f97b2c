"""Tests for analysis.charts: valid, accessible, deterministic SVG with honest gaps."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import pytest

from analysis.charts import (
    ChartWords,
    TrendPoint,
    bar_svg,
    nps_trend_svg,
    sparkline_svg,
    trend_svg,
)

REPO = Path(__file__).parents[2]
SVG = "{http://www.w3.org/2000/svg}"

MONTHS = [
    TrendPoint("2024-01", 12.0, 2.0, 22.0, 120),
    TrendPoint("2024-02", 18.5, 9.0, 27.0, 95),
    TrendPoint("2024-03", None, None, None, 0),
    TrendPoint("2024-04", 25.0, -5.0, 50.0, 14),
    TrendPoint("2024-05", 21.0, 12.0, 30.0, 140),
]

CHARTS: dict[str, Callable[[], bytes]] = {
    "nps_trend": lambda: nps_trend_svg(MONTHS, previous_index=3),
    "csat_trend": lambda: trend_svg(MONTHS, y_label="CSAT (%)", y_range=(0, 100)),
    "sparkline": lambda: sparkline_svg([3, 5, None, 8, 2]),
    "bar": lambda: bar_svg(["Enterprise", "SMB"], [-12.5, 30.0], x_label="NPS"),
}


def parse(svg: bytes) -> ET.Element:
    """Parse SVG bytes, failing the test on malformed XML."""
    return ET.fromstring(svg)


def texts(svg: bytes) -> list[str]:
    """The content of every <text> element, in document order."""
    return [element.text or "" for element in parse(svg).iter(f"{SVG}text")]


def group(svg: bytes, gid: str) -> ET.Element | None:
    """The <g> element with the given id, if any."""
    return next((g for g in parse(svg).iter(f"{SVG}g") if g.get("id") == gid), None)


# ---------------------------------------------------------------- every chart


@pytest.mark.parametrize("render", CHARTS.values(), ids=CHARTS.keys())
def test_chart_is_valid_svg_with_title_and_description_first(
    render: Callable[[], bytes],
) -> None:
    root = parse(render())
    assert root.tag == f"{SVG}svg"
    first, second = list(root)[:2]
    assert first.tag == f"{SVG}title"
    assert first.text
    assert second.tag == f"{SVG}desc"
    assert second.text


@pytest.mark.parametrize("render", CHARTS.values(), ids=CHARTS.keys())
def test_same_data_gives_byte_identical_svg(render: Callable[[], bytes]) -> None:
    assert render() == render()


@pytest.mark.parametrize("render", CHARTS.values(), ids=CHARTS.keys())
def test_chart_has_no_date_and_does_not_leak_style(render: Callable[[], bytes]) -> None:
    salt = matplotlib.rcParams["svg.hashsalt"]
    svg = render()
    assert b"<dc:date>" not in svg
    assert matplotlib.rcParams["svg.hashsalt"] == salt


def test_different_data_gives_different_svg() -> None:
    changed = [*MONTHS[:-1], TrendPoint("2024-05", 22.0, 12.0, 30.0, 140)]
    assert nps_trend_svg(changed) != nps_trend_svg(MONTHS)


def test_user_style_does_not_change_the_chart() -> None:
    expected = nps_trend_svg(MONTHS)
    with matplotlib.rc_context({"font.size": 20, "lines.linewidth": 5}):
        assert nps_trend_svg(MONTHS) == expected


def test_concurrent_renders_are_identical() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = set(pool.map(lambda _: nps_trend_svg(MONTHS), range(8)))
    assert len(results) == 1


def test_svg_is_identical_across_processes_and_never_loads_pyplot() -> None:
    # A cache shared by several web workers needs the same bytes in every process.
    code = (
        "import sys\n"
        "from analysis.charts import TrendPoint, nps_trend_svg\n"
        "points = [TrendPoint('2024-01', 12.0, 2.0, 22.0, 120),"
        " TrendPoint('2024-02', None, None, None, 0)]\n"
        "sys.stdout.buffer.write(nps_trend_svg(points))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, check=True, cwd=REPO
        ).stdout
        for _ in range(2)
    ]
    here = nps_trend_svg([MONTHS[0], TrendPoint("2024-02", None, None, None, 0)])
    assert runs[0] == runs[1] == here


# ---------------------------------------------------------------- trends


def test_trend_prints_n_under_every_period_label() -> None:
    labels = texts(nps_trend_svg(MONTHS))
    for point in MONTHS:
        position = labels.index(point.label)
        assert labels[position + 1] == f"n={point.n}"


def test_trend_title_is_accessible_and_description_spells_out_data() -> None:
    root = parse(nps_trend_svg(MONTHS, title="NPS, all customers"))
    assert root.find(f"{SVG}title").text == "NPS, all customers"
    description = root.find(f"{SVG}desc").text
    assert "2024-01: 12 (95% interval 2 to 22), n=120" in description
    assert "2024-03: no data (n=0)" in description


def test_trend_breaks_the_line_at_a_period_without_answers() -> None:
    line = group(nps_trend_svg(MONTHS), "trend-line")
    path = line.find(f"{SVG}path").get("d")
    # Two runs (Jan-Feb and Apr-May) are two sub-paths: the gap is not a zero.
    assert path.count("M") == 2


def markers(svg: bytes, gid: str) -> int:
    """How many markers the group ``gid`` draws (0 if there is no such group)."""
    found = group(svg, gid)
    return 0 if found is None else len(list(found.iter(f"{SVG}use")))


def test_trend_draws_no_point_for_a_gap_and_small_samples_hollow() -> None:
    svg = nps_trend_svg(MONTHS)
    # Four periods have answers: 2024-04 (n=14) is hollow, 2024-03 has no point.
    assert markers(svg, "points") == 3
    assert markers(svg, "small-sample-points") == 1


def test_trend_treats_n_zero_as_a_gap_even_with_a_value() -> None:
    points = [MONTHS[0], TrendPoint("2024-02", 0.0, None, None, 0), MONTHS[1]]
    svg = nps_trend_svg(points)
    assert markers(svg, "points") == 2
    assert group(svg, "trend-line").find(f"{SVG}path").get("d").count("M") == 2


def test_trend_marks_small_samples_in_the_legend_only_when_present() -> None:
    assert "n < 30 (small sample)" in texts(nps_trend_svg(MONTHS))
    large = [p for p in MONTHS if p.n >= 30]
    assert "n < 30 (small sample)" not in texts(nps_trend_svg(large))


def test_trend_prints_the_words_it_is_given() -> None:
    words = ChartWords(
        interval="95%区間",
        small_sample="n < 30（少数）",
        partial_period="* 途中の期間",
        previous_period="前期",
        no_data="まだデータがありません",
        by_period="{title}（期間ごと）。",
        no_periods="{title}: まだ期間がありません。",
        partial_label="{label}（途中）",
        no_data_point="{label}: データなし（n={n}）",
        interval_range="95%区間 {low}〜{high}",
    )
    partial = [*MONTHS[:-1], TrendPoint("2024-06", 20.0, 10.0, 30.0, 50, partial=True)]
    svg = nps_trend_svg(partial, previous_index=1, words=words)
    shown = texts(svg)
    assert {"95%区間", "n < 30（少数）", "* 途中の期間", "前期"} <= set(shown)
    assert not {"95% interval", "previous period", "* partial period"} & set(shown)
    description = parse(svg).find(f"{SVG}desc").text
    assert description.startswith("Net Promoter Score（期間ごと）。 2024-01: 12")
    assert "2024-01: 12 (95%区間 2〜22), n=120" in description
    assert "2024-03: データなし（n=0）" in description
    assert "2024-06（途中）: 20" in description
    empty = trend_svg([], y_label="CSAT", y_range=(0, 100), words=words)
    assert "まだデータがありません" in texts(empty)
    assert parse(empty).find(f"{SVG}desc").text == "CSAT: まだ期間がありません。"


def test_trend_marks_the_previous_period_distinctly() -> None:
    assert "previous period" in texts(nps_trend_svg(MONTHS, previous_index=1))
    assert "previous period" not in texts(nps_trend_svg(MONTHS))


def test_nps_trend_spans_minus_100_to_100_with_a_zero_line() -> None:
    labels = texts(nps_trend_svg(MONTHS))
    minus_100 = "\N{MINUS SIGN}100"  # matplotlib's tick labels use a true minus
    assert minus_100 in labels
    assert "100" in labels
    csat_labels = texts(trend_svg(MONTHS, y_label="CSAT (%)", y_range=(0, 100)))
    assert minus_100 not in csat_labels


def test_nps_trend_is_trend_svg_with_nps_settings() -> None:
    assert nps_trend_svg(MONTHS, title="NPS") == trend_svg(
        MONTHS, y_label="NPS", y_range=(-100, 100), title="NPS", baseline=0
    )


def test_trend_of_no_periods_still_renders() -> None:
    svg = trend_svg([], y_label="SUS", y_range=(0, 100))
    assert "no data yet" in texts(svg)


def test_trend_shows_dollar_signs_literally() -> None:
    points = [
        TrendPoint("$49 plan", 70.0, 60.0, 80.0, 40),
        TrendPoint("$99 plan", 75.0, 65.0, 85.0, 41),
    ]
    svg = trend_svg(points, y_label="SUS", y_range=(0, 100))
    assert "$49 plan" in texts(svg)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"previous_index": 5}, "previous_index"),
        ({"previous_index": -1}, "previous_index"),
        ({"y_range": (100, 0)}, "y_range"),
        ({"y_range": (0, float("nan"))}, "y_range"),
    ],
)
def test_trend_rejects_bad_options(kwargs: dict[str, object], message: str) -> None:
    options = {"y_label": "NPS", "y_range": (-100, 100), **kwargs}
    with pytest.raises(ValueError, match=message):
        trend_svg(MONTHS, **options)  # type: ignore[arg-type]


def test_trend_rejects_points_that_are_not_trend_points() -> None:
    with pytest.raises(ValueError, match="TrendPoint"):
        nps_trend_svg([("2024-01", 10.0, 0.0, 20.0, 40)])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("Jan", 1.0, None, None, -1), "non-negative"),
        (("Jan", 1.0, None, None, True), "non-negative"),
        (("Jan", float("nan"), None, None, 3), "finite"),
        (("Jan", "12", None, None, 3), "number"),
        (("Jan", 1.0, 5.0, 2.0, 3), "above ci_high"),
        ((2024, 1.0, None, None, 3), "label"),
    ],
)
def test_trend_point_rejects_bad_fields(fields: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrendPoint(*fields)


# ---------------------------------------------------------------- sparkline and bars


def test_sparkline_is_sized_in_css_pixels() -> None:
    root = parse(sparkline_svg([1, 2, 3], width_px=120, height_px=28))
    # 1 CSS px = 0.75 pt.
    assert (root.get("width"), root.get("height")) == ("90pt", "21pt")


def test_sparkline_breaks_at_missing_values_and_spells_them_out() -> None:
    svg = sparkline_svg([3, 5, None, 8, 2])
    assert parse(svg).find(f"{SVG}title").text == "Trend: 3, 5, none, 8, 2"
    paths = [p.get("d") for p in parse(svg).iter(f"{SVG}path")]
    assert any(d.count("M") == 2 for d in paths)


@pytest.mark.parametrize("values", [[], [None, None], [4, 4, 4]])
def test_sparkline_renders_empty_or_flat_series(values: list[float | None]) -> None:
    assert parse(sparkline_svg(values)).tag == f"{SVG}svg"


@pytest.mark.parametrize(
    ("values", "kwargs"),
    [
        (["3"], {}),
        ([float("inf")], {}),
        ([1], {"width_px": 0}),
        ([1], {"height_px": 2.5}),
    ],
)
def test_sparkline_rejects_bad_input(values: list, kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"values|width_px|height_px"):
        sparkline_svg(values, **kwargs)


def test_bar_chart_labels_bars_and_prints_values() -> None:
    svg = bar_svg(
        ["Enterprise", "SMB", "Public sector"],
        [-12.5, 30.0, 0.0],
        x_label="NPS",
        title="Which segments drag NPS",
        errors=[8.0, 10.0, 12.0],
    )
    labels = texts(svg)
    assert {"Enterprise", "SMB", "Public sector", "-12.5", "30", "0"} <= set(labels)
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Which segments drag NPS"
    assert "Enterprise: -12.5 ± 8" in root.find(f"{SVG}desc").text


def test_bar_chart_shortens_a_long_name_on_the_axis_not_in_the_description() -> None:
    long_name = "Regional public-sector agencies and universities " * 2
    svg = bar_svg([long_name, "SMB"], [-5.0, 10.0], x_label="NPS")
    shortened = next(text for text in texts(svg) if text.startswith("Regional"))
    assert shortened.endswith("…")
    assert len(shortened) < len(long_name)
    assert f"{long_name}: -5" in parse(svg).find(f"{SVG}desc").text


def test_bar_chart_colours_negative_bars_differently() -> None:
    fills = re.findall(
        rb"fill: (#[0-9a-f]{6})", bar_svg(["a", "b"], [-1.0, 1.0], x_label="x")
    )
    assert b"#b2333b" in fills
    assert b"#1f5fa8" in fills


@pytest.mark.parametrize(
    ("labels", "values", "errors", "message"),
    [
        (["a"], [1.0, 2.0], None, "1 labels but 2 values"),
        (["a"], [1.0], [1.0, 2.0], "errors"),
        (["a"], [float("nan")], None, "finite"),
        (["a"], [1.0], [-1.0], "errors >= 0"),
        ([1], [1.0], None, "labels must be strings"),
    ],
)
def test_bar_chart_rejects_mismatched_or_bad_input(
    labels: list, values: list, errors: list | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bar_svg(labels, values, x_label="NPS", errors=errors)


# ---------------------------------------------------------------- partial, clipping


def test_a_partial_period_is_shaded_starred_and_described() -> None:
    points = [
        TrendPoint("2024 Q3", 20.0, 10.0, 30.0, 200),
        TrendPoint("2024 Q4", 30.0, 18.0, 42.0, 120, partial=True),
    ]

    svg = nps_trend_svg(points, previous_index=0)

    assert group(svg, "partial-1") is not None
    assert group(svg, "partial-0") is None
    assert "2024 Q4*" in texts(svg)
    assert "* partial period" in texts(svg)
    description = parse(svg).find(f"{SVG}desc").text
    assert "2024 Q4 (partial period): 30" in description
    assert "2024 Q3 (partial" not in description


def test_a_chart_without_partial_periods_has_no_partial_legend() -> None:
    assert "* partial period" not in texts(nps_trend_svg(MONTHS))


def test_a_band_beyond_the_scale_is_clipped_to_it() -> None:
    points = [TrendPoint("2024-01", -90.0, -130.0, -50.0, 12)]

    svg = nps_trend_svg(points)

    assert "95% interval -100 to -50" in parse(svg).find(f"{SVG}desc").text


def test_bar_error_bars_stop_at_the_ends_of_the_scale() -> None:
    svg = bar_svg(
        ["Public", "SMB"],
        [-90.0, 95.0],
        errors=[25.0, 10.0],
        x_label="NPS",
        value_range=(-100, 100),
    )

    description = parse(svg).find(f"{SVG}desc").text
    assert "Public: -90 (interval -100 to -65)" in description
    assert "SMB: 95 (interval 85 to 100)" in description
    # The drawn error bar of Public reaches -100, not -115.
    assert "-115" not in description


def test_bar_value_range_must_be_increasing() -> None:
    with pytest.raises(ValueError, match="value_range"):
        bar_svg(["a"], [1.0], errors=[1.0], x_label="x", value_range=(100, -100))
