"""The theme report: one department's themes over one period, for reading or print.

Department advocates review it with their team: the top themes of the period
with their trend against the period before, real quotes, the NPS drag of each
theme with its 95% interval, status and owner, then what was resolved and what
came back. The same page prints (``app.css`` has a print stylesheet) and is
rendered to PDF by WeasyPrint (:func:`report_pdf`).

A period is a calendar month (``2026-11``) or quarter (``2026-Q4``). A period
still running is compared with the same days of the period before it, so a
quarter that has had two months is never set against a whole one.

NPS drag is ``overall NPS - NPS of everyone outside the theme``, the points the
theme's respondents cost. Both sides count only the period's NPS answers (those
given within its days, from responses that count in scores), so the drag is the
period's, not that of every answer ever given. Because
``overall = w * theme + (1 - w) * rest`` with ``w`` the theme's share of NPS
answers, the drag equals ``w * (theme - rest)``; its interval is ``w`` times the
95% adjusted-Wald interval of that difference.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import aliased, selectinload

from analysis.periods import Span, period_end, period_of, same_span, shift_period
from analysis.scores import NpsResult, compare_nps_results, nps_from_counts
from cat_survey.db import db
from cat_survey.domain.suspects import COUNTED
from cat_survey.models import (
    Answer,
    Department,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeEventKind,
    ThemeStatus,
    User,
)
from cat_survey.score_sql import nps_of, nps_tallies
from cat_survey.themes.queries import (
    EMPTY_NPS,
    respondents,
    theme_quotes,
    visible_themes,
)

#: How many themes the report lists, and quotes per theme.
TOP_THEMES = 10
QUOTES_PER_THEME = 2
#: The latest count must differ from the one before by more than this share to
#: be called rising or falling, so noise reads as steady.
TREND_TOLERANCE = 0.1
PERIOD_PATTERN = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


class BadPeriod(ValueError):
    """A period the report cannot read; the message says what it expects."""


@dataclass(frozen=True)
class ReportPeriod:
    """The days a report covers and the same days of the period before."""

    name: str  # "2026-Q4" or "2026-11"
    kind: str  # "quarter" or "month"
    first: date
    last: date  # the last day counted: the period's end, or today if running
    partial: bool
    previous_first: date
    previous_last: date
    previous_name: str

    @property
    def span(self) -> Span:
        """The days counted."""
        return Span(self.first, self.last)

    @property
    def previous_span(self) -> Span:
        """The same days of the period before."""
        return Span(self.previous_first, self.previous_last)


@dataclass(frozen=True)
class DragInterval:
    """The NPS points a theme costs, with its 95% interval."""

    drag: float
    low: float
    high: float


@dataclass(frozen=True)
class ReportTheme:
    """One theme of the report: its counts, trend, NPS drag and quotes."""

    theme: Theme
    current: int
    previous: int
    trend: str  # "new", "rising", "falling" or "steady"
    nps: NpsResult
    drag: DragInterval | None
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class ThemeEventLine:
    """A theme resolved or reopened within the period, and why."""

    theme: Theme
    at: datetime
    who: str
    reason: str


@dataclass(frozen=True)
class DepartmentReport:
    """Everything the report page shows for one department and period."""

    department: Department
    period: ReportPeriod
    themes: tuple[ReportTheme, ...]
    resolved: tuple[ThemeEventLine, ...]
    came_back: tuple[ThemeEventLine, ...]
    answers: int
    generated_at: datetime


def parse_period(name: str, *, today: date) -> ReportPeriod:
    """Read ``2026-11`` or ``2026-Q4`` into the days to count and those before.

    >>> p = parse_period("2026-Q4", today=date(2026, 11, 15))
    >>> p.first, p.last, p.partial, p.previous_name
    (datetime.date(2026, 10, 1), datetime.date(2026, 11, 15), True, '2026-Q3')
    >>> p.previous_first, p.previous_last
    (datetime.date(2026, 7, 1), datetime.date(2026, 8, 15))
    """
    match = PERIOD_PATTERN.match(name.strip())
    if match is None:
        raise BadPeriod(
            _l("Give the period as a month (2026-11) or a quarter (2026-Q4).")
        )
    year, month, quarter = match.groups()
    kind = "month" if month else "quarter"
    first = date(int(year), int(month) if month else (int(quarter) - 1) * 3 + 1, 1)
    end = period_end(first, kind)
    if first > today:
        raise BadPeriod(_l("%(period)s has not started yet.", period=name))
    counted = Span(first, min(end, today))
    previous = same_span(counted, kind, -1)
    return ReportPeriod(
        name=period_name(first, kind),
        kind=kind,
        first=counted.first,
        last=counted.last,
        partial=counted.last < end,
        previous_first=previous.first,
        previous_last=previous.last,
        previous_name=period_name(previous.first, kind),
    )


def period_name(first: date, kind: str) -> str:
    """A period's name as the report's URL spells it."""
    if kind == "month":
        return f"{first:%Y-%m}"
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def current_quarter(today: date) -> str:
    """The name of the quarter that holds ``today``."""
    return period_name(period_of(today, "quarter"), "quarter")


def recent_periods(today: date, *, count: int = 6) -> list[str]:
    """The latest quarters and months, newest first, for the period picker."""
    names = []
    for kind in ("quarter", "month"):
        first = period_of(today, kind)
        names += [
            period_name(shift_period(first, kind, -n), kind) for n in range(count)
        ]
    return names


def trend_word(current: int, previous: int) -> str:
    """How the period compares with the same days before it.

    >>> trend_word(5, 0), trend_word(11, 10), trend_word(20, 10), trend_word(3, 10)
    ('new', 'steady', 'rising', 'falling')
    """
    if previous == 0:
        return "new" if current else "steady"
    if current > previous * (1 + TREND_TOLERANCE):
        return "rising"
    if current < previous * (1 - TREND_TOLERANCE):
        return "falling"
    return "steady"


def drag_interval(theme_nps: NpsResult, overall: NpsResult) -> DragInterval | None:
    """The theme's NPS drag and its 95% interval; None without NPS on both sides.

    >>> everyone = nps_from_counts(60, 30, 30)
    >>> d = drag_interval(nps_from_counts(0, 2, 18), everyone)
    >>> round(d.drag), d.low < d.drag < d.high < 0
    (-23, True)
    """
    rest = nps_from_counts(
        max(0, overall.promoters - theme_nps.promoters),
        max(0, overall.passives - theme_nps.passives),
        max(0, overall.detractors - theme_nps.detractors),
    )
    if not theme_nps.n or not rest.n or overall.score is None or rest.score is None:
        return None
    share = theme_nps.n / overall.n
    difference = compare_nps_results(theme_nps, rest)
    return DragInterval(
        drag=overall.score - rest.score,
        low=share * difference.ci_low,
        high=share * difference.ci_high,
    )


def period_nps_answers(low: datetime, high: datetime) -> Any:
    """An alias of Answer and the conditions picking the NPS answers in [low, high).

    Only responses that count in scores (not suspect, not discarded) take part,
    as on the dashboard.
    """
    score = aliased(Answer)
    return score, and_(
        score.question_type == "nps",
        score.number_value.is_not(None),
        score.answered_at >= low,
        score.answered_at < high,
        SurveyResponse.integrity.in_(COUNTED),
    )


def period_respondent_nps(
    theme_ids: Sequence[int], low: datetime, high: datetime
) -> dict[int, NpsResult]:
    """NPS of each theme's respondents who gave their NPS answer in [low, high)."""
    if not theme_ids:
        return {}
    people = respondents(theme_ids)
    score, in_period = period_nps_answers(low, high)
    rows = db.session.execute(
        select(people.c.theme_id, *nps_tallies(score.number_value))
        .select_from(people)
        .join(SurveyResponse, SurveyResponse.id == people.c.response_id)
        .join(score, score.response_id == SurveyResponse.id)
        .where(in_period)
        .group_by(people.c.theme_id)
    ).all()
    return {row.theme_id: nps_of(row) for row in rows}


