"""Dashboard charts rendered to standalone, deterministic SVG bytes.

Charts are drawn on a bare :class:`matplotlib.figure.Figure` (never ``pyplot``, which
keeps global figure state and needs a GUI-free backend chosen up front) and saved as
SVG with real ``<text>`` elements, so labels stay searchable and readable by screen
readers. Every SVG starts with a ``<title>`` and a ``<desc>`` that spell out the data,
because a chart without an accessible name is invisible to assistive technology.

Output is byte-identical for identical input (fixed style, fixed ``svg.hashsalt``, no
date in the metadata), so the web app can cache a chart under a hash of its data.
Rendering holds a lock: matplotlib's style is process-global and the web server may
render from several threads.

Intervals never leave the score's scale: a trend's band is clipped to ``y_range``
and a bar's error bar to ``value_range``, so an NPS interval never reaches below
-100 on the drawing. A period the data covers only in part (``TrendPoint.partial``)
is shaded and starred, so a half-finished quarter is not read as a whole one.

Drawing is kept cheap, because a dashboard's first visit after new data draws six
charts: margins are fixed in inches rather than found by constrained layout (which
draws the figure once more to measure it), period labels are plain texts rather than
ticks, and a trend's markers are one artist per kind rather than one per period.
The fixed words a chart prints come in a :class:`ChartWords`, so the web app can
pass them in the reader's language.

The scores themselves come from :mod:`analysis.scores`; this module only draws them.
"""

import decimal
import io
import math
import numbers
import threading
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape  # nosec B406 - escapes SVG text, parses nothing

import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import ScaledTranslation

from analysis.scores import SMALL_SAMPLE_N

__all__ = [
    "ENGLISH",
    "ChartWords",
    "TrendPoint",
    "bar_svg",
    "nps_trend_svg",
    "sparkline_svg",
    "trend_svg",
]

#: Style applied on top of matplotlib's defaults for every chart.
CHART_STYLE: dict[str, object] = {
    "svg.hashsalt": "cat-survey",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.titlesize": 10,
    "figure.titleweight": "bold",
}

LINE_COLOR = "#1f5fa8"
PREVIOUS_COLOR = "#c05a00"
NEGATIVE_COLOR = "#b2333b"
MUTED_COLOR = "#6b6b6b"
PARTIAL_COLOR = "#9a9a9a"

#: Widest bar name drawn, in inches; longer names end in "…" (the <desc> has them).
LONGEST_BAR_NAME = 2.5

_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartWords:
    """The fixed words a trend chart prints, English unless the caller translates.

    This module cannot ask the web app for the reader's language, so the app passes
    these texts already translated (``cat_survey.reports`` does, with gettext).

    Attributes
    ----------
    interval : str
        Legend entry of the shaded 95% band.
    small_sample : str
        Legend entry of the hollow markers of periods with few answers.
    partial_period : str
        Legend entry of the shading of partly covered periods (their labels are
        starred, so it starts with the star).
    previous_period : str
        Legend entry of the period compared against.
    no_data : str
        Shown across an empty chart.
    by_period, no_periods : str
        Start of the <desc> of a trend, and the whole <desc> of one without
        periods; ``{title}`` stands for the chart's title.
    partial_label, no_data_point, interval_range : str
        How the <desc> names a partial period (``{label}``), a period without
        answers (``{label}``, ``{n}``) and an interval (``{low}``, ``{high}``).

    Examples
    --------
    >>> ChartWords(no_data="まだデータがありません").interval
    '95% interval'
    """

    interval: str = "95% interval"
    small_sample: str = f"n < {SMALL_SAMPLE_N} (small sample)"
    partial_period: str = "* partial period"
    previous_period: str = "previous period"
    no_data: str = "no data yet"
    by_period: str = "{title} by period."
    no_periods: str = "{title}: no periods yet."
    partial_label: str = "{label} (partial period)"
    no_data_point: str = "{label}: no data (n={n})"
    interval_range: str = "95% interval {low} to {high}"


#: The words charts print when the caller gives none.
ENGLISH = ChartWords()


