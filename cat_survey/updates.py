"""The respondent's unsubscribe page for "what changed" e-mails (closing the loop).

It is the shared page of ``cat_survey.unsubscribe_page``, reached with the token
of one message. Once unsubscribed, the address gets no more of these e-mails
about any theme, and no campaign e-mail either (one suppression list).
"""

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l

from cat_survey.db import db
from cat_survey.domain.campaigns import suppress
from cat_survey.extensions import csrf
from cat_survey.models import LoopMessage, utcnow
from cat_survey.unsubscribe_page import UnsubscribeTexts, unsubscribe_page

bp = Blueprint("updates", __name__, url_prefix="/updates")

WHAT_CHANGED_EMAILS = UnsubscribeTexts(
    title=_l("Stop e-mails about what changed"),
    ask=_l(
        "We write to people who agreed to hear from us when their feedback led to "
        "a change. Press the button and we will not write to you about it again."
    ),
    button=_l("Stop these e-mails"),
    done=_l("Done: we will not write to you about your survey answers again."),
)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """A button to stop these e-mails; after the press, a confirmation."""
    message = db.session.scalar(db.select(LoopMessage).filter_by(token=token))
    if message is None:
        abort(404)
    return unsubscribe_page(
        WHAT_CHANGED_EMAILS,
        locale=message.locale,
        unsubscribed=message.unsubscribed_at is not None,
        unsubscribe=lambda: stop_loop_messages(message),
    )


def stop_loop_messages(message: LoopMessage) -> None:
    """Record the unsubscribe (once) and suppress the address for every e-mail."""
    if message.unsubscribed_at is None:
        message.unsubscribed_at = utcnow()
        db.session.commit()
    suppress(message.email, "unsubscribed")
