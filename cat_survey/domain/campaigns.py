"""E-mail campaigns: a customer CSV becomes personal e-mails, one reminder, and counts.

``create_campaign`` reads the rows through the rules of ``invitations create`` (the
same refusals, the same line numbers) and adds its own: a campaign needs an e-mail
address, a known locale and time zone, an address that did not unsubscribe or
bounce, and a customer not surveyed in the last ``CAMPAIGN_CONTACT_DAYS`` days.
Every row it keeps becomes an ``Invitation`` and a ``CampaignRecipient``; nothing
is sent yet.

``send_due_campaign_mail`` (run by the worker every minute, or ``campaigns send``)
adds the e-mails that are due to the ``Notification`` outbox, which delivers them
with its retries and SMTP settings. Each e-mail is claimed by an UPDATE that only
matches while the recipient's ``invited_at`` (or ``reminded_at``) is empty, in the
transaction that adds the outbox row: two workers never queue the same e-mail.

The e-mail carries the first question when it is an NPS or CSAT scale, one link per
score. A link only opens the survey with that score chosen: mail scanners open every
link, so nothing is recorded until the customer presses the button.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from cat_survey.catalog import definition_of
from cat_survey.db import affected_rows, db
from cat_survey.definitions import Question, SurveyDefinition, pipe
from cat_survey.domain.flow import position, scale_bounds
from cat_survey.domain.responses import new_token, published_version
from cat_survey.invitations import COLUMN_ALIASES, Refused, create_invitations
from cat_survey.models import (
    Campaign,
    CampaignRecipient,
    Invitation,
    Notification,
    NotificationStatus,
    ResponseStatus,
    Suppression,
    Survey,
    SurveyResponse,
    User,
    utcnow,
)

CONTACT_DAYS = 90
#: No campaign e-mail between 21:00 and 08:00 in the customer's own time zone.
QUIET_HOURS = (21, 8)
#: Scales whose scores fit in an e-mail as a row of links.
SCORED_IN_EMAIL = ("nps", "csat")
#: Links stay open this long after the e-mail is sent.
LINK_DAYS = 60
#: The link token shown in previews: a placeholder, never a real link.
PREVIEW_TOKEN = "PREVIEW"  # nosec B105
INVITATION_KIND = "campaign_invitation"
REMINDER_KIND = "campaign_reminder"
#: An SMTP answer that refuses the address for good (5xx), as the outbox records it.
PERMANENT_REFUSAL = re.compile(r"^SMTPRecipientsRefused: .*\(5\d\d, ")
SUBJECT_CHARS = 300


class CampaignError(ValueError):
    """A campaign that cannot be created at all (the survey, a setting)."""


@dataclass(frozen=True)
class CampaignResult:
    """A created campaign: its recipients (in file order) and the rows refused."""

    campaign: Campaign
    recipients: list[CampaignRecipient]
    refused: list[Refused]


@dataclass(frozen=True)
class EmailPreview:
    """One locale's e-mail as a customer would receive it."""

    locale: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class CampaignPreview:
    """What a campaign would do, computed and rolled back: nothing was stored."""

    recipients: int
    refused: list[Refused]
    emails: list[EmailPreview]


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


@dataclass(frozen=True)
class CampaignStats:
    """The response rate of one campaign: how many e-mails did what."""

    campaign_id: int
    name: str
    survey: str
    send_at: datetime
    recipients: int
    sent: int
    bounced: int
    started: int
    completed: int
    unsubscribed: int
    reminded: int

    @property
    def response_rate(self) -> float | None:
        """Completed responses per e-mail sent, in percent (None before any is sent)."""
        return 100 * self.completed / self.sent if self.sent else None


STATS_COLUMNS = (
    "campaign_id", "name", "survey", "send_at", "recipients", "sent", "bounced",
    "started", "completed", "unsubscribed", "reminded", "response_rate",
)  # fmt: skip


def contact_days() -> int:
    """The configured contact-frequency rule, in days."""
    return int(current_app.config.get("CAMPAIGN_CONTACT_DAYS", CONTACT_DAYS))


def quiet_hours() -> tuple[int, int]:
    """The configured quiet hours: (first quiet hour, first hour allowed again)."""
    start, end = current_app.config.get("CAMPAIGN_QUIET_HOURS", QUIET_HOURS)
    return int(start), int(end)


