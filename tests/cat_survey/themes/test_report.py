"""The theme report: a department's period in themes, as a page and as a PDF."""

from datetime import date, timedelta

import pytest

from analysis.periods import shift_period
from analysis.scores import nps_from_counts
from cat_survey.db import db
from cat_survey.domain.theme_workflow import change_status
from cat_survey.models import Notification, ThemeEvent, utcnow
from cat_survey.notifications import queue_weekly_digest
from cat_survey.themes.report import (
    BadPeriod,
    department_report,
    drag_interval,
    parse_period,
    trend_word,
)

XSS = "<script>alert(1)</script>"


def this_month() -> str:
    return f"{utcnow():%Y-%m}"


@pytest.fixture
def report_themes(make_theme, staff):
    """CX themes with answers now and on the 1st of last month, one resolved."""
    now = utcnow()
    last_month = shift_period(now.date().replace(day=1), "month", -1)
    before = now.replace(year=last_month.year, month=last_month.month, day=1)
    growing = make_theme(
        "cx",
        label="Invoices are wrong",
        owner=staff["a"],
        answers=[{"text": f"invoice {XSS} {i}", "nps": 2, "at": now} for i in range(4)]
        + [{"text": "invoice old", "nps": 3, "at": before}],
    )
    fresh = make_theme(
        "cx",
        label="Slow support replies",
        answers=[{"text": "slow reply", "nps": 9, "at": now}] * 2,
    )
    old = make_theme(
        "cx", label="Only last month", answers=[{"text": "old", "at": before}]
    )
    sales = make_theme("sales", label="Pricing", answers=[{"text": "price"}])
    change_status(fresh, "resolved", actor=staff["a"], reason="More staff on chat")
    db.session.commit()
    return {"growing": growing, "fresh": fresh, "old": old, "sales": sales}


def test_a_period_is_a_month_or_a_quarter_and_a_running_one_is_partial():
    quarter = parse_period("2026-Q4", today=date(2026, 11, 15))
    assert (quarter.first, quarter.last, quarter.partial) == (
        date(2026, 10, 1),
        date(2026, 11, 15),
        True,
    )
    assert (quarter.previous_first, quarter.previous_last) == (
        date(2026, 7, 1),
        date(2026, 8, 15),
    )
    month = parse_period("2026-02", today=date(2026, 11, 15))
    assert (month.last, month.partial, month.previous_name) == (
        date(2026, 2, 28),
        False,
        "2026-01",
    )
    for bad in ("2026", "2026-13", "2026-Q5", "Q4", "2027-01"):
        with pytest.raises(BadPeriod):
            parse_period(bad, today=date(2026, 11, 15))


def test_trend_words_tolerate_noise():
    assert [trend_word(c, p) for c, p in [(3, 0), (0, 0), (11, 10), (12, 10)]] == [
        "new",
        "steady",
        "steady",
        "rising",
    ]
    assert trend_word(8, 10) == "falling"


def test_drag_interval_holds_the_drag_and_vanishes_without_nps():
    everyone = nps_from_counts(60, 30, 30)
    drag = drag_interval(nps_from_counts(0, 2, 18), everyone)
    assert drag is not None
    assert drag.low < drag.drag < drag.high
    assert drag_interval(nps_from_counts(0, 0, 0), everyone) is None


def test_the_report_ranks_this_periods_themes_and_lists_resolutions(
    staff, departments, report_themes
):
    period = parse_period(this_month(), today=utcnow().date())
    report = department_report(staff["lead"], departments["cx"], period)
    assert [(t.theme.label, t.current, t.previous, t.trend) for t in report.themes] == [
        ("Invoices are wrong", 4, 1, "rising"),
        ("Slow support replies", 2, 0, "new"),
    ]
    first = report.themes[0]
    assert first.theme.owner.name == staff["a"].name
    assert first.nps.n == 4  # last month's answer is not this period's
    assert first.drag is not None
    assert first.drag.low <= first.drag.drag <= first.drag.high
    assert len(first.quotes) == 2
    assert [(line.theme.label, line.reason) for line in report.resolved] == [
        ("Slow support replies", "More staff on chat")
    ]
    assert report.came_back == ()
    assert report.answers == 6


