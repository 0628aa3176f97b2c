"""Staff accounts and departments as admins change them, every change audited.

The admin screens, and any future command, call these functions; each one checks
the change, applies it, adds one ``AdminEvent`` per changed value and leaves the
commit to its caller, so the change and its audit row land together or not at all.

An invited account gets no password: its ``password_hash`` is a random marker
that no password matches (it has no ``$``, so Werkzeug's check fails), and the
invitee chooses a password through a signed link. The link names the account
and a fingerprint of its current password hash, so it stops working the moment
a password is set (single use), when a new link is sent (the marker changes), and
after ``PASSWORD_LINK_HOURS`` (default 72).

Every password, whoever sets it (``users create``, ``users set-password``, the
set-password page), passes :func:`check_password`: at least
:data:`MIN_PASSWORD_CHARS` characters, and not easy to guess by zxcvbn's
estimate (its lists of common passwords, words, names and keyboard patterns,
plus the account's own e-mail and name).
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import generate_password_hash
from zxcvbn import zxcvbn

from cat_survey.db import db
from cat_survey.emails import render_email
from cat_survey.models import (
    AdminEvent,
    Department,
    Notification,
    Role,
    Theme,
    ThemeStatus,
    User,
)

INVITED_PREFIX = "invited:"
DEFAULT_LINK_HOURS = 72
MIN_PASSWORD_CHARS = 8
#: zxcvbn's score (0 to 4) a password needs: 2 takes about a million guesses or
#: more, which the sign-in throttle makes impractical online.
MIN_PASSWORD_SCORE = 2
#: zxcvbn reads this many characters at most: a longer password is long enough,
#: and its estimate grows slow with length.
PASSWORD_CHECK_CHARS = 64
# The department fields an admin edits on the web; the catalog file keeps the
# routing keywords and examples.
DEPARTMENT_FIELDS = ("name", "description", "webhook_url")


class AccountError(Exception):
    """A change an admin asked for that cannot be made; the message says why.

    The message is an English template marked with ``gettext_noop`` and its
    values: the command line prints it as it is, a page shows :meth:`translated`.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values

    def translated(self) -> str:
        """The message in the language of the current request."""
        return gettext(self.message, **self.values)


def gettext_noop(message: str) -> str:
    """Mark a message for translation where it is defined, translated where shown."""
    return message


PASSWORD_TOO_SHORT = gettext_noop("Choose at least %(count)d characters.")
PASSWORD_TOO_GUESSABLE = gettext_noop(
    "This password is too easy to guess (a common password, a word, a name or a "
    "keyboard pattern). Choose a longer phrase of unrelated words."
)


def password_problem(password: str, *, user_inputs: Iterable[str] = ()) -> str | None:
    """Why a password is refused (a message template to translate), or None.

    The template may name ``%(count)d``, the minimum length.

    >>> password_problem("password") == PASSWORD_TOO_GUESSABLE
    True
    >>> password_problem("correct horse battery") is None
    True
    """
    if len(password) < MIN_PASSWORD_CHARS:
        return PASSWORD_TOO_SHORT
    inputs = [value for value in user_inputs if value]
    strength = zxcvbn(password[:PASSWORD_CHECK_CHARS], user_inputs=inputs)
    if strength["score"] < MIN_PASSWORD_SCORE:
        return PASSWORD_TOO_GUESSABLE
    return None


