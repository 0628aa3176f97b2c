"""The studio: list, edit, check by line, preview storing nothing, publish, export."""

import pytest
from helpers import SURVEYS_DIR, csrf_token

from cat_survey.db import db
from cat_survey.models import SurveyResponse, SurveyVersion

SLUG = "relationship-nps"
SOURCE = (SURVEYS_DIR / f"{SLUG}.yaml").read_text(encoding="utf-8")


@pytest.fixture
def lead(client, auth, staff, make_survey):
    """The client, signed in as a CX lead, with relationship-nps loaded."""
    make_survey(SLUG)
    auth.login(staff["lead"].email)
    return client


def post_editor(client, source: str, action: str, url: str = f"/studio/{SLUG}"):
    page = client.get(url)
    return client.post(
        url,
        data={"source": source, "action": action, "csrf_token": csrf_token(page.text)},
    )


def version_numbers() -> list[int]:
    return list(
        db.session.scalars(db.select(SurveyVersion.number).order_by("number")).all()
    )


def test_the_list_shows_each_survey_with_versions_and_responses(lead, make_response):
    make_response(SLUG, nps=9)
    page = lead.get("/studio/")
    assert page.status_code == 200
    assert f'href="/studio/{SLUG}"' in page.text
    assert "1 (newest: 1)" in page.text
    assert f'href="/studio/{SLUG}/export"' in page.text


def test_the_editor_holds_the_newest_version_with_line_numbers(lead):
    page = lead.get(f"/studio/{SLUG}")
    assert page.status_code == 200
    assert "slug: relationship-nps" in page.text
    lines = SOURCE.count("\n")
    assert f"\n{lines}\n" in page.text  # the gutter numbers every line


def test_check_reports_problems_like_surveys_check_next_to_their_lines(lead):
    broken = SOURCE.replace("type: nps", "type: nsp", 1)
    line = broken.splitlines().index("    type: nsp") + 1

    page = post_editor(lead, broken, "check")

    assert page.status_code == 422
    where = (
        f"relationship-nps.yaml:{line}: question &#39;nps&#39;: field &#39;type&#39;"
    )
    assert where in page.text
    assert f'<li id="line-{line}" class="has-problem">' in page.text
    assert version_numbers() == [1]


def test_the_slug_cannot_change_in_the_editor(lead):
    page = post_editor(lead, SOURCE.replace(f"slug: {SLUG}", "slug: other"), "check")
    assert page.status_code == 422
    assert "the slug must stay" in page.text


def test_preview_shows_each_locale_and_stores_nothing(lead):
    edited = SOURCE.replace("How are we doing?", "How are we doing today?", 1)
    page = post_editor(lead, edited, "preview")
    assert page.status_code == 200
    assert 'lang="en"' in page.text
    assert 'lang="ja"' in page.text
    assert "How are we doing today?" in page.text
    assert "私たちの評価をお聞かせください" in page.text
    assert version_numbers() == [1]
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_publish_stores_a_new_version_and_earlier_responses_keep_theirs(
    lead, make_response
):
    earlier = make_response(SLUG, nps=3)
    edited = SOURCE.replace("How are we doing?", "How are we doing today?", 1)

    published = post_editor(lead, edited.replace("\n", "\r\n"), "publish")

    assert published.status_code == 302
    assert version_numbers() == [1, 2]
    db.session.refresh(earlier)
    assert earlier.version.number == 1
    assert "Published version 2." in lead.get(published.location).text
    exported = lead.get(f"/studio/{SLUG}/export")
    assert exported.headers["Content-Disposition"] == (
        f'attachment; filename="{SLUG}.yaml"'
    )
    assert exported.text == edited  # LF line ends, as a file in surveys/ has


def test_publishing_the_same_text_again_adds_no_version(lead):
    post_editor(lead, SOURCE, "publish")
    assert version_numbers() == [1]


def test_a_new_survey_is_published_from_the_starter_text(lead):
    page = lead.get("/studio/new")
    assert "slug: new-survey" in page.text
    source = (
        "slug: pulse"
        + page.text.split("slug: new-survey", 1)[1].split("</textarea>", 1)[0]
    )
    source = source.replace("&#39;", "'").replace("&amp;", "&")
    published = post_editor(lead, source, "publish", url="/studio/new")
    assert published.status_code == 302, published.text
    assert published.location.endswith("/studio/pulse")


def test_a_new_survey_cannot_take_an_existing_slug(lead):
    published = post_editor(lead, SOURCE, "publish", url="/studio/new")
    assert published.status_code == 409
    assert version_numbers() == [1]


def test_advocates_may_not_use_the_studio(client, auth, staff):
    auth.login(staff["a"].email)
    assert client.get("/studio/").status_code == 403
    assert client.get(f"/studio/{SLUG}/export").status_code == 403
