"""Every read behind the advocates' screens, scoped by one authorisation rule.

:func:`visible_themes` is the only place that decides which themes a user may
read: an advocate sees their department's, a CX lead or an admin every theme.
Every other function here starts from it, or takes a ``Theme`` that came from
``themes.views.theme_or_404``, so answers, charts and exports cannot reach past it.

Aggregates are counted by the database: the NPS of a theme's respondents (the
NPS answers of the responses whose free text is in the theme, each response
once) against the overall NPS of the same survey, monthly counts from
``ThemeMonth``, and the split by customer segment. Both NPS figures count every
response with an NPS answer, complete or not, because a theme's respondents
include people who stopped after writing their answer.

Impact, the order of "My themes" and of the triage queue (:func:`theme_impact`),
estimates the harm a theme shows, counting only what its evidence supports:
``size * (negativity + shortfall) / 2``. Negativity is ``max(0, -sentiment)``,
the mean sentiment of its answers (-1 to 1) from the model that ``flask analyze``
adapted to this deployment's ratings. Shortfall is how far the NPS of the
theme's respondents sits below the NPS of everyone else, taken at the top of its
95% interval (``ci_high``) and divided by 200, so 0 to 1: a handful of angry
answers has a wide interval and counts for little, a well-evidenced problem
counts fully. A praise theme scores 0 however large it is. Beside it, the NPS
drag says how many points of the overall NPS the theme's respondents cost.
Ranking needs each theme's respondent NPS, which the page reads anyway, so it
is done in Python over the (few hundred at most) themes listed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import aliased, selectinload

from analysis.periods import periods_between, shift_period
from analysis.scores import NpsResult, nps_from_counts
from cat_survey.auth.access import visible_departments
from cat_survey.db import db
from cat_survey.domain.theme_workflow import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RETIRED_STATUSES,
)
from cat_survey.models import (
    Answer,
    Department,
    FollowUp,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeEventKind,
    ThemeMonth,
    ThemeStatus,
    User,
    utcnow,
)
from cat_survey.score_sql import nps_of, nps_tallies

PAGE_SIZE = 25
SPARKLINE_MONTHS = 12
#: The theme page's chart starts at most this many months back.
TREND_MONTHS = 24
MAX_SEARCH_LENGTH = 200
#: Answers shown where the text and the rating disagree.
DISAGREEMENT_EXAMPLES = 3
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": tuple(status.value for status in OPEN_STATUSES),
    "closed": tuple(status.value for status in CLOSED_STATUSES),
    "retired": tuple(status.value for status in RETIRED_STATUSES),
    "all": tuple(status.value for status in ThemeStatus),
}
EMPTY_NPS = nps_from_counts(0, 0, 0)
#: Label of the respondents whose response names no segment.
NO_SEGMENT = "(none)"
EXPORT_HEADER = (
    "answer_id",
    "answered_at",
    "segment",
    "nps",
    "answer",
    "contact_consent",
    "customer_ref",
    "first_name",
    "followed_up_at",
)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class MonthCount:
    """How many of a theme's answers were given in one calendar month."""

    month: date
    count: int

    @property
    def label(self) -> str:
        """The month as charts and tables name it ("2024-05")."""
        return f"{self.month:%Y-%m}"


@dataclass(frozen=True)
class Impact:
    """How much harm a theme shows (see the module docstring).

    ``value`` orders the lists; ``negativity`` and ``shortfall`` (both 0 to 1)
    are its two halves; ``drag`` is overall NPS minus the NPS of everyone outside
    the theme's respondents, in points (negative: the theme pulls NPS down), or
    None without NPS answers on both sides.
    """

    value: float
    negativity: float
    shortfall: float
    drag: float | None


@dataclass(frozen=True)
class ThemeSummary:
    """One row of "My themes": a theme with its numbers and its impact."""

    theme: Theme
    nps: NpsResult
    overall_nps: NpsResult
    impact: Impact
    age_days: int
    months: tuple[MonthCount, ...]


