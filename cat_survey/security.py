"""HTTP hardening applied to every request and response: headers, cookies, caching.

The Content-Security-Policy allows scripts and styles from this site only (no
inline script), so stored text that slipped past escaping still could not run;
token links send no Referer, so a survey link never leaks to another site. The
JSON API never opens the session cookie, malformed multipart parts are
dropped before anything reads the form, and a body sent without a length is
refused rather than read as empty.
"""

from typing import Any

from flask import Flask, Request, Response, abort, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import FormDataParser

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Paths whose URLs carry a secret token (invitation, conversation, staff password).
TOKEN_PATH_PREFIXES = ("/i/", "/c/", "/api/v1/conversations/", "/auth/set-password/")
API_PATH_PREFIX = "/api/"


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure over HTTPS; the JSON API gets no session at all."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # The API authenticates by the token in its URL. Never reading (or setting)
        # the session cookie there is what makes its CSRF exemption safe.
        if request.path.startswith(API_PATH_PREFIX):
            return None
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


class NamedFieldsParser(FormDataParser):
    """Werkzeug's form parser, without multipart parts that have no field name."""

    def parse(self, *args: Any, **kwargs: Any) -> tuple[Any, MultiDict, MultiDict]:
        stream, form, files = super().parse(*args, **kwargs)
        return stream, named_only(form), named_only(files)


def named_only(fields: MultiDict) -> MultiDict:
    """The fields that have a name.

    Werkzeug files a part without a name under the key None, and Flask-WTF's
    token lookup then fails on ``key.endswith()``: a 500 for a malformed request.
    """
    if None not in fields:
        return fields
    named = [(key, value) for key, value in fields.items(multi=True) if key is not None]
    return type(fields)(named)


class SafeRequest(Request):
    """Flask's request, reading forms with :class:`NamedFieldsParser`."""

    form_data_parser_class = NamedFieldsParser


def init_security(app: Flask) -> None:
    """Install the request class, the session interface and the response headers."""
    app.request_class = SafeRequest
    app.session_interface = SessionInterface()
    app.before_request(refuse_nul_in_query)
    app.before_request(refuse_chunked_body)
    app.after_request(secure_headers)


def refuse_nul_in_query() -> None:
    """Answer 400 to a query string holding a NUL byte.

    No link needs one, and PostgreSQL refuses NUL in any text it is asked to
    compare, so a filter or search holding one would otherwise fail with a 500.
    """
    if any("\x00" in key + value for key, value in request.args.items(multi=True)):
        abort(400, "The address contains a NUL character.")


def refuse_chunked_body() -> None:
    """Answer 411 to a request body sent in chunks, without a Content-Length.

    Werkzeug reads such a body as empty unless the server vouches that the stream
    ends, and the API treats a body without a length as ``{}``: a conversation
    would start without the hidden fields it was sent with, and nobody would know.
    """
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and request.content_length is None:
        abort(411, _("Send the request body with a Content-Length header."))


def is_token_url(req: Request) -> bool:
    """True for pages whose URL is itself a secret."""
    return req.path.startswith(TOKEN_PATH_PREFIXES)


def secure_headers(response: Response) -> Response:
    """Add the security headers every response should carry."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    referrer = "no-referrer" if is_token_url(request) else "same-origin"
    headers.setdefault("Referrer-Policy", referrer)
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if is_token_url(request) or response.mimetype == "text/csv":
        # Conversation pages and exports hold answers: never keep them in a cache.
        headers["Cache-Control"] = "no-store"
    return response
