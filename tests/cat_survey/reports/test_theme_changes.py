"""The period-over-period theme view: themes that grew, are new, or came back."""

from datetime import UTC, date, datetime

import pytest

from cat_survey.db import db
from cat_survey.models import Theme, ThemeAnswer, ThemeEvent
from cat_survey.reports.queries import Filters
from cat_survey.reports.theme_changes import theme_changes

#: 30 November 2024: Q4 has October and November so far.
TODAY = date(2024, 11, 30)
SINCE_Q3 = Filters(start=date(2024, 7, 1), end=date(2024, 12, 31), period="quarter")


@pytest.fixture
def themed(add_response):
    """``themed(theme, at, count, segment=None)`` adds answers to a theme."""

    def add(theme: Theme, at: datetime, count: int = 1, segment: str | None = None):
        for _ in range(count):
            response = add_response(
                {"nps": 5, "comment": "slow support"}, at=at, segment=segment
            )
            db.session.flush()
            comment = next(a for a in response.answers if a.question_id == "comment")
            db.session.add(ThemeAnswer(answer_id=comment.id, theme_id=theme.id))
        db.session.flush()

    return add


def make_theme(label: str, status: str = "new") -> Theme:
    theme = Theme(label=label, status=status)
    db.session.add(theme)
    db.session.flush()
    return theme


def at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 12, tzinfo=UTC)


def test_growth_is_counted_over_the_same_days_of_the_previous_quarter(themed):
    waits = make_theme("Long waits")
    themed(waits, at(6, 1))  # before the range: the theme is not new
    themed(waits, at(7, 15), 2)
    themed(waits, at(9, 20), 5)  # September: after the compared span
    themed(waits, at(10, 3), 6)
    db.session.commit()

    changes = theme_changes(SINCE_Q3, today=TODAY)

    assert changes.partial
    assert changes.current.words() == "2024-10-01 to 2024-11-30"
    assert changes.previous.words() == "2024-07-01 to 2024-08-31"
    [grew] = changes.grew
    assert (grew.label, grew.current, grew.previous, grew.growth) == (
        "Long waits",
        6,
        2,
        4,
    )
    assert changes.new == ()


def test_a_theme_first_heard_this_period_is_new(themed):
    old, fresh = make_theme("Invoices"), make_theme("Dark mode")
    themed(old, at(7, 2))
    themed(old, at(11, 2))
    themed(fresh, at(11, 5), 3)
    db.session.commit()

    changes = theme_changes(SINCE_Q3, today=TODAY)

    assert [change.label for change in changes.new] == ["Dark mode"]
    assert changes.grew == ()


def test_a_resolved_theme_heard_again_after_closing_came_back(themed):
    fixed, quiet = make_theme("Login loop", "resolved"), make_theme("Typos", "resolved")
    for theme in (fixed, quiet):
        themed(theme, at(7, 10), 2)
        db.session.add(
            ThemeEvent(
                theme_id=theme.id,
                kind="status_changed",
                to_value="resolved",
                created_at=at(8, 1),
            )
        )
    themed(fixed, at(10, 20))
    reopened = make_theme("Slow export", "acknowledged")
    themed(reopened, at(7, 1))
    db.session.add(
        ThemeEvent(theme_id=reopened.id, kind="reopened", created_at=at(11, 1))
    )
    db.session.commit()

    changes = theme_changes(SINCE_Q3, today=TODAY)

    assert sorted(change.label for change in changes.came_back) == [
        "Login loop",
        "Slow export",
    ]


def test_a_breakdown_group_counts_only_its_answers(themed):
    waits = make_theme("Long waits")
    themed(waits, at(7, 15), 1, segment="smb")
    themed(waits, at(10, 15), 4, segment="smb")
    themed(waits, at(10, 16), 9, segment="enterprise")
    db.session.commit()

    smb = theme_changes(SINCE_Q3, today=TODAY, group="smb")
    nobody = theme_changes(SINCE_Q3, today=TODAY, group="(none)")

    assert [(c.current, c.previous) for c in smb.grew] == [(4, 1)]
    assert nobody.empty


def test_the_page_lists_the_changes_with_links_to_each_theme(
    client, auth, make_user, themed, monkeypatch
):
    from cat_survey.reports import views

    monkeypatch.setattr(
        views, "request_now", lambda: datetime(2024, 11, 30, 20, tzinfo=UTC)
    )
    themed(make_theme("Invoices"), at(6, 1))  # the data begin before the range
    fresh = make_theme("Dark mode")
    themed(fresh, at(11, 5), 2, segment="smb")
    db.session.commit()
    make_user("lead@example.com", role="cx_lead")
    auth.login("lead@example.com")

    page = " ".join(
        client.get(
            "/dashboard/themes?period=quarter&from=2024-07-01&breakdown=segment"
            "&group=smb"
        ).text.split()
    )

    assert "2024 Q4 (partial period): answers from 2024-10-01 to 2024-11-30" in page
    assert "against the same days of 2024 Q3, 2024-07-01 to 2024-08-31" in page
    assert f'href="/themes/{fresh.id}"' in page
    assert "Only answers from segment “smb”." in page
    assert "No theme grew against the previous period." in page
