"""Conversations in the database: finished answers are final, conflicts are explicit."""

import pytest

from cat_survey.db import db
from cat_survey.domain.responses import (
    AnswerConflict,
    active_survey,
    load_conversation,
    record_answer,
    start_conversation,
)
from cat_survey.models import Answer, SurveyResponse


@pytest.fixture
def conversation(make_survey):
    """A detractor's conversation with its score and first follow-up answered."""
    make_survey("relationship-nps")
    started = start_conversation(active_survey("relationship-nps"))
    started = record_answer(started, "nps", 3)
    return record_answer(started, "fix_first", "Invoices are wrong")


def test_a_completed_response_refuses_a_changed_answer(conversation):
    conversation = record_answer(conversation, "support_csat", 2)
    conversation = record_answer(conversation, "contact_consent", "no")
    assert conversation.completed
    with pytest.raises(AnswerConflict, match="can no longer be changed"):
        record_answer(conversation, "nps", 10)
    stored = db.session.scalar(db.select(SurveyResponse))
    assert stored.status == "complete"
    assert {a.question_id for a in stored.answers} == {
        "nps", "fix_first", "support_csat", "contact_consent"
    }  # fmt: skip


def test_resending_the_last_answer_of_a_completed_response_changes_nothing(
    conversation,
):
    conversation = record_answer(conversation, "support_csat", 2)
    conversation = record_answer(conversation, "contact_consent", "no")
    assert record_answer(conversation, "contact_consent", "no").completed


def test_an_answer_deleted_meanwhile_is_a_conflict_not_a_silent_loss(conversation):
    # Another request went back and made fix_first stale while this one held the
    # conversation as it was: updating the vanished row must not report success.
    db.session.execute(db.delete(Answer).filter_by(question_id="fix_first"))
    db.session.commit()
    with pytest.raises(AnswerConflict, match="another window"):
        record_answer(conversation, "fix_first", "Invoices are late")
    reloaded = load_conversation(conversation.token)
    assert reloaded is not None
    assert "fix_first" not in reloaded.answers