def as_utc(moment: datetime) -> datetime:
    """A moment with a time zone; one without is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def in_quiet_hours(
    now: datetime, timezone: str | None, hours: tuple[int, int] = QUIET_HOURS
) -> bool:
    """True when it is night where the customer lives (never for an unknown zone).

    >>> from datetime import UTC
    >>> in_quiet_hours(datetime(2026, 1, 5, 14, tzinfo=UTC), "Asia/Tokyo")  # 23:00
    True
    >>> in_quiet_hours(datetime(2026, 1, 5, 1, tzinfo=UTC), "Asia/Tokyo")  # 10:00
    False
    """
    if not timezone:
        return False
    hour = as_utc(now).astimezone(ZoneInfo(timezone)).hour
    start, end = hours
    if start > end:  # the quiet night spans midnight
        return hour >= start or hour < end
    return start <= hour < end


def known_timezone(name: str) -> bool:
    """True for an IANA time zone name this machine knows ("Asia/Tokyo")."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def normalised_email(address: str) -> str:
    """An address as the suppression list and the frequency rule compare it."""
    return address.strip().lower()


def create_campaign(
    survey: Survey,
    rows: list[dict[str, str]],
    *,
    name: str,
    send_at: datetime | None = None,
    reminder_days: int | None = None,
    created_by: User | None = None,
    now: datetime | None = None,
) -> CampaignResult:
    """Plan a campaign: one recipient and invitation per accepted row (not committed).

    Rows are refused with their line number (2 is the first row after the header)
    for the reasons of ``invitations create`` and for a missing address, an unknown
    locale or time zone, a suppressed address, a customer already surveyed within
    the contact-frequency rule, or an address that appears twice in the file.
    Raises SurveyNotPublished if no version of the survey has been loaded.
    """
    now = as_utc(now or utcnow())
    send_at = as_utc(send_at) if send_at else now
    if reminder_days is not None and reminder_days < 1:
        raise CampaignError("--reminder-days must be at least 1")
    definition = definition_of(published_version(survey))
    days = contact_days()
    campaign = Campaign(
        survey=survey,
        name=name[:200],
        send_at=send_at,
        reminder_days=reminder_days,
        contact_days=days,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
    )
    db.session.add(campaign)

    kept, refused = screen_rows(rows, definition, send_at=send_at, days=days)
    # The invitation rules see only the rows kept; their refusals name file lines.
    batch = create_invitations(
        survey,
        [row for _, row in kept],
        expires_days=LINK_DAYS + max((send_at - now).days, 0),
    )
    refused_at = {refusal.line - 2 for refusal in batch.refused}
    refused += [Refused(kept[r.line - 2][0], r.reason) for r in batch.refused]
    accepted = [row for index, (_, row) in enumerate(kept) if index not in refused_at]
    recipients = []
    for row, invitation in zip(accepted, batch.invitations, strict=True):
        recipient = CampaignRecipient(
            campaign=campaign,
            invitation=invitation,
            token=new_token(),
            customer_ref=invitation.customer_ref or "",
            email=normalised_email(row["email"]),
            locale=row.get("locale") or definition.locale,
            timezone=row.get("timezone") or None,
            due_at=send_at,
        )
        db.session.add(recipient)
        recipients.append(recipient)
    db.session.flush()
    return CampaignResult(campaign, recipients, sorted(refused, key=lambda r: r.line))


def screen_rows(
    rows: list[dict[str, str]],
    definition: SurveyDefinition,
    *,
    send_at: datetime,
    days: int,
) -> tuple[list[tuple[int, dict[str, str]]], list[Refused]]:
    """Split rows into (line, row) to invite and the rows a campaign refuses."""
    cleaned = [
        {COLUMN_ALIASES.get(key, key): (value or "").strip()
         for key, value in row.items() if key}
        for row in rows
    ]  # fmt: skip
    for row in cleaned:
        if "language" in row and not row.get("locale"):
            row["locale"] = row["language"]
    emails = {normalised_email(row.get("email", "")) for row in cleaned} - {""}
    refs = {row.get("ref") or row.get("customer_ref") or "" for row in cleaned} - {""}
    suppressed = suppressions(emails)
    contacted = recent_contacts(emails, refs, around=send_at, days=days)
    kept, refused = [], []
    seen_emails: set[str] = set()
    for line, row in enumerate(cleaned, start=2):
        email = normalised_email(row.get("email", ""))
        ref = (row.get("ref") or row.get("customer_ref") or "")[:200]
        locale = row.get("locale", "")
        timezone = row.get("timezone", "")
        earlier = contacted.get(email) or contacted.get(ref)
        if not ref:
            reason = "no customer ref"
        elif not email:
            reason = "no e-mail address (a campaign needs one)"
        elif locale and locale not in definition.locales:
            reason = f"locale {locale!r} is not one of {', '.join(definition.locales)}"
        elif timezone and not known_timezone(timezone):
            reason = f"unknown time zone {timezone!r} (use a name like Asia/Tokyo)"
        elif email in suppressed:
            reason = f"{email} is on the suppression list ({suppressed[email]})"
        elif email in seen_emails:
            reason = f"{email} appears twice in the file"
        elif earlier is not None:
            reason = (
                f"already surveyed on {earlier.due_at:%Y-%m-%d} (campaign "
                f"{earlier.campaign_id}); not again within {days} days"
            )
        else:
            seen_emails.add(email)
            kept.append((line, row))
            continue
        refused.append(Refused(line, reason))
    return kept, refused


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


