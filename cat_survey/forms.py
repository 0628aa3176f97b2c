"""The base of every form: WTForms with Flask-WTF's CSRF protection turned on."""

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError


class BaseForm(FlaskForm):
    """Every form subclasses this, so none can forget its CSRF token."""


def plain_text(form: BaseForm, field: Field) -> None:
    """Refuse control characters but line breaks and tabs (PostgreSQL refuses NUL)."""
    if any(ord(char) < 32 and char not in "\n\r\t" for char in field.data or ""):
        raise ValidationError(_("Remove the invisible control characters."))
