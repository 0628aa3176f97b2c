"""The dashboard's named series, each seen three ways: table, chart and CSV.

A series ("nps", "breakdown", "csat", "ces", "sus", "umux_lite", "responses") is one
query of :mod:`cat_survey.reports.queries`. Its :class:`Table` is what the page shows
under the chart and what the CSV download holds, so the numbers a CX lead copies
are the numbers the chart draws. Charts come from :mod:`analysis.charts`.

Periods the clock, the range or the data covers only in part are marked partial in
every table, CSV and chart, and the NPS change sentence compares like with like:
a partial period against the same days of the period before it, never a whole
period against a part of one. The clock is read once per request, by the view,
and handed down as ``now``.

Finished periods' counts are kept in the database and only the others are
counted per request (:mod:`cat_survey.reports.tallies`). The page and its six
chart requests (:mod:`cat_survey.reports.charts`) need the same results, so each
app also keeps recent results in a small LRU keyed by the filters, the day and a
cheap data version (:func:`cat_survey.reports.queries.data_version`): the
queries run once per page, not once per chart, and a new answer or response
gives a new key, so a cached result is never stale data, only an unused entry.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from analysis.periods import same_span
from analysis.scores import NpsComparison, compare_nps_results
from cat_survey.reports.cache import LruCache, app_cache
from cat_survey.reports.queries import (
    Filters,
    PeriodCounts,
    PeriodCoverage,
    PeriodNps,
    Span,
    coverage,
    data_start,
    data_version,
    nps_over_spans,
    span_words,
)
from cat_survey.reports.review import Excluded
from cat_survey.reports.tallies import dashboard_series

SERIES_TITLES = {
    "nps": _l("Net Promoter Score"),
    "breakdown": _l("NPS breakdown"),
    "csat": _l("Customer satisfaction (CSAT)"),
    "ces": _l("Customer effort (CES)"),
    "sus": _l("System Usability Scale (SUS)"),
    "umux_lite": "UMUX-Lite",
    "responses": _l("Responses and completion"),
}
#: Each period as a word in a sentence ("NPS by month").
PERIOD_NAMES = {
    "week": _l("week"),
    "month": _l("month"),
    "quarter": _l("quarter"),
    "year": _l("year"),
}
#: Series drawn as a chart; "responses" is a table only.
CHART_SERIES = ("nps", "breakdown", "csat", "ces", "sus", "umux_lite")
#: What each score's panel is called when it has no answers at all.
SHORT_NAMES = {"csat": "CSAT", "ces": "CES", "sus": "SUS", "umux_lite": "UMUX-Lite"}
#: The ends of each score's scale: intervals are shown clipped to them.
SCALES = {
    "nps": (-100.0, 100.0),
    "breakdown": (-100.0, 100.0),
    "csat": (0.0, 100.0),
    "ces": (1.0, 7.0),
    "sus": (0.0, 100.0),
    "umux_lite": (0.0, 100.0),
}
DATA_CACHE_EXTENSION = "cat_survey.reports.data_cache"
DATA_CACHE_SIZE = 32


def utc_today(now: datetime) -> date:
    """The UTC day of an aware instant: the day periods are counted in."""
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    return now.astimezone(UTC).date()


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
    """The latest period with answers compared with the one with answers before it.

    When either period is partial, ``previous`` and ``current`` hold the NPS of
    the same days of both (``previous_span`` and ``current_span``), not of the
    whole periods; both spans are None when two whole periods are compared.
    """

    previous_index: int
    current_index: int
    previous: PeriodNps
    current: PeriodNps
    comparison: NpsComparison
    previous_span: Span | None = None
    current_span: Span | None = None

    @property
    def like_for_like(self) -> bool:
        """Whether the comparison is over the same span of two periods."""
        return self.current_span is not None

    @property
    def sentence(self) -> str:
        """The change in words, saying what was compared and whether it is noise."""
        before, after = self.previous.result, self.current.result
        if before.score is None or after.score is None:
            raise ValueError("an NPS change compares two periods with answers")
        difference = self.comparison.difference
        values = {
            "before": points(before.score),
            "previous": self.previous.label,
            "after": points(after.score),
            "current": self.current.label,
            "difference": f"{'+' if difference > 0 else ''}{points(difference)}",
        }
        if difference > 0:
            text = _(
                "NPS rose from %(before)s in %(previous)s to %(after)s in "
                "%(current)s (%(difference)s points); ",
                **values,
            )
        elif difference < 0:
            text = _(
                "NPS fell from %(before)s in %(previous)s to %(after)s in "
                "%(current)s (%(difference)s points); ",
                **values,
            )
        else:
            text = _(
                "NPS stayed from %(before)s in %(previous)s to %(after)s in "
                "%(current)s (%(difference)s points); ",
                **values,
            )
        if self.previous_span and self.current_span:
            text += _(
                "like with like, because a period is partial: %(current)s from "
                "%(current_span)s against the same span of %(previous)s, "
                "%(previous_span)s; ",
                current=self.current.label,
                current_span=span_words(self.current_span),
                previous=self.previous.label,
                previous_span=span_words(self.previous_span),
            )
        margin = _("±%(margin)s points", margin=points(self.comparison.margin_of_error))
        p_value = p_value_text(self.comparison.p_value)
        if self.comparison.significant:
            text += _(
                "the change is larger than the margin of error "
                "(%(margin)s, %(p_value)s).",
                margin=margin,
                p_value=p_value,
            )
        else:
            text += _(
                "the change is within the margin of error (%(margin)s, %(p_value)s), "
                "so it may be noise.",
                margin=margin,
                p_value=p_value,
            )
        if before.small_sample or after.small_sample:
            text += " " + _(
                "Small sample: one of the periods has fewer than 30 answers."
            )
        return text


def latest_change(
    series: Sequence[PeriodNps],
    coverages: Sequence[PeriodCoverage],
    filters: Filters,
) -> NpsChange | None:
    """Compare the last two periods that have answers, like with like.

    Two whole periods compare as they are. If either is partial, both are cut to
    the days both cover (a quarter with October and November so far against July
    and August) and counted again. None if fewer than two periods have answers, or
    if the common days hold no answers in one of them.
    """
    answered = [index for index, period in enumerate(series) if period.result.n]
    if len(answered) < 2:
        return None
    before, after = answered[-2], answered[-1]
    previous, current = series[before], series[after]
    covered_before, covered_after = coverages[before], coverages[after]
    if not (covered_before.partial or covered_after.partial):
        comparison = compare_nps_results(current.result, previous.result)
        return NpsChange(before, after, previous, current, comparison)
    if covered_before.covered is None or covered_after.covered is None:
        return None
    apart = after - before
    moved = same_span(covered_before.covered, filters.period, apart)
    common = Span(
        max(covered_after.covered.first, moved.first),
        min(covered_after.covered.last, moved.last),
    )
    if common.first > common.last:
        return None
    earlier = same_span(common, filters.period, -apart)
    then, now = nps_over_spans(filters, [earlier, common])
    if not (then.n and now.n):
        return None
    return NpsChange(
        before,
        after,
        PeriodNps(previous.start, previous.label, then),
        PeriodNps(current.start, current.label, now),
        compare_nps_results(now, then),
        previous_span=earlier,
        current_span=common,
    )


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class DashboardData:
    """Every series' query result for one set of filters on one day.

    ``coverages`` has one entry per period of the range (see
    :func:`cat_survey.reports.queries.coverage`); ``change`` is the NPS
    comparison of the last two periods with answers, like with like.
    """

    filters: Filters
    today: date
    series: Mapping[str, Sequence[Any]]
    coverages: tuple[PeriodCoverage, ...]
    change: NpsChange | None
    excluded: Excluded

    def empty(self, name: str) -> bool:
        """Whether a score's series has no answers in any period."""
        if name in ("nps", "breakdown", "responses"):
            return False
        return not any(period.result.n for period in self.series[name])


