"""Reads behind the theme screens: scope, impact order, NPS, months, answers."""

from datetime import UTC, date, datetime

import pytest

from cat_survey.db import db
from cat_survey.domain.theme_workflow import change_status, reassign, record_follow_up
from cat_survey.models import Answer, ThemeAnswer, ThemeEvent, User
from cat_survey.themes.queries import (
    PAGE_SIZE,
    answer_page,
    export_rows,
    like_pattern,
    overall_nps_by_survey,
    respondent_nps,
    segment_counts,
    sparkline_counts,
    theme_page,
    theme_quotes,
    theme_response,
    theme_summaries,
    theme_trend,
    triage_queue,
    visible_theme,
    visible_themes,
)


def labels(user: User) -> set[str]:
    return {theme.label for theme in db.session.scalars(visible_themes(user))}


def at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_an_advocate_sees_only_their_department_and_leads_see_all(staff, make_theme):
    make_theme("cx", label="cx theme")
    make_theme("sales", label="sales theme")
    make_theme(None, label="unrouted theme", needs_triage=True)
    assert labels(staff["a"]) == {"cx theme"}
    assert labels(staff["b"]) == {"sales theme"}
    everything = {"cx theme", "sales theme", "unrouted theme"}
    assert labels(staff["lead"]) == labels(staff["admin"]) == everything


def test_visible_theme_hides_other_departments_themes(staff, make_theme):
    theme = make_theme("sales")
    assert visible_theme(staff["b"], theme.id) == theme
    assert visible_theme(staff["lead"], theme.id) == theme
    assert visible_theme(staff["a"], theme.id) is None
    assert visible_theme(staff["b"], theme.id + 1000) is None


def test_themes_are_sorted_by_the_harm_their_evidence_shows(staff, make_theme):
    praise = [{"text": t, "nps": 10} for t in "abcdefgh"]
    complaints = [{"text": t, "nps": 2} for t in "abcd"]
    make_theme(label="big praise", answers=praise, sentiment=0.6)
    make_theme(label="angry", answers=complaints, sentiment=-0.5)
    make_theme(label="mildly negative", answers=list("abcde"), sentiment=-0.1)
    summaries = theme_summaries(staff["a"])
    assert [s.theme.label for s in summaries] == [
        "angry",
        "mildly negative",
        "big praise",
    ]
    angry = summaries[0].impact
    assert angry.negativity == pytest.approx(0.5)
    assert 0 < angry.shortfall < 1
    assert angry.drag < 0  # its detractors pull the overall NPS down
    assert angry.value == pytest.approx(4 * (0.5 + angry.shortfall) / 2)
    assert summaries[2].impact.value == 0
    assert summaries[2].impact.drag > 0


def test_a_complaint_theme_outranks_a_praise_theme_of_the_same_size(staff, make_theme):
    praise = [{"text": f"great onboarding {i}", "nps": 10} for i in range(6)]
    complaints = [{"text": f"refund pending {i}", "nps": 3} for i in range(6)]
    make_theme(label="loved onboarding", sentiment=0.7, answers=praise)
    make_theme(label="refund still pending", sentiment=-0.6, answers=complaints)
    summaries = theme_summaries(staff["a"])
    assert [s.theme.label for s in summaries] == [
        "refund still pending",
        "loved onboarding",
    ]
    assert summaries[0].impact.value > summaries[1].impact.value == 0


def test_few_angry_answers_count_for_less_than_well_evidenced_anger(staff, make_theme):
    make_theme(label="two angry", sentiment=-0.5,
               answers=[{"text": f"x {i}", "nps": 0} for i in range(2)])  # fmt: skip
    make_theme(label="forty angry", sentiment=-0.5,
               answers=[{"text": f"y {i}", "nps": 0} for i in range(40)])  # fmt: skip
    make_theme(label="content", sentiment=0.5,
               answers=[{"text": f"z {i}", "nps": 10} for i in range(40)])  # fmt: skip
    few, many = (
        next(s for s in theme_summaries(staff["a"]) if s.theme.label == label).impact
        for label in ("two angry", "forty angry")
    )
    # Same NPS (-100), but two answers leave an interval too wide to be sure.
    assert few.shortfall < many.shortfall


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", {"new one", "working"}),
        ("closed", {"done", "dropped"}),
        ("retired", {"split up", "emptied"}),
        ("all", {"new one", "working", "done", "dropped", "split up", "emptied"}),
        ("nonsense", {"new one", "working"}),
    ],
)
def test_the_list_filters_by_open_or_closed_status(staff, make_theme, status, expected):
    make_theme(label="new one")
    make_theme(label="working", status="in_progress")
    make_theme(label="done", status="resolved")
    make_theme(label="dropped", status="wont_fix")
    make_theme(label="split up", status="superseded")
    make_theme(label="emptied", status="archived")
    summaries = theme_summaries(staff["a"], status=status)
    assert {s.theme.label for s in summaries} == expected


