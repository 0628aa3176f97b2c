"""Who may see what: the user loader, role checks and the department scope.

Every staff query that returns themes or answers goes through ``visible_departments``
so that an advocate sees their own department's work and nothing else.
"""

import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache, wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, request, session
from flask_login import current_user, login_user
from sqlalchemy import func
from werkzeug.security import check_password_hash, generate_password_hash

from cat_survey.db import db
from cat_survey.extensions import login_manager
from cat_survey.models import LoginFailure, Role, User, utcnow

#: The session key holding when its user signed in (seconds since the epoch).
SIGNED_IN_AT = "signed_in_at"


def start_session(user: User) -> None:
    """Sign ``user`` in for at most ``PERMANENT_SESSION_LIFETIME`` from now.

    The cookie lasts until the browser closes and is not made "permanent": a
    permanent session cookie is re-issued with a new expiry on every request, so a
    session in use never ended, and Flask-Login's ``session_protection="strong"``
    only marks a permanent session stale, instead of ending it, when the address
    or browser changes. The sign-in time stored here bounds the session instead.
    """
    login_user(user)
    session[SIGNED_IN_AT] = int(time.time())


def load_user(session_id: str) -> User | None:
    """The signed-in user of a session id ``<id>:<session version>`` (the loader).

    None (signed out) once the session is older than ``PERMANENT_SESSION_LIFETIME``
    counted from sign-in, however busy it was.
    """
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    signed_in_at = session.get(SIGNED_IN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(signed_in_at, int) or time.time() - signed_in_at > lifetime:
        return None
    user = db.session.get(User, int(user_id))
    # A bumped session version (logout, password change) ends every old session.
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


class LockedOut(Exception):
    """Too many recent failed sign-ins from this address, for this account or any."""


@cache
def unknown_user_hash() -> str:
    """A hash to check against when the e-mail is unknown, so both take as long."""
    return generate_password_hash(secrets.token_hex(16))


def client_ip() -> str:
    """The address a request came from.

    That is the WSGI server's peer, unless ``TRUSTED_PROXIES`` reverse proxies
    are configured: then werkzeug's ProxyFix (see :func:`cat_survey.create_app`)
    has put the address the nearest trusted proxy saw in ``remote_addr``.
    """
    return (request.remote_addr or "unknown")[:64]


def authenticate(email: str, password: str, *, ip: str) -> User | None:
    """The active user with these credentials, or None; LockedOut when throttled.

    Failures are counted per address, never per account alone, so nobody can
    lock a colleague out from elsewhere: ``LOGIN_MAX_FAILURES`` for one e-mail,
    or ``LOGIN_MAX_FAILURES_PER_ADDRESS`` for all e-mails together (password
    spraying), within ``LOGIN_LOCKOUT_MINUTES``, and the address waits; the
    right password from another address still signs in. A locked address is
    refused before any password hash is computed. Unknown and known e-mails get
    the same answer, take the same time and are throttled alike, so the form
    does not reveal which accounts exist.
    """
    email = email.strip().lower()
    config = current_app.config
    window_start = utcnow() - timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    recent_from_address = (LoginFailure.ip == ip, LoginFailure.at >= window_start)
    from_address = db.session.scalar(
        db.select(func.count(LoginFailure.id)).where(*recent_from_address)
    )
    if from_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        raise LockedOut
    failures = db.session.scalar(
        db.select(func.count(LoginFailure.id)).where(
            LoginFailure.email == email, *recent_from_address
        )
    )
    if failures >= config["LOGIN_MAX_FAILURES"]:
        raise LockedOut
    user = db.session.scalar(db.select(User).filter_by(email=email))
    valid = check_password_hash(
        user.password_hash if user else unknown_user_hash(), password
    )
    if user is not None and valid and user.is_active:
        db.session.execute(
            db.delete(LoginFailure).where(
                LoginFailure.email == email, LoginFailure.ip == ip
            )
        )
        db.session.commit()
        return user
    db.session.add(LoginFailure(email=email[:320], ip=ip))
    # Failures older than the window count for nothing: keep the table small.
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.at < window_start))
    db.session.commit()
    return None


def roles_required(*roles: Role) -> Callable:
    """Allow a view only to signed-in staff with one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def visible_departments(user: User) -> list[int] | None:
    """Department ids the user may read: None means every department."""
    if user.role in (Role.ADMIN, Role.CX_LEAD):
        return None
    return [user.department_id] if user.department_id is not None else []


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def next_url_from_request() -> str | None:
    """The internal page the user asked for before signing in, if any."""
    return safe_next_url(request.args.get("next"))
