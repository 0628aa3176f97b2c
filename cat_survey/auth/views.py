"""Sign-in and sign-out pages for staff."""

import secrets
from functools import cache

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from cat_survey.auth.access import next_url_from_request, safe_next_url
from cat_survey.auth.forms import LoginForm
from cat_survey.db import db
from cat_survey.models import Role, User

bp = Blueprint("auth", __name__, url_prefix="/auth")


@cache
def unknown_user_hash() -> str:
    """A hash to check against when the e-mail is unknown, so both take as long."""
    return generate_password_hash(secrets.token_hex(16))


def home_for(user: User) -> str:
    """Where a user lands after signing in."""
    if user.role == Role.ADVOCATE:
        return url_for("health.healthz")
    return url_for("health.healthz")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The staff sign-in form."""
    form = LoginForm(next=next_url_from_request())
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(db.select(User).filter_by(email=email))
        password_hash = user.password_hash if user else unknown_user_hash()
        valid = check_password_hash(password_hash, form.password.data)
        if user is not None and valid and user.is_active:
            login_user(user)
            return redirect(safe_next_url(form.next.data) or home_for(user))
        flash("That e-mail and password do not match an account.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: old session cookies stop working."""
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
