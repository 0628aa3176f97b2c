"""The suppression list: addresses that unsubscribed or bounced get no more e-mail.

Campaigns and closing-the-loop messages share it: an address that leaves one
leaves both.
"""

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from cat_survey.db import db
from cat_survey.domain.campaigns.rules import as_utc, normalised_email
from cat_survey.models import (
    CampaignRecipient,
    Notification,
    NotificationStatus,
    Suppression,
    utcnow,
)

#: An SMTP answer that refuses the address for good (5xx), as the outbox records it.
PERMANENT_REFUSAL = re.compile(r"^SMTPRecipientsRefused: .*\(5\d\d, ")


def suppressions(emails: Iterable[str]) -> dict[str, str]:
    """The suppressed addresses among ``emails``, with their reason."""
    wanted = list(emails)
    if not wanted:
        return {}
    rows = db.session.execute(
        db.select(Suppression.email, Suppression.reason).where(
            Suppression.email.in_(wanted)
        )
    )
    return {email: reason for email, reason in rows}


def suppress(email: str, reason: str, detail: str | None = None) -> bool:
    """Put an address on the suppression list; False if it already was (commits)."""
    address = normalised_email(email)
    if address in suppressions([address]):
        return False
    db.session.add(Suppression(email=address, reason=reason, detail=detail))
    try:
        db.session.commit()
    except IntegrityError:  # suppressed by another request at the same moment
        db.session.rollback()
        return False
    return True


def unsubscribe(token: str, *, now: datetime | None = None) -> CampaignRecipient | None:
    """Record that the customer behind an unsubscribe link wants no more e-mail.

    Returns the recipient, or None for an unknown link. Doing it twice is harmless.
    """
    recipient = recipient_by_token(token)
    if recipient is None:
        return None
    if recipient.unsubscribed_at is None:
        recipient.unsubscribed_at = as_utc(now or utcnow())
        db.session.commit()
    suppress(recipient.email, "unsubscribed", f"campaign {recipient.campaign_id}")
    return recipient


def recipient_by_token(token: str) -> CampaignRecipient | None:
    """The recipient an unsubscribe link names, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(db.select(CampaignRecipient).filter_by(token=token))


def record_bounce(
    email: str, *, detail: str | None = None, now: datetime | None = None
) -> bool:
    """Record that mail to ``email`` bounced: suppress it and count it (commits).

    The bounce is counted on the address's latest campaign e-mail. Returns False
    when the address is not a campaign recipient and was already suppressed.
    """
    address = normalised_email(email)
    latest = db.session.scalar(
        db.select(CampaignRecipient)
        .where(
            CampaignRecipient.email == address,
            CampaignRecipient.invited_at.is_not(None),
        )
        .order_by(CampaignRecipient.invited_at.desc(), CampaignRecipient.id.desc())
        .limit(1)
    )
    counted = False
    if latest is not None and latest.bounced_at is None:
        latest.bounced_at = as_utc(now or utcnow())
        db.session.commit()
        counted = True
    return suppress(address, "bounced", detail) or counted


def record_outbox_bounces(*, now: datetime) -> int:
    """Turn campaign e-mails the mail server refused for good (5xx) into bounces.

    The outbox keeps such a row and retries it on its back-off, as it does every
    failure; the address is suppressed, so no new campaign e-mail goes to it.
    """
    invitation_mail = aliased(Notification)
    reminder_mail = aliased(Notification)
    rows = db.session.execute(
        db.select(CampaignRecipient.email, invitation_mail.last_error,
                  reminder_mail.last_error)
        .outerjoin(invitation_mail,
                   invitation_mail.id == CampaignRecipient.invitation_notification_id)
        .outerjoin(reminder_mail,
                   reminder_mail.id == CampaignRecipient.reminder_notification_id)
        .where(
            CampaignRecipient.bounced_at.is_(None),
            (
                (invitation_mail.status == NotificationStatus.PENDING)
                & invitation_mail.last_error.is_not(None)
            )
            | (
                (reminder_mail.status == NotificationStatus.PENDING)
                & reminder_mail.last_error.is_not(None)
            ),
        )
    ).all()  # fmt: skip
    db.session.commit()
    recorded = 0
    for email, *errors in rows:
        refusal = next((e for e in errors if e and PERMANENT_REFUSAL.match(e)), None)
        if refusal is not None and record_bounce(email, detail=refusal, now=now):
            recorded += 1
    return recorded
