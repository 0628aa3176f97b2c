"""The admin screens under /admin: staff accounts and departments, all audited.

Only admins reach them (403 for other staff, the sign-in page for visitors).
Every change is a POST form (``CSRFProtect`` checks its token before the view
runs) that calls one function of
``cat_survey.domain.accounts`` (which writes the audit rows), commits and
redirects back with a message; GET requests never change anything.

Web edits of a department's name, description, webhook and advocates are stored
in the database only. The catalog file stays the source of the routing keywords
and examples, which these screens show but do not edit.
"""

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from cat_survey.admin.forms import department_form, invite_form, role_form
from cat_survey.auth.access import roles_required
from cat_survey.db import db
from cat_survey.domain.accounts import (
    AccountError,
    audit_trail,
    change_role,
    edit_department,
    invite_user,
    is_invited,
    open_themes_owned,
    resend_link,
    set_active,
)
from cat_survey.forms import BaseForm
from cat_survey.models import Department, Role, User, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

EVENT_LABELS = {
    "invited": _l("Invited"),
    "link_sent": _l("Sent a set-password link"),
    "password_set": _l("Chose a password"),  # nosec B105 - an audit label
    "role_changed": _l("Role changed"),
    "deactivated": _l("Deactivated"),
    "reactivated": _l("Reactivated"),
    "department_edited": _l("Department edited"),
    "advocate_moved": _l("Advocate moved here"),
}
#: The department fields an audit row names, as the edit form labels them.
FIELD_LABELS = {
    "name": _l("Name"),
    "description": _l("Description"),
    "webhook_url": _l("Webhook URL"),
}
#: Each role as the accounts table names it.
ROLE_NAMES = {
    Role.ADVOCATE: _l("advocate"),
    Role.CX_LEAD: _l("CX lead"),
    Role.ADMIN: _l("admin"),
}


@bp.context_processor
def labels() -> dict[str, object]:
    """Names the admin templates share: audit and role labels, the invited test."""
    return {
        "event_labels": EVENT_LABELS,
        "field_labels": FIELD_LABELS,
        "role_names": ROLE_NAMES,
        "is_invited": is_invited,
        "Role": Role,
    }


@bp.get("")
@roles_required(Role.ADMIN)
def users():
    """Every staff account with its role, department and state; the invite form."""
    return users_page(invite_form())


@bp.post("/users")
@roles_required(Role.ADMIN)
def invite():
    """Create an invited account; show its set-password link once."""
    form = invite_form()
    if not form.validate_on_submit():
        # Shown again with each field's message and what was typed.
        return users_page(form), 400
    department = department_by_slug(form.department.data)
    try:
        invitation = invite_user(
            form.email.data,
            name=form.name.data or "",
            role=form.role.data,
            department=department,
            actor=current_user,
            now=utcnow(),
        )
    except AccountError as error:
        return refused(error, url_for("admin.users"))
    db.session.commit()
    return render_template("admin/link.html", invitation=invitation, invited=True)


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int):
    """One account: its role form, (de)activation, a new link, its audit trail."""
    account = db.get_or_404(User, user_id)
    return render_template(
        "admin/user.html",
        account=account,
        form=role_form(account),
        open_themes=open_themes_owned(account),
        events=audit_trail(user=account),
    )


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.ADMIN)
def change_user_role(user_id: int):
    """Give an account another role or department."""
    account = db.get_or_404(User, user_id)
    form = role_form(account)
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        department = department_by_slug(form.department.data)
        done = apply(change_role, account, form.role.data, department)
        if done is not None:
            flash(_("Role changed.") if done else _("Nothing to change."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate(user_id: int):
    """Stop an account: it cannot sign in and its open sessions end."""
    return change_access(user_id, active=False, message=_("Account deactivated."))


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate(user_id: int):
    """Let a deactivated account sign in again (with its old password)."""
    return change_access(user_id, active=True, message=_("Account reactivated."))


@bp.post("/users/<int:user_id>/link")
@roles_required(Role.ADMIN)
def send_link(user_id: int):
    """E-mail a new set-password link (and show it once); older links die."""
    account = db.get_or_404(User, user_id)
    try:
        invitation = resend_link(account, actor=current_user, now=utcnow())
    except AccountError as error:
        return refused(error, url_for("admin.user", user_id=account.id))
    db.session.commit()
    return render_template("admin/link.html", invitation=invitation, invited=False)


@bp.get("/departments")
@roles_required(Role.ADMIN)
def departments():
    """Every department with its advocates and webhook."""
    rows = db.session.scalars(db.select(Department).order_by(Department.name))
    return render_template("admin/departments.html", departments=list(rows))


@bp.get("/departments/<slug>")
@roles_required(Role.ADMIN)
def department(slug: str):
    """One department's edit form, its routing examples and its audit trail."""
    record = department_or_404(slug)
    return render_template(
        "admin/department.html",
        department=record,
        form=department_form(record),
        events=audit_trail(department=record),
    )


@bp.post("/departments/<slug>")
@roles_required(Role.ADMIN)
def update_department(slug: str):
    """Save a department's name, description, webhook and advocates."""
    record = department_or_404(slug)
    form = department_form(record)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.department", slug=slug))
    advocates = db.session.scalars(
        db.select(User).where(User.id.in_(form.advocates.data or []))
    )
    changed = apply(
        edit_department,
        record,
        name=form.name.data,
        description=form.description.data or "",
        webhook_url=form.webhook_url.data or "",
        advocates=list(advocates),
    )
    if changed is not None:
        flash(
            ngettext("Saved: %(num)d change.", "Saved: %(num)d changes.", changed)
            if changed
            else _("Nothing to change.")
        )
    return redirect(url_for("admin.department", slug=slug))


def users_page(form: BaseForm) -> str:
    """The staff accounts page around an invitation form (blank or refused)."""
    accounts = db.session.scalars(db.select(User).order_by(User.role, User.name))
    return render_template(
        "admin/users.html",
        accounts=list(accounts),
        form=form,
        events=audit_trail(limit=30),
    )


def change_access(user_id: int, *, active: bool, message: str):
    """Deactivate or reactivate an account and go back to its page."""
    account = db.get_or_404(User, user_id)
    if apply(set_active, account, active):
        flash(message, "info")
    return redirect(url_for("admin.user", user_id=account.id))


def apply(change: Callable[..., object], *args: object, **kwargs: object):
    """Run one domain change as the current admin and commit it.

    Returns what the change returned, or None after flashing why it was refused
    (the session is rolled back, so a refused change leaves no trace).
    """
    try:
        result = change(*args, actor=current_user, **kwargs)
    except AccountError as error:
        db.session.rollback()
        flash(error.translated(), "error")
        return None
    db.session.commit()
    return result


def refused(error: AccountError, target: str):
    """Flash why a change was refused and go back to ``target``."""
    db.session.rollback()
    flash(error.translated(), "error")
    return redirect(target)


def flash_errors(form: BaseForm) -> None:
    """Flash each field error of a refused form."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")


def department_by_slug(slug: str | None) -> Department | None:
    """The department a form chose, or None for none."""
    if not slug:
        return None
    return db.session.scalar(db.select(Department).filter_by(slug=slug))


def department_or_404(slug: str) -> Department:
    """The department of a URL, or a 404 page."""
    record = department_by_slug(slug)
    if record is None:
        abort(404, description=_("There is no department '%(slug)s'.", slug=slug))
    return record
