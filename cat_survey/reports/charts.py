"""The dashboard's charts: each named series drawn as SVG by :mod:`analysis.charts`.

A chart draws the same :class:`~cat_survey.reports.series.DashboardData` as the
table under it, in the request's language. Rendered charts are kept per app,
keyed by the series, the filters, the day, the data version and the language,
so the six chart requests of a page draw each chart once; the key's hash is the
chart's ETag.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _

from analysis.charts import ChartWords, TrendPoint, bar_svg, nps_trend_svg, trend_svg
from analysis.scores import SMALL_SAMPLE_N
from cat_survey.reports.cache import LruCache, app_cache
from cat_survey.reports.queries import Filters, PeriodCoverage, data_version
from cat_survey.reports.series import (
    SCALES,
    SHORT_NAMES,
    DashboardData,
    breakdown_words,
    by_period,
    dashboard_data,
    interval,
    utc_today,
)

#: Bars beyond this many would be unreadable; the table keeps every group.
MAX_BARS = 30
#: Average SUS score across products (Sauro & Lewis), drawn as a reference line.
SUS_AVERAGE = 68.0
CHART_CACHE_SIZE = 256
CACHE_EXTENSION = "cat_survey.reports.chart_cache"


def trend_point(
    label: str,
    value: float | None,
    band: tuple[float | None, float | None],
    n: int,
    covered: PeriodCoverage,
) -> TrendPoint:
    """A chart point, marked partial when its period is."""
    low, high = band
    if low is None or high is None:
        low = high = None
    return TrendPoint(label, value, low, high, n, partial=covered.partial)


def chart_words() -> ChartWords:
    """A trend chart's legend entries and description words in the request's language.

    The braces are filled in by :mod:`analysis.charts` (with the title, a period's
    label, its n or an interval's ends), so translations keep them as they are.
    """
    return ChartWords(
        interval=_("%(level)d%% interval", level=95),
        small_sample=_("n < %(n)d (small sample)", n=SMALL_SAMPLE_N),
        partial_period=_("* partial period"),
        previous_period=_("previous period"),
        no_data=_("no data yet"),
        by_period=_("{title} by period."),
        no_periods=_("{title}: no periods yet."),
        partial_label=_("{label} (partial period)"),
        no_data_point=_("{label}: no data (n={n})"),
        interval_range=_("%(level)d%% interval {low} to {high}", level=95),
    )


def nps_chart(data: DashboardData) -> bytes:
    """NPS by period with its 95% band, n under each point, the previous marked."""
    filters, change = data.filters, data.change
    trend = [
        trend_point(
            p.label, p.result.score, (p.result.ci_low, p.result.ci_high), p.result.n, c
        )
        for p, c in zip(data.series["nps"], data.coverages, strict=True)
    ]
    return nps_trend_svg(
        trend,
        title=by_period(_("Net Promoter Score"), filters),
        previous_index=None if change is None else change.previous_index,
        words=chart_words(),
    )


def breakdown_chart(data: DashboardData) -> bytes:
    """Each group's NPS with its margin of error, the group that drags most first."""
    filters, groups = data.filters, data.series["breakdown"]
    shown = list(groups[:MAX_BARS])
    more = ""
    if len(groups) > MAX_BARS:
        first = _("first %(shown)d of %(total)d", shown=MAX_BARS, total=len(groups))
        more = f" ({first})"
    return bar_svg(
        [group.group for group in shown],
        [group.result.score for group in shown],
        errors=[group.result.margin_of_error for group in shown],
        x_label="NPS",
        title=_(
            "NPS by %(breakdown)s, largest drag first%(more)s",
            breakdown=breakdown_words(filters),
            more=more,
        ),
        value_range=SCALES["breakdown"],
    )


def scale_chart(
    name: str, y_label: Callable[[], str], value: str = "mean"
) -> Callable[[DashboardData], bytes]:
    """A chart builder for a score on a fixed scale: its ``value`` by period, with
    the 95% band clipped to the scale (CSAT's percent satisfied is its ``score``;
    CES, SUS and UMUX-Lite are means). SUS shows the average SUS as a line."""
    score = SHORT_NAMES[name]

    def chart(data: DashboardData) -> bytes:
        trend = []
        for period, covered in zip(data.series[name], data.coverages, strict=True):
            shown = getattr(period.result, value)
            band = interval(shown, period.result.margin_of_error, SCALES[name])
            trend.append(
                trend_point(period.label, shown, band, period.result.n, covered)
            )
        return trend_svg(
            trend,
            y_label=y_label(),
            y_range=SCALES[name],
            title=by_period(score, data.filters),
            baseline=SUS_AVERAGE if name == "sus" else None,
            words=chart_words(),
        )

    return chart


CHARTS: dict[str, Callable[[DashboardData], bytes]] = {
    "nps": nps_chart,
    "breakdown": breakdown_chart,
    "csat": scale_chart("csat", lambda: _("CSAT (satisfied, %)"), value="score"),
    "ces": scale_chart("ces", lambda: _("CES (mean, 1-7)")),
    "sus": scale_chart("sus", lambda: _("%(score)s (0-100)", score="SUS")),
    "umux_lite": scale_chart(
        "umux_lite", lambda: _("%(score)s (0-100)", score="UMUX-Lite")
    ),
}


@dataclass(frozen=True)
class Chart:
    """A rendered chart and the ETag of the query and data it shows."""

    svg: bytes
    etag: str


def chart_cache() -> LruCache:
    """This app's chart cache."""
    return app_cache(CACHE_EXTENSION, CHART_CACHE_SIZE)


def cached_chart(name: str, filters: Filters, *, now: datetime) -> Chart:
    """The chart of a series, from the cache unless the data, day or filters are new."""
    if name not in CHARTS:
        raise KeyError(name)
    today, version = utc_today(now), data_version()
    # The titles are in the language of the request, so the language is part of
    # what a cached chart depends on.
    key = (name, filters, today, version, str(get_locale()))
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    cache = chart_cache()
    svg = cache.get(key)
    if svg is None:
        svg = CHARTS[name](dashboard_data(filters, today, version))
        cache.put(key, svg)
    return Chart(svg, etag)
