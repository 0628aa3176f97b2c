"""The theme workflow: status changes, reassignment, follow-ups and reopening.

Each function changes one theme and adds one ``ThemeEvent`` per change (who, when,
what, why), so the audit trail is complete by construction. They add to the
session and never commit: the caller, a view or ``flask analyze``, commits once.

Statuses move forward along ``new -> acknowledged -> in_progress -> resolved``,
as many steps at once as the person wants (a theme fixed the day it was found
goes straight to ``resolved``); any open theme may instead end as ``wont_fix``
(with a reason); a
person may reopen a closed theme to ``acknowledged``, and ``flask analyze``
reopens a resolved theme that keeps growing (:func:`reopen_if_growing`).
Only ``flask analyze`` retires a theme, as ``superseded`` (its answers now form
other themes, which its event names) or ``archived`` (no answers left); a
retired theme is history and moves no further.
A ``reassigned`` event is also training data: ``flask analyze`` labels the
theme's answers with their new department when it retrains the router.
"""

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from cat_survey.db import affected_rows, db
from cat_survey.domain.flow import gettext_noop
from cat_survey.models import (
    Answer,
    Department,
    FollowUp,
    Role,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeEventKind,
    ThemeStatus,
    User,
)

OPEN_STATUSES = (ThemeStatus.NEW, ThemeStatus.ACKNOWLEDGED, ThemeStatus.IN_PROGRESS)
CLOSED_STATUSES = (ThemeStatus.RESOLVED, ThemeStatus.WONT_FIX)
RETIRED_STATUSES = (ThemeStatus.SUPERSEDED, ThemeStatus.ARCHIVED)
NEXT_STATUSES: dict[ThemeStatus, tuple[ThemeStatus, ...]] = {
    ThemeStatus.NEW: (
        ThemeStatus.ACKNOWLEDGED,
        ThemeStatus.IN_PROGRESS,
        ThemeStatus.RESOLVED,
        ThemeStatus.WONT_FIX,
    ),
    ThemeStatus.ACKNOWLEDGED: (
        ThemeStatus.IN_PROGRESS,
        ThemeStatus.RESOLVED,
        ThemeStatus.WONT_FIX,
    ),
    ThemeStatus.IN_PROGRESS: (ThemeStatus.RESOLVED, ThemeStatus.WONT_FIX),
    ThemeStatus.RESOLVED: (ThemeStatus.ACKNOWLEDGED,),
    ThemeStatus.WONT_FIX: (ThemeStatus.ACKNOWLEDGED,),
    ThemeStatus.SUPERSEDED: (),
    ThemeStatus.ARCHIVED: (),
}
#: Each status as people read it, in English (the audit reasons ``flask analyze``
#: writes); pages show them translated (the labels are catalog messages).
STATUS_LABELS = {
    ThemeStatus.NEW: gettext_noop("New"),
    ThemeStatus.ACKNOWLEDGED: gettext_noop("Acknowledged"),
    ThemeStatus.IN_PROGRESS: gettext_noop("In progress"),
    ThemeStatus.RESOLVED: gettext_noop("Resolved"),
    ThemeStatus.WONT_FIX: gettext_noop("Won't fix"),
    ThemeStatus.SUPERSEDED: gettext_noop("Superseded"),
    ThemeStatus.ARCHIVED: gettext_noop("Archived"),
}
#: A resolved theme reopens once it grew by this many answers, or by 10%.
REOPEN_MIN_GROWTH = 3