def period_overall_nps(low: datetime, high: datetime) -> dict[int | None, NpsResult]:
    """NPS of every survey's NPS answers given in [low, high), by survey id."""
    score, in_period = period_nps_answers(low, high)
    rows = db.session.execute(
        select(SurveyResponse.survey_id, *nps_tallies(score.number_value))
        .select_from(score)
        .join(SurveyResponse, SurveyResponse.id == score.response_id)
        .where(in_period)
        .group_by(SurveyResponse.survey_id)
    ).all()
    results: dict[int | None, NpsResult] = {}
    for row in rows:
        results[row.survey_id] = nps_of(row)
    return results


def department_report(
    user: User, department: Department, period: ReportPeriod
) -> DepartmentReport:
    """The report of ``department`` over ``period``, as far as ``user`` may read."""
    now_low, now_high = period.span.utc_bounds()
    then_low, then_high = period.previous_span.utc_bounds()
    when = Answer.answered_at
    visible = visible_themes(user).where(Theme.department_id == department.id)
    theme_ids = select(visible.with_only_columns(Theme.id).subquery().c.id)
    rows = db.session.execute(
        select(
            ThemeAnswer.theme_id,
            func.sum(case((and_(when >= now_low, when < now_high), 1), else_=0)),
            func.sum(case((and_(when >= then_low, when < then_high), 1), else_=0)),
        )
        .join(Answer, Answer.id == ThemeAnswer.answer_id)
        .where(ThemeAnswer.theme_id.in_(theme_ids), when < now_high)
        .group_by(ThemeAnswer.theme_id)
    ).all()
    counts = {theme_id: (int(now or 0), int(then or 0)) for theme_id, now, then in rows}
    ranked = sorted(
        (theme_id for theme_id, (now, _) in counts.items() if now),
        key=lambda theme_id: (-counts[theme_id][0], theme_id),
    )[:TOP_THEMES]
    themes = {
        theme.id: theme
        for theme in db.session.scalars(
            select(Theme)
            .where(Theme.id.in_(ranked))
            .options(selectinload(Theme.owner), selectinload(Theme.department))
        )
    }
    # The theme's respondents are a subset of everyone counted in the period, so
    # everyone minus the theme is the rest of the period's respondents.
    scores = period_respondent_nps(ranked, now_low, now_high)
    overall = period_overall_nps(now_low, now_high)
    listed = []
    for theme_id in ranked:
        theme = themes[theme_id]
        now, then = counts[theme_id]
        theme_nps = scores.get(theme_id, EMPTY_NPS)
        listed.append(
            ReportTheme(
                theme=theme,
                current=now,
                previous=then,
                trend=trend_word(now, then),
                nps=theme_nps,
                drag=drag_interval(theme_nps, overall.get(theme.survey_id, EMPTY_NPS)),
                quotes=tuple(q.text for q in theme_quotes(theme)[:QUOTES_PER_THEME]),
            )
        )
    events = event_lines(theme_ids, now_low, now_high)
    return DepartmentReport(
        department=department,
        period=period,
        themes=tuple(listed),
        resolved=tuple(line for kind, line in events if kind == "resolved"),
        came_back=tuple(
            line for kind, line in events if kind == ThemeEventKind.REOPENED
        ),
        answers=sum(now for now, _ in counts.values()),
        generated_at=datetime.now(UTC),
    )


