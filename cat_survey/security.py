"""HTTP hardening applied to every response: headers, cookie flags, caching.

The Content-Security-Policy allows scripts and styles from this site only (no
inline script), so stored text that slipped past escaping still could not run;
token links send no Referer, so a survey link never leaks to another site.
"""

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSessionInterface

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
# Paths whose URLs carry a secret token (invitation, conversation).
TOKEN_PATH_PREFIXES = ("/i/", "/c/", "/api/v1/conversations/")


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_security(app: Flask) -> None:
    """Install the session interface and the response headers."""
    app.session_interface = SessionInterface()
    app.after_request(secure_headers)


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
