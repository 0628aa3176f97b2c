"""The customer's unsubscribe page, reached from every campaign e-mail.

It is the shared page of ``cat_survey.unsubscribe_page``: one press (or a mail
client's one-click POST, which carries no CSRF token) puts the address on the
suppression list.
"""

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l

from cat_survey.domain.campaigns import recipient_by_token, unsubscribe
from cat_survey.extensions import csrf
from cat_survey.unsubscribe_page import UnsubscribeTexts, unsubscribe_page

bp = Blueprint("unsubscribe", __name__)

SURVEY_EMAILS = UnsubscribeTexts(
    title=_l("Survey e-mails"),
    ask=_l("Press the button and we will not send you survey e-mails any more."),
    button=_l("Unsubscribe"),
    done=_l("You are unsubscribed. We will not send you survey e-mails any more."),
)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def page(token: str):
    """A button to stop survey e-mails; after the press, a confirmation."""
    recipient = recipient_by_token(token) or abort(404)
    return unsubscribe_page(
        SURVEY_EMAILS,
        locale=recipient.locale,
        unsubscribed=recipient.unsubscribed_at is not None,
        unsubscribe=lambda: unsubscribe(token),
    )
