"""Sign-in and sign-out pages for staff."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from cat_survey.auth.access import (
    LockedOut,
    authenticate,
    client_ip,
    next_url_from_request,
    safe_next_url,
    start_session,
)
from cat_survey.auth.forms import LoginForm, SetPasswordForm
from cat_survey.db import db
from cat_survey.domain.accounts import account_words, set_password, user_for_token
from cat_survey.models import Role, User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")


def home_for(user: User) -> str:
    """Where a user lands after signing in: the page of their daily work."""
    if user.role == Role.ADVOCATE:
        return url_for("themes.my_themes")
    # CX leads and admins start from the scores and what drags them down.
    return url_for("reports.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The staff sign-in form."""
    form = LoginForm(next=next_url_from_request())
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, ip=client_ip())
        except LockedOut:
            message = _("Too many failed sign-ins. Please wait a few minutes.")
            flash(message, "error")
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            start_session(user)
            return redirect(safe_next_url(form.next.data) or home_for(user))
        flash(_("That e-mail and password do not match an account."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: old session cookies stop working."""
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    """The page an invited (or reset) staff member chooses their password on."""
    user = user_for_token(token, now=utcnow())
    if user is None:
        abort(404, description=_("This link has expired or was already used."))
    form = SetPasswordForm(account_words=account_words(user))
    if form.validate_on_submit():
        set_password(user, form.password.data, actor=user)
        db.session.commit()
        flash(_("Your password is set. Please sign in."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)