def test_nps_and_its_drag_count_only_the_periods_answers(
    staff, departments, report_themes
):
    this = department_report(
        staff["lead"],
        departments["cx"],
        parse_period(this_month(), today=utcnow().date()),
    )
    growing = this.themes[0]
    # This month: the theme's 4 detractors; everyone else 2 promoters ("slow
    # reply") and 1 detractor ("price"). Last month's two answers are left out.
    assert (growing.nps.promoters, growing.nps.detractors) == (0, 4)
    overall = nps_from_counts(2, 0, 5)
    rest = nps_from_counts(2, 0, 1)
    assert growing.drag is not None
    assert growing.drag.drag == pytest.approx(overall.score - rest.score)
    assert growing.drag.low <= growing.drag.drag <= growing.drag.high

    last_month = shift_period(utcnow().date().replace(day=1), "month", -1)
    before = department_report(
        staff["lead"],
        departments["cx"],
        parse_period(f"{last_month:%Y-%m}", today=utcnow().date()),
    )
    by_label = {theme.theme.label: theme for theme in before.themes}
    # Last month the theme had one answer (NPS 3) and so did "Only last month":
    # one detractor against one, a drag of 0 with a wide interval.
    assert by_label["Invoices are wrong"].nps.n == 1
    drag = by_label["Invoices are wrong"].drag
    assert drag is not None
    assert drag.drag == pytest.approx(0.0)


def test_a_reopened_theme_is_listed_as_come_back(staff, departments, report_themes):
    db.session.add(
        ThemeEvent(
            theme=report_themes["fresh"], kind="reopened", reason="Grew from 2 to 5"
        )
    )
    db.session.commit()
    period = parse_period(this_month(), today=utcnow().date())
    report = department_report(staff["lead"], departments["cx"], period)
    assert [line.reason for line in report.came_back] == ["Grew from 2 to 5"]


# ---------------------------------------------------------------- over HTTP


def test_an_advocate_reads_their_departments_report_from_my_themes(
    client, auth, staff, report_themes
):
    auth.login(staff["a"].email)
    assert 'href="/themes/report"' in client.get("/themes").text
    page = client.get(f"/themes/report?department=sales&period={this_month()}")
    assert page.status_code == 200
    text = page.text
    assert "Theme report: Customer experience" in text
    assert "Pricing" not in text  # another department's theme, whatever the URL
    assert "Invoices are wrong" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert XSS not in text
    assert "More staff on chat" in text
    assert "Download PDF" in text


def test_a_lead_picks_the_department_and_a_bad_period_says_why(
    client, auth, staff, report_themes
):
    auth.login(staff["lead"].email)
    text = client.get("/themes/report?department=sales&period=2026-Q9").text
    assert "Give the period as a month (2026-11) or a quarter (2026-Q4)." in text
    assert "Pricing" in text
    assert client.get("/themes/report?department=nope").status_code == 404


def test_the_report_downloads_as_a_pdf(client, auth, staff, report_themes):
    auth.login(staff["a"].email)
    response = client.get(f"/themes/report.pdf?period={this_month()}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert (
        f"theme-report-cx-{this_month()}.pdf" in response.headers["Content-Disposition"]
    )
    assert len(response.data) > 2000


def test_customers_and_strangers_cannot_read_reports(client, report_themes):
    for url in ("/themes/report", "/themes/report.pdf"):
        assert client.get(url).status_code in (302, 401)


def test_the_weekly_digest_links_to_the_departments_report(app, staff, make_theme):
    make_theme("cx", owner=staff["a"])
    queue_weekly_digest(staff["a"], now=utcnow() + timedelta(days=1))
    row = db.session.scalars(db.select(Notification)).one()
    link = f"{app.config['BASE_URL']}/themes/report?department=cx"
    assert link in row.body
    assert link in row.payload["html"]


def test_the_report_speaks_japanese_to_a_person_who_chose_it(
    client, auth, staff, report_themes
):
    staff["a"].locale = "ja"
    db.session.commit()
    auth.login(staff["a"].email)
    page = client.get(f"/themes/report?period={this_month()}").text
    assert '<html lang="ja">' in page
    assert '<main id="main" lang="en">' not in page
    assert "<h1>テーマレポート: Customer experience、" in page
    assert '<h2 id="top-heading">主なテーマ</h2>' in page
    assert "NPS 押し下げ幅（95% 区間）" in page
    assert "PDF をダウンロード" in page
    pdf = client.get(f"/themes/report.pdf?period={this_month()}")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF-")
