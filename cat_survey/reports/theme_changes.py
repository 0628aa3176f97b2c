"""Period over period for themes: what grew, what is new, what came back.

The CX lead's question each month or quarter is not "what are the themes" but
"what changed": which themes grew most against the period before, which appeared
for the first time, and which resolved themes customers raise again. Everything
is counted from the themed answers themselves (``ThemeAnswer`` joined to the
answer and its response), so the view can be narrowed to one survey, segment or
hidden-field group, the group a dashboard breakdown row links from. Like the
dashboard, a period still running is compared with the same days of the period
before it (:func:`analysis.periods.same_span`), never with a whole one.

Counts include partial responses, as the themes pages do: a comment is a comment
whether or not the customer finished the survey.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from analysis.periods import Span, period_label, same_span
from cat_survey.db import db
from cat_survey.models import (
    Answer,
    Department,
    Survey,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeEventKind,
    ThemeStatus,
)
from cat_survey.reports.queries import (
    NO_VALUE,
    Filters,
    PeriodCoverage,
    breakdown_column,
    coverage,
    data_start,
    group_conditions,
    response_time,
    window,
)

#: How many themes each list shows at most.
LIST_LENGTH = 10
#: Statuses after which a theme that customers raise again has "come back".
CLOSED = (ThemeStatus.RESOLVED.value, ThemeStatus.WONT_FIX.value)


@dataclass(frozen=True)
class ThemeChange:
    """One theme's answers in the current span and the same span before it."""

    theme_id: int
    label: str
    department: str | None
    status: str
    current: int
    previous: int
    first_seen: date | None
    came_back: bool

    @property
    def growth(self) -> int:
        """Answers gained against the previous span (negative when it shrank)."""
        return self.current - self.previous


@dataclass(frozen=True)
class ThemeChanges:
    """The three lists of the theme view and the spans they compare."""

    current_label: str
    previous_label: str
    current: Span | None
    previous: Span | None
    partial: bool
    group: str | None
    grew: tuple[ThemeChange, ...]
    new: tuple[ThemeChange, ...]
    came_back: tuple[ThemeChange, ...]

    @property
    def empty(self) -> bool:
        """Whether no list has a theme."""
        return not (self.grew or self.new or self.came_back)


def group_condition(filters: Filters, group: str | None) -> list[ColumnElement[bool]]:
    """Answers of one breakdown group (``(none)``: responses without a value)."""
    if group is None:
        return []
    column = breakdown_column(filters)
    if group == NO_VALUE:
        return [or_(column.is_(None), column == "")]
    return [column == group]


def compared_spans(
    filters: Filters, today: date
) -> tuple[PeriodCoverage | None, Span | None]:
    """The last period in range with its covered days, and the same days before."""
    coverages = [
        (c, c.covered)
        for c in coverage(filters, today=today, data_start=data_start(filters))
        if c.covered
    ]
    if not coverages:
        return None, None
    latest, covered = coverages[-1]
    return latest, same_span(covered, filters.period, -1)


def theme_changes(
    filters: Filters, *, today: date, group: str | None = None
) -> ThemeChanges:
    """Themes that grew most, are new, or came back in the latest period.

    The latest period is the last one of ``filters`` with covered days; it is
    compared with the same days of the period before it. A theme is *new* when
    its first answer in scope falls in the current span; it *came back* when it
    is resolved (or won't fix) and has answers given after it was closed, or was
    reopened during the span.
    """
    filters = replace(filters, include_partial=True)
    latest, before = compared_spans(filters, today)
    current = latest.covered if latest is not None else None
    if latest is None or current is None or before is None:
        return ThemeChanges("", "", None, None, False, group, (), (), ())
    when = response_time()
    now_low, now_high = window(replace(filters, start=current.first, end=current.last))
    then_low, then_high = window(replace(filters, start=before.first, end=before.last))
    closed_at = (
        select(
            ThemeEvent.theme_id.label("theme_id"),
            func.max(ThemeEvent.created_at).label("closed_at"),
        )
        .where(ThemeEvent.to_value.in_(CLOSED))
        .group_by(ThemeEvent.theme_id)
        .subquery()
    )
    reopened = (
        select(ThemeEvent.theme_id)
        .where(
            ThemeEvent.kind == ThemeEventKind.REOPENED,
            ThemeEvent.created_at >= now_low,
            ThemeEvent.created_at < now_high,
        )
        .scalar_subquery()
    )
    in_current = and_(when >= now_low, when < now_high)
    query = (
        select(
            Theme.id,
            Theme.label,
            Theme.status,
            Department.name.label("department"),
            func.sum(case((in_current, 1), else_=0)).label("current"),
            func.sum(
                case((and_(when >= then_low, when < then_high), 1), else_=0)
            ).label("previous"),
            func.min(when).label("first_seen"),
            func.sum(
                case(
                    (and_(in_current, Answer.answered_at > closed_at.c.closed_at), 1),
                    else_=0,
                )
            ).label("after_closing"),
            Theme.id.in_(reopened).label("reopened"),
        )
        .select_from(ThemeAnswer)
        .join(Theme, Theme.id == ThemeAnswer.theme_id)
        .join(Answer, Answer.id == ThemeAnswer.answer_id)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .outerjoin(Department, Department.id == Theme.department_id)
        .outerjoin(closed_at, closed_at.c.theme_id == Theme.id)
        .where(
            when < now_high,
            *group_conditions(filters),
            *group_condition(filters, group),
        )
        .group_by(Theme.id, Theme.label, Theme.status, Department.name)
    )
    if filters.breakdown == "survey" and group is not None:
        query = query.join(Survey, Survey.id == SurveyResponse.survey_id)
    changes = []
    for row in db.session.execute(query):
        first = row.first_seen
        changes.append(
            ThemeChange(
                theme_id=row.id,
                label=row.label,
                department=row.department,
                status=row.status,
                current=int(row.current or 0),
                previous=int(row.previous or 0),
                first_seen=first.date() if isinstance(first, datetime) else None,
                came_back=bool(row.reopened)
                or (row.status in CLOSED and bool(row.after_closing)),
            )
        )
    grew = sorted(
        (c for c in changes if c.growth > 0 and c.previous > 0),
        key=lambda c: (-c.growth, c.label),
    )
    new = sorted(
        (c for c in changes if c.current and c.previous == 0 and is_new(c, current)),
        key=lambda c: (-c.current, c.label),
    )
    came_back = sorted(
        (c for c in changes if c.came_back), key=lambda c: (-c.current, c.label)
    )
    label = period_label(latest.period.first, filters.period)
    return ThemeChanges(
        current_label=label,
        previous_label=period_label(
            same_span(latest.period, filters.period, -1).first, filters.period
        ),
        current=current,
        previous=before,
        partial=latest.partial,
        group=group,
        grew=tuple(grew[:LIST_LENGTH]),
        new=tuple(new[:LIST_LENGTH]),
        came_back=tuple(came_back[:LIST_LENGTH]),
    )


def is_new(change: ThemeChange, current: Span) -> bool:
    """Whether the theme's first answer in scope is in the current span."""
    return change.first_seen is not None and change.first_seen >= current.first
