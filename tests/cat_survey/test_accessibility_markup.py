"""Markup and style details that accessibility checkers (axe-core, WCAG) look for."""

import re
from pathlib import Path

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


STYLESHEET = Path(__file__).parents[2] / "cat_survey" / "static" / "app.css"


def custom_properties(css: str) -> dict[str, str]:
    """The ``--name: value`` pairs declared in the stylesheet's ``:root`` rule."""
    root = re.search(r":root\s*{(.*?)}", css, re.S)
    assert root, "app.css declares its colours on :root"
    body = re.sub(r"/\*.*?\*/", "", root.group(1), flags=re.S)
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", body))


def focus_outline_colours(css: str) -> list[str]:
    """The colour of every outline drawn by a ``:focus`` or ``:focus-visible`` rule."""
    properties = custom_properties(css)
    colours = []
    for selector, body in re.findall(r"([^{}]+){([^{}]*)}", css):
        if ":focus" not in selector:
            continue
        for outline in re.findall(r"outline\s*:\s*([^;]+)", body):
            colour = outline.split()[-1]
            variable = re.fullmatch(r"var\((--[\w-]+)\)", colour)
            colours.append(properties[variable.group(1)] if variable else colour)
    return colours


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour."""
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    red, green, blue = linear
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted(map(relative_luminance, (first, second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == 21
    assert round(contrast_ratio("#f59e0b", "#ffffff"), 2) == 2.15


def test_focus_ring_has_three_to_one_contrast_on_page_backgrounds() -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    properties = custom_properties(css)
    colours = focus_outline_colours(css)

    assert colours, "app.css draws a focus ring"
    for colour in colours:
        for background in (properties["--bg"], properties["--soft"]):
            assert contrast_ratio(colour, background) >= 3, (colour, background)
