"""Reverse proxies: which client address the app believes.

Behind a reverse proxy every request comes from the proxy's address, so one
address would share every sign-in lockout and rate limit. ``TRUSTED_PROXIES``
(``CAT_SURVEY_TRUSTED_PROXIES`` in the environment) says how many proxies stand
in front of the app; werkzeug's ProxyFix then takes the client address, scheme
and host from that many ``X-Forwarded-*`` hops, counted from the nearest. The
default, 0, trusts no header: a client that sends ``X-Forwarded-For`` itself
changes nothing. Set it to exactly the number of proxies you run, never more:
a hop too many lets a client choose its own address.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_proxy_hops(app: Flask) -> int:
    """The configured number of trusted proxies; ValueError if it is not one."""
    value = app.config.get("TRUSTED_PROXIES", 0)
    try:
        hops = int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"TRUSTED_PROXIES must be a whole number, not {value!r}"
        ) from None
    if hops < 0:
        raise ValueError(f"TRUSTED_PROXIES must be 0 or more, not {hops}")
    return hops


def init_proxies(app: Flask) -> None:
    """Trust the configured number of reverse proxies' forwarded headers."""
    if hops := trusted_proxy_hops(app):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
