"""The sign-in form."""

from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from cat_survey.forms import BaseForm


class LoginForm(BaseForm):
    """E-mail and password; ``next`` is where to go afterwards (internal only)."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])
    next = HiddenField()