@dataclass(frozen=True)
class TrendPoint:
    """One period of a trend: its label, score, 95% interval and sample size.

    A point with ``n == 0`` or ``value is None`` is drawn as a gap, never as zero.
    Numbers straight from SQL (``Decimal``, NumPy scalars) are stored as float.

    Attributes
    ----------
    label : str
        Period label shown on the x axis ("2024-05").
    value : float or None
        The period's score.
    ci_low, ci_high : float or None
        The 95% interval; the band is left out where either is ``None``.
    n : int
        Number of answers behind the score.
    partial : bool, default False
        Whether the period is only partly covered (still running, or cut by the
        range or by the first answer); it is shaded and its label starred.
    """

    label: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    partial: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.label, str):
            raise ValueError(f"label must be a string, got {self.label!r}")
        if not _is_number(self.n, whole=True) or self.n < 0:
            raise ValueError(f"n must be a non-negative int, got {self.n!r}")
        # Frozen, so normalised values are set the way dataclass __init__ does.
        object.__setattr__(self, "n", int(self.n))
        for name in ("value", "ci_low", "ci_high"):
            number = getattr(self, name)
            if number is None:
                continue
            if not _is_number(number):
                raise ValueError(f"{name} must be a number or None, got {number!r}")
            if not math.isfinite(number):
                raise ValueError(f"{name} must be finite or None, got {number!r}")
            object.__setattr__(self, name, float(number))
        if (
            self.ci_low is not None
            and self.ci_high is not None
            and self.ci_low > self.ci_high
        ):
            raise ValueError(f"ci_low {self.ci_low} is above ci_high {self.ci_high}")

    @property
    def is_gap(self) -> bool:
        """Whether the period has no score to draw."""
        return self.n == 0 or self.value is None


def _is_number(value: object, *, whole: bool = False) -> bool:
    """Whether ``value`` is a real number (an integer if ``whole``), not a bool."""
    kinds = numbers.Integral if whole else numbers.Real | decimal.Decimal
    return isinstance(value, kinds) and not isinstance(value, bool)


@contextmanager
def _chart_style() -> Iterator[None]:
    """Serialise rendering and pin the style, whatever the user's matplotlibrc."""
    with (
        _RENDER_LOCK,
        matplotlib.style.context(["default", CHART_STYLE]),
        warnings.catch_warnings(),
    ):
        # Labels in Japanese lack glyphs in the bundled font; SVG keeps them as text,
        # which the browser draws with its own fonts, so the warning is noise here.
        warnings.filterwarnings(
            "ignore", r"Glyph \d+ .* missing from font", UserWarning
        )
        yield


def _svg_bytes(figure: Figure, *, title: str, description: str) -> bytes:
    """Save ``figure`` as SVG with an accessible title and description."""
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="svg",
        metadata={"Title": title, "Date": None, "Creator": "cat-survey"},
    )
    svg = buffer.getvalue()
    # matplotlib writes <title> but puts the description only in RDF metadata,
    # which assistive technology ignores; <desc> is what it reads.
    desc = f"</title>\n <desc>{escape(description)}</desc>".encode()
    return svg.replace(b"</title>", desc, 1)


def _text_inches(text: str, *, size: float = 9) -> float:
    """Rough width of one line of ``text`` at ``size`` points, in inches.

    The SVG keeps text as text, so the browser's own font draws it and matplotlib's
    measure of its bundled font (which has no Japanese glyphs) is no truer than this:
    a wide (CJK) character takes one em, any other about 0.62 em.
    """
    ems = sum(
        1.0 if unicodedata.east_asian_width(character) in "WF" else 0.62
        for character in text
    )
    return ems * size / 72


def _shortened(text: str, inches: float) -> str:
    """``text`` cut with an ellipsis to fit ``inches``; the description keeps it all."""
    if _text_inches(text) <= inches:
        return text
    while text and _text_inches(text + "…") > inches:
        text = text[:-1]
    return text.rstrip() + "…"


