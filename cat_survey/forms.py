"""The base of every form: WTForms with Flask-WTF's CSRF protection turned on."""

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """Every form subclasses this, so none can forget its CSRF token."""
