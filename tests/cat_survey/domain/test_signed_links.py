"""Identity comes from invitations and signed links, never from a typed URL."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import csrf_token
from itsdangerous.encoding import base64_decode, base64_encode

from cat_survey.db import db
from cat_survey.domain.signed_links import SignedLinkError, sign_link, verify_link
from cat_survey.domain.theme_workflow import WorkflowError, record_follow_up
from cat_survey.models import (
    Answer,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    User,
)
from cat_survey.privacy import erase_customer, export_customer
from cat_survey.themes.queries import export_rows

KEY = "test-secret-key"  # the test app's SECRET_KEY
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ALICE = {"customer_ref": "C-1001", "first_name": "Alice"}


@pytest.fixture
def relationship(make_survey) -> str:
    return make_survey("relationship-nps")


def signed(hidden=ALICE, *, slug="relationship-nps", days=30, now=None) -> str:
    expires_at = (now or datetime.now(UTC)) + timedelta(days=days)
    return sign_link(KEY, slug, hidden, expires_at=expires_at)


# ---------------------------------------------------------------- signatures


def test_a_signed_link_gives_back_exactly_its_fields():
    token = sign_link(KEY, "relationship-nps", ALICE, expires_at=NOW + timedelta(1))
    assert verify_link(KEY, "relationship-nps", token, now=NOW) == ALICE


def forged(token: str) -> str:
    """The token with Alice's reference changed and the signature kept."""
    payload, signature = token.rsplit(".", 1)
    fields = json.loads(base64_decode(payload))
    fields["h"]["customer_ref"] = "C-1002"
    compact = json.dumps(fields, separators=(",", ":")).encode()
    return f"{base64_encode(compact).decode()}.{signature}"


@pytest.mark.parametrize(
    "change",
    [forged, lambda token: token[:-3], lambda token: "x" + token, lambda _: "{}"],
)
def test_a_changed_link_is_invalid(change):
    token = sign_link(KEY, "relationship-nps", ALICE, expires_at=NOW + timedelta(1))
    with pytest.raises(SignedLinkError) as refused:
        verify_link(KEY, "relationship-nps", change(token), now=NOW)
    assert refused.value.reason == "invalid"


def test_a_link_is_bound_to_its_survey_its_key_and_its_expiry():
    token = sign_link(KEY, "relationship-nps", ALICE, expires_at=NOW + timedelta(1))
    for slug, key, now, reason in [
        ("exit-survey", KEY, NOW, "invalid"),
        ("relationship-nps", "another-key", NOW, "invalid"),
        ("relationship-nps", KEY, NOW + timedelta(days=2), "expired"),
    ]:
        with pytest.raises(SignedLinkError) as refused:
            verify_link(key, slug, token, now=now)
        assert refused.value.reason == reason


# ---------------------------------------------------------------- web and API


def start_on_the_web(client, query: dict) -> SurveyResponse:
    page = client.get("/s/relationship-nps", query_string=query)
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_token(page.text), **query}
    started = client.post("/s/relationship-nps", data=form)
    assert started.status_code == 302, started.text
    token = started.headers["Location"].rsplit("/", 1)[-1]
    return db.session.scalar(db.select(SurveyResponse).filter_by(token=token))


def test_a_typed_customer_ref_is_kept_but_unverified(client, app_ctx, relationship):
    response = start_on_the_web(client, {**ALICE, "segment": "smb"})
    assert response.identity_verified is False
    assert response.customer_ref is None
    assert response.hidden == {**ALICE, "segment": "smb"}  # still piped ("Hi Alice")
    assert response.segment == "smb"


def test_a_signed_link_starts_a_verified_response(client, app_ctx, relationship):
    # An unsigned field beside the signature is ignored, not trusted.
    response = start_on_the_web(
        client, {"signed": signed(), "customer_ref": "C-6666", "segment": "x"}
    )
    assert response.identity_verified is True
    assert response.customer_ref == "C-1001"
    assert response.hidden == ALICE


