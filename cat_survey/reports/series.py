"""The dashboard's named series, each seen three ways: table, chart and CSV.

A series ("nps", "breakdown", "csat", "ces", "sus", "umux_lite", "responses") is one
query of :mod:`cat_survey.reports.queries`. Its :class:`Table` is what the page shows
under the chart and what the CSV download holds, so the numbers a CX lead copies
are the numbers the chart draws. Charts come from :mod:`analysis.charts`.

Rendering a chart costs tens of milliseconds, so each app keeps the SVG of recent
queries in a small LRU keyed by the series, the filters and a cheap data version
(:func:`cat_survey.reports.queries.data_version`): a new answer or response gives a
new key, so a cached chart is never stale data, only an unused entry.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

from analysis.charts import TrendPoint, bar_svg, nps_trend_svg, trend_svg
from analysis.scores import NpsComparison, compare_nps_results
from cat_survey.reports.queries import (
    Filters,
    GroupNps,
    PeriodCes,
    PeriodCounts,
    PeriodCsat,
    PeriodMean,
    PeriodNps,
    ces_series,
    csat_series,
    data_version,
    nps_breakdown,
    nps_overview,
    nps_series,
    response_counts,
    sus_series,
    umux_lite_series,
)

SERIES_TITLES = {
    "nps": "Net Promoter Score",
    "breakdown": "NPS breakdown",
    "csat": "Customer satisfaction (CSAT)",
    "ces": "Customer effort (CES)",
    "sus": "System Usability Scale (SUS)",
    "umux_lite": "UMUX-Lite",
    "responses": "Responses and completion",
}
#: Series drawn as a chart; "responses" is a table only.
CHART_SERIES = ("nps", "breakdown", "csat", "ces", "sus", "umux_lite")
#: Bars beyond this many would be unreadable; the table keeps every group.
MAX_BARS = 30
#: Average SUS score across products (Sauro & Lewis), drawn as a reference line.
SUS_AVERAGE = 68.0
CHART_CACHE_SIZE = 256
CACHE_EXTENSION = "cat_survey.reports.chart_cache"


@dataclass(frozen=True)
class Table:
    """A chart's data as rows: what the page shows and the CSV download holds."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


# ---------------------------------------------------------------- words