def check_password(password: str, *, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a short or guessable password with an AccountError saying why."""
    problem = password_problem(password, user_inputs=user_inputs)
    if problem is not None:
        raise AccountError(problem, count=MIN_PASSWORD_CHARS)


def audit(
    kind: str,
    *,
    actor: User | None,
    user: User | None = None,
    department: Department | None = None,
    field: str | None = None,
    before: object = None,
    after: object = None,
) -> AdminEvent:
    """Add one line to the admin audit trail (committed with the change)."""
    event = AdminEvent(
        kind=kind,
        actor=actor,
        user=user,
        department=department,
        field=field,
        from_value=None if before is None else str(before)[:500],
        to_value=None if after is None else str(after)[:500],
    )
    db.session.add(event)
    return event


def is_invited(user: User) -> bool:
    """True while an invited user has not yet chosen a password."""
    return user.password_hash.startswith(INVITED_PREFIX)


def link_lifetime() -> timedelta:
    """How long a set-password link stays valid."""
    return timedelta(
        hours=current_app.config.get("PASSWORD_LINK_HOURS", DEFAULT_LINK_HOURS)
    )


def serializer() -> URLSafeSerializer:
    """Signs set-password tokens with the app's secret key."""
    secret_key = current_app.secret_key
    if secret_key is None:
        raise RuntimeError("SECRET_KEY is not set: set-password links cannot be signed")
    return URLSafeSerializer(secret_key, salt="set-password")


def fingerprint(user: User) -> str:
    """A short digest of the password hash: it changes whenever the hash does."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def password_token(user: User, *, now: datetime) -> str:
    """A signed token that lets its holder set ``user``'s password once."""
    payload = {"user": user.id, "stamp": fingerprint(user), "at": int(now.timestamp())}
    return serializer().dumps(payload)


def user_for_token(token: str, *, now: datetime) -> User | None:
    """The active user a set-password token still works for, else None."""
    try:
        payload = serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    issued = payload.get("at")
    if not isinstance(issued, int) or issued > now.timestamp():
        return None
    if now.timestamp() - issued > link_lifetime().total_seconds():
        return None
    user = db.session.get(User, payload["user"])
    if user is None or not user.is_active or payload.get("stamp") != fingerprint(user):
        return None
    return user


def password_link(token: str) -> str:
    """The absolute address of the set-password page for a token."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/auth/set-password/{token}"


def queue_password_link(user: User, link: str, *, invited_by: User) -> Notification:
    """Put the e-mail carrying a set-password link into the outbox."""
    hours = int(link_lifetime().total_seconds() // 3600)
    body = render_email(
        "email/staff_password_link.txt",
        {"user": user, "invited_by": invited_by, "hours": hours, "link": link},
    )
    notification = Notification(
        channel="email",
        recipient=user.email,
        subject="Your cat-survey staff account: choose a password",
        body=body,
        payload={"kind": "staff_password_link"},
        user_id=user.id,
    )
    db.session.add(notification)
    return notification


def checked_role_and_department(
    role: str, department: Department | None
) -> tuple[Role, Department | None]:
    """The role as an enum and the department it keeps (advocates only)."""
    try:
        checked = Role(role)
    except ValueError:
        raise AccountError(
            gettext_noop("There is no role '%(role)s'."), role=role
        ) from None
    if checked == Role.ADVOCATE and department is None:
        raise AccountError(
            gettext_noop("An advocate works for a department: choose one.")
        )
    # Leads and admins see every department; a department would mean nothing.
    return checked, department if checked == Role.ADVOCATE else None


def create_user(
    email: str,
    password: str,
    *,
    role: str,
    name: str | None = None,
    department_slug: str | None = None,
) -> User:
    """Add a staff account with a password, as ``users create`` and the demo do.

    Unlike :func:`invite_user` there is no link and no audit row: the person who
    runs the command sets the password. The caller commits.
    """
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(
            gettext_noop("'%(email)s' is not an e-mail address."), email=email
        )
    check_password(password, user_inputs=[email, *email.split("@"), name or ""])
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise AccountError(
            gettext_noop("An account for %(email)s already exists."), email=email
        )
    department = None
    if department_slug:
        department = db.session.scalar(
            db.select(Department).filter_by(slug=department_slug)
        )
        if department is None:
            raise AccountError(
                gettext_noop(
                    "There is no department '%(slug)s'; load the catalog first."
                ),
                slug=department_slug,
            )
    checked_role, department = checked_role_and_department(role, department)
    user = User(
        email=email,
        name=name or email.split("@")[0],
        password_hash=generate_password_hash(password),
        role=checked_role.value,
        department=department,
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class PasswordLink:
    """An invited account and the set-password link its e-mail carries."""

    user: User
    link: str


def invite_user(
    email: str,
    *,
    name: str,
    role: str,
    department: Department | None,
    actor: User,
    now: datetime,
) -> PasswordLink:
    """Create an account without a password and e-mail its set-password link."""
    email = email.strip().lower()
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise AccountError(
            gettext_noop("There is already an account for %(email)s."), email=email
        )
    checked_role, department = checked_role_and_department(role, department)
    user = User(
        email=email,
        name=name.strip() or email.split("@")[0],
        password_hash=INVITED_PREFIX + secrets.token_hex(16),
        role=checked_role.value,
        department=department,
    )
    db.session.add(user)
    db.session.flush()
    audit("invited", actor=actor, user=user, after=describe(user))
    link = password_link(password_token(user, now=now))
    queue_password_link(user, link, invited_by=actor)
    return PasswordLink(user, link)


def resend_link(user: User, *, actor: User, now: datetime) -> PasswordLink:
    """E-mail a new set-password link; earlier links stop working."""
    if not user.is_active:
        raise AccountError(
            gettext_noop("Reactivate the account before sending it a link.")
        )
    if is_invited(user):
        # A new marker changes the fingerprint, so older links die.
        user.password_hash = INVITED_PREFIX + secrets.token_hex(16)
    audit("link_sent", actor=actor, user=user)
    link = password_link(password_token(user, now=now))
    queue_password_link(user, link, invited_by=actor)
    return PasswordLink(user, link)


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """Set a new password; every older session ends.

    ``actor`` is who set it: the user themselves through their link, or None
    for ``users set-password`` on the server (the audit trail shows no person).
    """
    check_password(password, user_inputs=account_words(user))
    user.password_hash = generate_password_hash(password)
    user.session_version += 1
    audit("password_set", actor=actor, user=user)


def account_words(user: User) -> list[str]:
    """What a password must not be built from: the account's e-mail and name."""
    return [user.email, *user.email.split("@"), user.name or ""]


def describe(user: User) -> str:
    """A user's role and department as the audit trail shows them."""
    where = f" ({user.department.name})" if user.department else ""
    return f"{Role(user.role).name.replace('_', ' ').lower()}{where}"


def change_role(
    user: User, role: str, department: Department | None, *, actor: User
) -> bool:
    """Give a user another role or department; False when nothing changed."""
    if user.id == actor.id:
        raise AccountError(
            gettext_noop("You cannot change your own role; ask another admin.")
        )
    checked_role, department = checked_role_and_department(role, department)
    if checked_role.value == user.role and department == user.department:
        return False
    before = describe(user)
    user.role = checked_role.value
    user.department = department
    audit("role_changed", actor=actor, user=user, before=before, after=describe(user))
    return True


def set_active(user: User, active: bool, *, actor: User | None) -> bool:
    """Deactivate (or reactivate) an account; False when it already was.

    Deactivating also bumps the session version, so the user's open sessions
    end at their next request, and the sign-in form refuses them. ``actor`` is
    the admin, or None for ``users deactivate`` on the server.
    """
    if actor is not None and user.id == actor.id:
        raise AccountError(gettext_noop("You cannot deactivate your own account."))
    if user.is_active == active:
        return False
    user.is_active = active
    user.session_version += 1
    audit("reactivated" if active else "deactivated", actor=actor, user=user)
    return True


def checked_webhook_url(url: str) -> str | None:
    """The webhook address if it is an http(s) URL with a host; None when empty."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountError(
            gettext_noop("A webhook address starts with http:// or https://.")
        )
    if len(url) > 500 or any(char.isspace() for char in url):
        raise AccountError(gettext_noop("That webhook address is not a valid URL."))
    return url


def edit_department(
    department: Department,
    *,
    name: str,
    description: str,
    webhook_url: str,
    advocates: Iterable[User],
    actor: User,
) -> int:
    """Apply an admin's edit of a department; return how many values changed.

    ``advocates`` are the advocates who work for it afterwards. An advocate always
    works for one department, so one can join here (leaving their old one) but
    cannot be dropped without going elsewhere.
    """
    wanted = {
        "name": name.strip(),
        "description": description.strip(),
        "webhook_url": checked_webhook_url(webhook_url),
    }
    if not wanted["name"]:
        raise AccountError(gettext_noop("A department needs a name."))
    joining = {user.id: user for user in advocates}
    leaving = [user for user in department.advocates if user.id not in joining]
    if leaving:
        names = ", ".join(user.name for user in leaving)
        raise AccountError(
            gettext_noop(
                "%(names)s would have no department: move them on another "
                "department's page, or change their role on their account page."
            ),
            names=names,
        )
    if strangers := [
        user.name for user in joining.values() if user.role != Role.ADVOCATE
    ]:
        raise AccountError(
            gettext_noop("%(names)s is not an advocate."), names=", ".join(strangers)
        )
    changes = 0
    for field in DEPARTMENT_FIELDS:
        before = getattr(department, field)
        if (before or None) != (wanted[field] or None):
            setattr(department, field, wanted[field])
            audit(
                "department_edited",
                actor=actor,
                department=department,
                field=field,
                before=before,
                after=wanted[field],
            )
            changes += 1
    for user in joining.values():
        if user.department_id != department.id:
            before = describe(user)
            user.department = department
            audit(
                "advocate_moved",
                actor=actor,
                user=user,
                department=department,
                before=before,
                after=describe(user),
            )
            changes += 1
    return changes


def audit_trail(
    *, user: User | None = None, department: Department | None = None, limit: int = 50
) -> list[AdminEvent]:
    """The newest admin events, of one user or one department if named."""
    query = db.select(AdminEvent).order_by(
        AdminEvent.created_at.desc(), AdminEvent.id.desc()
    )
    if user is not None:
        query = query.filter_by(user_id=user.id)
    if department is not None:
        query = query.filter_by(department_id=department.id)
    return list(db.session.scalars(query.limit(limit)))


#: Statuses of themes nobody needs to work on any more.
CLOSED_STATUSES = (
    ThemeStatus.RESOLVED,
    ThemeStatus.WONT_FIX,
    ThemeStatus.SUPERSEDED,
    ThemeStatus.ARCHIVED,
)


def open_themes_owned(user: User) -> int:
    """How many themes still in work name ``user`` as their owner.

    The admin page warns with it before a deactivation or a move, which leave
    those themes with an owner who no longer works on them.
    """
    return (
        db.session.scalar(
            db.select(db.func.count(Theme.id)).where(
                Theme.owner_id == user.id, Theme.status.not_in(CLOSED_STATUSES)
            )
        )
        or 0
    )
