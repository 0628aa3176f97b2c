"""Closing the loop: telling a resolved theme's respondents what changed.

When a theme is resolved, its advocate writes what changed (in each language its
respondents answered in), previews the e-mail, and sends it. Each respondent who
agreed to be contacted, left an address with their invitation and has not
unsubscribed gets one message, in their own language, quoting what they told us.
It goes through the ``Notification`` outbox, so a failed send is retried; a
``LoopMessage`` row per (theme, respondent) makes it once only, and one
``loop_closed`` event logs it in the theme's audit trail (with counts, never
addresses).

Respondents who did not consent are never read here: the query filters them out
before anything else, so no code path can address them.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from cat_survey.db import db
from cat_survey.domain.campaigns import suppressions
from cat_survey.domain.flow import gettext_noop
from cat_survey.domain.theme_workflow import WorkflowError, log_theme_event
from cat_survey.emails import PREVIEW_TOKEN, render_email
from cat_survey.models import (
    Answer,
    Invitation,
    LoopMessage,
    Notification,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEventKind,
    ThemeStatus,
    User,
)
from cat_survey.notifications import QUOTE_CHARS, shortened

#: Languages the e-mail is written in; any other respondent reads English.
LOOP_LOCALES = ("en", "ja")
SUBJECTS = {
    "en": "What changed after your feedback",
    "ja": "いただいたご意見を受けて変わったこと",
}
#: What a person must still write, by the language they left empty.
MISSING_CHANGE = {
    "en": gettext_noop("Say what changed in English: some respondents read it."),
    "ja": gettext_noop("Say what changed in Japanese: some respondents read it."),
}
MAX_CHANGE_LENGTH = 2000


@dataclass(frozen=True)
class LoopRecipient:
    """A consenting respondent of a theme who can be written to."""

    response_id: int
    email: str
    locale: str
    first_name: str | None
    told_us: str


@dataclass(frozen=True)
class LoopAudience:
    """Who a theme's message goes to, and how many consenting people it skips."""

    recipients: tuple[LoopRecipient, ...]
    without_address: int
    unsubscribed: int
    already_sent: int

    @property
    def locales(self) -> tuple[str, ...]:
        """The languages the recipients read, in ``LOOP_LOCALES`` order."""
        present = {recipient.locale for recipient in self.recipients}
        return tuple(locale for locale in LOOP_LOCALES if locale in present)


@dataclass(frozen=True)
class LoopEmail:
    """One composed e-mail: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


def loop_audience(theme: Theme) -> LoopAudience:
    """The consenting respondents of ``theme``, split by whether we may write.

    A respondent is written to once per theme, at the address of their
    invitation (or an ``email`` hidden field), unless any earlier message to that
    address was unsubscribed.
    """
    rows = db.session.execute(
        select(
            SurveyResponse.id,
            SurveyResponse.locale,
            SurveyResponse.hidden,
            Invitation.email,
            Answer.text_value,
        )
        .join(Answer, Answer.response_id == SurveyResponse.id)
        .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
        .outerjoin(Invitation, Invitation.id == SurveyResponse.invitation_id)
        .where(
            ThemeAnswer.theme_id == theme.id,
            SurveyResponse.contact_consent.is_(True),
            # An address typed into a public link's URL may be anybody's.
            SurveyResponse.identity_verified.is_(True),
        )
        .order_by(SurveyResponse.id, Answer.position)
    ).all()
    sent = set(
        db.session.scalars(
            select(LoopMessage.response_id).where(LoopMessage.theme_id == theme.id)
        )
    )
    opted_out = set(
        db.session.scalars(
            select(LoopMessage.email).where(LoopMessage.unsubscribed_at.is_not(None))
        )
    )
    first_rows: dict[int, Any] = {}
    for row in rows:  # a respondent with two answers in the theme counts once
        first_rows.setdefault(row.id, row)
    # One suppression list for every e-mail to customers: an address that
    # unsubscribed from (or bounced) a campaign gets no "what changed" e-mail either.
    opted_out |= set(suppressions(address_of(row) for row in first_rows.values()))
    recipients = []
    without_address = unsubscribed = already_sent = 0
    for response_id, locale, hidden, invited_email, text in first_rows.values():
        hidden = hidden or {}
        email = address_of((response_id, locale, hidden, invited_email, text))
        if response_id in sent:
            already_sent += 1
        elif not email:
            without_address += 1
        elif email in opted_out:
            unsubscribed += 1
        else:
            recipients.append(
                LoopRecipient(
                    response_id=response_id,
                    email=email,
                    locale=locale if locale in LOOP_LOCALES else "en",
                    first_name=hidden.get("first_name") or None,
                    told_us=shortened(text or "", QUOTE_CHARS),
                )
            )
    return LoopAudience(tuple(recipients), without_address, unsubscribed, already_sent)


def address_of(row: Any) -> str:
    """A respondent's address, lower-cased: their invitation's, or a hidden field."""
    _, _, hidden, invited_email, _ = row
    return (invited_email or (hidden or {}).get("email") or "").strip().lower()


def unsubscribe_link(token: str) -> str:
    """The absolute address of a message's unsubscribe page."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/updates/unsubscribe/{token}"