def points(value: float) -> str:
    """A score in words: one decimal at most ("12", "7.5", "-3")."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def p_value_text(p_value: float) -> str:
    """A p-value as people read it: "p = 0.21", "p = 0.004", "p < 0.001"."""
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"


@dataclass(frozen=True)
class NpsChange:
    """The latest period with answers compared with the one with answers before it."""

    previous_index: int
    previous: PeriodNps
    current: PeriodNps
    comparison: NpsComparison

    @property
    def sentence(self) -> str:
        """The change in words, saying whether it is larger than the noise."""
        before, after = self.previous.result, self.current.result
        difference = self.comparison.difference
        moved = "rose" if difference > 0 else "fell" if difference < 0 else "stayed"
        text = (
            f"NPS {moved} from {points(before.score)} in {self.previous.label} "
            f"to {points(after.score)} in {self.current.label} "
            f"({'+' if difference > 0 else ''}{points(difference)} points); "
        )
        margin = f"±{points(self.comparison.margin_of_error)} points"
        p_value = p_value_text(self.comparison.p_value)
        if self.comparison.significant:
            text += (
                f"the change is larger than the margin of error ({margin}, {p_value})."
            )
        else:
            text += (
                f"the change is within the margin of error ({margin}, {p_value}), "
                "so it may be noise."
            )
        if before.small_sample or after.small_sample:
            text += " Small sample: one of the periods has fewer than 30 answers."
        return text


def latest_change(series: Sequence[PeriodNps]) -> NpsChange | None:
    """Compare the last two periods that have answers; None if fewer than two do."""
    answered = [index for index, period in enumerate(series) if period.result.n]
    if len(answered) < 2:
        return None
    previous, current = series[answered[-2]], series[answered[-1]]
    return NpsChange(
        answered[-2],
        previous,
        current,
        compare_nps_results(current.result, previous.result),
    )


# ---------------------------------------------------------------- tables


def rounded(value: float | None) -> float | None:
    """One decimal, as the tables show scores."""
    return None if value is None else round(value, 1)


def note(n: int, *extra: str) -> str:
    """What a reader should know about a row: no answers, small sample, ..."""
    notes = ["no answers" if n == 0 else "small sample" if n < 30 else "", *extra]
    return "; ".join(text for text in notes if text)


def scope_words(filters: Filters) -> str:
    """The filters that narrow the data, for titles ("survey x, segment y")."""
    parts = [f"survey {filters.survey}"] if filters.survey else []
    if filters.segment:
        parts.append(f"segment {filters.segment}")
    if filters.include_partial:
        parts.append("partial responses included")
    return f" ({', '.join(parts)})" if parts else ""


def nps_table(series: Sequence[PeriodNps], filters: Filters) -> Table:
    """Period, n, promoters, passives, detractors, NPS and its 95% intervals."""
    change = latest_change(series)
    rows = []
    for index, period in enumerate(series):
        result = period.result
        compared = ""
        if change is not None and index == change.previous_index:
            compared = "previous period (compared)"
        elif change is not None and period is change.current:
            compared = "latest period (compared)"
        rows.append(
            (
                period.label,
                result.n,
                result.promoters,
                result.passives,
                result.detractors,
                rounded(result.score),
                rounded(result.margin_of_error),
                rounded(result.ci_low),
                rounded(result.ci_high),
                note(result.n, compared),
            )
        )
    return Table(
        f"NPS by {filters.period}{scope_words(filters)}",
        (
            "Period",
            "n",
            "Promoters",
            "Passives",
            "Detractors",
            "NPS",
            "Margin of error (±)",
            "95% CI low",
            "95% CI high",
            "Note",
        ),
        tuple(rows),
    )


def breakdown_table(groups: Sequence[GroupNps], filters: Filters) -> Table:
    """Each group's NPS and drag, the group that drags most first."""
    return Table(
        f"NPS by {filters.breakdown_label}, {filters.start} to {filters.end}, "
        f"largest drag first{scope_words(filters)}",
        (
            filters.breakdown_label.capitalize(),
            "n",
            "Promoters",
            "Passives",
            "Detractors",
            "NPS",
            "Margin of error (±)",
            "Drag (points)",
            "Note",
        ),
        tuple(
            (
                group.group,
                group.result.n,
                group.result.promoters,
                group.result.passives,
                group.result.detractors,
                rounded(group.result.score),
                rounded(group.result.margin_of_error),
                rounded(group.drag),
                note(group.result.n),
            )
            for group in groups
        ),
    )


def csat_table(series: Sequence[PeriodCsat], filters: Filters) -> Table:
    """Period, n, percent satisfied with its margin, and the mean rating."""
    return Table(
        f"CSAT by {filters.period}{scope_words(filters)}",
        (
            "Period",
            "n",
            "Satisfied (% 4-5)",
            "Margin of error (±)",
            "Mean (1-5)",
            "Note",
        ),
        tuple(
            (
                period.label,
                period.result.n,
                rounded(period.result.score),
                rounded(period.result.margin_of_error),
                None if period.result.mean is None else round(period.result.mean, 2),
                note(period.result.n),
            )
            for period in series
        ),
    )


def ces_table(series: Sequence[PeriodCes], filters: Filters) -> Table:
    """Period, n, mean effort agreement with its margin, and percent agreeing."""
    return Table(
        f"CES by {filters.period}{scope_words(filters)}",
        ("Period", "n", "Mean (1-7)", "Margin of error (±)", "Agree (% 5-7)", "Note"),
        tuple(
            (
                period.label,
                period.result.n,
                None if period.result.mean is None else round(period.result.mean, 2),
                None
                if period.result.margin_of_error is None
                else round(period.result.margin_of_error, 2),
                rounded(period.result.agree_share),
                note(period.result.n),
            )
            for period in series
        ),
    )