@dataclass(frozen=True)
class Contact:
    """Who a consenting respondent is, and when this theme last followed up."""

    customer_ref: str | None
    first_name: str | None
    followed_up_at: datetime | None


@dataclass(frozen=True)
class AnswerRow:
    """One answer of a theme with its respondent's segment and NPS score.

    ``contact`` is None unless the respondent agreed to be contacted: personal
    details of the others never leave the database.
    """

    answer_id: int
    response_id: int
    text: str
    answered_at: datetime
    segment: str | None
    nps: int | None
    similarity: float | None
    contact: Contact | None
    sentiment: float | None = None


@dataclass(frozen=True)
class AnswerPage:
    """One page of a theme's answers, newest first, possibly filtered by a search."""

    rows: tuple[AnswerRow, ...]
    page: int
    pages: int
    total: int
    search: str

    @property
    def first(self) -> int:
        """Position of the page's first answer (1-based; 0 when there is none)."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """Position of the page's last answer."""
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


@dataclass(frozen=True)
class SegmentCount:
    """A theme's respondents in one customer segment, and their NPS."""

    segment: str
    respondents: int
    share: float
    nps: NpsResult


@dataclass(frozen=True)
class Disagreements:
    """A theme's answers whose text reads the opposite way to their NPS rating."""

    count: int
    scored: int
    examples: tuple[AnswerRow, ...]


@dataclass(frozen=True)
class ThemePage:
    """Everything the theme page shows, read through the theme's scope."""

    theme: Theme
    nps: NpsResult
    overall_nps: NpsResult
    age_days: int
    quotes: tuple[AnswerRow, ...]
    answers: AnswerPage
    trend: tuple[MonthCount, ...]
    segments: tuple[SegmentCount, ...]
    events: tuple[ThemeEvent, ...]
    reassignment: ThemeEvent | None
    disagreements: Disagreements


@dataclass(frozen=True)
class TriageItem:
    """A theme the router was unsure of, with the department it guessed."""

    theme: Theme
    best_guess: Department | None


# ---------------------------------------------------------------- scope


def visible_themes(user: User) -> Select[Theme]:
    """SELECT of the themes ``user`` may read: their department's, or all for leads.

    This is the one authorisation rule of the theme screens; every query and
    every route starts here.
    """
    query = select(Theme)
    departments = visible_departments(user)
    if departments is not None:
        query = query.where(Theme.department_id.in_(departments))
    return query


def visible_theme(user: User, theme_id: int) -> Theme | None:
    """The theme if ``user`` may read it, else None (whether or not it exists)."""
    return db.session.scalar(visible_themes(user).where(Theme.id == theme_id))


def theme_response(theme: Theme, response_id: int) -> SurveyResponse | None:
    """The response if one of its answers is in ``theme``, else None."""
    return db.session.scalar(
        select(SurveyResponse)
        .join(Answer, Answer.response_id == SurveyResponse.id)
        .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
        .where(SurveyResponse.id == response_id, ThemeAnswer.theme_id == theme.id)
        .limit(1)
    )


# ---------------------------------------------------------------- lists


def theme_impact(
    size: int, sentiment: float | None, theme_nps: NpsResult, overall: NpsResult
) -> Impact:
    """The harm a theme shows: ``size * (negativity + shortfall) / 2``.

    ``theme_nps`` is the NPS of the theme's respondents and ``overall`` that of
    every respondent of its survey (the theme's included).

    >>> complaint = nps_from_counts(0, 2, 18)
    >>> everyone = nps_from_counts(60, 30, 30)
    >>> impact = theme_impact(20, -0.6, complaint, everyone)
    >>> round(impact.negativity, 2), round(impact.shortfall, 2), round(impact.drag)
    (0.6, 0.53, -23)
    >>> round(impact.value, 1)
    11.3
    >>> theme_impact(20, 0.7, nps_from_counts(18, 2, 0), everyone).value
    0.0
    """
    negativity = max(0.0, -(sentiment or 0.0))
    rest = nps_from_counts(
        max(0, overall.promoters - theme_nps.promoters),
        max(0, overall.passives - theme_nps.passives),
        max(0, overall.detractors - theme_nps.detractors),
    )
    shortfall, drag = 0.0, None
    if theme_nps.n and rest.n and overall.score is not None:
        drag = overall.score - (rest.score or 0.0)
        if theme_nps.ci_high is not None and rest.score is not None:
            shortfall = min(1.0, max(0.0, (rest.score - theme_nps.ci_high) / 200))
    return Impact(
        value=size * (negativity + shortfall) / 2,
        negativity=negativity,
        shortfall=shortfall,
        drag=drag,
    )


