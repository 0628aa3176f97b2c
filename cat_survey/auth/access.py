"""Who may see what: the login manager, role checks and the department scope.

Every staff query that returns themes or answers goes through ``visible_departments``
so that an advocate sees their own department's work and nothing else.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_login import LoginManager, current_user

from cat_survey.db import db
from cat_survey.models import Role, User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.session_protection = "strong"


def init_login(app: Flask) -> None:
    """Attach the login manager to the app."""
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Find the signed-in user from the session's ``<id>:<session version>`` id."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A bumped session version (logout, password change) ends every old session.
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


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