def load_data(filters: Filters, today: date) -> DashboardData:
    """Every series' counts: finished periods kept, the others counted once."""
    counted = dashboard_series(filters, today=today)
    overview = counted.overview
    loaded = {
        "nps": overview.series,
        "breakdown": overview.breakdown,
        "csat": counted.csat,
        "ces": counted.ces,
        "sus": counted.sus,
        "umux_lite": counted.umux_lite,
        "responses": counted.responses,
    }
    coverages = coverage(filters, today=today, data_start=data_start(filters))
    return DashboardData(
        filters=filters,
        today=today,
        series=loaded,
        coverages=coverages,
        change=latest_change(overview.series, coverages, filters),
        excluded=counted.excluded,
    )


def dashboard_data(filters: Filters, today: date, version: tuple) -> DashboardData:
    """The query results for these filters, from the cache while the data is same."""
    cache = data_cache()
    key = (filters, today, version)
    data = cache.get(key)
    if data is None:
        data = load_data(filters, today)
        cache.put(key, data)
    return data


# ---------------------------------------------------------------- tables


def rounded(value: float | None) -> float | None:
    """One decimal, as the tables show scores."""
    return None if value is None else round(value, 1)


def note(n: int, *extra: str) -> str:
    """What a reader should know about a row: no answers, small sample, ..."""
    notes = [_("no answers") if n == 0 else _("small sample") if n < 30 else "", *extra]
    return "; ".join(text for text in notes if text)


