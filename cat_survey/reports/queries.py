"""SQL aggregates behind the CX lead's dashboard: scores by period and by group.

Every score here is counted by the database: each function sends one GROUP BY
statement (period, survey, segment or hidden field) and hands the few rows it gets
back, counts or sums and sums of squares, to :mod:`analysis.scores`, so a dashboard
over a million answers moves a few dozen rows into Python, never the answers.

Scope rules, the same for every series:

- only complete responses count, unless ``Filters.include_partial`` asks for
  partial ones too;
- a response belongs to the period of its ``completed_at`` (a partial one, which
  has none, to that of its ``started_at``), in UTC; ``Filters.start`` and
  ``Filters.end`` are inclusive days;
- the response counts (started, complete, partial) group responses by the period
  they started in, so the completion rate is that of the people who started then.

Periods start on Monday (ISO weeks), on the 1st of the month, of the quarter or
of the year. :func:`period_start` is the one place that knows SQLite from PostgreSQL.

A period the range, the clock or the data covers only in part (the current quarter
on 30 November, a month the survey started in the middle of) is *partial*:
:func:`coverage` says which days of each period count, and
:func:`analysis.periods.same_span` (which the theme report uses too) finds the
same days in an earlier period, so a partial period is only ever compared with
the same span of the one before it. Nothing here reads the clock:
callers pass ``today``.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, case, func, select

from analysis.periods import (
    PERIODS,
    Span,
    period_end,
    period_label,
    periods_between,
)
from analysis.scores import (
    CesResult,
    CsatResult,
    MeanResult,
    NpsResult,
    ces_from_counts,
    csat_from_counts,
    mean_from_moments,
    nps_from_counts,
)
from cat_survey.db import db
from cat_survey.domain.flow import gettext_noop
from cat_survey.domain.suspects import COUNTED
from cat_survey.models import Answer, ResponseStatus, Survey, SurveyResponse
from cat_survey.score_sql import nps_tallies

#: How many periods the dashboard shows when the URL names no start date.
DEFAULT_PERIOD_COUNT = {"week": 13, "month": 12, "quarter": 8, "year": 5}
#: Longest range a request may ask for, so a typo cannot draw 5,000 weeks.
MAX_PERIODS = 160
HIDDEN_BREAKDOWN = re.compile(r"^hidden:([A-Za-z_][A-Za-z0-9_]{0,63})$")
#: Hidden fields that identify a person rather than a group worth comparing: a
#: breakdown by one of them would turn the dashboard and its exports into a list
#: of each customer's score.
PERSONAL_FIELDS = frozenset(
    {"customer_ref", "email", "phone", "name", "first_name", "last_name", "full_name"}
)
#: Label of the group of responses that have no value for the breakdown.
NO_VALUE = "(none)"
CSAT_SCALE = 5
CES_SCALE = 7
SUS_ITEMS = 10
UMUX_LITE_ITEMS = 2


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: a date range, a period and optional scopes.

    ``breakdown`` is ``"survey"``, ``"segment"`` or ``"hidden:<field>"``.
    """

    start: date
    end: date
    period: str = "month"
    survey: str | None = None
    segment: str | None = None
    breakdown: str = "segment"
    include_partial: bool = False

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}, got {self.period!r}")
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.breakdown not in ("survey", "segment") and not HIDDEN_BREAKDOWN.match(
            self.breakdown
        ):
            raise ValueError(f"unknown breakdown {self.breakdown!r}")
        if self.hidden_field in PERSONAL_FIELDS:
            raise ValueError(f"{self.breakdown!r} names a person, not a group")

    @property
    def hidden_field(self) -> str | None:
        """The hidden field the breakdown groups by, if it groups by one."""
        match = HIDDEN_BREAKDOWN.match(self.breakdown)
        return match.group(1) if match else None

    @property
    def breakdown_label(self) -> str:
        """The breakdown in words ("segment", "survey", "hidden field plan")."""
        field = self.hidden_field
        return f"hidden field {field}" if field else self.breakdown

    def query_args(self) -> dict[str, str]:
        """The filters as URL query arguments, every default spelled out."""
        args = {
            "period": self.period,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "breakdown": self.breakdown,
        }
        if self.survey:
            args["survey"] = self.survey
        if self.segment:
            args["segment"] = self.segment
        if self.include_partial:
            args["include_partial"] = "1"
        return args