def test_the_intro_of_a_signed_link_greets_and_keeps_the_signature(
    client, relationship
):
    token = signed()
    page = client.get("/s/relationship-nps", query_string={"signed": token})
    assert "Hi Alice!" in page.text
    assert f'name="signed" value="{token}"' in page.text


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        (lambda: signed()[:-3], 400, "changed or cut short"),
        (lambda: signed(slug="exit-survey"), 400, "changed or cut short"),
        (lambda: signed(days=-1), 410, "has expired"),
    ],
)
def test_a_broken_or_expired_signature_is_refused(
    client, app_ctx, relationship, token, status, message
):
    value = token()
    page = client.get("/s/relationship-nps", query_string={"signed": value})
    assert page.status_code == status
    assert message in page.text
    api = client.post(
        "/api/v1/surveys/relationship-nps/conversations", json={"signed": value}
    )
    assert api.status_code == status
    assert message in api.get_json()["error"]["message"]
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_the_api_verifies_only_signed_fields(client, app_ctx, relationship):
    url = "/api/v1/surveys/relationship-nps/conversations"
    typed = client.post(url, json={"hidden": ALICE}).get_json()["token"]
    vouched = client.post(url, json={"signed": signed()}).get_json()["token"]
    rows = {
        r.token: (r.identity_verified, r.customer_ref)
        for r in db.session.scalars(db.select(SurveyResponse))
    }
    assert rows == {typed: (False, None), vouched: (True, "C-1001")}


def test_sign_link_prints_a_link_that_starts_a_verified_response(
    client, runner, app_ctx, relationship
):
    result = runner.invoke(
        args=["surveys", "sign-link", "relationship-nps", "--hidden",
              "customer_ref=C-1001", "--hidden", "first_name=Alice",
              "--expires-days", "30"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("http://127.0.0.1:5000/s/relationship-nps?signed=")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    response = start_on_the_web(client, query)
    assert (response.identity_verified, response.customer_ref) == (True, "C-1001")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["relationship-nps", "--hidden", "password=x"], "no hidden field 'password'"),
        (["relationship-nps", "--hidden", "customer_ref"], "write NAME=VALUE"),
        (["no-such-survey", "--hidden", "customer_ref=C-1"], "no active survey"),
    ],
)
def test_sign_link_refuses_what_it_cannot_sign(
    runner, relationship, arguments, message
):
    result = runner.invoke(args=["surveys", "sign-link", *arguments])
    assert result.exit_code == 1
    assert message in result.output


# ---------------------------------------------------------------- consequences


@pytest.fixture
def spoofed(client, app_ctx, relationship) -> SurveyResponse:
    """Someone typed Alice's reference into a public link and agreed to contact."""
    response = start_on_the_web(client, ALICE)
    url = f"/c/{response.token}"
    answers = [
        ("nps", "2"),
        ("fix_first", "refund at evil dot com"),
        ("support_csat", "1"),
        ("contact_consent", "yes"),
    ]
    for question, value in answers:
        page = client.get(url)
        client.post(url, data={"csrf_token": csrf_token(page.text),
                               "question_id": question, "value": value})  # fmt: skip
    db.session.expire_all()
    assert response.status == "complete"
    assert response.contact_consent is True
    return response


def test_an_unverified_respondent_is_never_a_contact(spoofed, staff):
    theme = Theme(label="refunds", status="new")
    db.session.add(theme)
    db.session.flush()
    answer = db.session.scalar(db.select(Answer).filter_by(question_id="fix_first"))
    db.session.add(ThemeAnswer(answer_id=answer.id, theme_id=theme.id))
    db.session.commit()
    [row] = export_rows(theme)  # what the theme page and its CSV show
    assert "C-1001" not in row
    assert "Alice" not in row
    with pytest.raises(WorkflowError, match="nobody known to contact"):
        record_follow_up(theme, spoofed, actor=db.session.get(User, staff["a"].id))


def test_an_unverified_response_joins_no_privacy_export_or_erase(
    spoofed, make_response
):
    verified = make_response(hidden={"customer_ref": "C-1001"}, nps=9)
    exported = export_customer("C-1001")
    assert [r["started_at"] for r in exported["responses"]] == [
        verified.started_at.isoformat()
    ]
    assert "evil dot com" not in json.dumps(exported)
    assert erase_customer("C-1001")["responses"] == 1
    assert db.session.get(SurveyResponse, spoofed.id) is not None
