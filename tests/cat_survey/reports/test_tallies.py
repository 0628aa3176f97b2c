"""Kept counts of finished periods: used, equal to fresh counts, renewed on change."""

from dataclasses import fields, is_dataclass, replace
from datetime import UTC, date, datetime, timedelta
from random import Random

import pytest
from sqlalchemy import select, text, update

from cat_survey.db import db
from cat_survey.domain.suspects import decide, mark_suspect
from cat_survey.models import (
    ResponseIntegrity,
    ScoreTally,
    Survey,
    SurveyResponse,
    TallyDay,
    utcnow,
)
from cat_survey.privacy import erase_customer
from cat_survey.reports.imports import import_responses
from cat_survey.reports.queries import (
    Filters,
    ces_series,
    csat_series,
    nps_overview,
    response_counts,
    sus_series,
    umux_lite_series,
)
from cat_survey.reports.review import excluded_responses
from cat_survey.reports.tallies import DashboardSeries, dashboard_series

JAN_TO_APR = Filters(start=date(2024, 1, 1), end=date(2024, 4, 30), period="month")
#: Mid-April: January to March are finished and settled, April is running.
TODAY = date(2024, 4, 15)
FINISHED = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def figures(value: object) -> object:
    """Series as plain values, floats to 9 places: a mean of stored sums and one the
    database averages afresh may differ in the last bit (summation order)."""
    if isinstance(value, float):
        return round(value, 9)
    if is_dataclass(value) and not isinstance(value, type):
        parts = (figures(getattr(value, field.name)) for field in fields(value))
        return (type(value).__name__, *parts)
    if isinstance(value, list | tuple):
        return tuple(figures(item) for item in value)
    if isinstance(value, dict):
        return {key: figures(item) for key, item in value.items()}
    return value


def fresh(filters: Filters) -> DashboardSeries:
    """Every series counted from the answers, by the functions without a cache."""
    return DashboardSeries(
        overview=nps_overview(filters),
        csat=csat_series(filters),
        ces=ces_series(filters),
        sus=sus_series(filters),
        umux_lite=umux_lite_series(filters),
        responses=response_counts(filters),
        excluded=excluded_responses(filters),
    )


def kept_starts(filters: Filters = JAN_TO_APR) -> list[date]:
    """The periods whose counts are kept for these filters."""
    return sorted(
        db.session.scalars(
            select(ScoreTally.period_start).where(ScoreTally.period == filters.period)
        )
    )


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def four_months(add_response):
    """Random answers to every score from January to mid-April 2024."""
    rng = Random(13)
    responses = []
    for index in range(160):
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(105))
        answers = {
            "nps": rng.randint(0, 10),
            "support_csat": rng.randint(1, 5),
            "effort": rng.randint(1, 7),
            "umux_1": rng.randint(1, 7),
            "umux_2": rng.randint(1, 7),
            **{f"sus_{item}": rng.randint(1, 5) for item in range(1, 11)},
        }
        responses.append(
            add_response(
                answers,
                at=at(day),
                segment=rng.choice(["smb", "enterprise", None]),
                status="partial" if index % 9 == 0 else "complete",
                started_at=at(day - timedelta(days=rng.randrange(3))),
            )
        )
    db.session.commit()
    return responses


@pytest.mark.parametrize(
    "filters",
    [
        JAN_TO_APR,
        replace(JAN_TO_APR, include_partial=True, breakdown="survey"),
        replace(JAN_TO_APR, segment="smb", breakdown="hidden:plan"),
        replace(JAN_TO_APR, period="week"),
    ],
    ids=["month", "partials-by-survey", "segment", "week"],
)
def test_kept_counts_equal_fresh_counts_and_only_settled_periods_are_kept(
    four_months, filters
):
    first = dashboard_series(filters, today=TODAY)
    again = dashboard_series(filters, today=TODAY)

    assert figures(first) == figures(fresh(filters))
    assert again == first
    kept = kept_starts(filters)
    assert kept
    # Only whole periods that ended two days or more before today are kept.
    assert all(start >= filters.start for start in kept)
    assert max(kept) < TODAY - timedelta(days=14 if filters.period == "month" else 8)


def test_kept_counts_are_what_the_page_reads(four_months):
    dashboard_series(JAN_TO_APR, today=TODAY)
    assert kept_starts() == FINISHED
    # Change a kept row behind the cache's back: the next page shows it, so the
    # kept counts are used instead of counting January again.
    db.session.execute(
        update(ScoreTally)
        .where(ScoreTally.period_start == date(2024, 1, 1))
        .values(tallies={"nps": [[None, 7, 0, 0]], "csat": [], "ces": [],
                         "sus": None, "umux_lite": None, "responses": [7, 0],
                         "excluded": [0, 0]})
    )  # fmt: skip
    db.session.commit()

    january = dashboard_series(JAN_TO_APR, today=TODAY).overview.series[0]

    assert (january.result.n, january.result.score) == (7, 100.0)


