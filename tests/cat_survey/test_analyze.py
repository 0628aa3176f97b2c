"""``flask analyze``: themes from stored answers, kept across runs, routed, owned."""

from datetime import timedelta

import pytest

from cat_survey.analyze import (
    AnalysisError,
    assign_new_answers,
    build_router,
    run_analysis,
)
from cat_survey.db import db
from cat_survey.models import (
    Answer,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeMonth,
    utcnow,
)

CRASHES = [
    "the app crashes every time I upload a file",
    "app crash when uploading a large file",
    "uploading files makes the app crash again",
    "crashes on file upload, lost my work",
    "the upload crashes the app constantly",
    "every file upload crashes it",
    "app keeps crashing during upload of files",
    "file upload crash is driving me mad",
]
INVOICES = [
    "my invoice charged me twice this month",
    "double charged on the invoice again",
    "the invoice amount is wrong, charged twice",
    "invoice shows a double charge",
    "we were charged twice, please fix the invoice",
    "wrong invoice total, double charge",
    "charged twice on our last invoice",
    "the invoice double charged our card",
]
WAITS = [
    "I waited on hold for an hour to reach support",
    "support hold times are far too long",
    "waited forever on hold, support never answered",
    "an hour on hold with support is unacceptable",
    "long hold time before support picked up",
    "on hold with support for forty minutes",
    "support kept me on hold for ages",
    "the hold time for support is awful",
]


@pytest.fixture
def answered(make_response, departments):
    """24 detractors' complaints about three things, over the last three months."""

    def make(texts, *, nps=3, months_ago=0):
        at = utcnow() - timedelta(days=30 * months_ago)
        return [
            make_response(nps=nps, fix_first=text, support_csat=2, at=at)
            for text in texts
        ]

    make(CRASHES, months_ago=0)
    make(INVOICES, months_ago=1)
    make(WAITS, nps=5, months_ago=2)
    return make


def themes_by_department() -> dict[str, Theme]:
    themes = db.session.scalars(db.select(Theme).where(Theme.size > 0)).all()
    return {theme.department.slug: theme for theme in themes if theme.department}


def test_analyze_finds_routes_and_owns_three_themes(answered, make_user):
    make_user("tech@example.com", role="advocate", department="tech")
    report = run_analysis(n_themes=3)
    assert (report.answers, report.themes, report.new_themes) == (24, 3, 3)
    themes = themes_by_department()
    assert set(themes) == {"tech", "sales", "cx"}
    tech = themes["tech"]
    assert tech.size == 8
    assert "crash" in " ".join(tech.terms)
    assert tech.owner.email == "tech@example.com"
    assert tech.routing_confidence > 0
    assert tech.routing_terms
    assert 3 <= len(tech.quotes) <= 5
    quoted = db.session.scalars(
        db.select(Answer.text_value).where(Answer.id.in_(tech.quotes))
    )
    assert set(quoted) <= set(CRASHES)
    assert tech.nps == -100
    kinds = set(
        db.session.scalars(db.select(ThemeEvent.kind).filter_by(theme_id=tech.id))
    )
    assert {"created", "routed"} <= kinds


def test_monthly_counts_are_stored_for_the_trend(answered):
    run_analysis(n_themes=3)
    sales = themes_by_department()["sales"]
    months = db.session.scalars(
        db.select(ThemeMonth).filter_by(theme_id=sales.id)
    ).all()
    assert sum(month.count for month in months) == 8
    assert all(month.month.day == 1 for month in months)


def test_a_second_run_keeps_ids_status_and_owner(answered, make_user):
    make_user("tech@example.com", role="advocate", department="tech")
    run_analysis(n_themes=3)
    tech = themes_by_department()["tech"]
    tech.status = "in_progress"
    db.session.commit()
    answered(["the app crashed when I uploaded one more file"])
    report = run_analysis(n_themes=3)
    assert report.new_themes == 0
    again = themes_by_department()["tech"]
    assert again.id == tech.id
    assert again.status == "in_progress"
    assert again.owner.email == "tech@example.com"
    assert again.size == 9


def test_each_answer_belongs_to_at_most_one_theme_after_reruns(answered):
    run_analysis(n_themes=3)
    run_analysis(n_themes=3)
    links = db.session.scalar(db.select(db.func.count()).select_from(ThemeAnswer))
    assert links == 24


def test_reassignment_sticks_and_teaches_the_router(answered):
    run_analysis(n_themes=3)
    themes = themes_by_department()
    waits = themes["cx"]
    waits.department_id = themes["sales"].department_id
    db.session.add(
        ThemeEvent(
            theme=waits,
            kind="reassigned",
            from_value="cx",
            to_value="sales",
            reason="billing owns the hold lines",
        )
    )
    db.session.commit()
    run_analysis(n_themes=3)
    assert db.session.get(Theme, waits.id).department.slug == "sales"
    decision = build_router().route_theme(["waited on hold with support for an hour"])
    assert decision.best_guess == "sales"


def test_new_answers_join_existing_themes_without_a_refit(answered):
    run_analysis(n_themes=3)
    answered(["the app crashes whenever I upload a file"])
    assert assign_new_answers() == 1
    assert themes_by_department()["tech"].size == 9


def test_analyze_needs_answers_and_a_known_survey(app_ctx, departments):
    with pytest.raises(AnalysisError, match="need 2"):
        run_analysis()
    with pytest.raises(AnalysisError, match="no survey 'nope'"):
        run_analysis(survey_slug="nope")


def test_analyze_command_reports_the_run(runner, answered):
    result = runner.invoke(args=["analyze", "--k", "3", "--survey", "relationship-nps"])
    assert result.exit_code == 0, result.output
    assert "24 answers -> 3 themes (3 new" in result.output
    bad = runner.invoke(args=["analyze", "--survey", "nope"])
    assert bad.exit_code == 1
    assert "no survey 'nope'" in bad.output
