"""Privacy commands: export, erase and retention, proven over every table."""

import json
import pickle  # nosec B403 - reads back the models this test stored
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text

from cat_survey.analyze import run_analysis
from cat_survey.analyze.stored import MODEL_FORMAT, open_model
from cat_survey.db import db
from cat_survey.models import (
    AnalysisRun,
    AnswerEmbedding,
    FollowUp,
    Invitation,
    Notification,
    PrivacyEvent,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    utcnow,
)

INVOICE_COMPLAINTS = [
    "the invoice charged us twice",
    "double charge on our invoice",
    "invoice total is wrong again",
    "our card was charged twice for one invoice",
    "support kept us on hold for an hour",
    "waited on hold with support all morning",
    "hold times at support are far too long",
    "nobody at support answered for an hour",
]
PERSONAL = {
    "ref": "C-4242",
    "name": "Hanako",
    "email": "hanako@example.org",
    "text": "Hanako here: the invoice from March double charged us",
}


@pytest.fixture
def customer(make_response, app_ctx):
    """One consenting customer with an answer in a theme, a follow-up and mail."""
    response = make_response(
        hidden={"customer_ref": PERSONAL["ref"], "first_name": PERSONAL["name"],
                "segment": "smb"},
        nps=2, fix_first=PERSONAL["text"], support_csat=1, contact_consent="yes",
    )  # fmt: skip
    other = make_response(
        hidden={"customer_ref": "C-1", "segment": "smb"},
        nps=4, fix_first="invoices are wrong every month", support_csat=2,
    )  # fmt: skip
    theme = Theme(label="invoice double charge", size=2, status="new")
    db.session.add(theme)
    db.session.flush()
    answer_ids = [
        next(a.id for a in r.answers if a.question_id == "fix_first")
        for r in (response, other)
    ]
    db.session.add_all(ThemeAnswer(answer_id=a, theme_id=theme.id) for a in answer_ids)
    db.session.add_all(
        AnswerEmbedding(answer_id=a, model="m", dimension=2, vector=b"\0" * 8)
        for a in answer_ids
    )
    theme.quotes = answer_ids
    db.session.add(FollowUp(response_id=response.id, theme_id=theme.id, note="Called"))
    db.session.add(
        Invitation(survey_id=response.survey_id, token="tok-4242",
                   customer_ref=PERSONAL["ref"], email=PERSONAL["email"],
                   hidden={"first_name": PERSONAL["name"]})
    )  # fmt: skip
    db.session.add(
        Notification(channel="email", recipient="advocate@example.com",
                     subject="New theme", body=f"Quotes:\n- {PERSONAL['text']}")
    )  # fmt: skip
    db.session.commit()
    return response


def every_stored_value() -> str:
    """All rows of all tables, as one big text to search.

    A stored theme model is compressed: it is searched as the pickle it opens to.
    """
    dump = []
    with db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            dump.extend(repr(tuple(opened(value) for value in row)) for row in rows)
    return "\n".join(dump)


def opened(value):
    """A sealed theme model's pickled bytes; any other value as it is."""
    if isinstance(value, bytes) and value.startswith(MODEL_FORMAT):
        return pickle.dumps(open_model(AnalysisRun(id=0, model=value)))
    return value


def test_export_writes_everything_about_the_customer(runner, customer, tmp_path):
    output = tmp_path / "export.json"
    result = runner.invoke(
        args=[
            "privacy",
            "export",
            "--customer-ref",
            PERSONAL["ref"],
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text())
    (response,) = data["responses"]
    answers = {answer["question_id"]: answer for answer in response["answers"]}
    assert answers["fix_first"]["value"] == PERSONAL["text"]
    assert answers["fix_first"]["theme"] == "invoice double charge"
    assert response["hidden"]["first_name"] == PERSONAL["name"]
    assert data["invitations"][0]["email"] == PERSONAL["email"]
    assert data["follow_ups"] == [{"note": "Called", "created_at": pytest.approx(
        data["follow_ups"][0]["created_at"])}]  # fmt: skip


def test_erase_leaves_nothing_of_the_person_in_any_table(runner, customer):
    assert PERSONAL["ref"] in every_stored_value()
    result = runner.invoke(args=["privacy", "erase", "--customer-ref", PERSONAL["ref"]])
    assert result.exit_code == 0, result.output
    assert "1 responses" in result.output
    stored = every_stored_value()
    for value in PERSONAL.values():
        assert value not in stored, value
    theme = db.session.scalar(db.select(Theme))
    assert theme.size == 1
    assert len(theme.quotes) == 1
    event = db.session.scalar(db.select(PrivacyEvent))
    assert event.kind == "erase"
    assert event.counts["responses"] == 1
    assert event.counts["embeddings"] == 1
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 1
    # Only the other customer's answer keeps its stored embedding.
    (kept,) = db.session.scalars(db.select(AnswerEmbedding.answer_id)).all()
    assert kept == theme.quotes[0]


def test_erase_reaches_the_stored_theme_model(
    runner, customer, make_response, departments
):
    for complaint in INVOICE_COMPLAINTS:
        make_response(nps=3, fix_first=complaint)
    report = run_analysis(n_themes=2)
    assert report.answers == len(INVOICE_COMPLAINTS) + 2
    run = db.session.get(AnalysisRun, report.run_id)
    assert run.model is not None
    # The model never held the text: quotes are answer ids on the theme.
    assert PERSONAL["text"].encode() not in opened(run.model)
    result = runner.invoke(args=["privacy", "erase", "--customer-ref", PERSONAL["ref"]])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(AnalysisRun, report.run_id).model is None
    assert db.session.scalar(db.select(PrivacyEvent)).counts["stored_models"] == 1
    stored = every_stored_value()
    for value in PERSONAL.values():
        assert value not in stored, value


def test_retain_anonymises_old_responses_only(runner, make_response, app_ctx):
    old = make_response(
        hidden={"customer_ref": "C-9", "first_name": "Ken", "segment": "enterprise"},
        nps=5, fix_first="Ken again: call me on +81 90 1234 5678, thanks to Maria",
        at=utcnow() - timedelta(days=400),
    )  # fmt: skip
    recent = make_response(hidden={"customer_ref": "C-10", "first_name": "Yui"}, nps=9)
    # The vector of the unredacted text would still carry the names.
    old_comment = next(a for a in old.answers if a.question_id == "fix_first")
    db.session.add(
        AnswerEmbedding(answer_id=old_comment.id, model="m", dimension=2, vector=b"1")
    )
    db.session.commit()
    result = runner.invoke(args=["privacy", "retain", "--days", "365"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    old = db.session.get(SurveyResponse, old.id)
    assert old.customer_ref is None
    assert old.hidden == {"segment": "enterprise"}
    comment = next(a for a in old.answers if a.question_id == "fix_first")
    assert comment.text_value == (
        "[redacted] again: call me on [redacted], thanks to [redacted]"
    )
    assert db.session.get(AnswerEmbedding, (comment.id, "m")) is None
    assert db.session.get(SurveyResponse, recent.id).customer_ref == "C-10"