def theme_summaries(
    user: User,
    *,
    department: str | None = None,
    status: str = "open",
    today: date | None = None,
) -> tuple[ThemeSummary, ...]:
    """The routed themes ``user`` may read, by impact, highest first.

    ``department`` narrows to one department's slug; ``status`` is a key of
    :data:`STATUS_FILTERS` (open, closed, retired or all).
    """
    query = (
        visible_themes(user)
        .where(
            Theme.department_id.is_not(None),
            Theme.status.in_(STATUS_FILTERS.get(status, STATUS_FILTERS["open"])),
        )
        .options(selectinload(Theme.owner), selectinload(Theme.department))
        .order_by(Theme.id)
    )
    if department:
        query = query.join(Department, Department.id == Theme.department_id).where(
            Department.slug == department
        )
    themes = db.session.scalars(query).all()
    ids = [theme.id for theme in themes]
    today = today or utcnow().date()
    months = monthly_counts(
        ids,
        first=shift_period(today, "month", 1 - SPARKLINE_MONTHS),
        last=today,
    )
    scores = respondent_nps(ids)
    overall = overall_nps_by_survey()
    summaries = []
    for theme in themes:
        theme_nps = scores.get(theme.id, EMPTY_NPS)
        everyone = overall.get(theme.survey_id, EMPTY_NPS)
        summaries.append(
            ThemeSummary(
                theme=theme,
                nps=theme_nps,
                overall_nps=everyone,
                impact=theme_impact(theme.size, theme.sentiment, theme_nps, everyone),
                age_days=age_in_days(theme, today),
                months=months[theme.id],
            )
        )
    summaries.sort(key=lambda summary: (-summary.impact.value, summary.theme.id))
    return tuple(summaries)


def triage_queue(user: User) -> tuple[TriageItem, ...]:
    """Themes waiting for a person to choose their department, by impact."""
    themes = db.session.scalars(
        visible_themes(user)
        .where(
            Theme.needs_triage.is_(True), Theme.status.not_in(STATUS_FILTERS["retired"])
        )
        .options(selectinload(Theme.department))
        .order_by(Theme.id)
    ).all()
    scores = respondent_nps([theme.id for theme in themes])
    overall = overall_nps_by_survey()
    themes = sorted(
        themes,
        key=lambda theme: (
            -theme_impact(
                theme.size,
                theme.sentiment,
                scores.get(theme.id, EMPTY_NPS),
                overall.get(theme.survey_id, EMPTY_NPS),
            ).value
        ),
    )
    guesses = best_guesses([theme.id for theme in themes])
    return tuple(
        TriageItem(theme, guesses.get(theme.id) or theme.department) for theme in themes
    )


def best_guesses(theme_ids: Sequence[int]) -> dict[int, Department]:
    """The department the router guessed in each theme's latest triage event."""
    latest = (
        select(func.max(ThemeEvent.id))
        .where(
            ThemeEvent.kind == ThemeEventKind.TRIAGE, ThemeEvent.theme_id.in_(theme_ids)
        )
        .group_by(ThemeEvent.theme_id)
    )
    rows = db.session.execute(
        select(ThemeEvent.theme_id, Department)
        .join(Department, Department.slug == ThemeEvent.to_value)
        .where(ThemeEvent.id.in_(latest))
    ).all()
    return {theme_id: department for theme_id, department in rows}