class WorkflowError(ValueError):
    """A change the workflow refuses; the message is written for the user.

    As with ``flow.AnswerError``, ``str(error)`` is the English text, and
    ``template`` with ``params`` let a page show it in the reader's language
    (:meth:`translated`). A ``ThemeStatus`` param reads as its label in lower
    case ("in progress"), translated along with the message.
    """

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(self.translated(lambda message: message))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message through ``gettext`` (Flask-Babel's, on a page)."""
        values = {
            name: gettext(STATUS_LABELS[value]).lower()
            if isinstance(value, ThemeStatus)
            else value
            for name, value in self.params.items()
        }
        message = gettext(self.template)
        return message % values if values else message


def status_label(status: str) -> str:
    """A status as people read it ("In progress"); unknown values unchanged."""
    try:
        return STATUS_LABELS[ThemeStatus(status)]
    except ValueError:
        return status


def next_statuses(status: str) -> tuple[ThemeStatus, ...]:
    """The statuses a person may move a theme to from ``status``."""
    return NEXT_STATUSES[ThemeStatus(status)]


def change_status(
    theme: Theme, status: str, *, actor: User, reason: str | None = None
) -> ThemeEvent:
    """Move ``theme`` to ``status`` if the workflow allows it; log who and why.

    ``wont_fix`` needs a reason. Resolving remembers the theme's size, so that a
    theme that keeps growing afterwards can reopen. Moving a closed theme back to
    ``acknowledged`` is logged as ``reopened``, any other change as
    ``status_changed``.

    The change is a compare-and-set (``UPDATE ... WHERE status = <as read>``): of
    two people who press the same button at once, one changes the theme and the
    other gets a WorkflowError, so the trail never logs the same step twice.
    """
    current = ThemeStatus(theme.status)
    try:
        target = ThemeStatus(status)
    except ValueError:
        raise WorkflowError(
            gettext_noop("%(status)r is not a theme status."), status=status
        ) from None
    if target not in NEXT_STATUSES[current]:
        raise WorkflowError(
            gettext_noop("A theme that is %(current)s cannot become %(target)s."),
            current=current,
            target=target,
        )
    reason = _cleaned(reason)
    if target == ThemeStatus.WONT_FIX and not reason:
        raise WorkflowError(gettext_noop("Say why this theme won't be fixed."))
    kind = (
        ThemeEventKind.REOPENED
        if current in CLOSED_STATUSES
        else ThemeEventKind.STATUS_CHANGED
    )
    values: dict[str, Any] = {"status": target.value, "status_reason": reason}
    if target == ThemeStatus.RESOLVED:
        values["resolved_size"] = theme.size
    changed = db.session.execute(
        update(Theme)
        .where(Theme.id == theme.id, Theme.status == current.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(changed) != 1:
        db.session.refresh(theme)
        raise WorkflowError(
            gettext_noop(
                "Someone else changed this theme's status a moment ago: it is now "
                "%(status)s. Nothing was changed."
            ),
            status=ThemeStatus(theme.status),
        )
    # The row is written; the loaded object agrees without writing it again.
    for name, value in values.items():
        set_committed_value(theme, name, value)
    return log_theme_event(
        theme,
        kind,
        actor,
        from_value=current.value,
        to_value=target.value,
        reason=reason,
    )


def pick_owner(department: Department) -> User | None:
    """The department's active advocate with the fewest open themes (lowest id on ties).

    Returns None when the department has no active advocate.
    """
    return db.session.scalar(
        select(User)
        .outerjoin(
            Theme,
            and_(
                Theme.owner_id == User.id,
                Theme.status.in_([status.value for status in OPEN_STATUSES]),
            ),
        )
        .where(
            User.department_id == department.id,
            User.role == Role.ADVOCATE.value,
            User.is_active.is_(True),
        )
        .group_by(User.id)
        .order_by(func.count(Theme.id), User.id)
        .limit(1)
    )


def reassign(
    theme: Theme, department: Department, *, actor: User, reason: str | None
) -> ThemeEvent:
    """Send ``theme`` to ``department`` and its least busy advocate; log who and why.

    The theme leaves the triage queue. An open theme goes back to ``new``, since
    nobody in its new department has acknowledged it yet (a second event says so).
    Returns the ``reassigned`` event, whose from/to values are department slugs.
    """
    reason = _cleaned(reason)
    if not reason:
        raise WorkflowError(
            gettext_noop("Say why the theme belongs to that department.")
        )
    if theme.department_id == department.id:
        raise WorkflowError(
            gettext_noop("The theme is already with %(department)s."),
            department=department.name,
        )
    previous = theme.department.slug if theme.department else None
    theme.department = department
    theme.needs_triage = False
    theme.owner = pick_owner(department)
    event = log_theme_event(
        theme,
        ThemeEventKind.REASSIGNED,
        actor,
        from_value=previous,
        to_value=department.slug,
        reason=reason,
    )
    if theme.status in (ThemeStatus.ACKNOWLEDGED, ThemeStatus.IN_PROGRESS):
        log_theme_event(
            theme,
            ThemeEventKind.STATUS_CHANGED,
            actor,
            from_value=theme.status,
            to_value=ThemeStatus.NEW.value,
            reason=f"Reassigned to {department.name}.",
        )
        theme.status = ThemeStatus.NEW.value
        theme.status_reason = None
    return event


def department_members(department: Department | None) -> list[User]:
    """The active people of ``department`` who may own its themes, by name."""
    if department is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id == department.id, User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def assign_owner(theme: Theme, owner: User, *, actor: User) -> ThemeEvent:
    """Make ``owner``, an active person of the theme's department, its owner; log it.

    The event names the previous and the new owner, so the trail reads the same
    after a rename.
    """
    if theme.department_id is None:
        raise WorkflowError(
            gettext_noop("Route the theme to a department before assigning it.")
        )
    if owner.department_id != theme.department_id or not owner.is_active:
        raise WorkflowError(
            gettext_noop("The owner must be an active member of its department.")
        )
    if theme.owner_id == owner.id:
        raise WorkflowError(
            gettext_noop("%(person)s already owns this theme."), person=owner.name
        )
    previous = theme.owner.name if theme.owner else None
    theme.owner = owner
    return log_theme_event(
        theme, ThemeEventKind.ASSIGNED, actor, from_value=previous, to_value=owner.name
    )


def record_follow_up(
    theme: Theme, response: SurveyResponse, *, actor: User, note: str | None = ""
) -> FollowUp:
    """Record that ``actor`` contacted a respondent of ``theme`` who consented.

    The note stays on the ``FollowUp`` row; the audit event names only the
    follow-up, so the trail holds no personal data.
    """
    in_theme = db.session.scalar(
        select(
            exists().where(
                ThemeAnswer.theme_id == theme.id,
                ThemeAnswer.answer_id == Answer.id,
                Answer.response_id == response.id,
            )
        )
    )
    if not in_theme:
        raise WorkflowError(
            gettext_noop("That respondent has no answer in this theme.")
        )
    if not response.contact_consent:
        raise WorkflowError(
            gettext_noop("That respondent did not agree to be contacted.")
        )
    if not response.identity_verified:
        raise WorkflowError(
            gettext_noop(
                "That respondent's name and reference came from a public link "
                "anyone can type, so there is nobody known to contact."
            )
        )
    follow_up = FollowUp(
        response_id=response.id,
        theme_id=theme.id,
        user_id=actor.id,
        note=_cleaned(note) or "",
    )
    db.session.add(follow_up)
    db.session.flush()
    log_theme_event(
        theme, ThemeEventKind.FOLLOWED_UP, actor, to_value=f"follow-up {follow_up.id}"
    )
    return follow_up


def reopen_if_growing(
    theme: Theme, new_size: int, *, min_growth: int = REOPEN_MIN_GROWTH
) -> bool:
    """Reopen a resolved theme that grew by max(``min_growth``, 10%) since resolved.

    The growth is measured against ``theme.resolved_size``; a theme resolved
    without a recorded size never reopens by itself. A reopened theme is
    ``acknowledged`` again, with a ``reopened`` event that has no actor.
    The caller keeps ``theme.size`` up to date; this function does not set it.
    Returns whether the theme reopened.
    """
    if theme.status != ThemeStatus.RESOLVED or theme.resolved_size is None:
        return False
    needed = max(min_growth, math.ceil(theme.resolved_size / 10))
    if new_size - theme.resolved_size < needed:
        return False
    reason = (
        f"Grew from {theme.resolved_size} to {new_size} answers since it was resolved."
    )
    log_theme_event(
        theme,
        ThemeEventKind.REOPENED,
        None,
        from_value=ThemeStatus.RESOLVED.value,
        to_value=ThemeStatus.ACKNOWLEDGED.value,
        reason=reason,
    )
    theme.status = ThemeStatus.ACKNOWLEDGED.value
    theme.status_reason = reason
    return True


def _cleaned(text: str | None) -> str | None:
    """Text without surrounding blanks; None when nothing is left."""
    text = (text or "").strip()
    return text or None


def log_theme_event(
    theme: Theme,
    kind: ThemeEventKind,
    actor: User | None = None,
    **values: str | None,
) -> ThemeEvent:
    """Add one line to the theme's audit trail; ``actor`` None means the system.

    The one writer of ``ThemeEvent`` rows: the workflow here, ``flask analyze``
    and closing the loop all record their changes through it.
    """
    actor_id = actor.id if actor is not None else None
    event = ThemeEvent(theme=theme, actor_id=actor_id, kind=kind.value, **values)
    db.session.add(event)
    return event