def period_start(timestamp: Any, period: str) -> ColumnElement[str]:
    """SQL for the first day of ``timestamp``'s period in UTC, as 'YYYY-MM-DD' text."""
    if db.engine.dialect.name == "postgresql":
        utc = func.timezone("UTC", timestamp)
        return func.to_char(func.date_trunc(period, utc), "YYYY-MM-DD")
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text: months and
    # quarters are cut from it, several times faster than strftime over 1M rows.
    if period == "week":
        return func.date(timestamp, "weekday 0", "-6 days")
    if period == "month":
        return func.substr(timestamp, 1, 8).concat("01")
    if period == "year":
        return func.substr(timestamp, 1, 5).concat("01-01")
    month = func.substr(timestamp, 6, 2)
    first_month = case(
        (month <= "03", "01"), (month <= "06", "04"), (month <= "09", "07"), else_="10"
    )
    return func.substr(timestamp, 1, 5).concat(first_month).concat("-01")


def span_words(span: Span) -> str:
    """Days in words of the request's language: "2024-10-01 to 2024-11-30"."""
    first, last = span.first.isoformat(), span.last.isoformat()
    return gettext("%(first)s to %(last)s", first=first, last=last)


@dataclass(frozen=True)
class PeriodCoverage:
    """Which days of one period the dashboard's numbers cover.

    ``covered`` is None when no day counts (the period lies in the future, or
    before the first response). A period is *partial* when it is covered but not
    whole: the range starts or ends inside it, it is still running (the clock),
    or the first response in scope came after it began (the data).
    """

    period: Span
    covered: Span | None
    reason: str = ""

    @property
    def partial(self) -> bool:
        """Whether some but not all of the period counts."""
        return self.covered is not None and self.covered != self.period

    def note(self) -> str:
        """What a reader should know about the coverage, "" for a whole period."""
        if self.covered is None:
            return self.reason_words()
        if self.partial:
            return gettext(
                "partial period: %(span)s (%(reason)s)",
                span=span_words(self.covered),
                reason=self.reason_words(),
            )
        return ""

    def reason_words(self) -> str:
        """Why the period is partial or empty, in the language of the request."""
        return "; ".join(gettext(part) for part in self.reason.split("; ") if part)


def coverage(
    filters: Filters, *, today: date, data_start: date | None
) -> tuple[PeriodCoverage, ...]:
    """The covered days of every period in range, oldest first.

    The covered days of a period are those inside the range, not after ``today``
    (the clock) and not before ``data_start``, the day of the first response in
    scope (the data). Quiet days at the end of a finished period are data, not a
    gap: only the clock ends coverage early.
    """
    coverages = []
    for start in periods_between(filters.start, filters.end, filters.period):
        whole = Span(start, period_end(start, filters.period))
        limits = [
            (whole.first, ""),
            (filters.start, gettext_noop("the range starts inside it")),
            (data_start or whole.first, gettext_noop("the first response came later")),
        ]
        first, first_reason = max(limits, key=lambda limit: limit[0])
        ends = [
            (whole.last, ""),
            (filters.end, gettext_noop("the range ends inside it")),
            (today, gettext_noop("it is not over yet")),
        ]
        last, last_reason = min(ends, key=lambda limit: limit[0])
        if first > last:
            empty = (
                gettext_noop("not begun yet")
                if start > today
                else gettext_noop("before the first response")
            )
            coverages.append(PeriodCoverage(whole, None, empty))
            continue
        reason = "; ".join(r for r in (first_reason, last_reason) if r)
        coverages.append(PeriodCoverage(whole, Span(first, last), reason))
    return tuple(coverages)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class PeriodNps:
    """The NPS of one period."""

    start: date
    label: str
    result: NpsResult


