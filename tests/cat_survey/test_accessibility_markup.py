"""Markup and style details that accessibility checkers (axe-core, WCAG) look for."""

from flask import Flask
from wtforms import Form, StringField
from wtforms.validators import InputRequired


class NameForm(Form):
    """A one-field form without CSRF, enough to render the field macro."""

    name = StringField("Name", validators=[InputRequired()])


def render_field(app: Flask, form: Form, **kwargs: str) -> str:
    """Render ``form.name`` through the shared ``render_field`` macro."""
    with app.test_request_context():
        macros = app.jinja_env.get_template("_macros.html").module
        return str(macros.render_field(form.name, **kwargs))


def test_render_field_without_error_writes_no_none_aria_values(app: Flask) -> None:
    html = render_field(app, NameForm())

    assert '"None"' not in html
    assert "aria-invalid" not in html
    assert "aria-describedby" not in html


def test_render_field_with_help_points_to_the_help_only(app: Flask) -> None:
    html = render_field(app, NameForm(), help="As on your badge.")

    assert 'aria-describedby="name-help"' in html
    assert "aria-invalid" not in html


def test_render_field_with_error_marks_it_invalid_and_describes_it(app: Flask) -> None:
    form = NameForm()
    form.validate()

    html = render_field(app, form)

    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="name-error"' in html
