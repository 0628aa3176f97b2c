"""Sending: the due e-mails and reminders go to the outbox, each exactly once.

``send_due_campaign_mail`` (run by the worker every minute, or ``campaigns send``)
adds the e-mails that are due to the ``Notification`` outbox, which delivers them
with its retries and SMTP settings. Each e-mail is claimed by an UPDATE that only
matches while the recipient's ``invited_at`` (or ``reminded_at``) is empty, in the
transaction that adds the outbox row: two workers never queue the same e-mail.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from cat_survey.db import affected_rows, db
from cat_survey.domain.campaigns.messages import campaign_message
from cat_survey.domain.campaigns.rules import as_utc, in_quiet_hours, quiet_hours
from cat_survey.domain.campaigns.suppression import record_outbox_bounces, suppressions
from cat_survey.models import (
    Campaign,
    CampaignRecipient,
    Invitation,
    SurveyResponse,
    utcnow,
)


@dataclass(frozen=True)
class MailReport:
    """What one ``send_due_campaign_mail`` pass queued, and why not more."""

    invited: int = 0
    reminded: int = 0
    quiet: int = 0
    suppressed: int = 0
    bounces: int = 0

    def __str__(self) -> str:
        return (
            f"queued {self.invited} invitation(s) and {self.reminded} reminder(s); "
            f"{self.quiet} held for quiet hours, {self.suppressed} suppressed, "
            f"{self.bounces} bounce(s) recorded"
        )


def send_due_campaign_mail(
    *, now: datetime | None = None, limit: int = 500
) -> MailReport:
    """Queue every campaign e-mail and reminder that is due into the outbox; commit.

    Safe to run in several processes at once: each e-mail is claimed by a
    conditional UPDATE in the transaction that adds its outbox row, so it is
    queued once. The outbox (``notifications.send_due``) delivers the rows.
    """
    now = as_utc(now or utcnow())
    bounces = record_outbox_bounces(now=now)
    invited, quiet_first, suppressed = queue_invitations(now, limit)
    reminded, quiet_later = queue_reminders(now, limit)
    return MailReport(invited, reminded, quiet_first + quiet_later, suppressed, bounces)


def queue_invitations(now: datetime, limit: int) -> tuple[int, int, int]:
    """Queue the first e-mails that are due: (queued, held for quiet hours, skipped)."""
    due = db.session.scalars(
        db.select(CampaignRecipient.id)
        .where(
            CampaignRecipient.invited_at.is_(None),
            CampaignRecipient.skipped_reason.is_(None),
            CampaignRecipient.due_at <= now,
        )
        .order_by(CampaignRecipient.due_at, CampaignRecipient.id)
        .limit(limit)
    ).all()
    db.session.commit()
    queued = quiet = skipped = 0
    hours = quiet_hours()
    for recipient_id in due:
        recipient = db.session.get_one(CampaignRecipient, recipient_id)
        unclaimed = (
            CampaignRecipient.id == recipient_id,
            CampaignRecipient.invited_at.is_(None),
            CampaignRecipient.skipped_reason.is_(None),
        )
        if reason := suppressions([recipient.email]).get(recipient.email):
            db.session.execute(
                db.update(CampaignRecipient)
                .where(*unclaimed)
                .values(skipped_reason=reason)
            )
            db.session.commit()
            skipped += 1
            continue
        if in_quiet_hours(now, recipient.timezone, hours):
            db.session.rollback()
            quiet += 1
            continue
        if claim_and_queue(recipient, unclaimed, reminder=False, now=now):
            queued += 1
    return queued, quiet, skipped


def queue_reminders(now: datetime, limit: int) -> tuple[int, int]:
    """Queue the one reminder of customers who have not started: (queued, quiet)."""
    started = db.select(SurveyResponse.id).where(
        SurveyResponse.invitation_id == CampaignRecipient.invitation_id
    )
    candidates = db.session.execute(
        db.select(CampaignRecipient.id, CampaignRecipient.invited_at,
                  Campaign.reminder_days)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .join(Invitation, Invitation.id == CampaignRecipient.invitation_id)
        .where(
            Campaign.reminder_days.is_not(None),
            CampaignRecipient.invited_at.is_not(None),
            CampaignRecipient.reminded_at.is_(None),
            CampaignRecipient.bounced_at.is_(None),
            CampaignRecipient.unsubscribed_at.is_(None),
            ~started.exists(),
            (Invitation.expires_at.is_(None)) | (Invitation.expires_at > now),
        )
        .order_by(CampaignRecipient.invited_at, CampaignRecipient.id)
    ).all()  # fmt: skip
    db.session.commit()
    due = [
        row.id
        for row in candidates
        if as_utc(row.invited_at) + timedelta(days=row.reminder_days) <= now
    ][:limit]
    queued = quiet = 0
    hours = quiet_hours()
    for recipient_id in due:
        recipient = db.session.get_one(CampaignRecipient, recipient_id)
        if recipient.email in suppressions([recipient.email]):
            db.session.rollback()
            continue
        if in_quiet_hours(now, recipient.timezone, hours):
            db.session.rollback()
            quiet += 1
            continue
        unreminded = (
            CampaignRecipient.id == recipient_id,
            CampaignRecipient.reminded_at.is_(None),
        )
        if claim_and_queue(recipient, unreminded, reminder=True, now=now):
            queued += 1
    return queued, quiet


def claim_and_queue(
    recipient: CampaignRecipient,
    unclaimed: tuple[ColumnElement[bool], ...],
    *,
    reminder: bool,
    now: datetime,
) -> bool:
    """Claim one e-mail of ``recipient`` and put it in the outbox, in one commit.

    The claim is an UPDATE that matches only while ``unclaimed`` holds (the e-mail
    not yet queued), so of two workers at the same row one wins and the other
    queues nothing. Returns whether this call queued the e-mail.
    """
    stamp = {"reminded_at": now} if reminder else {"invited_at": now}
    claim = db.update(CampaignRecipient).where(*unclaimed).values(**stamp)
    if affected_rows(db.session.execute(claim)) != 1:  # another worker was first
        db.session.rollback()
        return False
    notification = campaign_message(recipient, reminder=reminder)
    notification.next_attempt_at = now
    db.session.add(notification)
    db.session.flush()
    column = "reminder_notification_id" if reminder else "invitation_notification_id"
    db.session.execute(
        db.update(CampaignRecipient)
        .where(CampaignRecipient.id == recipient.id)
        .values(**{column: notification.id})
    )
    db.session.commit()
    return True