def department_choices() -> list[tuple[str, str]]:
    """(slug, name) of every department, by name, for select boxes."""
    rows = db.session.execute(
        select(Department.slug, Department.name).order_by(Department.name)
    ).all()
    return [(slug, name) for slug, name in rows]


def department_by_slug(slug: str) -> Department | None:
    """The department with this slug, if any."""
    return db.session.scalar(select(Department).where(Department.slug == slug))


# ---------------------------------------------------------------- NPS


def respondents(theme_ids: Sequence[int]) -> Any:
    """Subquery of (theme_id, response_id): each theme's respondents, once each."""
    return (
        select(ThemeAnswer.theme_id, Answer.response_id)
        .join(Answer, Answer.id == ThemeAnswer.answer_id)
        .where(ThemeAnswer.theme_id.in_(theme_ids))
        .distinct()
        .subquery()
    )


def nps_answer_of(response_id: Any) -> tuple[Any, ColumnElement[bool]]:
    """An alias of Answer and the join condition to the NPS answer of a response."""
    score = aliased(Answer)
    return score, and_(
        score.response_id == response_id,
        score.question_type == "nps",
        score.number_value.is_not(None),
    )


def respondent_nps(theme_ids: Sequence[int]) -> dict[int, NpsResult]:
    """NPS of each theme's respondents; themes without NPS answers are left out."""
    if not theme_ids:
        return {}
    people = respondents(theme_ids)
    score, joined = nps_answer_of(people.c.response_id)
    rows = db.session.execute(
        select(people.c.theme_id, *nps_tallies(score.number_value))
        .select_from(people)
        .join(score, joined)
        .group_by(people.c.theme_id)
    ).all()
    return {row.theme_id: nps_of(row) for row in rows}


def overall_nps_by_survey() -> dict[int | None, NpsResult]:
    """NPS of every response per survey id, and of all surveys under None."""
    rows = db.session.execute(
        select(SurveyResponse.survey_id, *nps_tallies(Answer.number_value))
        .select_from(Answer)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(Answer.question_type == "nps", Answer.number_value.is_not(None))
        .group_by(SurveyResponse.survey_id)
    ).all()
    results: dict[int | None, NpsResult] = {row.survey_id: nps_of(row) for row in rows}
    totals = [sum(int(row[i] or 0) for row in rows) for i in (1, 2, 3)]
    results[None] = nps_from_counts(*totals)
    return results


# ---------------------------------------------------------------- months


def monthly_counts(
    theme_ids: Sequence[int], *, first: date, last: date
) -> dict[int, tuple[MonthCount, ...]]:
    """Answers per month of each theme from ``first`` to ``last``; 0 where none."""
    rows = db.session.execute(
        select(ThemeMonth.theme_id, ThemeMonth.month, ThemeMonth.count).where(
            ThemeMonth.theme_id.in_(theme_ids),
            ThemeMonth.month >= first.replace(day=1),
            ThemeMonth.month <= last,
        )
    ).all()
    counts = {(theme_id, month): count for theme_id, month, count in rows}
    months = periods_between(first, last, "month")
    return {
        theme_id: tuple(
            MonthCount(month, counts.get((theme_id, month), 0)) for month in months
        )
        for theme_id in theme_ids
    }


def theme_trend(theme: Theme, *, today: date | None = None) -> tuple[MonthCount, ...]:
    """Answers per month from the theme's first month (at most 24 back) to today's."""
    today = today or utcnow().date()
    first = db.session.scalar(
        select(func.min(ThemeMonth.month)).where(ThemeMonth.theme_id == theme.id)
    )
    if first is None:
        return ()
    first = max(first, shift_period(today, "month", 1 - TREND_MONTHS))
    return monthly_counts([theme.id], first=first, last=max(today, first))[theme.id]


def sparkline_counts(
    theme: Theme, *, today: date | None = None
) -> tuple[MonthCount, ...]:
    """The theme's answers per month over the last twelve months."""
    today = today or utcnow().date()
    first = shift_period(today, "month", 1 - SPARKLINE_MONTHS)
    return monthly_counts([theme.id], first=first, last=today)[theme.id]