@dataclass(frozen=True)
class GroupNps:
    """The NPS of one group over the whole range, and how much it drags NPS down.

    ``drag`` is the NPS of every other group together minus the overall NPS:
    how many points the overall NPS would gain without this group. A positive
    drag pulls NPS down; ``None`` when the group is everyone.
    """

    group: str
    result: NpsResult
    drag: float | None


@dataclass(frozen=True)
class PeriodCsat:
    """Customer satisfaction (1-5, top-two box) of one period."""

    start: date
    label: str
    result: CsatResult


@dataclass(frozen=True)
class PeriodCes:
    """Customer effort (1-7, mean agreement) of one period."""

    start: date
    label: str
    result: CesResult


@dataclass(frozen=True)
class PeriodMean:
    """A mean of per-respondent scores (SUS, UMUX-Lite) in one period."""

    start: date
    label: str
    result: MeanResult


@dataclass(frozen=True)
class PeriodCounts:
    """Responses started in one period, and how many of them completed."""

    start: date
    label: str
    complete: int
    partial: int

    @property
    def started(self) -> int:
        """Responses started in the period."""
        return self.complete + self.partial

    @property
    def completion_rate(self) -> float | None:
        """Percent of the started responses that completed; None if none started."""
        return 100 * self.complete / self.started if self.started else None


# ---------------------------------------------------------------- scope


def window(filters: Filters) -> tuple[datetime, datetime]:
    """The range as UTC instants: from the start day's midnight to after the end day."""
    return Span(filters.start, filters.end).utc_bounds()


#: Ranges up to this many days are read from the responses' completion index;
#: longer ones by scanning a type's answers (see :func:`response_time`).
NARROW_RANGE_DAYS = 92


def response_time(filters: Filters | None = None) -> Any:
    """The instant that places a response in a period: completed, else started.

    A complete response always has ``completed_at``, so without partials this is
    ``completed_at``. Over a long range it stays an expression on purpose: SQLite
    then reads the answers of a type in response order and looks each response up
    by id, about ten times faster over two years than walking the completion index
    and probing each response's answers. Over a narrow range (a running month,
    the one period a kept count was renewed for) the plain column lets SQLite walk
    only that range of ``ix_survey_response_scores``, which holds every column the
    scope needs: the work is that of the range, not of every answer ever given.
    """
    if (
        filters is not None
        and not filters.include_partial
        and (filters.end - filters.start).days < NARROW_RANGE_DAYS
    ):
        return SurveyResponse.completed_at
    return func.coalesce(SurveyResponse.completed_at, SurveyResponse.started_at)


def scope_conditions(
    filters: Filters, when: Any, *, counted_only: bool = True
) -> list[ColumnElement[bool]]:
    """WHERE conditions on responses: range, status, survey and segment."""
    low, high = window(filters)
    return [
        when >= low,
        when < high,
        *group_conditions(filters, counted_only=counted_only),
    ]


def group_conditions(
    filters: Filters, *, counted_only: bool = True
) -> list[ColumnElement[bool]]:
    """WHERE conditions on responses that ignore dates: status, survey, segment.

    Suspect and discarded responses (cat_survey.domain.suspects) count in no
    score: ``counted_only=False`` is for counting them.
    """
    conditions: list[ColumnElement[bool]] = []
    if counted_only:
        conditions.append(SurveyResponse.integrity.in_(COUNTED))
    if not filters.include_partial:
        conditions.append(SurveyResponse.status == ResponseStatus.COMPLETE.value)
    if filters.survey:
        survey_id = select(Survey.id).where(Survey.slug == filters.survey)
        conditions.append(SurveyResponse.survey_id == survey_id.scalar_subquery())
    if filters.segment:
        conditions.append(SurveyResponse.segment == filters.segment)
    return conditions


