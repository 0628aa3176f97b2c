"""The one unsubscribe page that every e-mail to customers links to.

A campaign e-mail (``/unsubscribe/<token>``) and a closing-the-loop e-mail
(``/updates/unsubscribe/<token>``) each link to their own address with an
unguessable token, and both pages work alike. Opening the link changes nothing
(mail scanners open links too); the page asks for one press. The POST needs no
CSRF token, so the one-click unsubscribe that mail clients send for the
``List-Unsubscribe-Post`` header (RFC 8058) works too: the token in the URL is
what proves the e-mail was received. The page speaks the e-mail's language.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import g, render_template, request
from flask_babel import LazyString


@dataclass(frozen=True)
class UnsubscribeTexts:
    """What one kind of e-mail's page says (lazy: translated in the e-mail's locale)."""

    title: LazyString
    ask: LazyString
    button: LazyString
    done: LazyString


def unsubscribe_page(
    texts: UnsubscribeTexts,
    *,
    locale: str,
    unsubscribed: bool,
    unsubscribe: Callable[[], object],
) -> str:
    """GET: a button to stop these e-mails. POST: stop them; a confirmation.

    ``unsubscribe`` records the press; it must be harmless to call twice, since
    a mail client's one-click POST and a press of the button may both arrive.
    """
    g.locale = locale
    if request.method == "POST":
        unsubscribe()
        unsubscribed = True
    return render_template("unsubscribe/page.html", texts=texts, done=unsubscribed)
