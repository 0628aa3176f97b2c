"""Suspect responses: bursts and near-duplicates are marked, reviews are audited."""

import pytest

from cat_survey.db import db
from cat_survey.domain.suspects import (
    NotSuspect,
    decide,
    source_hash,
    suspect_responses,
)
from cat_survey.models import AdminEvent, ResponseIntegrity, SurveyResponse

SPAM = "Claim your refund at evil-example dot com today"


@pytest.fixture
def screening(app, make_survey) -> None:
    """Screening on (the suite turns it off), with the shipped thresholds."""
    app.config["INTEGRITY_SCREENING_ENABLED"] = True
    make_survey("relationship-nps")


def respond(client, text: str | None = None, *, nps: int = 2, address="203.0.113.5"):
    """One response through the API from ``address``; its token."""
    environ = {"REMOTE_ADDR": address}
    started = client.post(
        "/api/v1/surveys/relationship-nps/conversations", json={}, environ_base=environ
    )
    token = started.get_json()["token"]
    url = f"/api/v1/conversations/{token}/answers"
    client.post(url, json={"question_id": "nps", "value": nps}, environ_base=environ)
    if text is not None:
        body = {"question_id": "fix_first", "value": text}
        client.post(url, json=body, environ_base=environ)
    return token


def integrity_of(token: str) -> tuple[str, str | None]:
    response = db.session.scalar(db.select(SurveyResponse).filter_by(token=token))
    return response.integrity, response.suspect_reason


def test_the_source_is_a_keyed_hash_never_the_address(client, app_ctx, screening):
    token = respond(client, address="203.0.113.5")
    response = db.session.scalar(db.select(SurveyResponse).filter_by(token=token))
    assert response.source_hash == source_hash("203.0.113.5")
    assert "203.0.113.5" not in repr(response.hidden) + response.source_hash
    assert source_hash("203.0.113.5") != source_hash("203.0.113.6")


def test_many_responses_from_one_address_become_suspect_together(
    app, client, app_ctx, screening
):
    limit = app.config["INTEGRITY_BURST_RESPONSES"]
    tokens = [respond(client) for _ in range(limit)]
    assert {integrity_of(t)[0] for t in tokens} == {"genuine"}
    tokens.append(respond(client))
    states = {integrity_of(t) for t in tokens}
    assert states == {("suspect", f"burst: {limit + 1} responses from one address "
                       "within 10 minutes")}  # fmt: skip
    # Another address, same minutes: a different customer, still genuine.
    assert integrity_of(respond(client, address="198.51.100.1"))[0] == "genuine"


def test_near_identical_texts_from_many_addresses_become_suspect(
    app, client, app_ctx, screening
):
    group = app.config["INTEGRITY_DUPLICATE_GROUP"]
    variants = [SPAM, SPAM.upper() + "!!", "claim your refund at evil example dot com"]
    tokens = [
        respond(client, variants[n % 3], address=f"198.51.100.{n}")
        for n in range(group - 1)
    ]
    honest = respond(client, "Invoices were wrong twice this year", address="192.0.2.1")
    assert {integrity_of(t)[0] for t in tokens} == {"genuine"}
    tokens.append(respond(client, variants[2], address="198.51.100.99"))
    assert {integrity_of(t)[0] for t in tokens} == {"suspect"}
    assert integrity_of(tokens[-1])[1].startswith("duplicate: the same text as")
    assert integrity_of(honest)[0] == "genuine"


def test_short_common_answers_are_not_duplicates(client, app_ctx, screening):
    tokens = [
        respond(client, "Nothing, all fine", address=f"198.51.100.{n}")
        for n in range(5)
    ]
    assert {integrity_of(t)[0] for t in tokens} == {"genuine"}


def test_screening_off_marks_nothing(app, client, app_ctx, make_survey):
    make_survey("relationship-nps")
    tokens = [respond(client, SPAM) for _ in range(8)]
    assert {integrity_of(t)[0] for t in tokens} == {"genuine"}


def test_a_release_counts_again_and_is_audited(client, app_ctx, screening, make_user):
    lead = make_user("lead@example.com", role="cx_lead")
    tokens = [respond(client, SPAM, address=f"198.51.100.{n}") for n in range(3)]
    listed, total = suspect_responses()
    assert total == 3
    assert [entry.texts for entry in listed] == [(SPAM,)] * 3
    assert {entry.nps for entry in listed} == {2}
    first = listed[0].id
    decide(first, ResponseIntegrity.RELEASED, lead)
    decide(listed[1].id, ResponseIntegrity.DISCARDED, lead)
    states = sorted(integrity_of(t)[0] for t in tokens)
    assert states == ["discarded", "released", "suspect"]
    events = db.session.scalars(db.select(AdminEvent).order_by(AdminEvent.id)).all()
    assert [(e.kind, e.response_id, e.actor_id, e.to_value) for e in events] == [
        ("response_released", first, lead.id, "released"),
        ("response_discarded", listed[1].id, lead.id, "discarded"),
    ]
    assert events[0].from_value.startswith("suspect (duplicate:")
    # A decided response is not decided twice (another lead, the same moment).
    with pytest.raises(NotSuspect):
        decide(first, ResponseIntegrity.DISCARDED, lead)
    # A released response stays released when more copies arrive.
    respond(client, SPAM, address="198.51.100.50")
    assert sorted(integrity_of(t)[0] for t in tokens) == [
        "discarded",
        "released",
        "suspect",
    ]
