"""The respondent's unsubscribe page for "what changed" e-mails (closing the loop).

Every such e-mail links here with its own unguessable token. Opening the link
changes nothing (mail scanners open links too); the page asks for one press. The
POST needs no CSRF token, so the one-click unsubscribe that mail clients send
for the ``List-Unsubscribe`` header (RFC 8058) works too: the token in the URL
is what proves the e-mail was received. Once unsubscribed, the address gets no
more of these e-mails about any theme.
"""

from flask import Blueprint, abort, g, render_template, request

from cat_survey.db import db
from cat_survey.domain.campaigns import suppress
from cat_survey.extensions import csrf
from cat_survey.models import LoopMessage, utcnow

bp = Blueprint("updates", __name__, url_prefix="/updates")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """A button to stop these e-mails; after the press, a confirmation."""
    message = db.session.scalar(db.select(LoopMessage).filter_by(token=token))
    if message is None:
        abort(404)
    g.locale = message.locale
    if request.method == "POST" and message.unsubscribed_at is None:
        message.unsubscribed_at = utcnow()
        db.session.commit()
        # One suppression list: no campaign e-mail reaches this address either.
        suppress(message.email, "unsubscribed")
    return render_template(
        "updates/unsubscribe.html",
        token=token,
        done=message.unsubscribed_at is not None,
    )