def scoped_answers(filters: Filters, question_type: str, *columns: Any) -> Select:
    """One row per answer of a type in scope: its period, its value, ``columns``.

    Callers aggregate over it as a subquery, so that they group by plain column
    names: PostgreSQL refuses a GROUP BY expression whose bound parameters differ
    from the SELECT's, even when their values are the same.
    """
    when = response_time(filters)
    return (
        select(
            period_start(when, filters.period).label("period"),
            Answer.number_value.label("value"),
            *columns,
        )
        .select_from(Answer)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(
            Answer.question_type == question_type,
            Answer.number_value.is_not(None),
            *scope_conditions(filters, when),
        )
    )


def data_start(filters: Filters) -> date | None:
    """The UTC day of the first complete response in scope, whatever the range.

    It walks the ``(status, completed_at)`` index from its start, so it costs
    a few rows, not a scan. Partial responses are left out on purpose: a survey
    "has data" from the day someone finished it.
    """
    completed = SurveyResponse.completed_at
    conditions = group_conditions(replace(filters, include_partial=False))
    first = db.session.scalar(
        select(completed)
        .where(completed.is_not(None), *conditions)
        .order_by(completed)
        .limit(1)
    )
    return None if first is None else first.astimezone(UTC).date()


def nps_over_spans(filters: Filters, spans: list[Span]) -> list[NpsResult]:
    """NPS of each span of days (e.g. two like-for-like spans), one statement."""
    when = response_time()
    bounds = [window(replace(filters, start=s.first, end=s.last)) for s in spans]
    span_index = case(
        *[((when >= low) & (when < high), index) for index, (low, high) in
          enumerate(bounds)],
        else_=None,
    )  # fmt: skip
    outer = replace(
        filters,
        start=min(span.first for span in spans),
        end=max(span.last for span in spans),
    )
    scoped = scoped_answers(outer, "nps", span_index.label("span")).subquery()
    rows = db.session.execute(
        select(scoped.c.span, *nps_tallies(scoped.c.value))
        .where(scoped.c.span.is_not(None))
        .group_by(scoped.c.span)
    ).all()
    counts = {row.span: counts_of(row) for row in rows}
    return [nps_from_counts(*counts.get(i, (0, 0, 0))) for i in range(len(spans))]


def per_period(filters: Filters, rows: dict[str, Any], make: Any, empty: Any) -> tuple:
    """One ``make(start, label, value)`` per period, ``empty`` where SQL had no row."""
    return tuple(
        make(start, period_label(start, filters.period), rows.get(str(start), empty))
        for start in periods_between(filters.start, filters.end, filters.period)
    )


# ---------------------------------------------------------------- NPS


def breakdown_column(filters: Filters) -> Any:
    """The SQL value a breakdown groups by."""
    if filters.breakdown == "survey":
        return Survey.slug
    if filters.breakdown == "segment":
        return SurveyResponse.segment
    return SurveyResponse.hidden[filters.hidden_field].as_string()


Counts = tuple[int, int, int]


def tally_group_column(filters: Filters) -> Any:
    """What NPS counts are grouped by: the breakdown, with surveys by id.

    Counts keep survey ids, not slugs, so that cached counts of a period stay
    right when a survey's slug changes; :func:`group_labels` names them.
    """
    if filters.breakdown == "survey":
        return SurveyResponse.survey_id
    return breakdown_column(filters)


