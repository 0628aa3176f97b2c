"""E-mail bodies rendered from Jinja templates under ``templates/email/``.

Every e-mail the app sends (theme notices, weekly digests, staff invitations,
closing-the-loop messages, campaigns) is written as a template, so its wording is
edited in one place per language, and its HTML part is escaped by the template
engine rather than by hand.
"""

from collections.abc import Mapping

from flask import current_app

#: The token in the links of a previewed e-mail (a campaign's, a closing-the-loop
#: message's): a placeholder that opens nothing, never a customer's real link.
PREVIEW_TOKEN = "preview"  # nosec B105


def render_email(name: str, context: Mapping[str, object]) -> str:
    """Render an e-mail template with only ``context``.

    Not ``render_template``: its context processors read the request (the
    signed-in user, the page's language), and an e-mail has neither: the worker
    sends it later, outside any request. The environment still escapes every
    value in ``.html`` templates.
    """
    return current_app.jinja_env.get_template(name).render(**context)
