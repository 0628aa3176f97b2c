"""Error pages: every failure a person can cause gets a clear page, never a trace.

Pages under ``/api/`` answer JSON; every other page gets the app's own page, with
the staff navigation for signed-in staff (from ``base.html``) and nothing staff-
related for customers. Headers an error carries (``Allow`` on 405,
``Retry-After`` on 429) are kept.
"""

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from cat_survey.db import db

#: What the page says first, per status; other statuses use Werkzeug's name.
ERROR_HEADINGS = {
    400: _l("This request could not be used"),
    403: _l("This page is not part of your role"),
    404: _l("Page not found"),
    405: _l("That action is not possible here"),
    413: _l("That was too much to send"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}
#: A next step for statuses whose Werkzeug description is no help to a person.
ERROR_ADVICE = {
    403: _l("Ask an admin if your work needs it."),
    500: _l("Please try again in a moment. If it keeps happening, tell your admin."),
}


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors as JSON under /api and as the app's page elsewhere."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if request.path.startswith("/api/"):
            body = {"error": {"status": status, "message": error.description}}
            response = jsonify(body)
        else:
            if status >= 500:
                # A failed transaction must not break the page that reports it.
                db.session.rollback()
            response = Response(error_page(error, status), mimetype="text/html")
        response.status_code = status
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def error_page(error: HTTPException, status: int) -> str:
    """The error page's HTML; a bare page if even the template cannot render."""
    heading = ERROR_HEADINGS.get(status, error.name)
    try:
        return render_template(
            "error.html",
            error=error,
            status=status,
            heading=heading,
            advice=ERROR_ADVICE.get(status),
            # The page must not echo its URL (a missing and a forbidden object look
            # alike); the language switch goes back by the Referer instead.
            switch_next=None,
        )
    except Exception:  # The page of last resort: nothing it needs can fail.
        return f"<!doctype html><title>{status}</title><h1>{escape(heading)}</h1>"