def nps_count_rows(
    filters: Filters, *, by_period: bool, by_group: bool
) -> Sequence[Any]:
    """Promoters, passives and detractors grouped by period and/or breakdown group."""
    columns = [tally_group_column(filters).label("grp")] if by_group else []
    scoped = scoped_answers(filters, "nps", *columns).subquery()
    keys = []
    if by_period:
        keys.append(scoped.c.period)
    if by_group:
        keys.append(scoped.c.grp)
    return db.session.execute(
        select(*keys, *nps_tallies(scoped.c.value)).group_by(*keys)
    ).all()


def group_labels(filters: Filters, groups: Any) -> dict[Any, str]:
    """How each group of NPS counts is called: its value, a survey's slug."""
    labels = {
        group: NO_VALUE if group in (None, "") else str(group) for group in groups
    }
    if filters.breakdown == "survey" and labels:
        rows = db.session.execute(
            select(Survey.id, Survey.slug).where(Survey.id.in_(list(labels)))
        )
        labels |= {survey_id: slug for survey_id, slug in rows}
    return labels


def counts_of(row: Any) -> Counts:
    """A row's (promoters, passives, detractors)."""
    return (row.promoters, row.passives, row.detractors)


def summed(counts: list[Counts]) -> Counts:
    """Counts added up (SQL already counted the answers; this adds a few rows)."""
    return tuple(sum(column) for column in zip(*counts, strict=True)) or (0, 0, 0)


def series_from(filters: Filters, counts: dict[str, Counts]) -> tuple[PeriodNps, ...]:
    """One PeriodNps per period in range from counts keyed by period start."""
    results = {period: nps_from_counts(*c) for period, c in counts.items()}
    return per_period(filters, results, PeriodNps, nps_from_counts(0, 0, 0))


def breakdown_from(
    counts: dict[Any, Counts], labels: dict[Any, str]
) -> tuple[GroupNps, ...]:
    """Each group's NPS and drag, from counts keyed by group, most drag first."""
    totals = summed(list(counts.values()))
    overall = nps_from_counts(*totals)
    groups = []
    for group, group_counts in counts.items():
        rest = [
            total - count for total, count in zip(totals, group_counts, strict=True)
        ]
        others = nps_from_counts(*rest)
        drag = (
            others.score - overall.score
            if others.score is not None and overall.score is not None
            else None  # the other groups have no answers (score None iff n == 0)
        )
        groups.append(GroupNps(labels[group], nps_from_counts(*group_counts), drag))
    groups.sort(key=lambda g: (g.drag is None, -(g.drag or 0.0), g.group))
    return tuple(groups)


def nps_series(filters: Filters) -> tuple[PeriodNps, ...]:
    """NPS of every period in range, oldest first; empty periods have n = 0."""
    rows = nps_count_rows(filters, by_period=True, by_group=False)
    return series_from(filters, {row.period: counts_of(row) for row in rows})


def nps_breakdown(filters: Filters) -> tuple[GroupNps, ...]:
    """NPS of each group over the whole range, the group that drags most first."""
    rows = nps_count_rows(filters, by_period=False, by_group=True)
    counts = {row.grp: counts_of(row) for row in rows}
    return breakdown_from(counts, group_labels(filters, counts))


@dataclass(frozen=True)
class NpsOverview:
    """The NPS series and its breakdown, as the dashboard shows them together."""

    series: tuple[PeriodNps, ...]
    breakdown: tuple[GroupNps, ...]


def nps_overview(filters: Filters) -> NpsOverview:
    """The series and the breakdown from one GROUP BY period, group statement.

    Reading the answers once instead of twice halves the dashboard's heaviest
    work; the few (period, group) rows are then added up both ways.
    """
    rows = nps_count_rows(filters, by_period=True, by_group=True)
    return overview_from(
        filters, [(row.period, row.grp, counts_of(row)) for row in rows]
    )


