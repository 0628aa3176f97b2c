"""The sign-in form."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from cat_survey.forms import BaseForm


def printable(form: BaseForm, field: Field) -> None:
    """Refuse control characters: no address has them, and PostgreSQL refuses NUL."""
    if not (field.data or "").isprintable():
        raise ValidationError(_l("Enter an e-mail address without control characters."))


class LoginForm(BaseForm):
    """E-mail and password; ``next`` is where to go afterwards (internal only)."""

    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Length(max=320), printable]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=500)]
    )
    next = HiddenField()


class SetPasswordForm(BaseForm):
    """A new password, typed twice, for an account reached through a link."""

    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=500)]
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )
