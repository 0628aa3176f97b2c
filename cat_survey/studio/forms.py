"""The studio's one form: the survey text, sent to check, preview or publish."""

from wtforms import TextAreaField
from wtforms.validators import InputRequired

from cat_survey.forms import BaseForm, plain_text


class EditorForm(BaseForm):
    """The YAML text of a survey definition."""

    source = TextAreaField(validators=[InputRequired(), plain_text])