def overview_from(
    filters: Filters, rows: Sequence[tuple[str, Any, Counts]]
) -> NpsOverview:
    """The series and the breakdown from (period, group, counts) rows."""
    periods: dict[str, list[Counts]] = defaultdict(list)
    groups: dict[Any, list[Counts]] = defaultdict(list)
    for period, group, counts in rows:
        periods[period].append(counts)
        groups[group].append(counts)
    by_group = {group: summed(counts) for group, counts in groups.items()}
    return NpsOverview(
        series=series_from(filters, {k: summed(v) for k, v in periods.items()}),
        breakdown=breakdown_from(by_group, group_labels(filters, by_group)),
    )


# ---------------------------------------------------------------- CSAT and CES


def rating_counts(filters: Filters, question_type: str) -> dict[str, dict[int, int]]:
    """For each period, how many answers of a type gave each rating."""
    scoped = scoped_answers(filters, question_type).subquery()
    rows = db.session.execute(
        select(scoped.c.period, scoped.c.value, func.count().label("answers")).group_by(
            scoped.c.period, scoped.c.value
        )
    ).all()
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        counts[row.period][int(row.value)] = row.answers
    return counts


def csat_series(filters: Filters) -> tuple[PeriodCsat, ...]:
    """CSAT (percent answering 4-5 of 5, and the mean) of every period in range."""
    return csat_from_ratings(filters, rating_counts(filters, "csat"))


def csat_from_ratings(
    filters: Filters, ratings: dict[str, dict[int, int]]
) -> tuple[PeriodCsat, ...]:
    """The CSAT series from each period's count of every rating."""
    results = {
        period: csat_from_counts(counts, scale=CSAT_SCALE)
        for period, counts in ratings.items()
    }
    return per_period(filters, results, PeriodCsat, csat_from_counts({}, scale=5))


def ces_series(filters: Filters) -> tuple[PeriodCes, ...]:
    """CES (mean of 1-7 agreement, percent agreeing) of every period in range."""
    return ces_from_ratings(filters, rating_counts(filters, "ces"))


def ces_from_ratings(
    filters: Filters, ratings: dict[str, dict[int, int]]
) -> tuple[PeriodCes, ...]:
    """The CES series from each period's count of every rating."""
    results = {period: ces_from_counts(counts) for period, counts in ratings.items()}
    return per_period(filters, results, PeriodCes, ces_from_counts({}))


# ---------------------------------------------------------------- usability


Moments = tuple[int, float, float]


def moment_rows(per_response: Select) -> dict[str, Moments]:
    """(n, sum, sum of squares) per period of one score per response (period, score)."""
    scores = per_response.subquery()
    rows = db.session.execute(
        select(
            scores.c.period,
            func.count().label("n"),
            func.sum(scores.c.score).label("total"),
            func.sum(scores.c.score * scores.c.score).label("squares"),
        ).group_by(scores.c.period)
    ).all()
    return {row.period: (row.n, float(row.total), float(row.squares)) for row in rows}


def mean_series(
    filters: Filters, moments: dict[str, Moments]
) -> tuple[PeriodMean, ...]:
    """Mean and t interval per period from each period's moments."""
    results = {period: mean_from_moments(*m) for period, m in moments.items()}
    return per_period(filters, results, PeriodMean, mean_from_moments(0, 0, 0))


def sus_series(filters: Filters) -> tuple[PeriodMean, ...]:
    """Mean SUS score (Brooke 1996, 0-100) of respondents who answered all ten items."""
    return mean_series(filters, sus_moments(filters))


def sus_moments(filters: Filters) -> dict[str, Moments]:
    """SUS moments per period, over respondents who answered all ten items.

    Item ids end in their number (``sus_1``..``sus_10``); odd items score
    ``answer - 1``, even items ``5 - answer``, and each respondent's sum is
    multiplied by 2.5.
    """
    last_digit = func.substr(Answer.question_id, func.length(Answer.question_id), 1)
    contribution = case(
        (last_digit.in_(("1", "3", "5", "7", "9")), Answer.number_value - 1),
        else_=5 - Answer.number_value,
    )
    items = scoped_answers(
        filters, "sus", Answer.response_id, contribution.label("contribution")
    ).subquery()
    per_response = (
        select(items.c.period, (func.sum(items.c.contribution) * 2.5).label("score"))
        .group_by(items.c.period, items.c.response_id)
        .having(func.count() == SUS_ITEMS)
    )
    return moment_rows(per_response)