def spelled(counts: Sequence[MonthCount]) -> str:
    """Monthly counts in words, oldest first, for alt text ("2024-05: 3, ...")."""
    return ", ".join(f"{m.label}: {m.count}" for m in counts) or _("none yet")


# ---------------------------------------------------------------- answers


def like_pattern(search: str) -> str:
    """A lower-case LIKE pattern matching ``search`` literally anywhere (escape \\)."""
    escaped = (
        search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    )
    return f"%{escaped}%"


def answers_query(theme: Theme, *, search: str = "") -> Select:
    """SELECT of the theme's answers with segment, NPS, contact and follow-up.

    Contact details are selected only for respondents who consented and whose
    identity is verified (an invitation or a signed link): a name typed into a
    public link's URL is nobody to contact.
    """
    score = aliased(Answer)
    rating = (
        select(func.max(score.number_value))
        .where(score.response_id == Answer.response_id, score.question_type == "nps")
        .scalar_subquery()
    )
    followed_up = (
        select(func.max(FollowUp.created_at))
        .where(
            FollowUp.response_id == Answer.response_id, FollowUp.theme_id == theme.id
        )
        .scalar_subquery()
    )
    consented = and_(
        SurveyResponse.contact_consent.is_(True),
        SurveyResponse.identity_verified.is_(True),
    )
    query = (
        select(
            Answer.id,
            Answer.response_id,
            Answer.text_value,
            Answer.answered_at,
            SurveyResponse.segment,
            rating.label("nps"),
            ThemeAnswer.similarity,
            ThemeAnswer.sentiment,
            consented.label("consented"),
            case((consented, SurveyResponse.customer_ref)).label("customer_ref"),
            case((consented, SurveyResponse.hidden["first_name"].as_string())).label(
                "first_name"
            ),
            followed_up.label("followed_up_at"),
        )
        .select_from(ThemeAnswer)
        .join(Answer, Answer.id == ThemeAnswer.answer_id)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(ThemeAnswer.theme_id == theme.id)
    )
    search = search.strip()[:MAX_SEARCH_LENGTH]
    if search:
        query = query.where(
            func.lower(Answer.text_value).like(like_pattern(search), escape="\\")
        )
    return query


def answer_row(row: Any) -> AnswerRow:
    """An answer row from a row of :func:`answers_query`."""
    contact = None
    if row.consented:
        contact = Contact(row.customer_ref, row.first_name, row.followed_up_at)
    return AnswerRow(
        answer_id=row.id,
        response_id=row.response_id,
        text=row.text_value or "",
        answered_at=row.answered_at,
        segment=row.segment,
        nps=None if row.nps is None else int(row.nps),
        similarity=row.similarity,
        contact=contact,
        sentiment=row.sentiment,
    )