def recent_contacts(
    emails: set[str], refs: set[str], *, around: datetime, days: int
) -> dict[str, CampaignRecipient]:
    """Recipients of other campaigns within ``days`` of ``around``, by address and ref.

    A campaign still waiting to be sent counts too: two campaigns planned in the
    same week would otherwise both reach the customer.
    """
    if not emails and not refs:
        return {}
    window = timedelta(days=days)
    query = db.select(CampaignRecipient).where(
        (CampaignRecipient.email.in_(emails))
        | (CampaignRecipient.customer_ref.in_(refs)),
        CampaignRecipient.skipped_reason.is_(None),
        CampaignRecipient.due_at > around - window,
        CampaignRecipient.due_at < around + window,
    )
    found: dict[str, CampaignRecipient] = {}
    for recipient in db.session.scalars(query):
        found.setdefault(recipient.email, recipient)
        found.setdefault(recipient.customer_ref, recipient)
    return found


def preview_campaign(
    survey: Survey, rows: list[dict[str, str]], *, send_at: datetime | None = None
) -> CampaignPreview:
    """What ``create_campaign`` would do with these rows, and the e-mail per locale.

    The campaign is planned inside a savepoint and rolled back, so the preview
    applies exactly the rules of the real thing and stores nothing.
    """
    definition = definition_of(published_version(survey))
    savepoint = db.session.begin_nested()
    try:
        result = create_campaign(survey, rows, name="preview", send_at=send_at)
        sample = result.recipients[0] if result.recipients else None
        hidden = dict(sample.invitation.hidden) if sample and sample.invitation else {}
        emails = [
            email_preview(definition, locale, hidden) for locale in definition.locales
        ]
        preview = CampaignPreview(len(result.recipients), result.refused, emails)
    finally:
        savepoint.rollback()
    return preview


def email_preview(
    definition: SurveyDefinition, locale: str, hidden: dict[str, Any]
) -> EmailPreview:
    """The invitation e-mail in ``locale`` with example links."""
    content = email_content(
        definition,
        locale=locale,
        hidden=hidden,
        invitation_token=PREVIEW_TOKEN,
        unsubscribe_token=PREVIEW_TOKEN,
        reminder=False,
    )
    return EmailPreview(locale, content.subject, content.text, content.html)


@dataclass(frozen=True)
class EmailContent:
    """A composed campaign e-mail: subject, plain text, HTML and unsubscribe URL."""

    subject: str
    text: str
    html: str
    unsubscribe_url: str


def base_url() -> str:
    """The site's public address, without a trailing slash."""
    return str(current_app.config["BASE_URL"]).rstrip("/")


def survey_link(token: str, locale: str, score: int | None = None) -> str:
    """The personal link; with a score, it opens the survey with that score chosen."""
    query: dict[str, Any] = {"lang": locale}
    if score is not None:
        query = {"score": score, **query}
    return f"{base_url()}/i/{token}?{urlencode(query)}"


def scored_question(
    definition: SurveyDefinition, hidden: dict[str, Any]
) -> Question | None:
    """The first question if it is a scale an e-mail can carry (NPS, CSAT)."""
    first = position(definition, {}, hidden).next
    if first is None or first.type not in SCORED_IN_EMAIL:
        return None
    return first


def preselected_score(
    definition: SurveyDefinition, hidden: dict[str, Any], raw: object
) -> tuple[Question, int] | None:
    """The first question and the score a link carries, if both are valid."""
    question = scored_question(definition, hidden)
    if question is None or not isinstance(raw, str) or not raw.isdigit():
        return None
    low, high = scale_bounds(question)
    score = int(raw)
    return (question, score) if low <= score <= high else None


def email_content(
    definition: SurveyDefinition,
    *,
    locale: str,
    hidden: dict[str, Any],
    invitation_token: str,
    unsubscribe_token: str,
    reminder: bool,
) -> EmailContent:
    """Compose a campaign e-mail in the customer's locale from the Jinja templates."""
    question = scored_question(definition, hidden)
    scores = []
    if question is not None:
        low, high = scale_bounds(question)
        scores = [
            (score, survey_link(invitation_token, locale, score))
            for score in range(low, high + 1)
        ]
    unsubscribe_url = f"{base_url()}/unsubscribe/{unsubscribe_token}"
    with force_locale(locale):
        title = definition.title.get(locale)
        subject = _("Reminder: %(title)s", title=title) if reminder else title
        context = {
            "locale": locale,
            "reminder": reminder,
            "title": title,
            "intro": pipe(definition.intro.get(locale), hidden)
            if definition.intro
            else "",
            "prompt": pipe(question.prompt.get(locale), hidden) if question else "",
            "question": question,
            "scores": scores,
            "start_url": survey_link(invitation_token, locale),
            "unsubscribe_url": unsubscribe_url,
            "texts": email_texts(reminder),
        }
        text = render_template("campaigns/email/message.txt", **context)
        html = render_template("campaigns/email/message.html", **context)
    return EmailContent(subject[:SUBJECT_CHARS], text, html, unsubscribe_url)