def umux_lite_series(filters: Filters) -> tuple[PeriodMean, ...]:
    """Mean UMUX-Lite score, ``(a + b - 2) / 12 * 100``, of complete item pairs."""
    return mean_series(filters, umux_lite_moments(filters))


def umux_lite_moments(filters: Filters) -> dict[str, Moments]:
    """UMUX-Lite moments per period, over respondents who answered both items."""
    items = scoped_answers(filters, "umux_lite", Answer.response_id).subquery()
    per_response = (
        select(
            items.c.period,
            ((func.sum(items.c.value) - 2) * (100 / 12)).label("score"),
        )
        .group_by(items.c.period, items.c.response_id)
        .having(func.count() == UMUX_LITE_ITEMS)
    )
    return moment_rows(per_response)


# ---------------------------------------------------------------- counts


def response_counts(filters: Filters) -> tuple[PeriodCounts, ...]:
    """Responses started in each period: how many completed, how many are partial."""
    return counts_from(filters, started_counts(filters))


def started_counts(filters: Filters) -> dict[str, tuple[int, int]]:
    """(complete, partial) responses per period they started in."""
    started = SurveyResponse.started_at
    # Partial responses are what the completion rate is about, so they count here.
    conditions = scope_conditions(replace(filters, include_partial=True), started)
    scoped = (
        select(
            period_start(started, filters.period).label("period"),
            SurveyResponse.status.label("status"),
        )
        .where(*conditions)
        .subquery()
    )
    complete = scoped.c.status == ResponseStatus.COMPLETE.value
    rows = db.session.execute(
        select(
            scoped.c.period,
            func.sum(case((complete, 1), else_=0)).label("complete"),
            func.sum(case((complete, 0), else_=1)).label("partial"),
        ).group_by(scoped.c.period)
    ).all()
    return {row.period: (int(row.complete), int(row.partial)) for row in rows}


def counts_from(
    filters: Filters, counts: dict[str, tuple[int, int]]
) -> tuple[PeriodCounts, ...]:
    """The response counts series from (complete, partial) per period."""
    return per_period(
        filters,
        counts,
        lambda start, label, pair: PeriodCounts(start, label, *pair),
        (0, 0),
    )


# ---------------------------------------------------------------- choices


def survey_choices() -> list[tuple[str, str]]:
    """(slug, title) of every survey, by title."""
    rows = db.session.execute(select(Survey.slug, Survey.title).order_by(Survey.title))
    return [(row.slug, row.title) for row in rows]


def known_segments(limit: int = 500) -> list[str]:
    """Segment values that responses carry, alphabetically."""
    rows = db.session.scalars(
        select(SurveyResponse.segment)
        .where(SurveyResponse.segment.is_not(None))
        .distinct()
        .order_by(SurveyResponse.segment)
        .limit(limit)
    )
    return [segment for segment in rows if segment is not None]  # WHERE dropped NULLs


def segment_exists(segment: str) -> bool:
    """Whether any response carries this segment."""
    query = select(SurveyResponse.id).where(SurveyResponse.segment == segment).limit(1)
    return db.session.scalar(query) is not None


def data_version() -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever responses or answers change.

    New responses change the count, new answers the highest answer id, and
    completing or editing a complete response its ``updated_at``.
    """
    return tuple(
        db.session.execute(
            select(
                select(func.count()).select_from(SurveyResponse).scalar_subquery(),
                select(func.max(SurveyResponse.updated_at)).scalar_subquery(),
                select(func.max(Answer.id)).scalar_subquery(),
            )
        ).one()
    )