def covered_words(coverage_of: PeriodCoverage) -> str:
    """The days a period's row counts, for the "Covered" column."""
    return span_words(coverage_of.covered) if coverage_of.covered else "—"


def clipped(value: float | None, low: float, high: float) -> float | None:
    """An interval end kept on the score's scale (-100..100, 0..100, 1..7)."""
    return None if value is None else max(low, min(high, value))


def interval(
    value: float | None, margin: float | None, scale: tuple[float, float]
) -> tuple[float | None, float | None]:
    """``value`` minus and plus ``margin``, each end clipped to the scale."""
    if value is None or margin is None:
        return None, None
    return clipped(value - margin, *scale), clipped(value + margin, *scale)


def scope_words(filters: Filters) -> str:
    """The filters that narrow the data, for titles ("survey x, segment y")."""
    parts = [_("survey %(slug)s", slug=filters.survey)] if filters.survey else []
    if filters.segment:
        parts.append(_("segment %(name)s", name=filters.segment))
    if filters.include_partial:
        parts.append(_("partial responses included"))
    return f" ({', '.join(parts)})" if parts else ""


def period_words(filters: Filters) -> str:
    """The filters' period as a word of the request's language ("month")."""
    return str(PERIOD_NAMES[filters.period])


def breakdown_words(filters: Filters) -> str:
    """The breakdown in words ("segment", "survey", "hidden field plan")."""
    if field := filters.hidden_field:
        return _("hidden field %(name)s", name=field)
    return _("survey") if filters.breakdown == "survey" else _("segment")


def by_period(score: str, filters: Filters) -> str:
    """A title such as "CSAT by month (segment smb)"."""
    return _(
        "%(score)s by %(period)s%(scope)s",
        score=score,
        period=period_words(filters),
        scope=scope_words(filters),
    )


def compared_note(index: int, change: NpsChange | None) -> str:
    """How a period's row takes part in the NPS change sentence, if it does."""
    if change is None or index not in (change.previous_index, change.current_index):
        return ""
    previous = index == change.previous_index
    if not change.like_for_like:
        return (
            _("previous period (compared)")
            if previous
            else _("latest period (compared)")
        )
    shown = change.previous if previous else change.current
    span = change.previous_span if previous else change.current_span
    if span is None or shown.result.score is None:
        raise ValueError("a like-for-like change has both spans and both scores")
    values = {"span": span_words(span), "score": points(shown.result.score)}
    if previous:
        return _(
            "previous period, compared over %(span)s: NPS %(score)s, n=%(n)d",
            n=shown.result.n,
            **values,
        )
    return _(
        "latest period, compared over %(span)s: NPS %(score)s, n=%(n)d",
        n=shown.result.n,
        **values,
    )