def test_leads_filter_the_list_by_department_and_never_see_unrouted_themes(
    staff, make_theme
):
    make_theme("cx", label="cx theme")
    make_theme("sales", label="sales theme")
    make_theme(None, label="unrouted", needs_triage=True)
    assert {s.theme.label for s in theme_summaries(staff["lead"])} == {
        "cx theme",
        "sales theme",
    }
    by_sales = theme_summaries(staff["lead"], department="sales")
    assert [s.theme.label for s in by_sales] == ["sales theme"]
    # A filter cannot widen an advocate's scope.
    assert theme_summaries(staff["a"], department="sales") == ()


def test_nps_of_respondents_counts_each_response_once_against_the_overall_nps(
    staff, make_theme, make_response
):
    theme = make_theme(answers=[{"text": "bad", "nps": 2}, {"text": "fine", "nps": 10}])
    make_theme(label="other", answers=[{"text": "great", "nps": 9}])
    make_response(nps=9)
    make_response(nps=8)
    # A second free-text answer of the same response must not count it twice.
    response_id = db.session.scalar(
        db.select(Answer.response_id).where(Answer.text_value == "bad")
    )
    extra = Answer(
        response_id=response_id,
        question_id="make_it_ten",
        question_type="text",
        text_value="and more",
    )
    db.session.add(extra)
    db.session.flush()
    db.session.add(ThemeAnswer(answer_id=extra.id, theme_id=theme.id))
    db.session.commit()

    theme_nps = respondent_nps([theme.id])[theme.id]
    assert (theme_nps.promoters, theme_nps.passives, theme_nps.detractors) == (1, 0, 1)
    assert theme_nps.score == 0
    overall = overall_nps_by_survey()[theme.survey_id]
    assert (overall.promoters, overall.passives, overall.detractors) == (3, 1, 1)
    assert overall.score == pytest.approx(40.0)
    summary = next(s for s in theme_summaries(staff["a"]) if s.theme == theme)
    assert (summary.nps, summary.overall_nps) == (theme_nps, overall)


def test_trend_fills_empty_months_with_zero_up_to_this_month(staff, make_theme):
    theme = make_theme(
        answers=[
            {"text": "a", "at": at(2024, 1)},
            {"text": "b", "at": at(2024, 1, 20)},
            {"text": "c", "at": at(2024, 3)},
        ]
    )
    trend = theme_trend(theme, today=date(2024, 4, 15))
    assert [(m.label, m.count) for m in trend] == [
        ("2024-01", 2),
        ("2024-02", 0),
        ("2024-03", 1),
        ("2024-04", 0),
    ]
    sparkline = sparkline_counts(theme, today=date(2024, 4, 15))
    assert len(sparkline) == 12
    assert sparkline[0].label == "2023-05"
    assert [m.count for m in sparkline[-4:]] == [2, 0, 1, 0]


def test_trend_of_a_theme_without_months_is_empty(staff, make_theme):
    assert theme_trend(make_theme(answers=[])) == ()


def test_segment_breakdown_counts_respondents_per_segment(staff, make_theme):
    theme = make_theme(
        answers=[
            {"text": "a", "segment": "enterprise", "nps": 2},
            {"text": "b", "segment": "enterprise", "nps": 9},
            {"text": "c", "segment": "smb", "nps": 9},
            {"text": "d", "segment": None, "nps": 5},
        ]
    )
    rows = [
        (s.segment, s.respondents, round(s.share), s.nps.score)
        for s in segment_counts(theme)
    ]
    assert rows == [
        ("enterprise", 2, 50, 0.0),
        ("(none)", 1, 25, -100.0),
        ("smb", 1, 25, 100.0),
    ]