def event_lines(
    theme_ids: Select[tuple[int]], low: datetime, high: datetime
) -> list[tuple[str, ThemeEventLine]]:
    """Resolutions and reopenings of the themes within [low, high), oldest first."""
    resolved = and_(
        ThemeEvent.kind == ThemeEventKind.STATUS_CHANGED,
        ThemeEvent.to_value == ThemeStatus.RESOLVED.value,
    )
    events = db.session.scalars(
        select(ThemeEvent)
        .where(
            ThemeEvent.theme_id.in_(theme_ids),
            ThemeEvent.created_at >= low,
            ThemeEvent.created_at < high,
            resolved | (ThemeEvent.kind == ThemeEventKind.REOPENED),
        )
        .options(selectinload(ThemeEvent.theme), selectinload(ThemeEvent.actor))
        .order_by(ThemeEvent.created_at, ThemeEvent.id)
    ).all()
    return [
        (
            "resolved" if event.kind == ThemeEventKind.STATUS_CHANGED else "reopened",
            ThemeEventLine(
                theme=event.theme,
                at=event.created_at,
                who=event.actor.name if event.actor else _l("analysis"),
                reason=event.reason or "",
            ),
        )
        for event in events
    ]


def report_pdf(html: str, *, stylesheet: str) -> bytes:
    """Render the report page to PDF with WeasyPrint, styled by ``stylesheet``.

    WeasyPrint loads nothing: the stylesheet comes as text, and its fetcher
    refuses every URL (the page links only the stylesheet), so a PDF can never
    be made to request an address on the server's network.
    """
    from weasyprint import CSS, HTML  # heavy: loaded with the first PDF
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        """Refuses every URL."""

        def fetch(self, url: str, headers: object = None) -> object:
            raise ValueError(f"the report PDF loads nothing ({url})")

    fetcher = NoFetching()
    document = HTML(string=html, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)])