def answer_page(theme: Theme, *, search: str = "", page: int = 1) -> AnswerPage:
    """One page of the theme's answers, newest first; pages past the end clamp."""
    query = answers_query(theme, search=search)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        query.order_by(Answer.answered_at.desc(), Answer.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return AnswerPage(
        rows=tuple(answer_row(row) for row in rows),
        page=page,
        pages=pages,
        total=total,
        search=search.strip()[:MAX_SEARCH_LENGTH],
    )


def theme_quotes(theme: Theme) -> tuple[AnswerRow, ...]:
    """The theme's representative quotes, in its order; ids not in it are skipped."""
    if not theme.quotes:
        return ()
    rows = db.session.execute(
        answers_query(theme).where(Answer.id.in_(theme.quotes))
    ).all()
    by_id = {row.id: answer_row(row) for row in rows}
    return tuple(by_id[answer_id] for answer_id in theme.quotes if answer_id in by_id)


def export_rows(theme: Theme, *, search: str = "") -> list[tuple[object, ...]]:
    """Every answer of the theme as CSV rows in :data:`EXPORT_HEADER` order."""
    rows = db.session.execute(
        answers_query(theme, search=search).order_by(Answer.answered_at, Answer.id)
    ).all()
    exported: list[tuple[object, ...]] = []
    for row in map(answer_row, rows):
        contact = row.contact or Contact(None, None, None)
        followed_up_at = contact.followed_up_at
        exported.append(
            (
                row.answer_id,
                row.answered_at.isoformat(),
                row.segment,
                row.nps,
                row.text,
                "yes" if row.contact else "no",
                contact.customer_ref,
                contact.first_name,
                followed_up_at.isoformat() if followed_up_at else None,
            )
        )
    return exported


# ---------------------------------------------------------------- theme page


def segment_counts(theme: Theme) -> tuple[SegmentCount, ...]:
    """The theme's respondents per customer segment with their NPS, largest first."""
    people = respondents([theme.id])
    score, joined = nps_answer_of(people.c.response_id)
    segment = SurveyResponse.segment
    rows = db.session.execute(
        select(
            segment.label("segment"),
            func.count(func.distinct(people.c.response_id)).label("respondents"),
            *nps_tallies(score.number_value),
        )
        .select_from(people)
        .join(SurveyResponse, SurveyResponse.id == people.c.response_id)
        .outerjoin(score, joined)
        .group_by(segment)
    ).all()
    total = sum(row.respondents for row in rows)
    counts = [
        SegmentCount(
            segment=row.segment or NO_SEGMENT,
            respondents=row.respondents,
            share=100 * row.respondents / total,
            nps=nps_of(row),
        )
        for row in rows
    ]
    counts.sort(key=lambda item: (-item.respondents, item.segment))
    return tuple(counts)


def text_rating_disagreements(
    theme: Theme, *, examples: int = DISAGREEMENT_EXAMPLES
) -> Disagreements:
    """How many of the theme's scored answers contradict their rating, and the
    clearest few (a detractor's praise, a promoter's complaint)."""
    scored, count = db.session.execute(
        select(
            func.count(ThemeAnswer.disagrees),
            func.sum(case((ThemeAnswer.disagrees.is_(True), 1), else_=0)),
        ).where(ThemeAnswer.theme_id == theme.id)
    ).one()
    rows = db.session.execute(
        answers_query(theme)
        .where(ThemeAnswer.disagrees.is_(True))
        .order_by(func.abs(ThemeAnswer.sentiment).desc(), Answer.id)
        .limit(examples)
    ).all()
    return Disagreements(
        count=int(count or 0),
        scored=int(scored or 0),
        examples=tuple(answer_row(row) for row in rows),
    )


def theme_events(theme: Theme) -> tuple[ThemeEvent, ...]:
    """The theme's audit trail, newest first, with each actor loaded."""
    return tuple(
        db.session.scalars(
            select(ThemeEvent)
            .where(ThemeEvent.theme_id == theme.id)
            .options(selectinload(ThemeEvent.actor))
            .order_by(ThemeEvent.created_at.desc(), ThemeEvent.id.desc())
        )
    )


def age_in_days(theme: Theme, today: date) -> int:
    """Whole days since the theme was first found."""
    return max(0, (today - theme.created_at.date()).days)


def theme_page(
    theme: Theme, *, search: str = "", page: int = 1, today: date | None = None
) -> ThemePage:
    """Everything the theme page shows about ``theme`` (already authorised)."""
    today = today or utcnow().date()
    overall = overall_nps_by_survey()
    events = theme_events(theme)
    return ThemePage(
        theme=theme,
        nps=respondent_nps([theme.id]).get(theme.id, EMPTY_NPS),
        overall_nps=overall.get(theme.survey_id, EMPTY_NPS),
        age_days=age_in_days(theme, today),
        quotes=theme_quotes(theme),
        answers=answer_page(theme, search=search, page=page),
        trend=theme_trend(theme, today=today),
        segments=segment_counts(theme),
        events=events,
        reassignment=next(
            (e for e in events if e.kind == ThemeEventKind.REASSIGNED), None
        ),
        disagreements=text_rating_disagreements(theme),
    )