def mean_table(name: str) -> Callable[[Sequence[PeriodMean], Filters], Table]:
    """A table builder for a series of per-respondent means (SUS, UMUX-Lite)."""
    score = "SUS" if name == "sus" else "UMUX-Lite"

    def table(series: Sequence[PeriodMean], filters: Filters) -> Table:
        return Table(
            f"{score} by {filters.period}{scope_words(filters)}",
            (
                "Period",
                "n",
                f"Mean {score} (0-100)",
                "Margin of error (±)",
                "95% CI low",
                "95% CI high",
                "Note",
            ),
            tuple(
                (
                    period.label,
                    period.result.n,
                    rounded(period.result.mean),
                    rounded(period.result.margin_of_error),
                    rounded(period.result.ci_low),
                    rounded(period.result.ci_high),
                    note(period.result.n),
                )
                for period in series
            ),
        )

    return table


def counts_table(series: Sequence[PeriodCounts], filters: Filters) -> Table:
    """Responses started per period, complete, partial and the completion rate."""
    return Table(
        f"Responses started by {filters.period}{scope_words(filters)}",
        ("Period", "Started", "Complete", "Partial", "Completion rate (%)"),
        tuple(
            (
                period.label,
                period.started,
                period.complete,
                period.partial,
                rounded(period.completion_rate),
            )
            for period in series
        ),
    )


# ---------------------------------------------------------------- charts


def clipped(value: float | None, low: float, high: float) -> float | None:
    """An interval end kept on the chart's axis."""
    return None if value is None else max(low, min(high, value))


def banded_point(
    label: str, value: float | None, result: Any, axis: tuple[float, float]
) -> TrendPoint:
    """A chart point with its value +/- the result's margin of error, on the axis."""
    margin = result.margin_of_error
    if value is None or margin is None:
        return TrendPoint(label, value, None, None, result.n)
    low, high = (clipped(end, *axis) for end in (value - margin, value + margin))
    return TrendPoint(label, value, low, high, result.n)


def nps_chart(series: Sequence[PeriodNps], filters: Filters) -> bytes:
    """NPS by period with its 95% band, n under each point, the previous marked."""
    change = latest_change(series)
    trend = [
        TrendPoint(
            p.label, p.result.score, p.result.ci_low, p.result.ci_high, p.result.n
        )
        for p in series
    ]
    return nps_trend_svg(
        trend,
        title=f"Net Promoter Score by {filters.period}{scope_words(filters)}",
        previous_index=None if change is None else change.previous_index,
    )


def breakdown_chart(groups: Sequence[GroupNps], filters: Filters) -> bytes:
    """Each group's NPS with its margin of error, the group that drags most first."""
    shown = list(groups[:MAX_BARS])
    more = f" (first {MAX_BARS} of {len(groups)})" if len(groups) > MAX_BARS else ""
    return bar_svg(
        [group.group for group in shown],
        [group.result.score for group in shown],
        errors=[group.result.margin_of_error for group in shown],
        x_label="NPS",
        title=f"NPS by {filters.breakdown_label}, largest drag first{more}",
    )


def csat_chart(series: Sequence[PeriodCsat], filters: Filters) -> bytes:
    """Percent satisfied by period with its 95% band."""
    trend = [
        banded_point(period.label, period.result.score, period.result, (0, 100))
        for period in series
    ]
    return trend_svg(
        trend,
        y_label="CSAT (% satisfied)",
        y_range=(0, 100),
        title=f"CSAT by {filters.period}{scope_words(filters)}",
    )


def ces_chart(series: Sequence[PeriodCes], filters: Filters) -> bytes:
    """Mean effort agreement (1-7) by period with its 95% t band."""
    trend = [
        banded_point(period.label, period.result.mean, period.result, (1, 7))
        for period in series
    ]
    return trend_svg(
        trend,
        y_label="CES (mean, 1-7)",
        y_range=(1, 7),
        title=f"CES by {filters.period}{scope_words(filters)}",
    )


