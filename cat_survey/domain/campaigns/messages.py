"""The campaign e-mail: composed from Jinja templates, one per customer.

The e-mail carries the first question when it is an NPS or CSAT scale, one link per
score. A link only opens the survey with that score chosen: mail scanners open every
link, so nothing is recorded until the customer presses the button.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from cat_survey.catalog import definition_of
from cat_survey.definitions import Question, SurveyDefinition, pipe
from cat_survey.domain.campaigns.rules import CampaignError
from cat_survey.domain.flow import position, scale_bounds
from cat_survey.domain.responses import published_version
from cat_survey.emails import PREVIEW_TOKEN
from cat_survey.models import CampaignRecipient, Notification

#: Scales whose scores fit in an e-mail as a row of links.
SCORED_IN_EMAIL = ("nps", "csat")
INVITATION_KIND = "campaign_invitation"
REMINDER_KIND = "campaign_reminder"
SUBJECT_CHARS = 300


@dataclass(frozen=True)
class EmailPreview:
    """One locale's e-mail as a customer would receive it."""

    locale: str
    subject: str
    text: str
    html: str


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