def compose_loop_email(
    recipient: LoopRecipient, what_changed: str, *, token: str
) -> LoopEmail:
    """Render the e-mail in the recipient's language from its Jinja templates."""
    context = {
        "first_name": recipient.first_name,
        "told_us": recipient.told_us,
        "what_changed": what_changed.strip(),
        "unsubscribe_url": unsubscribe_link(token),
    }
    locale = recipient.locale
    return LoopEmail(
        subject=SUBJECTS[locale],
        text=render_email(f"email/loop_closed.{locale}.txt", context),
        html=render_email(f"email/loop_closed.{locale}.html", context),
    )


def check_changes(
    theme: Theme, audience: LoopAudience, what_changed: Mapping[str, str]
) -> None:
    """Refuse a message the workflow does not allow, or one missing a language."""
    if theme.status != ThemeStatus.RESOLVED:
        raise WorkflowError(
            gettext_noop("Only a resolved theme can tell its respondents.")
        )
    if not audience.recipients:
        raise WorkflowError(gettext_noop("Nobody in this theme can be written to."))
    for locale in audience.locales:
        text = (what_changed.get(locale) or "").strip()
        if not text:
            raise WorkflowError(MISSING_CHANGE[locale])
        if len(text) > MAX_CHANGE_LENGTH:
            raise WorkflowError(
                gettext_noop("Keep what changed under %(limit)d characters."),
                limit=MAX_CHANGE_LENGTH,
            )


def preview_loop_emails(
    theme: Theme, what_changed: Mapping[str, str]
) -> tuple[LoopAudience, dict[str, LoopEmail]]:
    """The audience and, per language, the e-mail its first recipient would get."""
    audience = loop_audience(theme)
    check_changes(theme, audience, what_changed)
    previews = {}
    for recipient in audience.recipients:
        if recipient.locale not in previews:
            previews[recipient.locale] = compose_loop_email(
                recipient, what_changed[recipient.locale], token=PREVIEW_TOKEN
            )
    return audience, previews


def send_loop_messages(
    theme: Theme, what_changed: Mapping[str, str], *, actor: User
) -> int:
    """Queue one e-mail per recipient of ``theme`` and log it; return how many.

    Rows are added to the session; the caller commits. A concurrent send of the
    same theme fails on the unique (theme, response) key at commit.
    """
    audience = loop_audience(theme)
    check_changes(theme, audience, what_changed)
    for recipient in audience.recipients:
        token = secrets.token_urlsafe(32)
        email = compose_loop_email(
            recipient, what_changed[recipient.locale], token=token
        )
        notification = Notification(
            channel="email",
            recipient=recipient.email,
            subject=email.subject,
            body=email.text,
            payload={
                "kind": "loop_closed",
                "html": email.html,
                "headers": {
                    "List-Unsubscribe": f"<{unsubscribe_link(token)}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            },
            theme_id=theme.id,
        )
        db.session.add(notification)
        db.session.flush()
        db.session.add(
            LoopMessage(
                theme_id=theme.id,
                response_id=recipient.response_id,
                notification_id=notification.id,
                sender_id=actor.id,
                email=recipient.email,
                locale=recipient.locale,
                token=token,
            )
        )
    count = len(audience.recipients)
    skipped = audience.without_address + audience.unsubscribed
    log_theme_event(
        theme,
        ThemeEventKind.LOOP_CLOSED,
        actor,
        to_value=f"{count} {'respondent' if count == 1 else 'respondents'}",
        reason=" / ".join(what_changed[locale].strip() for locale in audience.locales)
        + (
            f" ({skipped} consenting respondents could not be written to)"
            if skipped
            else ""
        ),
    )
    return count


def loop_messages_sent(theme: Theme) -> int:
    """How many respondents of ``theme`` have been told what changed."""
    return (
        db.session.scalar(
            select(func.count(LoopMessage.id)).where(LoopMessage.theme_id == theme.id)
        )
        or 0
    )