def nps_table(data: DashboardData) -> Table:
    """Period, n, promoters, passives, detractors, NPS and its 95% intervals."""
    filters, rows = data.filters, []
    for index, period in enumerate(data.series["nps"]):
        result, covered = period.result, data.coverages[index]
        low, high = SCALES["nps"]
        rows.append(
            (
                period.label,
                result.n,
                result.promoters,
                result.passives,
                result.detractors,
                rounded(result.score),
                rounded(result.margin_of_error),
                rounded(clipped(result.ci_low, low, high)),
                rounded(clipped(result.ci_high, low, high)),
                covered_words(covered),
                note(result.n, covered.note(), compared_note(index, data.change)),
            )
        )
    return Table(
        by_period("NPS", filters),
        (
            _("Period"),
            "n",
            _("Promoters"),
            _("Passives"),
            _("Detractors"),
            "NPS",
            _("Margin of error (±)"),
            _("95% CI low"),
            _("95% CI high"),
            _("Covered"),
            _("Note"),
        ),
        tuple(rows),
    )


def breakdown_table(data: DashboardData) -> Table:
    """Each group's NPS and drag, the group that drags most first."""
    filters = data.filters
    rows = []
    for group in data.series["breakdown"]:
        result = group.result
        low, high = interval(result.score, result.margin_of_error, SCALES["nps"])
        rows.append(
            (
                group.group,
                result.n,
                result.promoters,
                result.passives,
                result.detractors,
                rounded(result.score),
                rounded(result.margin_of_error),
                rounded(low),
                rounded(high),
                rounded(group.drag),
                note(result.n),
            )
        )
    return Table(
        _(
            "NPS by %(breakdown)s, %(start)s to %(end)s, largest drag first%(scope)s",
            breakdown=breakdown_words(filters),
            start=filters.start,
            end=filters.end,
            scope=scope_words(filters),
        ),
        (
            breakdown_words(filters).capitalize(),
            "n",
            _("Promoters"),
            _("Passives"),
            _("Detractors"),
            "NPS",
            _("Margin of error (±)"),
            _("Low (NPS - margin)"),
            _("High (NPS + margin)"),
            _("Drag (points)"),
            _("Note"),
        ),
        tuple(rows),
    )


def csat_table(data: DashboardData) -> Table:
    """Period, n, percent satisfied with its margin, and the mean rating."""
    filters = data.filters
    rows = []
    for period, covered in zip(data.series["csat"], data.coverages, strict=True):
        result = period.result
        low, high = interval(result.score, result.margin_of_error, SCALES["csat"])
        rows.append(
            (
                period.label,
                result.n,
                rounded(result.score),
                rounded(result.margin_of_error),
                rounded(low),
                rounded(high),
                None if result.mean is None else round(result.mean, 2),
                covered_words(covered),
                note(result.n, covered.note()),
            )
        )
    return Table(
        by_period("CSAT", filters),
        (
            _("Period"),
            "n",
            _("Satisfied (% 4-5)"),
            _("Margin of error (±)"),
            _("Low (% - margin)"),
            _("High (% + margin)"),
            _("Mean (1-5)"),
            _("Covered"),
            _("Note"),
        ),
        tuple(rows),
    )


def ces_table(data: DashboardData) -> Table:
    """Period, n, mean effort agreement with its margin, and percent agreeing."""
    filters = data.filters
    rows = []
    for period, covered in zip(data.series["ces"], data.coverages, strict=True):
        result = period.result
        low, high = interval(result.mean, result.margin_of_error, SCALES["ces"])
        rows.append(
            (
                period.label,
                result.n,
                None if result.mean is None else round(result.mean, 2),
                None
                if result.margin_of_error is None
                else round(result.margin_of_error, 2),
                None if low is None else round(low, 2),
                None if high is None else round(high, 2),
                rounded(result.agree_share),
                covered_words(covered),
                note(result.n, covered.note()),
            )
        )
    return Table(
        by_period("CES", filters),
        (
            _("Period"),
            "n",
            _("Mean (1-7)"),
            _("Margin of error (±)"),
            _("95% CI low"),
            _("95% CI high"),
            _("Agree (% 5-7)"),
            _("Covered"),
            _("Note"),
        ),
        tuple(rows),
    )


