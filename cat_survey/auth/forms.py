"""The sign-in form."""

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from cat_survey.domain.accounts import MIN_PASSWORD_CHARS, password_problem
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
    """A new password, typed twice, for an account reached through a link.

    The password must pass the policy of :func:`password_problem`, judged
    against the account's own e-mail and name (``account_words``).
    """

    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=500)]
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )

    def __init__(self, *args: Any, account_words: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_words = account_words

    def validate_password(self, field: Field) -> None:
        """Refuse a short or easily guessed password, saying why."""
        problem = password_problem(field.data or "", user_inputs=self.account_words)
        if problem is not None:
            raise ValidationError(_(problem, count=MIN_PASSWORD_CHARS))
