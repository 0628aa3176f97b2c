"""The dashboard pages: who sees them, what they say, charts, exports and filters."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import TEST_PASSWORD
from werkzeug.security import generate_password_hash

from analysis.periods import (
    period_of,
    shift_period,
)
from cat_survey.db import db
from cat_survey.extensions import LOCALE_COOKIE
from cat_survey.models import Campaign, CampaignRecipient, Survey, User, utcnow
from cat_survey.reports import charts as charts_module
from cat_survey.reports import views as views_module
from cat_survey.reports.charts import chart_cache
from cat_survey.reports.series import CHART_SERIES

LEAD = "lead@example.com"
FEB, MAR = (datetime(2024, month, 5, 9, tzinfo=UTC) for month in (2, 3))
Q1 = "from=2024-01-01&to=2024-03-31&period=month"
PAGES = ["/dashboard", "/dashboard/chart/nps.svg", "/dashboard/export/nps.csv"]


@pytest.fixture
def lead(app_ctx, auth) -> None:
    """The test client is signed in as a CX lead, through the real login form."""
    # A one-round hash: the default scrypt would make this module take a minute.
    password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1")
    db.session.add(
        User(email=LEAD, name="Lead", role="cx_lead", password_hash=password_hash)
    )
    db.session.commit()
    auth.login(LEAD)


def add_scores(add_response, at: datetime, scores: dict[int, int], **fields) -> None:
    """``scores`` maps an NPS answer to how many responses gave it."""
    for score, count in scores.items():
        for index in range(count):
            add_response({"nps": score}, at=at + timedelta(minutes=index), **fields)


@pytest.fixture
def quarter(add_response) -> None:
    """February and March 2024 with a clear rise in NPS, committed."""
    add_scores(add_response, FEB, {10: 20, 8: 10, 3: 20}, segment="enterprise")
    add_scores(add_response, MAR, {10: 40, 8: 10, 3: 5}, segment="smb")
    db.session.commit()


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("url", PAGES)
def test_advocates_may_not_see_the_dashboard(client, auth, departments, make_user, url):
    make_user("advocate@example.com", role="advocate", department="cx")
    auth.login("advocate@example.com")

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["cx_lead", "admin"])
def test_cx_leads_and_admins_see_the_dashboard(client, auth, make_user, quarter, role):
    make_user("staff@example.com", role=role)
    auth.login("staff@example.com")

    response = client.get(f"/dashboard?{Q1}")

    assert response.status_code == 200
    assert "Net Promoter Score" in response.text


def test_the_page_says_in_words_that_a_large_change_is_not_noise(client, lead, quarter):
    page = client.get(f"/dashboard?{Q1}").text

    assert "NPS rose from 0 in 2024-02 to 63.6 in 2024-03 (+63.6 points)" in page
    assert "the change is larger than the margin of error" in page
    assert "p &lt; 0.001" in page


def test_the_page_says_a_small_change_may_be_noise(client, lead, add_response):
    add_scores(add_response, FEB, {10: 20, 8: 10, 3: 10})
    add_scores(add_response, MAR, {10: 22, 8: 10, 3: 10})
    db.session.commit()

    page = client.get(f"/dashboard?{Q1}").text

    assert "NPS rose from 25 in 2024-02 to 28.6 in 2024-03 (+3.6 points)" in page
    assert "within the margin of error" in page
    assert "so it may be noise" in page


def test_a_lead_who_chose_japanese_reads_the_dashboard_in_japanese(
    client, lead, quarter
):
    client.set_cookie(LOCALE_COOKIE, "ja")
    page = client.get(f"/dashboard?{Q1}").text

    assert "<h1>顧客体験ダッシュボード</h1>" in page
    assert "NPS は 2024-02 の 0 から 2024-03 の 63.6 に上がりました" in page
    assert "変化は誤差の範囲を超えています" in page
    assert '<th scope="col">推奨者</th>' in page
    assert '<th scope="col">批判者</th>' in page
    assert "月ごとの NPS" in page
    assert "セグメント別の NPS" in page
    assert "2024-02-05〜2024-02-29" in page  # a partial period's days
    # A chart's titles follow the language too, and are cached per language.
    chart = client.get(f"/dashboard/chart/nps.svg?{Q1}").text
    assert "ネットプロモータースコア" in chart
    # So do its legend entries, which analysis.charts is given translated.
    assert "95% 信頼区間" in chart
    assert "前の期間" in chart
    assert "* 一部のみの期間" in chart
    assert ">95% interval<" not in chart
    # And its description, which a screen reader reads out.
    assert "（期間ごと）。" in chart
    assert "（一部のみの期間）: " in chart
    assert "by period" not in chart
    assert "95% interval" not in chart
    client.set_cookie(LOCALE_COOKIE, "en")
    assert "Net Promoter Score" in client.get(f"/dashboard/chart/nps.svg?{Q1}").text


def test_every_chart_is_an_image_with_a_captioned_table_under_it(
    client, lead, quarter, add_response
):
    sus = {f"sus_{item}": 4 for item in range(1, 11)}
    answers = {"support_csat": 4, "effort": 6, **sus, "umux_1": 6, "umux_2": 5}
    add_response(answers, at=MAR)
    db.session.commit()

    page = client.get(f"/dashboard?{Q1}").text

    images = re.findall(r'<img class="chart" src="/dashboard/chart/(\w+)\.svg\?', page)
    assert images == list(CHART_SERIES)
    for name in CHART_SERIES:
        image = page.index(f"/dashboard/chart/{name}.svg")
        table = page.index(f'id="{name}-table"')
        assert image < table < page.index("<caption", table)
    # Charts are never inlined: matplotlib's global CSS would restyle the page.
    assert "<svg" not in page
    assert page.count("<caption") == len(CHART_SERIES) + 1  # plus the counts table


def test_chart_and_export_links_keep_the_filters(client, lead, quarter):
    query = f"{Q1}&segment=smb&breakdown=survey&include_partial=on"

    page = client.get(f"/dashboard?{query}").text

    link = re.search(r'src="(/dashboard/chart/nps\.svg\?[^"]+)"', page).group(1)
    for argument in ("segment=smb", "breakdown=survey", "include_partial=1",
                     "from=2024-01-01", "to=2024-03-31", "period=month"):  # fmt: skip
        assert argument in link
    assert 'href="/dashboard/export/breakdown.csv?' in page


def test_the_default_range_is_the_last_twelve_months_up_to_today(client, lead):
    page = client.get("/dashboard").text

    # Read after the request: under faketime both clocks are the faked one.
    today = datetime.now(UTC).date()
    first = shift_period(period_of(today, "month"), "month", -11)
    assert f"from={first.isoformat()}&amp;to={today.isoformat()}" in page
    assert page.count('<th scope="row">') == 12 * 2  # NPS and responses tables
    assert "No answers in this range" in page  # the empty breakdown
    assert "No UMUX-Lite answers in this period." in page


def test_small_samples_are_marked(client, lead, add_response):
    add_scores(add_response, MAR, {10: 3})
    db.session.commit()

    page = client.get(f"/dashboard?{Q1}").text

    assert 'class="small-sample"' in page
    assert "small sample" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=decade", "Choose week, month, quarter or year."),
        ("from=2024-13-01", "Not a valid date value."),
        ("from=2024-03-01&to=2024-01-01", "“To” must be on or after “From”."),
        ("survey=nope", "There is no survey"),
        ("segment=martians", "No response has the segment"),
        ("breakdown=hidden:bad-name", "Break down by survey, segment or hidden:"),
        ("breakdown=hidden:customer_ref", "hidden:customer_ref identifies a person"),
        ("breakdown=hidden:email", "hidden:email identifies a person"),
        ("period=week&from=2000-01-01&to=2024-01-01", "choose at most 160"),
        ("to=9999-12-31", "Choose a date between 1900 and 2999."),
        ("from=0001-01-01&period=quarter", "Choose a date between 1900 and 2999."),
    ],
)
def test_invalid_filters_get_a_clear_message_not_an_error(client, lead, query, message):
    for url in PAGES:
        response = client.get(f"{url}?{query}")

        assert response.status_code == 400, url
        assert message in response.text, url


def test_a_chart_is_svg_served_from_the_cache_and_revalidated_by_etag(
    client, lead, quarter, add_response, monkeypatch
):
    rendered = []
    draw = charts_module.CHARTS["nps"]
    monkeypatch.setitem(
        charts_module.CHARTS,
        "nps",
        lambda data: rendered.append(data.filters) or draw(data),
    )
    url = f"/dashboard/chart/nps.svg?{Q1}"

    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    cached = client.get(url)

    assert first.status_code == 200
    assert first.mimetype == "image/svg+xml"
    assert first.data.startswith(b"<?xml")
    assert b"n=55" in first.data
    assert "private" in first.headers["Cache-Control"]
    assert again.status_code == 304
    assert cached.data == first.data
    assert len(rendered) == 1
    assert len(chart_cache()) == 1

    add_scores(add_response, MAR, {0: 1})
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})

    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert b"n=56" in changed.data
    assert len(rendered) == 2


@pytest.mark.parametrize(
    "url", ["/dashboard/chart/responses.svg", "/dashboard/chart/x.svg",
            "/dashboard/export/x.csv"],
)  # fmt: skip
def test_an_unknown_series_is_not_found(client, lead, url):
    assert client.get(url).status_code == 404


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_an_export_is_an_uncached_attachment_with_the_tables_numbers(
    client, lead, quarter
):
    response = client.get(f"/dashboard/export/nps.csv?{Q1}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=nps-month-2024-01-01-2024-03-31.csv"
    )
    rows = read_csv(response)
    assert rows[0][:6] == ["Period", "n", "Promoters", "Passives", "Detractors", "NPS"]
    assert [row[:6] for row in rows[1:]] == [
        ["2024-01", "0", "0", "0", "0", ""],
        ["2024-02", "50", "20", "10", "20", "0.0"],
        ["2024-03", "55", "40", "10", "5", "63.6"],
    ]
    assert rows[0][-2:] == ["Covered", "Note"]
    # The first answer came on 5 February: January is before it, February partial.
    assert rows[1][-2:] == ["—", "no answers; before the first response"]
    assert rows[2][-2] == "2024-02-05 to 2024-02-29"
    assert rows[3][-2] == "2024-03-01 to 2024-03-31"


@pytest.mark.parametrize("series", ["breakdown", "csat", "ces", "sus", "umux_lite",
                                    "responses"])  # fmt: skip
def test_every_series_exports_its_table(client, lead, quarter, series):
    rows = read_csv(client.get(f"/dashboard/export/{series}.csv?{Q1}"))

    assert len(rows) > 1
    assert len({len(row) for row in rows}) == 1


def test_an_export_cannot_smuggle_a_formula_into_a_spreadsheet(
    client, lead, add_response
):
    add_scores(add_response, MAR, {9: 2}, segment='=HYPERLINK("http://evil")')
    db.session.commit()

    rows = read_csv(client.get(f"/dashboard/export/breakdown.csv?{Q1}"))

    assert rows[1][0] == '\'=HYPERLINK("http://evil")'


# ---------------------------------------------------------------- partial periods

#: The last day of November, late: Q4 2024 has October and November so far.
NOV_30 = datetime(2024, 11, 30, 22, 30, tzinfo=UTC)
SINCE_Q3 = "period=quarter&from=2024-07-01&to=2024-12-31"


@pytest.fixture
def clock(monkeypatch):
    """Pin the instant the reports views read: ``clock(datetime)``."""

    def pin(instant: datetime) -> None:
        monkeypatch.setattr(views_module, "request_now", lambda: instant)

    pin(NOV_30)
    return pin


@pytest.fixture
def two_quarters(add_response) -> None:
    """Q3 2024 whose September is dreadful, and Q4 2024 up to 30 November."""
    add_scores(add_response, datetime(2024, 6, 20, tzinfo=UTC), {9: 1})  # data began
    july, august = (
        datetime(2024, 7, 10, tzinfo=UTC),
        datetime(2024, 8, 31, 20, tzinfo=UTC),
    )
    add_scores(add_response, july, {10: 10, 3: 10}, segment="smb")
    add_scores(add_response, august, {10: 10, 8: 10}, segment="smb")  # month end
    add_scores(add_response, datetime(2024, 9, 15, tzinfo=UTC), {0: 60})
    add_scores(add_response, datetime(2024, 10, 5, tzinfo=UTC), {10: 20, 3: 5})
    add_scores(add_response, datetime(2024, 11, 30, 21, tzinfo=UTC), {10: 10, 8: 5})
    db.session.commit()


def test_a_partial_quarter_is_compared_with_the_same_days_before_it(
    client, lead, clock, two_quarters
):
    page = client.get(f"/dashboard?{SINCE_Q3}").text

    # 1 Jul-31 Aug (40 answers, NPS 25), not the whole of Q3 with September's 60
    # detractors, against 1 Oct-30 Nov (40 answers, NPS 62.5).
    assert "NPS rose from 25 in 2024 Q3 to 62.5 in 2024 Q4 (+37.5 points)" in page
    assert (
        "like with like, because a period is partial: 2024 Q4 from 2024-10-01 to "
        "2024-11-30 against the same span of 2024 Q3, 2024-07-01 to 2024-08-31"
    ) in page
    assert (
        "Partial period: 2024-10-01 to 2024-12-31 counts only 2024-10-01 to 2024-11-30"
        in page
    )


def test_partial_periods_are_marked_in_the_csv_and_the_chart(
    client, lead, clock, two_quarters
):
    rows = read_csv(client.get(f"/dashboard/export/nps.csv?{SINCE_Q3}"))
    chart = client.get(f"/dashboard/chart/nps.svg?{SINCE_Q3}").data

    q3, q4 = rows[1], rows[2]
    assert q3[:2] == ["2024 Q3", "100"]
    assert q3[-2] == "2024-07-01 to 2024-09-30"
    assert "partial" not in q3[-1]
    assert "previous period, compared over 2024-07-01 to 2024-08-31" in q3[-1]
    assert "NPS 25, n=40" in q3[-1]
    assert q4[-2] == "2024-10-01 to 2024-11-30"
    assert "partial period: 2024-10-01 to 2024-11-30 (it is not over yet)" in q4[-1]
    assert b"2024 Q4*" in chart
    assert b'id="partial-1"' in chart
    assert b"2024 Q4 (partial period)" in chart


def test_a_new_day_moves_the_partial_span(client, lead, clock, two_quarters):
    clock(datetime(2024, 12, 1, 0, 0, 1, tzinfo=UTC))

    rows = read_csv(client.get(f"/dashboard/export/nps.csv?{SINCE_Q3}"))

    assert rows[2][-2] == "2024-10-01 to 2024-12-01"
    assert "compared over 2024-07-01 to 2024-09-01" in rows[1][-1]


def test_a_whole_period_is_never_compared_with_a_partial_one(
    client, lead, clock, add_response
):
    # The survey starts on 16 August: Q3 is partial by its data, Q4 is whole.
    clock(datetime(2025, 1, 10, tzinfo=UTC))
    add_scores(add_response, datetime(2024, 8, 16, tzinfo=UTC), {10: 10, 3: 10})
    add_scores(add_response, datetime(2024, 10, 2, tzinfo=UTC), {0: 30})
    add_scores(add_response, datetime(2024, 11, 20, tzinfo=UTC), {10: 20})
    db.session.commit()

    page = client.get("/dashboard?period=quarter&from=2024-07-01&to=2024-12-31").text

    # Q4 is cut to 16 Nov-31 Dec, the days that match Q3's 16 Aug-30 Sep.
    assert (
        "2024 Q4 from 2024-11-16 to 2024-12-31 against the same span of 2024 Q3, "
        "2024-08-16 to 2024-09-30" in page
    )
    assert "NPS rose from 0 in 2024 Q3 to 100 in 2024 Q4" in page
    assert "the first response came later" in page


def test_a_year_is_a_period(client, lead, clock, two_quarters):
    rows = read_csv(client.get("/dashboard/export/nps.csv?period=year&from=2024-01-01"))

    assert rows[1][0] == "2024"
    assert rows[1][-2] == "2024-06-20 to 2024-11-30"


# ---------------------------------------------------------------- clipping, links


def test_an_interval_below_minus_100_is_shown_as_minus_100(client, lead, add_response):
    add_scores(add_response, MAR, {0: 2, 8: 1}, segment="public")
    add_scores(add_response, MAR, {10: 40}, segment="smb")
    db.session.commit()

    rows = read_csv(client.get(f"/dashboard/export/breakdown.csv?{Q1}"))
    chart = client.get(f"/dashboard/chart/breakdown.svg?{Q1}").data

    public = next(row for row in rows if row[0] == "public")
    assert rows[0][7:9] == ["Low (NPS - margin)", "High (NPS + margin)"]
    assert public[5] == "-66.7"
    assert public[7] == "-100.0"
    assert b"public: -66.7 (interval -100 to " in chart


def test_empty_score_panels_say_why_instead_of_drawing_nothing(client, lead, quarter):
    page = client.get(f"/dashboard?{Q1}").text

    for name in ("CSAT", "CES", "SUS", "UMUX-Lite"):
        assert f"No {name} answers in this period." in page
    assert "/dashboard/chart/umux_lite.svg" not in page
    assert "/dashboard/chart/nps.svg" in page


def test_each_breakdown_row_links_to_its_groups_themes(client, lead, quarter):
    page = client.get(f"/dashboard?{Q1}&breakdown=segment").text

    links = re.findall(r'href="(/dashboard/themes\?[^"]+)"', page)
    grouped = [link for link in links if "group=" in link]
    assert {re.search(r"group=(\w+)", link).group(1) for link in grouped} == {
        "enterprise",
        "smb",
    }
    assert all("breakdown=segment" in link for link in grouped)


def test_the_real_clock_decides_what_is_partial(client, lead, add_response):
    # No pinned clock: run under faketime at a month end and mid-month to see both.
    now = datetime.now(UTC)
    this_month = period_of(now.date(), "month")
    last_month = shift_period(this_month, "month", -1)

    def midnight(day):
        return datetime.combine(day, datetime.min.time(), UTC)

    add_scores(add_response, midnight(shift_period(this_month, "month", -3)), {9: 1})
    add_scores(add_response, midnight(last_month), {10: 30})
    add_scores(add_response, midnight(this_month), {0: 30})
    db.session.commit()

    page = client.get("/dashboard").text

    month_end = (now + timedelta(days=1)).day == 1
    assert ("like with like" in page) is not month_end
    assert ("Partial period: " in page) is not month_end
    assert "NPS fell from 100 in" in page


def test_the_dashboard_shows_the_latest_campaigns_response_rates(client, lead, quarter):
    empty = client.get(f"/dashboard?{Q1}").text
    assert "No campaign has been sent yet" in empty

    survey_id = db.session.scalar(db.select(Survey.id))
    campaign = Campaign(
        survey_id=survey_id, name="march.csv", send_at=utcnow(), contact_days=90
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add(
        CampaignRecipient(
            campaign_id=campaign.id,
            token="t" * 20,
            customer_ref="C-1",
            email="c1@example.com",
            locale="en",
            due_at=utcnow(),
        )
    )
    db.session.commit()

    page = client.get(f"/dashboard?{Q1}").text
    assert f"{campaign.id} · march.csv" in page
    assert 'href="/campaigns/campaigns.csv"' in page