def mean_table(name: str) -> Callable[[DashboardData], Table]:
    """A table builder for a series of per-respondent means (SUS, UMUX-Lite)."""
    score = SHORT_NAMES[name]

    def table(data: DashboardData) -> Table:
        filters, low, high = data.filters, *SCALES[name]
        return Table(
            by_period(score, filters),
            (
                _("Period"),
                "n",
                _("Mean %(score)s (0-100)", score=score),
                _("Margin of error (±)"),
                _("95% CI low"),
                _("95% CI high"),
                _("Covered"),
                _("Note"),
            ),
            tuple(
                (
                    period.label,
                    period.result.n,
                    rounded(period.result.mean),
                    rounded(period.result.margin_of_error),
                    rounded(clipped(period.result.ci_low, low, high)),
                    rounded(clipped(period.result.ci_high, low, high)),
                    covered_words(covered),
                    note(period.result.n, covered.note()),
                )
                for period, covered in zip(
                    data.series[name], data.coverages, strict=True
                )
            ),
        )

    return table


def counts_table(data: DashboardData) -> Table:
    """Responses started per period, complete, partial and the completion rate."""
    filters = data.filters
    return Table(
        _(
            "Responses started by %(period)s%(scope)s",
            period=period_words(filters),
            scope=scope_words(filters),
        ),
        (
            _("Period"),
            _("Started"),
            _("Complete"),
            _("Partial"),
            _("Completion rate (%)"),
            _("Covered"),
            _("Note"),
        ),
        tuple(
            (
                period.label,
                period.started,
                period.complete,
                period.partial,
                rounded(period.completion_rate),
                covered_words(covered),
                covered.note(),
            )
            for period, covered in zip(
                data.series["responses"], data.coverages, strict=True
            )
        ),
    )


TABLES: dict[str, Callable[[DashboardData], Table]] = {
    "nps": nps_table,
    "breakdown": breakdown_table,
    "csat": csat_table,
    "ces": ces_table,
    "sus": mean_table("sus"),
    "umux_lite": mean_table("umux_lite"),
    "responses": counts_table,
}


def series_table(name: str, filters: Filters, *, now: datetime) -> Table:
    """The table of one series (raises KeyError for an unknown name)."""
    builder = TABLES[name]
    return builder(dashboard_data(filters, utc_today(now), data_version()))


# ---------------------------------------------------------------- cache


def data_cache() -> LruCache:
    """This app's cache of query results, shared by the page and its charts."""
    return app_cache(DATA_CACHE_EXTENSION, DATA_CACHE_SIZE)


# ---------------------------------------------------------------- page


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows for one set of filters."""

    filters: Filters
    tables: Mapping[str, Table]
    change: NpsChange | None
    totals: PeriodCounts
    #: Score panels with no answers in the range, each with the sentence it shows.
    empty: Mapping[str, str]
    partial: tuple[PeriodCoverage, ...]
    #: Responses in range that the scores leave out (suspect or discarded).
    excluded: Excluded


def build_dashboard(filters: Filters, *, now: datetime) -> Dashboard:
    """Every series' table, the NPS change and totals, for the page at ``now``."""
    data = dashboard_data(filters, utc_today(now), data_version())
    counts = data.series["responses"]
    totals = PeriodCounts(
        filters.start,
        "all periods",
        sum(period.complete for period in counts),
        sum(period.partial for period in counts),
    )
    return Dashboard(
        filters=filters,
        tables={name: builder(data) for name, builder in TABLES.items()},
        change=data.change,
        totals=totals,
        empty={
            name: _("No %(score)s answers in this period.", score=short)
            for name, short in SHORT_NAMES.items()
            if data.empty(name)
        },
        partial=tuple(c for c in data.coverages if c.partial),
        excluded=data.excluded,
    )