def test_the_migrations_install_the_triggers_that_mark_changed_days(app_ctx):
    # A later migration that copies survey_response or answer (an SQLite batch
    # recreate) would drop them silently and leave kept counts stale: it must
    # install them again (cat_survey.tally_days.install_triggers).
    if db.engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tally_%'"
        expected = {"tally_response", "tally_answer"}
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        expected = {
            f"tally_{table}_{event}"
            for table in ("survey_response", "answer")
            for event in ("insert", "update", "delete")
        }
    assert set(db.session.scalars(text(query))) == expected


def test_the_running_period_is_never_kept_and_today_touches_no_counter(
    add_response,
):
    add_response({"nps": 9}, at=utcnow())
    add_response({"nps": 3}, at=utcnow() - timedelta(days=40))
    db.session.commit()
    today = utcnow().date()
    filters = Filters(start=today - timedelta(days=90), end=today, period="month")

    dashboard_series(filters, today=today)

    days = set(db.session.scalars(select(TallyDay.day)))
    assert days == {(utcnow() - timedelta(days=40)).date()}
    assert max(kept_starts(filters)) < today.replace(day=1)


def test_a_back_dated_answer_makes_its_period_counted_again(four_months, add_response):
    before = dashboard_series(JAN_TO_APR, today=TODAY)
    add_response({"nps": 0, "support_csat": 1}, at=at(date(2024, 2, 10)))
    db.session.commit()

    after = dashboard_series(JAN_TO_APR, today=TODAY)

    assert figures(after) == figures(fresh(JAN_TO_APR))
    february = [
        p.result.n for p in (before.overview.series[1], after.overview.series[1])
    ]
    assert february[1] == february[0] + 1
    assert kept_starts() == FINISHED


def test_an_import_into_a_finished_period_is_counted(
    four_months, make_survey, tmp_path
):
    make_survey("relationship-nps")
    dashboard_series(JAN_TO_APR, today=TODAY)
    path = tmp_path / "history.csv"
    path.write_text(
        "Date,Score\n2024-01-05,10\n2024-01-06,2\n2024-03-30,9\n", encoding="utf-8"
    )

    report = import_responses(
        path, "relationship-nps", {"date": "Date", "score": "Score"}
    )
    db.session.commit()
    assert report.imported == 3

    after = dashboard_series(JAN_TO_APR, today=TODAY)
    assert figures(after) == figures(fresh(JAN_TO_APR))
    groups = {group.group for group in after.overview.breakdown}
    assert "(none)" in groups


def test_suspects_and_their_review_change_the_kept_counts(four_months, staff):
    by_survey = replace(JAN_TO_APR, breakdown="survey")
    dashboard_series(by_survey, today=TODAY)
    complete = [r for r in four_months if r.status == "complete"][:5]

    mark_suspect([r.id for r in complete], "burst")
    db.session.commit()
    suspected = dashboard_series(by_survey, today=TODAY)
    assert figures(suspected) == figures(fresh(by_survey))

    decide(complete[0].id, ResponseIntegrity.RELEASED, staff["lead"])
    decide(complete[1].id, ResponseIntegrity.DISCARDED, staff["lead"])
    db.session.commit()
    reviewed = dashboard_series(by_survey, today=TODAY)
    assert figures(reviewed) == figures(fresh(by_survey))
    assert reviewed.overview.breakdown[0].result.n == (
        suspected.overview.breakdown[0].result.n + 1
    )


def test_erasing_a_customer_takes_their_answers_out_of_kept_counts(four_months):
    dashboard_series(JAN_TO_APR, today=TODAY)
    customer = [r for r in four_months if r.status == "complete"][3]
    customer.customer_ref = "cust-42"
    db.session.commit()

    erase_customer("cust-42")
    db.session.commit()

    kept = dashboard_series(JAN_TO_APR, today=TODAY)
    assert figures(kept) == figures(fresh(JAN_TO_APR))


def test_survey_groups_are_named_by_the_current_slug(four_months):
    by_survey = replace(JAN_TO_APR, breakdown="survey")
    dashboard_series(by_survey, today=TODAY)
    survey = db.session.scalar(select(Survey).where(Survey.slug == "scores-mix"))
    survey.slug = "every-score"
    db.session.commit()

    groups = dashboard_series(by_survey, today=TODAY).overview.breakdown

    assert [group.group for group in groups] == ["every-score"]


def test_a_response_moved_out_of_a_period_leaves_it(four_months):
    dashboard_series(JAN_TO_APR, today=TODAY)
    moved = next(r for r in four_months if r.status == "complete")
    db.session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == moved.id)
        .values(completed_at=at(date(2023, 12, 31)), started_at=at(date(2023, 12, 30)))
    )
    db.session.commit()

    kept = dashboard_series(JAN_TO_APR, today=TODAY)
    assert figures(kept) == figures(fresh(JAN_TO_APR))
