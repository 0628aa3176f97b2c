"""The customer's unsubscribe page, reached from every campaign e-mail.

Opening the link changes nothing (mail scanners open links too); the page asks for
one press. The same address answers the one-click POST that mail clients send for
the ``List-Unsubscribe-Post`` header (RFC 8058), which carries no CSRF token: the
unguessable token in the URL is what proves the e-mail was received.
"""

from flask import Blueprint, abort, g, render_template, request

from cat_survey.domain.campaigns import recipient_by_token, unsubscribe
from cat_survey.extensions import csrf

bp = Blueprint("unsubscribe", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def page(token: str):
    """A button to stop survey e-mails; after the press, a confirmation."""
    recipient = recipient_by_token(token) or abort(404)
    g.locale = recipient.locale
    if request.method == "POST":
        unsubscribe(token)
        return render_template("unsubscribe/page.html", done=True)
    done = recipient.unsubscribed_at is not None
    return render_template("unsubscribe/page.html", done=done)
