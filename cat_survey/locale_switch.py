"""The language switch on every page: English or Japanese, remembered per person.

A small form in ``base.html`` posts here (it works with JavaScript off). The
choice is kept where the person's other state lives: a staff member's account,
a customer's cookie, and, when it is made on a conversation page, the
conversation itself, so that the link opened again later resumes in the same
language. Then the person goes back to the page they were on.
"""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf

from cat_survey.auth.access import safe_next_url
from cat_survey.db import db
from cat_survey.domain.responses import load_conversation
from cat_survey.extensions import LOCALE_COOKIE, UI_LOCALES, csrf
from cat_survey.forms import BaseForm
from cat_survey.models import SurveyResponse

bp = Blueprint("locale_switch", __name__)

#: A customer's choice outlives a survey round (the resume cookie keeps 90 days).
COOKIE_DAYS = 365


class LanguageForm(BaseForm):
    """The switch: the language chosen and the page it was chosen on."""

    locale = StringField(validators=[AnyOf(UI_LOCALES)])
    next = HiddenField()


# The form checks its CSRF token itself, so that an expired one brings the page
# back (where the person can simply choose again) instead of an error page.
@bp.post("/language")
@csrf.exempt
def switch():
    """Remember the language chosen and show the same page in it."""
    form = LanguageForm()
    back = (
        safe_next_url(form.next.data)
        or same_site_path(request.referrer)
        or url_for("survey.index")
    )
    if not form.validate_on_submit():
        flash(_("The page had expired. Please choose the language again."), "error")
        return redirect(back)
    locale = form.locale.data
    if current_user.is_authenticated:
        current_user.locale = locale
    remember_in_conversation(back, locale)
    db.session.commit()
    response = redirect(back)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )
    return response


def same_site_path(url: str | None) -> str | None:
    """The path (and query) of ``url`` if it is a page of this site, else None."""
    parts = urlsplit(url or "")
    if parts.netloc != request.host:
        return None
    return safe_next_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def remember_in_conversation(path: str, locale: str) -> None:
    """On a conversation's page, keep its texts in ``locale`` if the survey has it."""
    token = conversation_token(path)
    conversation = load_conversation(token)
    if conversation is None or locale not in conversation.definition.locales:
        return
    db.session.execute(
        db.update(SurveyResponse)
        .where(SurveyResponse.id == conversation.response.id)
        .values(locale=locale)
    )


def conversation_token(path: str) -> str | None:
    """The token of the conversation page at ``path``, or None for other pages."""
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, arguments = adapter.match(path.split("?", 1)[0], method="GET")
    except HTTPException:  # no such page, or one that redirects
        return None
    return arguments.get("token") if endpoint == "survey.conversation" else None