def mean_chart(name: str) -> Callable[[Sequence[PeriodMean], Filters], bytes]:
    """A chart builder for a series of per-respondent means on 0-100."""
    score = "SUS" if name == "sus" else "UMUX-Lite"

    def chart(series: Sequence[PeriodMean], filters: Filters) -> bytes:
        trend = [
            TrendPoint(
                period.label,
                period.result.mean,
                clipped(period.result.ci_low, 0, 100),
                clipped(period.result.ci_high, 0, 100),
                period.result.n,
            )
            for period in series
        ]
        return trend_svg(
            trend,
            y_label=f"{score} (0-100)",
            y_range=(0, 100),
            title=f"{score} by {filters.period}{scope_words(filters)}",
            baseline=SUS_AVERAGE if name == "sus" else None,
        )

    return chart


LOADERS: dict[str, Callable[[Filters], Sequence[Any]]] = {
    "nps": nps_series,
    "breakdown": nps_breakdown,
    "csat": csat_series,
    "ces": ces_series,
    "sus": sus_series,
    "umux_lite": umux_lite_series,
    "responses": response_counts,
}
TABLES: dict[str, Callable[[Any, Filters], Table]] = {
    "nps": nps_table,
    "breakdown": breakdown_table,
    "csat": csat_table,
    "ces": ces_table,
    "sus": mean_table("sus"),
    "umux_lite": mean_table("umux_lite"),
    "responses": counts_table,
}
CHARTS: dict[str, Callable[[Any, Filters], bytes]] = {
    "nps": nps_chart,
    "breakdown": breakdown_chart,
    "csat": csat_chart,
    "ces": ces_chart,
    "sus": mean_chart("sus"),
    "umux_lite": mean_chart("umux_lite"),
}


def series_table(name: str, filters: Filters) -> Table:
    """The table of one series (raises KeyError for an unknown name)."""
    return TABLES[name](LOADERS[name](filters), filters)


def series_svg(name: str, filters: Filters) -> bytes:
    """The chart of one series as SVG bytes, rendered now."""
    return CHARTS[name](LOADERS[name](filters), filters)


# ---------------------------------------------------------------- cache


class ChartCache:
    """A thread-safe least-recently-used store of rendered charts."""

    def __init__(self, maxsize: int = CHART_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        """The chart stored under ``key``, marked as just used; None if absent."""
        with self._lock:
            svg = self._entries.get(key)
            if svg is not None:
                self._entries.move_to_end(key)
            return svg

    def put(self, key: tuple, svg: bytes) -> None:
        """Store a chart, dropping the least recently used beyond ``maxsize``."""
        with self._lock:
            self._entries[key] = svg
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class Chart:
    """A rendered chart and the ETag of the query and data it shows."""

    svg: bytes
    etag: str


def chart_cache() -> ChartCache:
    """This app's chart cache."""
    return current_app.extensions.setdefault(CACHE_EXTENSION, ChartCache())


def cached_chart(name: str, filters: Filters) -> Chart:
    """The chart of a series, from the cache unless the data or filters are new."""
    if name not in CHARTS:
        raise KeyError(name)
    key = (name, filters, data_version())
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    cache = chart_cache()
    svg = cache.get(key)
    if svg is None:
        svg = series_svg(name, filters)
        cache.put(key, svg)
    return Chart(svg, etag)


# ---------------------------------------------------------------- page


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows for one set of filters."""

    filters: Filters
    tables: Mapping[str, Table]
    change: NpsChange | None
    totals: PeriodCounts


def build_dashboard(filters: Filters) -> Dashboard:
    """Run every series' query once and shape the page's tables."""
    overview = nps_overview(filters)
    loaded = {"nps": overview.series, "breakdown": overview.breakdown} | {
        name: loader(filters)
        for name, loader in LOADERS.items()
        if name not in ("nps", "breakdown")
    }
    counts = loaded["responses"]
    totals = PeriodCounts(
        filters.start,
        "all periods",
        sum(period.complete for period in counts),
        sum(period.partial for period in counts),
    )
    return Dashboard(
        filters=filters,
        tables={name: TABLES[name](data, filters) for name, data in loaded.items()},
        change=latest_change(loaded["nps"]),
        totals=totals,
    )
