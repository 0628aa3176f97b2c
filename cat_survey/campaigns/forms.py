"""The campaign forms: upload a customer CSV, then confirm the previewed campaign.

The upload form carries the file; the confirmation carries its bytes back in a
hidden field (base64), so what is sent is exactly what was previewed, without
keeping the file on the server between the two pages.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from cat_survey.db import db
from cat_survey.forms import BaseForm
from cat_survey.models import Survey


def survey_choices() -> list[SelectChoice]:
    """Every active survey, by title."""
    surveys = db.session.scalars(
        db.select(Survey).filter_by(is_active=True).order_by(Survey.title)
    )
    return [SelectChoice(survey.slug, survey.title) for survey in surveys]


class CampaignForm(BaseForm):
    """A new campaign: survey, customer file, reminder and sending time."""

    survey = SelectField(_l("Survey"), validators=[DataRequired()])
    customers = FileField(_l("Customer CSV"), validators=[FileRequired()])
    reminder_days = IntegerField(
        _l("Remind customers who have not started after (days)"),
        validators=[Optional(), NumberRange(min=1, max=60)],
    )
    send_at = DateTimeLocalField(
        _l("Send at (UTC; empty means now)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
    )

    @classmethod
    def for_surveys(cls) -> "CampaignForm":
        """The form with the active surveys to choose from."""
        form = cls()
        form.survey.choices = survey_choices()
        return form


class ConfirmCampaignForm(BaseForm):
    """The "Send" button under a preview: the previewed choices, carried back."""

    survey = HiddenField(validators=[DataRequired()])
    file_name = HiddenField()
    # The file's bytes, base64: a hidden input keeps them exactly (line ends too).
    csv_data = HiddenField(validators=[DataRequired()])
    reminder_days = HiddenField()
    send_at = HiddenField()
