"""The dashboard's SQL aggregates agree with analysis.scores on the same answers."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from random import Random

import pytest
from sqlalchemy import event, select

from analysis.periods import (
    period_of,
)
from analysis.scores import ces, csat, mean_score, nps, sus, umux_lite
from cat_survey.db import db
from cat_survey.models import Answer, SurveyResponse
from cat_survey.reports.queries import (
    Filters,
    Span,
    ces_series,
    coverage,
    csat_series,
    data_start,
    data_version,
    nps_breakdown,
    nps_over_spans,
    nps_overview,
    nps_series,
    period_start,
    response_counts,
    sus_series,
    umux_lite_series,
)

JAN, FEB, MAR = (datetime(2024, month, 10, 12, tzinfo=UTC) for month in (1, 2, 3))
Q1 = Filters(start=date(2024, 1, 1), end=date(2024, 3, 31), period="month")


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect the SQL statements sent while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("instant", "period", "expected"),
    [
        (datetime(2024, 5, 5, 23, 59, tzinfo=UTC), "week", date(2024, 4, 29)),  # Sunday
        (datetime(2024, 5, 6, 0, 0, tzinfo=UTC), "week", date(2024, 5, 6)),  # Monday
        (datetime(2025, 1, 1, 8, tzinfo=UTC), "week", date(2024, 12, 30)),
        (datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), "month",
         date(2024, 2, 1)),
        (datetime(2024, 12, 31, 23, 0, tzinfo=UTC), "quarter", date(2024, 10, 1)),
        (datetime(2024, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "month",
         date(2024, 4, 1)),  # 04:30 UTC on 1 April
        (datetime(2024, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "quarter",
         date(2024, 4, 1)),
        (datetime(2024, 6, 30, 12, tzinfo=UTC), "quarter", date(2024, 4, 1)),
        (datetime(2024, 7, 1, 0, 0, tzinfo=UTC), "quarter", date(2024, 7, 1)),
    ],
)  # fmt: skip
def test_period_start_in_sql_is_the_utc_period_python_computes(
    add_response, instant, period, expected
):
    response = add_response({"nps": 9}, at=instant)
    db.session.flush()
    in_sql = db.session.scalar(
        select(period_start(SurveyResponse.completed_at, period)).where(
            SurveyResponse.id == response.id
        )
    )
    assert in_sql == expected.isoformat()
    assert period_of(instant.astimezone(UTC).date(), period) == expected


@pytest.mark.parametrize(
    "arguments",
    [
        {"period": "decade"},
        {"breakdown": "plan"},
        {"breakdown": "hidden:bad-name"},
        {"breakdown": "hidden:customer_ref"},
        {"breakdown": "hidden:first_name"},
        {"start": date(2024, 2, 1), "end": date(2024, 1, 1)},
    ],
)
def test_filters_refuse_what_the_queries_cannot_answer(arguments):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Filters(**{"start": date(2024, 1, 1), "end": date(2024, 3, 1), **arguments})


# ---------------------------------------------------------------- NPS


def random_scores(rng: Random, count: int, low: int = 0) -> list[int]:
    return [rng.randint(low, 10) for _ in range(count)]


def test_nps_series_equals_analysis_nps_per_month_and_ignores_partials(add_response):
    rng = Random(4)
    expected = {}
    for month in (JAN, FEB, MAR):
        scores = random_scores(rng, 40 + month.month)
        for index, score in enumerate(scores):
            add_response({"nps": score}, at=month + timedelta(hours=index))
        # Partial responses answered NPS too (all detractors): they must not count.
        for index in range(7):
            add_response(
                {"nps": 0}, at=month + timedelta(hours=index), status="partial"
            )
        expected[f"{month:%Y-%m}"] = nps(scores)
    db.session.flush()

    series = nps_series(Q1)

    assert [period.label for period in series] == ["2024-01", "2024-02", "2024-03"]
    assert {period.label: period.result for period in series} == expected


def test_including_partials_counts_them_in_the_period_they_started(add_response):
    add_response({"nps": 10}, at=JAN)
    add_response({"nps": 0}, at=FEB, status="partial")
    db.session.flush()

    with_partials = nps_series(Filters(**{**Q1.__dict__, "include_partial": True}))

    assert [p.result.n for p in nps_series(Q1)] == [1, 0, 0]
    assert [p.result.n for p in with_partials] == [1, 1, 0]
    assert with_partials[1].result.detractors == 1


def test_a_period_without_answers_is_a_gap_with_n_zero(add_response):
    add_response({"nps": 9}, at=JAN)
    add_response({"nps": 3}, at=MAR)
    db.session.flush()

    february = nps_series(Q1)[1]

    assert (february.label, february.result.n, february.result.score) == (
        "2024-02",
        0,
        None,
    )


def test_answers_outside_the_range_and_the_scope_are_left_out(add_response):
    add_response({"nps": 10}, at=datetime(2023, 12, 31, 23, 59, tzinfo=UTC))
    add_response({"nps": 10}, at=datetime(2024, 4, 1, 0, 0, tzinfo=UTC))
    add_response({"nps": 10}, at=JAN, segment="smb")
    add_response({"nps": 2}, at=JAN, segment="enterprise")
    add_response({"nps": 2}, at=JAN, survey="relationship-nps", segment="enterprise")
    db.session.flush()

    everything = nps_series(Q1)[0].result
    enterprise = nps_series(Filters(**{**Q1.__dict__, "segment": "enterprise"}))
    one_survey = nps_series(
        Filters(**{**Q1.__dict__, "segment": "enterprise", "survey": "scores-mix"})
    )

    assert everything.n == 3
    assert enterprise[0].result.n == 2
    assert one_survey[0].result.n == 1


def test_nps_series_is_one_aggregate_statement(add_response):
    for index in range(60):
        add_response({"nps": index % 11}, at=JAN + timedelta(days=index))
    db.session.flush()

    with statements() as sent:
        nps_series(Q1)

    assert len(sent) == 1
    assert "GROUP BY" in sent[0].upper()
    assert "sum(" in sent[0].lower()


def test_breakdown_sorts_groups_by_drag_the_gain_without_the_group(add_response):
    groups = {"smb": [10, 10, 9, 8], "enterprise": [0, 2, 6, 9, 10], None: [7, 9]}
    for segment, scores in groups.items():
        for score in scores:
            add_response({"nps": score}, at=FEB, segment=segment)
    db.session.flush()

    breakdown = nps_breakdown(Q1)

    everyone = [score for scores in groups.values() for score in scores]
    overall = nps(everyone).score
    expected = {}
    for segment, scores in groups.items():
        others = [s for key, group in groups.items() if key != segment for s in group]
        expected[segment or "(none)"] = (nps(scores), nps(others).score - overall)
    assert [group.group for group in breakdown] == ["enterprise", "(none)", "smb"]
    for group in breakdown:
        result, drag = expected[group.group]
        assert group.result == result
        assert group.drag == pytest.approx(drag)
    assert breakdown[0].drag > 0 > breakdown[-1].drag


@pytest.mark.parametrize(
    ("breakdown", "expected"),
    [
        ("hidden:plan", {"pro": 2, "free": 1, "(none)": 1}),
        ("survey", {"scores-mix": 3, "relationship-nps": 1}),
    ],
)
def test_breakdown_groups_by_a_hidden_field_or_by_survey(
    add_response, breakdown, expected
):
    add_response({"nps": 10}, at=JAN, hidden={"plan": "pro"})
    add_response({"nps": 3}, at=JAN, hidden={"plan": "pro"})
    add_response({"nps": 8}, at=JAN, hidden={"plan": "free"})
    add_response({"nps": 9}, at=JAN, survey="relationship-nps")
    db.session.flush()

    groups = nps_breakdown(Filters(**{**Q1.__dict__, "breakdown": breakdown}))

    assert {group.group: group.result.n for group in groups} == expected


def test_the_overview_reads_answers_once_for_the_series_and_the_breakdown(
    add_response,
):
    rng = Random(8)
    for index in range(90):
        segment = rng.choice(["smb", "enterprise", None])
        add_response(
            {"nps": rng.randint(0, 10)}, at=JAN + timedelta(days=index), segment=segment
        )
    db.session.flush()

    with statements() as sent:
        overview = nps_overview(Q1)

    assert len(sent) == 1
    assert overview.series == nps_series(Q1)
    assert overview.breakdown == nps_breakdown(Q1)


def test_a_single_group_has_no_drag(add_response):
    add_response({"nps": 10}, at=JAN, segment="smb")
    db.session.flush()

    (group,) = nps_breakdown(Q1)

    assert group.drag is None


# ---------------------------------------------------------------- other scores


def test_csat_and_ces_equal_analysis_scores_on_the_same_answers(add_response):
    rng = Random(11)
    ratings = [(rng.randint(1, 5), rng.randint(1, 7)) for _ in range(45)]
    for index, (satisfaction, effort) in enumerate(ratings):
        add_response(
            {"support_csat": satisfaction, "effort": effort},
            at=FEB + timedelta(minutes=index),
        )
    add_response({"support_csat": 1, "effort": 1}, at=FEB, status="partial")
    db.session.flush()

    satisfaction = csat_series(Q1)[1].result
    effort = ces_series(Q1)[1].result

    assert satisfaction == csat([r[0] for r in ratings])
    expected_effort = ces([r[1] for r in ratings])
    assert effort.n == expected_effort.n
    assert effort.mean == pytest.approx(expected_effort.mean)
    assert effort.margin_of_error == pytest.approx(expected_effort.margin_of_error)
    assert effort.agree_share == pytest.approx(expected_effort.agree_share)
    assert csat_series(Q1)[0].result.n == 0


def sus_answers(items: list[int]) -> dict[str, int]:
    return {f"sus_{number}": value for number, value in enumerate(items, start=1)}


def test_sus_is_the_mean_of_respondents_who_answered_all_ten_items(add_response):
    rng = Random(5)
    respondents = [[rng.randint(1, 5) for _ in range(10)] for _ in range(12)]
    for index, items in enumerate(respondents):
        add_response(sus_answers(items), at=MAR + timedelta(hours=index))
    # Nine items only: no SUS score can be computed for this respondent.
    add_response(sus_answers([5] * 9), at=MAR)
    db.session.flush()

    result = sus_series(Q1)[2].result

    expected = mean_score([sus(items) for items in respondents])
    assert result.n == expected.n == 12
    assert result.mean == pytest.approx(expected.mean)
    assert result.margin_of_error == pytest.approx(expected.margin_of_error)


def test_umux_lite_is_the_mean_of_complete_pairs(add_response):
    pairs = [(7, 6), (3, 4), (5, 5), (1, 2)]
    for index, (a, b) in enumerate(pairs):
        add_response({"umux_1": a, "umux_2": b}, at=JAN + timedelta(hours=index))
    add_response({"umux_1": 7}, at=JAN)
    db.session.flush()

    result = umux_lite_series(Q1)[0].result

    expected = mean_score([umux_lite(a, b) for a, b in pairs])
    assert result.n == 4
    assert result.mean == pytest.approx(expected.mean)
    assert result.sd == pytest.approx(expected.sd)


def test_response_counts_group_responses_by_the_period_they_started(add_response):
    add_response({"nps": 9}, at=JAN)
    add_response({"nps": 9}, at=FEB, started_at=JAN)
    add_response({"nps": 9}, at=JAN, status="partial")
    add_response({"nps": 9}, at=FEB, status="partial")
    db.session.flush()

    counts = response_counts(Q1)

    assert [(c.started, c.complete, c.partial) for c in counts] == [
        (3, 2, 1),
        (1, 0, 1),
        (0, 0, 0),
    ]
    assert counts[0].completion_rate == pytest.approx(200 / 3)
    assert counts[2].completion_rate is None


def test_data_version_changes_with_new_answers_and_completions(add_response):
    response = add_response({"nps": 9}, at=JAN, status="partial")
    db.session.commit()
    before = data_version()

    db.session.add(Answer(response=response, question_id="effort", question_type="ces",
                          number_value=5))  # fmt: skip
    db.session.commit()
    after_answer = data_version()
    response.status, response.completed_at = "complete", FEB
    db.session.commit()

    assert len({before, after_answer, data_version()}) == 3


# ---------------------------------------------------------------- partial periods


def test_the_clock_makes_the_running_period_partial():
    filters = Filters(start=date(2024, 7, 1), end=date(2024, 12, 31), period="quarter")

    q3, q4 = coverage(filters, today=date(2024, 11, 30), data_start=date(2023, 1, 1))

    assert not q3.partial
    assert q4.partial
    assert q4.covered == Span(date(2024, 10, 1), date(2024, 11, 30))
    assert q4.note() == (
        "partial period: 2024-10-01 to 2024-11-30 (it is not over yet)"
    )


def test_the_range_and_the_first_response_make_periods_partial():
    filters = Filters(start=date(2024, 1, 15), end=date(2024, 4, 30), period="month")

    jan, feb, mar, apr = coverage(
        filters, today=date(2024, 12, 1), data_start=date(2024, 2, 10)
    )

    assert jan.covered is None
    assert jan.note() == "before the first response"
    assert feb.covered == Span(date(2024, 2, 10), date(2024, 2, 29))
    assert "the first response came later" in feb.note()
    assert not mar.partial
    assert not apr.partial


def test_a_period_after_today_is_not_begun_and_not_partial():
    filters = Filters(start=date(2024, 11, 1), end=date(2024, 12, 31), period="month")

    nov, dec = coverage(filters, today=date(2024, 11, 30), data_start=None)

    assert not nov.partial
    assert dec.covered is None
    assert not dec.partial
    assert dec.note() == "not begun yet"


def test_data_start_is_the_first_complete_response_in_scope(add_response):
    add_response({"nps": 9}, at=FEB, status="partial", started_at=JAN)
    add_response({"nps": 9}, at=MAR, segment="smb")
    add_response({"nps": 9}, at=FEB + timedelta(days=3))
    db.session.flush()

    assert data_start(Q1) == (FEB + timedelta(days=3)).date()
    assert data_start(replace(Q1, segment="smb")) == MAR.date()


def test_nps_over_spans_counts_each_span_in_one_statement(add_response):
    for when, score in ((JAN, 10), (FEB, 0), (FEB + timedelta(days=1), 10)):
        add_response({"nps": score}, at=when)
    db.session.flush()

    with statements() as sent:
        january, february = nps_over_spans(
            Q1,
            [
                Span(date(2024, 1, 1), date(2024, 1, 31)),
                Span(date(2024, 2, 1), date(2024, 2, 29)),
            ],
        )

    assert len(sent) == 1
    assert (january.n, january.score) == (1, 100)
    assert (february.n, february.score) == (2, 0)