def test_answers_are_paged_newest_first_and_pages_clamp(staff, make_theme):
    texts = [f"answer {i:02d}" for i in range(PAGE_SIZE + 3)]
    theme = make_theme(
        answers=[
            {"text": text, "at": at(2024, 1 + i // 28, 1 + i % 28)}
            for i, text in enumerate(texts)
        ]
    )
    first = answer_page(theme)
    assert (first.total, first.pages, first.page) == (PAGE_SIZE + 3, 2, 1)
    assert [row.text for row in first.rows] == texts[::-1][:PAGE_SIZE]
    second = answer_page(theme, page=2)
    assert [row.text for row in second.rows] == texts[::-1][PAGE_SIZE:]
    assert (second.first, second.last) == (PAGE_SIZE + 1, PAGE_SIZE + 3)
    assert answer_page(theme, page=99).page == 2
    assert answer_page(theme, page=-3).page == 1


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", {"100% broken"}),
        ("_", {"snake_case bug"}),
        ("e_c", {"snake_case bug"}),
        ("\\", {"path C:\\temp"}),
        ("BROKEN", {"100% broken", "broken 100 times"}),
        ("  snake  ", {"snake_case bug", "snakeXcase"}),
        ("nothing like it", set()),
        ("", {"100% broken", "broken 100 times", "snake_case bug", "snakeXcase",
              "path C:\\temp"}),
    ],
)  # fmt: skip
def test_search_matches_literally_ignoring_case(staff, make_theme, search, expected):
    theme = make_theme(
        answers=[
            "100% broken",
            "broken 100 times",
            "snake_case bug",
            "snakeXcase",
            "path C:\\temp",
        ]
    )
    make_theme("sales", answers=["100% broken in sales"])
    page = answer_page(theme, search=search)
    assert {row.text for row in page.rows} == expected
    assert page.total == len(expected)


def test_like_pattern_escapes_wildcards_and_the_escape_character():
    assert like_pattern("50%_Off\\") == "%50\\%\\_off\\\\%"


def test_contact_details_only_for_consenting_respondents(staff, make_theme):
    theme = make_theme(
        answers=[
            {
                "text": "call me",
                "consent": True,
                "first_name": "Aiko",
                "customer_ref": "C-1",
                "segment": "enterprise",
                "nps": 4,
            },
            {
                "text": "do not call",
                "consent": False,
                "first_name": "Ben",
                "customer_ref": "C-2",
            },
        ]
    )
    rows = {row.text: row for row in answer_page(theme).rows}
    consenting, private = rows["call me"], rows["do not call"]
    assert (consenting.segment, consenting.nps) == ("enterprise", 4)
    assert consenting.contact.customer_ref == "C-1"
    assert consenting.contact.first_name == "Aiko"
    assert consenting.contact.followed_up_at is None
    assert private.contact is None
    exported = {row[4]: row for row in export_rows(theme)}
    assert exported["do not call"][5:8] == ("no", None, None)
    assert exported["call me"][5:8] == ("yes", "C-1", "Aiko")

    response = theme_response(theme, consenting.response_id)
    record_follow_up(theme, response, actor=staff["a"], note="done")
    db.session.commit()
    again = {row.text: row for row in answer_page(theme).rows}
    assert again["call me"].contact.followed_up_at is not None


def test_theme_response_only_finds_respondents_of_the_theme(staff, make_theme):
    theme = make_theme(answers=["mine"])
    other = make_theme("sales", answers=["theirs"])
    mine = answer_page(theme).rows[0].response_id
    theirs = answer_page(other).rows[0].response_id
    assert theme_response(theme, mine).id == mine
    assert theme_response(theme, theirs) is None


def test_quotes_keep_their_order_and_skip_answers_of_other_themes(staff, make_theme):
    theme = make_theme(answers=["first", "second", "third"])
    other = make_theme("sales", answers=["foreign"])
    ids = {row.text: row.answer_id for row in answer_page(theme).rows}
    foreign = answer_page(other).rows[0].answer_id
    theme.quotes = [ids["third"], foreign, ids["first"]]
    db.session.commit()
    assert [quote.text for quote in theme_quotes(theme)] == ["third", "first"]


def test_triage_queue_offers_the_routers_best_guess(staff, departments, make_theme):
    waiting = make_theme(None, label="unsure", needs_triage=True)
    make_theme("cx", label="settled")
    db.session.add(ThemeEvent(theme_id=waiting.id, kind="triage", to_value="cx"))
    db.session.add(ThemeEvent(theme_id=waiting.id, kind="triage", to_value="tech"))
    db.session.commit()
    [item] = triage_queue(staff["lead"])
    assert (item.theme.label, item.best_guess.slug) == ("unsure", "tech")


def test_theme_page_gathers_history_newest_first_and_the_last_reassignment(
    staff, departments, make_theme
):
    theme = make_theme("cx")
    change_status(theme, "acknowledged", actor=staff["a"])
    reassign(theme, departments["sales"], actor=staff["a"], reason="Pricing")
    db.session.commit()
    page = theme_page(theme)
    assert [e.kind for e in page.events] == [
        "status_changed",
        "reassigned",
        "status_changed",
    ]
    assert page.reassignment.reason == "Pricing"
    assert page.events[0].actor.email == "a@example.com"
