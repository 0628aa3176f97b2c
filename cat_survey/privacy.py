"""Privacy: export or erase everything about one customer, and age out old data.

A customer is known by their ``customer_ref`` (from an invitation or a hidden
field). Erasing deletes their responses, answers, the answers' stored embeddings (a
vector can be inverted back to much of its text), theme memberships, follow-up
records, invitations, any notification that quotes them and the stored theme
models (whose vocabularies hold answers' words), then recounts the themes they
were in; what remains is a ``PrivacyEvent`` with counts only.
Retention drops the embeddings of the answers it redacts, so that the next
analysis embeds the redacted text instead.
"""

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_

from cat_survey.db import affected_rows, db
from cat_survey.embeddings import forget_vectors
from cat_survey.models import (
    Answer,
    FollowUp,
    Invitation,
    Notification,
    PrivacyEvent,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    utcnow,
)

# Hidden fields that describe a segment of customers rather than a person.
NON_PERSONAL_FIELDS = {"segment", "plan", "region", "revenue_tier"}
NAME_FIELDS = ("first_name", "last_name", "name", "full_name")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()./-]{6,}\d")
# "my name is Ken", "ask for Maria", "thanks to Aiko": a name after such words.
NAMED = re.compile(
    r"\b(?i:my name is|i am|i'm|this is|ask for|thanks to|thank you|talked to|"
    r"spoke (?:to|with)|from)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
REDACTED = "[redacted]"


def customer_responses(customer_ref: str) -> list[SurveyResponse]:
    """Every response given by this customer.

    Only verified responses (an invitation, a signed link, an import) belong to a
    customer: one whose reference was typed into a public link names nobody.
    """
    return list(
        db.session.scalars(
            db.select(SurveyResponse).filter_by(
                customer_ref=customer_ref, identity_verified=True
            )
        )
    )


def export_customer(customer_ref: str) -> dict[str, Any]:
    """Everything stored about one customer, as plain JSON-ready data."""
    responses = customer_responses(customer_ref)
    invitations = db.session.scalars(
        db.select(Invitation).filter_by(customer_ref=customer_ref)
    )
    response_ids = [response.id for response in responses]
    follow_ups = db.session.scalars(
        db.select(FollowUp).where(FollowUp.response_id.in_(response_ids))
    )
    themes = db.session.execute(
        db.select(Answer.id, Theme.label)
        .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
        .join(Theme, Theme.id == ThemeAnswer.theme_id)
        .where(Answer.response_id.in_(response_ids))
    ).all()
    theme_of = dict(themes)
    return {
        "customer_ref": customer_ref,
        "exported_at": utcnow().isoformat(),
        "responses": [
            {
                "survey": response.survey.slug,
                "status": response.status,
                "hidden": response.hidden,
                "locale": response.locale,
                "channel": response.channel,
                "contact_consent": response.contact_consent,
                "started_at": response.started_at.isoformat(),
                "completed_at": iso(response.completed_at),
                "answers": [
                    {
                        "question_id": answer.question_id,
                        "value": answer.value,
                        "answered_at": answer.answered_at.isoformat(),
                        "theme": theme_of.get(answer.id),
                    }
                    for answer in response.answers
                ],
            }
            for response in responses
        ],
        "invitations": [
            {
                "survey": invitation.survey.slug,
                "email": invitation.email,
                "hidden": invitation.hidden,
                "created_at": invitation.created_at.isoformat(),
                "expires_at": iso(invitation.expires_at),
            }
            for invitation in invitations
        ],
        "follow_ups": [
            {"note": follow_up.note, "created_at": follow_up.created_at.isoformat()}
            for follow_up in follow_ups
        ],
    }


def erase_customer(customer_ref: str) -> dict[str, int]:
    """Delete everything about one customer; return what was deleted, by kind."""
    from cat_survey.analyze.stored import forget_stored_models

    responses = customer_responses(customer_ref)
    response_ids = [response.id for response in responses]
    answers = db.session.execute(
        db.select(Answer.id, Answer.text_value).where(
            Answer.response_id.in_(response_ids)
        )
    ).all()
    answer_ids = {answer_id for answer_id, _ in answers}
    texts = [text for _, text in answers if text and len(text) >= 8]
    theme_ids = set(
        db.session.scalars(
            db.select(ThemeAnswer.theme_id).where(ThemeAnswer.answer_id.in_(answer_ids))
        )
    )
    counts = {
        "responses": len(responses),
        "answers": len(answer_ids),
        "theme_memberships": db.session.scalar(
            db.select(db.func.count())
            .select_from(ThemeAnswer)
            .where(ThemeAnswer.answer_id.in_(answer_ids))
        ),
        "follow_ups": affected_rows(
            db.session.execute(
                db.delete(FollowUp).where(FollowUp.response_id.in_(response_ids))
            )
        ),
        "notifications": delete_notifications_quoting(texts),
        "embeddings": forget_vectors(sorted(answer_ids)),
        # Their vocabularies hold the answers' words: --assign-new fits anew.
        "stored_models": forget_stored_models() if answer_ids else 0,
    }
    db.session.execute(
        db.delete(ThemeAnswer).where(ThemeAnswer.answer_id.in_(answer_ids))
    )
    db.session.execute(db.delete(Answer).where(Answer.response_id.in_(response_ids)))
    db.session.execute(
        db.delete(SurveyResponse).where(SurveyResponse.id.in_(response_ids))
    )
    counts["invitations"] = affected_rows(
        db.session.execute(db.delete(Invitation).filter_by(customer_ref=customer_ref))
    )
    forget_quotes(theme_ids, answer_ids)
    db.session.add(PrivacyEvent(kind="erase", counts=counts))
    db.session.commit()
    return counts


def delete_notifications_quoting(texts: Iterable[str]) -> int:
    """Delete outbox rows (sent or not) whose message quotes any of these texts."""
    deleted = 0
    for text in texts:
        snippet = text[:80]
        payload = db.cast(Notification.payload, db.Text)
        quoting = or_(
            Notification.body.contains(snippet, autoescape=True),
            payload.contains(snippet, autoescape=True),
        )
        deleted += affected_rows(
            db.session.execute(db.delete(Notification).where(quoting))
        )
    return deleted


def forget_quotes(theme_ids: set[int], answer_ids: set[int]) -> None:
    """Drop erased answers from themes' quotes and recount the themes."""
    from cat_survey.analyze import refresh_sizes_and_months

    themes = list(db.session.scalars(db.select(Theme).where(Theme.id.in_(theme_ids))))
    for theme in themes:
        theme.quotes = [quote for quote in theme.quotes if quote not in answer_ids]
    refresh_sizes_and_months(themes)


def retain(days: int) -> dict[str, int]:
    """Anonymise responses older than ``days``: personal fields and names in text."""
    cutoff = utcnow() - timedelta(days=days)
    responses = list(
        db.session.scalars(
            db.select(SurveyResponse).where(SurveyResponse.started_at < cutoff)
        )
    )
    redacted: list[int] = []
    for response in responses:
        names = [response.hidden.get(field, "") for field in NAME_FIELDS]
        for answer in response.answers:
            if answer.text_value:
                cleaned = redact(answer.text_value, names)
                if cleaned != answer.text_value:
                    answer.text_value = cleaned
                    redacted.append(answer.id)
        response.hidden = {
            key: value
            for key, value in response.hidden.items()
            if key in NON_PERSONAL_FIELDS
        }
        response.customer_ref = None
    invitations = affected_rows(
        db.session.execute(
            db.update(Invitation)
            .where(Invitation.created_at < cutoff)
            .values(email=None, customer_ref=None, hidden={})
        )
    )
    counts = {
        "responses": len(responses),
        "answers_redacted": len(redacted),
        "embeddings": forget_vectors(redacted),
        "invitations": invitations,
    }
    db.session.add(PrivacyEvent(kind="retain", counts=counts))
    db.session.commit()
    return counts


def redact(text: str, names: Iterable[str] = ()) -> str:
    """Replace e-mail addresses, phone numbers and people's names with [redacted].

    >>> redact("Ken here, call +81 90 1234 5678 or ken@example.com", ["Ken"])
    '[redacted] here, call [redacted] or [redacted]'
    >>> redact("Thanks to Maria from support, she fixed it")
    'Thanks to [redacted] from support, she fixed it'
    """
    text = EMAIL.sub(REDACTED, text)
    text = PHONE.sub(REDACTED, text)
    for name in names:
        if name and len(name) >= 2:
            text = re.sub(
                rf"\b{re.escape(name)}\b", REDACTED, text, flags=re.IGNORECASE
            )
    return NAMED.sub(
        lambda match: match.group(0).replace(match.group(1), REDACTED), text
    )


def iso(moment) -> str | None:
    """ISO text of a timestamp, or None."""
    return moment.isoformat() if moment else None
