"""Planning a campaign: which rows of a customer CSV get an e-mail, and a preview.

``create_campaign`` reads the rows through the rules of ``invitations create`` (the
same refusals, the same line numbers) and adds its own: a campaign needs an e-mail
address, a known locale and time zone, an address that did not unsubscribe or
bounce, and a customer not surveyed in the last ``CAMPAIGN_CONTACT_DAYS`` days.
Every row it keeps becomes an ``Invitation`` and a ``CampaignRecipient``; nothing
is sent yet.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.definitions import SurveyDefinition
from cat_survey.domain.campaigns.messages import EmailPreview, email_preview
from cat_survey.domain.campaigns.rules import (
    LINK_DAYS,
    CampaignError,
    as_utc,
    contact_days,
    known_timezone,
    normalised_email,
)
from cat_survey.domain.campaigns.suppression import suppressions
from cat_survey.domain.flow import gettext_noop
from cat_survey.domain.responses import new_token, published_version
from cat_survey.invitations import COLUMN_ALIASES, Refused, create_invitations
from cat_survey.models import Campaign, CampaignRecipient, Survey, User, utcnow


@dataclass(frozen=True)
class CampaignResult:
    """A created campaign: its recipients (in file order) and the rows refused."""

    campaign: Campaign
    recipients: list[CampaignRecipient]
    refused: list[Refused]


@dataclass(frozen=True)
class CampaignPreview:
    """What a campaign would do, computed and rolled back: nothing was stored."""

    recipients: int
    refused: list[Refused]
    emails: list[EmailPreview]


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
    refused += [replace(r, line=kept[r.line - 2][0]) for r in batch.refused]
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
            refusal = Refused.of(line, gettext_noop("no customer ref"))
        elif not email:
            no_email = gettext_noop("no e-mail address (a campaign needs one)")
            refusal = Refused.of(line, no_email)
        elif locale and locale not in definition.locales:
            refusal = Refused.of(
                line,
                gettext_noop("locale '%(locale)s' is not one of %(locales)s"),
                locale=locale,
                locales=", ".join(definition.locales),
            )
        elif timezone and not known_timezone(timezone):
            refusal = Refused.of(
                line,
                gettext_noop(
                    "unknown time zone '%(zone)s' (use a name like Asia/Tokyo)"
                ),
                zone=timezone,
            )
        elif email in suppressed:
            refusal = Refused.of(
                line,
                gettext_noop("%(email)s is on the suppression list (%(why)s)"),
                email=email,
                why=suppressed[email],
            )
        elif email in seen_emails:
            twice = gettext_noop("%(email)s appears twice in the file")
            refusal = Refused.of(line, twice, email=email)
        elif earlier is not None:
            refusal = Refused.of(
                line,
                gettext_noop(
                    "already surveyed on %(day)s (campaign %(campaign)d); "
                    "not again within %(days)d days"
                ),
                day=f"{earlier.due_at:%Y-%m-%d}",
                campaign=earlier.campaign_id,
                days=days,
            )
        else:
            seen_emails.add(email)
            kept.append((line, row))
            continue
        refused.append(refusal)
    return kept, refused


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