def _fix_margins(
    figure: Figure, *, left: float, right: float, top: float, bottom: float
) -> None:
    """Place the axes at fixed margins, given in inches.

    Constrained layout measured every label by drawing the whole figure an extra
    time, which was most of a chart's cost; these charts' margins are known up front.
    """
    width, height = figure.get_size_inches()
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
    )


def _plain(text: str) -> str:
    """Escape dollar signs so matplotlib never reads user text as mathtext."""
    return text.replace("$", r"\$")


def _format_number(value: float) -> str:
    """Short human form of a score for titles and descriptions."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _describe_point(point: TrendPoint, words: ChartWords) -> str:
    """One period in words, for the SVG description."""
    if point.partial:
        point = replace(point, label=words.partial_label.format(label=point.label))
    if point.is_gap or point.value is None:
        return words.no_data_point.format(label=point.label, n=point.n)
    text = f"{point.label}: {_format_number(point.value)}"
    if point.ci_low is not None and point.ci_high is not None:
        low, high = _format_number(point.ci_low), _format_number(point.ci_high)
        text += f" ({words.interval_range.format(low=low, high=high)})"
    return f"{text}, n={point.n}"


def _check_range(name: str, value_range: tuple[float, float]) -> tuple[float, float]:
    """Validate an axis range as two finite, increasing numbers."""
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (low, high), got {value_range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be finite with low < high, got {value_range!r}")
    return low, high


def _clip_band(point: TrendPoint, low: float, high: float) -> TrendPoint:
    """The point with its interval cut to the axis, so no band leaves the scale."""
    if point.ci_low is None or point.ci_high is None:
        return point
    return replace(
        point,
        ci_low=min(high, max(low, point.ci_low)),
        ci_high=max(low, min(high, point.ci_high)),
    )


def _label_periods(axes: Axes, points: Sequence[TrendPoint]) -> None:
    """Write each period's label under the axis, with its n on a second line.

    The labels are plain texts rather than tick labels: a matplotlib tick is two
    lines, a grid line and two texts, and made and laid out per period it was a
    large share of a chart's cost. The n is there because it is as honest as the score.
    """
    axes.set_xticks([])
    # x in data (the period's index), y in axes units; then 3.5 points down.
    under_axis = axes.get_xaxis_transform() + ScaledTranslation(
        0, -3.5 / 72, axes.figure.dpi_scale_trans
    )
    for index, point in enumerate(points):
        star = "*" if point.partial else ""
        axes.text(
            index,
            0,
            f"{_plain(point.label)}{star}\nn={point.n}",
            transform=under_axis,
            ha="center",
            va="top",
        )


def _mark_partial(
    axes: Axes, points: Sequence[TrendPoint], *, label: str
) -> list[Patch]:
    """Shade partial periods; return their legend entry if there are any."""
    partial = [index for index, point in enumerate(points) if point.partial]
    for index in partial:
        span = axes.axvspan(
            index - 0.5, index + 0.5, color=PARTIAL_COLOR, alpha=0.15, lw=0
        )
        span.set_gid(f"partial-{index}")
    if not partial:
        return []
    return [Patch(color=PARTIAL_COLOR, alpha=0.3, label=_plain(label))]


def _draw_band(axes: Axes, points: Sequence[TrendPoint]) -> None:
    """Shade the 95% interval over runs of points, with a bar for lone points."""
    bands = {
        index: (p.ci_low, p.ci_high)
        for index, p in enumerate(points)
        if not p.is_gap and p.ci_low is not None and p.ci_high is not None
    }
    runs: list[list[int]] = []
    for index in bands:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    for run in runs:
        lows = [bands[i][0] for i in run]
        highs = [bands[i][1] for i in run]
        if len(run) == 1:
            # A one-point band has no width; a vertical bar shows the interval.
            axes.vlines(run, lows, highs, color=LINE_COLOR, alpha=0.35, linewidth=4)
        else:
            axes.fill_between(run, lows, highs, color=LINE_COLOR, alpha=0.18, lw=0)


def _draw_line(axes: Axes, points: Sequence[TrendPoint], *, label: str) -> list[Line2D]:
    """Draw the score line, broken at gaps, with one marker per period."""
    values = [math.nan if p.is_gap or p.value is None else p.value for p in points]
    (line,) = axes.plot(range(len(points)), values, color=LINE_COLOR, linewidth=1.8)
    line.set_gid("trend-line")
    # One artist per kind of marker, not one per period (each artist costs as much
    # to make and draw as its whole line): filled, and hollow for small samples.
    for gid, small in (("points", False), ("small-sample-points", True)):
        drawn = [
            (index, point.value)
            for index, point in enumerate(points)
            if not point.is_gap
            and point.value is not None
            and (point.n < SMALL_SAMPLE_N) == small
        ]
        if not drawn:
            continue
        (markers,) = axes.plot(
            [index for index, _ in drawn],
            [value for _, value in drawn],
            linestyle="none",
            marker="o",
            markersize=6,
            color=LINE_COLOR,
            markerfacecolor="white" if small else LINE_COLOR,
        )
        markers.set_gid(gid)
    return [Line2D([], [], color=LINE_COLOR, marker="o", label=label)]


def _mark_small_samples(
    axes: Axes, points: Sequence[TrendPoint], *, label: str
) -> list[Line2D]:
    """Legend entry for the hollow small-sample markers, if any period has one."""
    if not any(not p.is_gap and p.n < SMALL_SAMPLE_N for p in points):
        return []
    return [
        Line2D(
            [],
            [],
            color=LINE_COLOR,
            marker="o",
            markerfacecolor="white",
            linestyle="none",
            label=_plain(label),
        )
    ]


def _mark_previous(
    axes: Axes, points: Sequence[TrendPoint], index: int, *, label: str
) -> Line2D:
    """Mark the comparison period with a dotted line and a ring; return its legend."""
    axes.axvline(index, color=PREVIOUS_COLOR, linestyle=":", linewidth=1.2)
    previous = points[index]
    if not previous.is_gap and previous.value is not None:
        axes.plot(
            index,
            previous.value,
            marker="o",
            markersize=12,
            markerfacecolor="none",
            markeredgecolor=PREVIOUS_COLOR,
            markeredgewidth=1.6,
        )
    return Line2D(
        [],
        [],
        color=PREVIOUS_COLOR,
        linestyle=":",
        marker="o",
        markerfacecolor="none",
        label=_plain(label),
    )


def trend_svg(
    points: Sequence[TrendPoint],
    *,
    y_label: str,
    y_range: tuple[float, float],
    title: str | None = None,
    previous_index: int | None = None,
    baseline: float | None = None,
    words: ChartWords = ENGLISH,
) -> bytes:
    """Line chart of a score over periods with its 95% band, as SVG bytes.

    Parameters
    ----------
    points : sequence of TrendPoint
        One point per period, oldest first; gaps (n = 0 or no value) break the line.
    y_label : str
        Name of the score on the y axis ("CSAT (%)", "CES mean", "SUS").
    y_range : tuple of float
        Fixed y limits, so periods and charts compare at a glance.
    title : str, optional
        Visible and accessible title; defaults to ``y_label``.
    previous_index : int, optional
        Index of the period to compare against; it gets a dotted line and a ring.
    baseline : float, optional
        Value of a horizontal reference line (0 for NPS).
    words : ChartWords, default ENGLISH
        The legend's fixed entries, the empty chart's text and the words of the
        <desc>, in the reader's language.

    Returns
    -------
    bytes
        A standalone SVG document. Each x label carries ``n=…`` under the period;
        points with fewer than 30 answers are drawn hollow (small sample); partial
        periods are shaded and starred; bands are clipped to ``y_range``.

    Examples
    --------
    >>> points = [
    ...     TrendPoint("Jan", 81.0, 76.0, 86.0, 40),
    ...     TrendPoint("Feb", None, None, None, 0),
    ... ]
    >>> svg = trend_svg(points, y_label="CSAT (%)", y_range=(0, 100))
    >>> svg.startswith(b"<?xml") and b"<title>CSAT (%)</title>" in svg
    True
    """
    points = list(points)
    for point in points:
        if not isinstance(point, TrendPoint):
            raise ValueError(f"points must be TrendPoint objects, got {point!r}")
    low, high = _check_range("y_range", y_range)
    points = [_clip_band(point, low, high) for point in points]
    if previous_index is not None and not (
        _is_number(previous_index, whole=True) and 0 <= previous_index < len(points)
    ):
        raise ValueError(
            f"previous_index must be an index into {len(points)} points, "
            f"got {previous_index!r}"
        )
    title = y_label if title is None else title
    description = (
        words.by_period.format(title=title)
        + " "
        + "; ".join(_describe_point(p, words) for p in points)
        + "."
        if points
        else words.no_periods.format(title=title)
    )

    with _chart_style():
        width = max(6.4, 0.6 * len(points) + 1.5)
        figure = Figure(figsize=(width, 3.4))
        axes = figure.add_subplot()
        if baseline is not None:
            axes.axhline(baseline, color=MUTED_COLOR, linewidth=0.8)
        _draw_band(axes, points)
        legend = [
            *_draw_line(axes, points, label=_plain(y_label)),
            Patch(color=LINE_COLOR, alpha=0.18, label=_plain(words.interval)),
            *_mark_small_samples(axes, points, label=words.small_sample),
            *_mark_partial(axes, points, label=words.partial_period),
        ]
        if previous_index is not None:
            legend.append(
                _mark_previous(
                    axes, points, previous_index, label=words.previous_period
                )
            )
        axes.set_ylim(low, high)
        axes.set_xlim(-0.5, max(len(points), 1) - 0.5)
        axes.set_ylabel(_plain(y_label))
        # The y label has a fixed place, so matplotlib does not measure every tick
        # label to find one: left of the tick (3.5 pt), its pad (3.5 pt), the widest
        # tick label (the minus sign is wide) and the label's pad (4 pt).
        widest_tick = max(
            _text_inches(_format_number(tick).replace("-", "--"))
            for tick in axes.get_yticks()
        )
        label_offset = 11 / 72 + widest_tick
        axes.yaxis.set_label_coords(
            0,
            0.5,
            transform=axes.transAxes
            + ScaledTranslation(-label_offset, 0, figure.dpi_scale_trans),
        )
        # Margins: the y label, its ticks; the title and one row of legend above;
        # two lines of period label (the period, then its n) below.
        _fix_margins(figure, left=label_offset + 0.3, right=0.2, top=0.6, bottom=0.42)
        _label_periods(axes, points)
        axes.grid(axis="y", color="#e4e4e4", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.suptitle(_plain(title), x=0.01, ha="left")
        axes.legend(
            handles=legend,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=len(legend),
            frameon=False,
            fontsize=8,
        )
        if not points:
            axes.text(
                0,
                (low + high) / 2,
                _plain(words.no_data),
                ha="center",
                color=MUTED_COLOR,
            )
        return _svg_bytes(figure, title=title, description=description)


def nps_trend_svg(
    points: Sequence[TrendPoint],
    *,
    title: str = "Net Promoter Score",
    previous_index: int | None = None,
    words: ChartWords = ENGLISH,
) -> bytes:
    """NPS over periods on a fixed -100..100 axis with a 0 line, as SVG bytes.

    Parameters
    ----------
    points : sequence of TrendPoint
        One point per period, e.g. built from :func:`analysis.scores.nps_from_counts`
        results (``score``, ``ci_low``, ``ci_high``, ``n``).
    title : str, default "Net Promoter Score"
        Visible and accessible title.
    previous_index : int, optional
        Index of the period to compare against, marked distinctly.
    words : ChartWords, default ENGLISH
        The legend's fixed entries, in the reader's language; see :func:`trend_svg`.

    Returns
    -------
    bytes
        A standalone SVG document; see :func:`trend_svg`.

    Examples
    --------
    >>> points = [
    ...     TrendPoint("Q1", 12.0, 2.5, 21.0, 120),
    ...     TrendPoint("Q2", 18.0, 9.0, 27.0, 130),
    ... ]
    >>> svg = nps_trend_svg(points, previous_index=0)
    >>> b"n=130" in svg
    True
    """
    return trend_svg(
        points,
        y_label="NPS",
        y_range=(-100, 100),
        title=title,
        previous_index=previous_index,
        baseline=0,
        words=words,
    )


def sparkline_svg(
    values: Sequence[float | None],
    *,
    width_px: int = 120,
    height_px: int = 28,
    title: str | None = None,
) -> bytes:
    """A tiny axis-free line, e.g. a theme's monthly counts, as SVG bytes.

    Parameters
    ----------
    values : sequence of float or None
        Values oldest first; ``None`` or NaN leaves a gap.
    width_px, height_px : int, default 120 and 28
        Rendered size in CSS pixels (the SVG states it in points, 1 px = 0.75 pt).
    title : str, optional
        Accessible title; defaults to the values spelled out.

    Returns
    -------
    bytes
        A standalone SVG document; the last value is marked with a dot.

    Examples
    --------
    >>> svg = sparkline_svg([3, 5, 8, 2])
    >>> b'width="90pt"' in svg and b"<title>Trend: 3, 5, 8, 2</title>" in svg
    True
    """
    cleaned: list[float] = []
    for value in values:
        if value is None:
            cleaned.append(math.nan)
        elif not _is_number(value):
            raise ValueError(f"values must be numbers or None, got {value!r}")
        elif math.isinf(value):
            raise ValueError(f"values must be finite, got {value!r}")
        else:
            cleaned.append(float(value))
    for name, size in (("width_px", width_px), ("height_px", height_px)):
        if not _is_number(size, whole=True) or not 8 <= size <= 2000:
            raise ValueError(f"{name} must be an int between 8 and 2000, got {size!r}")
    spelled = ", ".join("none" if math.isnan(v) else _format_number(v) for v in cleaned)
    if title is None:
        title = f"Trend: {spelled}" if cleaned else "Trend: no data"
    description = f"{len(cleaned)} values, oldest first: {spelled or 'none'}."

    with _chart_style():
        figure = Figure(figsize=(width_px * 0.75 / 72, height_px * 0.75 / 72), dpi=72)
        axes = figure.add_axes((0.03, 0.1, 0.9, 0.8))
        axes.set_axis_off()
        present = [(i, v) for i, v in enumerate(cleaned) if not math.isnan(v)]
        if present:
            axes.plot(range(len(cleaned)), cleaned, color=LINE_COLOR, linewidth=1.2)
            last_index, last_value = present[-1]
            axes.plot(
                last_index, last_value, marker="o", markersize=2.5, color=LINE_COLOR
            )
            lowest = min(v for _, v in present)
            highest = max(v for _, v in present)
            padding = (highest - lowest) * 0.1 or 1.0
            axes.set_ylim(lowest - padding, highest + padding)
        axes.set_xlim(-0.2, max(len(cleaned) - 1, 1) + 0.2)
        return _svg_bytes(figure, title=title, description=description)


def bar_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    x_label: str,
    title: str | None = None,
    errors: Sequence[float] | None = None,
    value_range: tuple[float, float] | None = None,
) -> bytes:
    """Horizontal bars, one per label, negative bars in red, as SVG bytes.

    Parameters
    ----------
    labels : sequence of str
        Bar names, drawn top to bottom in the given order.
    values : sequence of float
        One finite value per label (e.g. a segment's NPS, or its pull on NPS).
    x_label : str
        Name of the value axis.
    title : str, optional
        Visible and accessible title; defaults to ``x_label``.
    errors : sequence of float, optional
        Margins of error drawn as error bars, one per label.
    value_range : tuple of float, optional
        The ends of the score's scale (-100..100 for NPS): error bars stop there,
        and the description gives the clipped interval.

    Returns
    -------
    bytes
        A standalone SVG document with each bar's value printed beside it.

    Examples
    --------
    >>> svg = bar_svg(["Enterprise", "SMB"], [-12.5, 30.0], x_label="NPS")
    >>> b"Enterprise" in svg and b"-12.5" in svg
    True
    >>> svg = bar_svg(["Public"], [-90.0], errors=[25.0], x_label="NPS",
    ...               value_range=(-100, 100))
    >>> b"-100 to -65" in svg
    True
    """
    labels, values = list(labels), list(values)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    if errors is not None:
        errors = list(errors)
        if len(errors) != len(values):
            raise ValueError(f"{len(values)} values but {len(errors)} errors")
    for name, sequence in (("values", values), ("errors", errors or [])):
        for number in sequence:
            if not _is_number(number):
                raise ValueError(f"{name} must be numbers, got {number!r}")
            if not math.isfinite(number) or (name == "errors" and number < 0):
                raise ValueError(f"{name} must be finite (errors >= 0), got {number!r}")
    if not all(isinstance(label, str) for label in labels):
        raise ValueError(f"labels must be strings, got {labels!r}")
    values = [float(v) for v in values]
    errors = None if errors is None else [float(e) for e in errors]
    scale = None if value_range is None else _check_range("value_range", value_range)
    title = x_label if title is None else title
    described = [
        f"{label}: {_format_number(v)}" for label, v in zip(labels, values, strict=True)
    ]
    # Error bars as (below, above) lengths, each stopped at the scale's end.
    spans = [(e, e) for e in errors] if errors is not None else None
    if spans is not None and scale is not None:
        spans = [
            (value - max(scale[0], value - below), min(scale[1], value + above) - value)
            for value, (below, above) in zip(values, spans, strict=True)
        ]
    if errors is not None and scale is None:
        described = [
            f"{text} ± {_format_number(e)}"
            for text, e in zip(described, errors, strict=True)
        ]
    elif spans is not None:
        described = [
            f"{text} (interval {_format_number(v - below)} to "
            f"{_format_number(v + above)})"
            for text, v, (below, above) in zip(described, values, spans, strict=True)
        ]
    description = f"{title}. " + ("; ".join(described) or "No bars") + "."

    with _chart_style():
        height = max(1.6, 0.32 * len(labels) + 1.1)
        figure = Figure(figsize=(6.4, height))
        axes = figure.add_subplot()
        # Left: the longest bar name, up to a cut-off past which names are shortened;
        # top: the title; bottom: the ticks and the x label.
        names = [_shortened(label, LONGEST_BAR_NAME) for label in labels]
        longest = max((_text_inches(name) for name in names), default=0.0)
        _fix_margins(figure, left=0.2 + longest, right=0.25, top=0.35, bottom=0.5)
        positions = list(range(len(labels)))
        colors = [NEGATIVE_COLOR if v < 0 else LINE_COLOR for v in values]
        axes.barh(
            positions,
            values,
            xerr=[list(side) for side in zip(*spans, strict=True)] if spans else None,
            color=colors,
            height=0.6,
            error_kw={"ecolor": MUTED_COLOR, "capsize": 3, "linewidth": 1},
        )
        # Values sit beyond the error bar, so the two never overlap.
        for position, value, (below, above) in zip(
            positions, values, spans or [(0.0, 0.0)] * len(values), strict=True
        ):
            outward = -1 if value < 0 else 1
            axes.annotate(
                _format_number(value),
                xy=(value - below if value < 0 else value + above, position),
                xytext=(outward * 4, 0),
                textcoords="offset points",
                ha="right" if value < 0 else "left",
                va="center",
            )
        axes.axvline(0, color=MUTED_COLOR, linewidth=0.8)
        axes.set_yticks(positions, [_plain(name) for name in names])
        axes.invert_yaxis()
        axes.set_xlabel(_plain(x_label))
        # A fixed place under the tick (3.5 pt), its pad (3.5 pt), one line of tick
        # label and the label's pad (4 pt): no measuring of every tick label.
        axes.xaxis.set_label_coords(
            0.5,
            0,
            transform=axes.transAxes
            + ScaledTranslation(0, -22 / 72, figure.dpi_scale_trans),
        )
        figure.suptitle(_plain(title), x=0.01, ha="left")
        axes.margins(x=0.15)
        axes.tick_params(axis="y", length=0)
        return _svg_bytes(figure, title=title, description=description)
