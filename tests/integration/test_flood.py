"""Ballot stuffing against a real gunicorn: the month's NPS and themes hold.

One anonymous client floods a survey from eight threads, through the API and
through the web link with one CSRF token reused: complete responses, detractor
scores and one crafted text. The two workers share their rate-limit counters in a
Redis server started here on loopback, as ``scripts/demo`` does. What the limits
let through is screened as a burst and as duplicates, so this month's NPS and the
answers the theme analysis reads are exactly what they were before the flood.
"""

import http.client
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from helpers import answer_rows

from cat_survey.analyze.scope import text_answers
from cat_survey.catalog import definition_of, latest_version
from cat_survey.db import db
from cat_survey.domain.responses import new_token
from cat_survey.loopback import HOST, redis_server
from cat_survey.models import Survey, SurveyResponse
from cat_survey.reports.queries import Filters, nps_series

pytestmark = pytest.mark.slow

SURVEY = "relationship-nps"
START_PATH = f"/api/v1/surveys/{SURVEY}/conversations"
SPAM = "Claim your refund at evil-example dot com today"
FLOOD_ANSWERS = (
    ("nps", 0),
    ("fix_first", SPAM),
    ("support_csat", 1),
    ("contact_consent", "no"),
)
THREADS = 8
API_STARTS = 240
WEB_STARTS = 60
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: (NPS, text) of the month's genuine responses: NPS +30 over 10 responses.
GENUINE = [
    (10, "The onboarding call was really helpful"),
    (9, "Reports load fast and look clear"),
    (10, "Support answered my invoice question within an hour"),
    (9, "The new dashboard saves me time every week"),
    (8, "Good value, though the mobile app is slow"),
    (7, "Fine overall, setup took a while"),
    (8, "Search works well; exports could be simpler"),
    (6, "Invoices were wrong twice this quarter"),
    (3, "Outage last Tuesday cost us a day of work"),
    (10, "Great training sessions for our new team members"),
]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server on loopback, shared by the two gunicorn workers."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def gunicorn_env(redis_url: str) -> dict[str, str]:
    """The shipped limits and screening, counters in the shared Redis."""
    return {
        "CAT_SURVEY_RATELIMIT_ENABLED": "true",
        "CAT_SURVEY_RATELIMIT_STORAGE_URI": redis_url,
        "CAT_SURVEY_INTEGRITY_SCREENING_ENABLED": "true",
    }


def seed_genuine_month(now: datetime) -> None:
    """The month's genuine responses, each from its own customer."""
    survey = db.session.scalar(db.select(Survey).filter_by(slug=SURVEY))
    version = latest_version(survey)
    definition = definition_of(version)
    for score, text in GENUINE:
        response = SurveyResponse(
            survey=survey,
            version=version,
            token=new_token(),
            status="complete",
            hidden={},
            started_at=now,
            completed_at=now,
        )
        answers = {"nps": score, "fix_first": text, "support_csat": 4}
        response.answers.extend(answer_rows(definition, answers, at=now))
        db.session.add(response)
    db.session.commit()


def month_nps(today: datetime) -> float | None:
    """This month's NPS as the dashboard computes it."""
    filters = Filters(start=today.date().replace(day=1), end=today.date())
    return nps_series(filters)[-1].result.score


def theme_inputs() -> list[tuple[int, str]]:
    """The answers a ``flask analyze`` run of the survey would group into themes."""
    return [(answer.id, answer.text) for answer in text_answers()]


def flood_api(server, starts: int) -> Counter:
    """Start and complete detractor conversations; count every status seen."""
    seen: Counter = Counter()
    for _ in range(starts):
        status, body = server.request("POST", START_PATH, {})
        seen[status] += 1
        if status != 201:
            continue
        path = f"/api/v1/conversations/{body['token']}/answers"
        for question_id, value in FLOOD_ANSWERS:
            status, _ = server.request(
                "POST", path, {"question_id": question_id, "value": value}
            )
            seen[status] += 1
    return seen


def flood_web(server, starts: int) -> Counter:
    """Press Start on the public link again and again with one CSRF token."""
    connection = server.connection()
    connection.request("GET", f"/s/{SURVEY}")
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    token = CSRF_INPUT.search(page.read().decode()).group(1)
    connection.close()
    seen: Counter = Counter()
    body = f"csrf_token={token}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    for _ in range(starts):
        connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            connection.request("POST", f"/s/{SURVEY}", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            seen[response.status] += 1
        finally:
            connection.close()
    return seen


def test_a_flood_changes_neither_the_months_nps_nor_the_themes(gunicorn_server):
    server = gunicorn_server
    now = datetime.now(UTC)
    with server.app.app_context():
        seed_genuine_month(now)
        nps_before = month_nps(now)
        themes_before = theme_inputs()
    assert nps_before == 30.0

    began = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        api = [
            pool.submit(flood_api, server, API_STARTS // THREADS)
            for _ in range(THREADS)
        ]
        web = [
            pool.submit(flood_web, server, WEB_STARTS // THREADS)
            for _ in range(THREADS)
        ]
        seen = sum((job.result() for job in api + web), Counter())
    minutes = (time.monotonic() - began) / 60

    with server.app.app_context():
        flooded = db.session.scalars(
            db.select(SurveyResponse).where(SurveyResponse.source_hash.is_not(None))
        ).all()
        created = len(flooded)
        complete = sum(response.status == "complete" for response in flooded)
        print(
            f"\nflood: {sum(seen.values())} requests ({API_STARTS} API + {WEB_STARTS} "
            f"web starts) in {minutes * 60:.1f} s, statuses {dict(seen)}; "
            f"{created} responses created ({created / minutes:.0f}/min), "
            f"{complete} complete"
        )
        # The limits refused almost every start; what got in is all suspect.
        assert seen[429] >= (API_STARTS + WEB_STARTS) * 0.8
        assert seen[500] == 0
        assert 0 < created <= 20
        assert {response.integrity for response in flooded} == {"suspect"}
        assert month_nps(now) == nps_before
        assert theme_inputs() == themes_before
        assert not any("evil-example" in text for _, text in theme_inputs())