def email_texts(reminder: bool) -> dict[str, str]:
    """The e-mail's own sentences, translated here so both parts say the same."""
    return {
        "lead": _("A few days ago we asked for your opinion. It takes two minutes.")
        if reminder
        else "",
        "choose": _("Choose a score to start; you can still change it."),
        "start": _("Start the survey"),
        "why": _("You receive this e-mail because you are our customer."),
        "unsubscribe": _("Unsubscribe from surveys"),
    }


def campaign_message(recipient: CampaignRecipient, *, reminder: bool) -> Notification:
    """The outbox row of a recipient's invitation or reminder e-mail."""
    invitation = recipient.invitation
    if invitation is None:
        raise CampaignError(f"recipient {recipient.id} has lost its invitation")
    definition = definition_of(published_version(invitation.survey))
    locale = recipient.locale if recipient.locale in definition.locales else None
    content = email_content(
        definition,
        locale=locale or definition.locale,
        hidden={**invitation.hidden, "customer_ref": invitation.customer_ref},
        invitation_token=invitation.token,
        unsubscribe_token=recipient.token,
        reminder=reminder,
    )
    return Notification(
        channel="email",
        recipient=recipient.email,
        subject=content.subject,
        body=content.text,
        payload={
            "kind": REMINDER_KIND if reminder else INVITATION_KIND,
            "campaign_id": recipient.campaign_id,
            "recipient_id": recipient.id,
            "html": content.html,
            # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe.
            "headers": {
                "List-Unsubscribe": f"<{content.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        },
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


def campaign_stats(
    campaign_ids: Sequence[int] | None = None, *, limit: int | None = None
) -> list[CampaignStats]:
    """Each campaign's counts, newest first (at most ``limit``): sent, bounced..."""
    first_mail = aliased(Notification)
    counts = (
        db.select(
            CampaignRecipient.campaign_id,
            db.func.count(CampaignRecipient.id).label("recipients"),
            db.func.count(first_mail.id)
            .filter(first_mail.status == NotificationStatus.SENT)
            .label("sent"),
            db.func.count(CampaignRecipient.bounced_at).label("bounced"),
            db.func.count(SurveyResponse.id).label("started"),
            db.func.count(SurveyResponse.id)
            .filter(SurveyResponse.status == ResponseStatus.COMPLETE)
            .label("completed"),
            db.func.count(CampaignRecipient.unsubscribed_at).label("unsubscribed"),
            db.func.count(CampaignRecipient.reminded_at).label("reminded"),
        )
        .outerjoin(
            first_mail, first_mail.id == CampaignRecipient.invitation_notification_id
        )
        .outerjoin(
            SurveyResponse,
            SurveyResponse.invitation_id == CampaignRecipient.invitation_id,
        )
        .group_by(CampaignRecipient.campaign_id)
        .subquery()
    )
    query = (
        db.select(Campaign, Survey.slug, counts)
        .join(Survey, Survey.id == Campaign.survey_id)
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    if campaign_ids is not None:
        query = query.where(Campaign.id.in_(campaign_ids))
    if limit is not None:
        query = query.limit(limit)
    return [
        CampaignStats(
            campaign_id=row.Campaign.id,
            name=row.Campaign.name,
            survey=row.slug,
            send_at=row.Campaign.send_at,
            recipients=row.recipients or 0,
            sent=row.sent or 0,
            bounced=row.bounced or 0,
            started=row.started or 0,
            completed=row.completed or 0,
            unsubscribed=row.unsubscribed or 0,
            reminded=row.reminded or 0,
        )
        for row in db.session.execute(query)
    ]


def stats_rows(stats: Iterable[CampaignStats]) -> list[list[object]]:
    """The stats as CSV rows, in ``STATS_COLUMNS`` order."""
    return [
        [
            s.campaign_id, s.name, s.survey, s.send_at.isoformat(), s.recipients,
            s.sent, s.bounced, s.started, s.completed, s.unsubscribed, s.reminded,
            round(s.response_rate, 1) if s.response_rate is not None else None,
        ]
        for s in stats
    ]  # fmt: skip
