"""The advocates' action forms: status, owner, reassignment, follow-ups.

Select boxes get their choices when the form is built (``status_form``,
``reassign_form``), since they depend on the theme and the department catalog.
The workflow checks every rule again; these forms only give early, clear errors.
"""

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from cat_survey.domain.theme_workflow import (
    RETIRED_STATUSES,
    STATUS_LABELS,
    next_statuses,
)
from cat_survey.forms import BaseForm, plain_text
from cat_survey.models import Theme, ThemeStatus, User

MAX_REASON_LENGTH = 2000


class StatusForm(BaseForm):
    """The theme's next status, and why (required for won't fix)."""

    status = SelectField(
        _l("New status"),
        # Only analysis retires a theme: a person never picks those statuses.
        choices=[
            SelectChoice(status.value, _l(label))
            for status, label in STATUS_LABELS.items()
            if status not in RETIRED_STATUSES
        ],
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Reason"),
        id="status-reason",
        validators=[Length(max=MAX_REASON_LENGTH), plain_text],
    )

    def validate_reason(self, field: TextAreaField) -> None:
        """A theme that won't be fixed needs a reason."""
        if self.status.data == ThemeStatus.WONT_FIX and not (field.data or "").strip():
            raise ValidationError(_l("Say why this theme won't be fixed."))


class AssignForm(BaseForm):
    """The person of the theme's department who owns it."""

    owner = SelectField(_l("Owner"), id="assign-owner", validators=[DataRequired()])


class ReassignForm(BaseForm):
    """The department a theme belongs to, and why."""

    department = SelectField(
        _l("Department"),
        id="reassign-department",
        validators=[DataRequired(_l("Choose a department."))],
    )
    reason = TextAreaField(
        _l("Why it belongs there"),
        id="reassign-reason",
        validators=[DataRequired(), Length(max=MAX_REASON_LENGTH), plain_text],
    )
    next = HiddenField()


class FollowUpForm(BaseForm):
    """That an advocate contacted a respondent, with an optional note."""

    response_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note"), validators=[Length(max=MAX_REASON_LENGTH), plain_text]
    )


class LoopForm(BaseForm):
    """What changed, in each language the theme's respondents read."""

    what_changed_en = TextAreaField(
        _l("What changed (English)"),
        validators=[Length(max=MAX_REASON_LENGTH), plain_text],
    )
    what_changed_ja = TextAreaField(
        _l("What changed (Japanese)"),
        validators=[Length(max=MAX_REASON_LENGTH), plain_text],
    )

    def what_changed(self) -> dict[str, str]:
        """The texts by locale, as ``closing.send_loop_messages`` takes them."""
        return {
            "en": self.what_changed_en.data or "",
            "ja": self.what_changed_ja.data or "",
        }


def status_form(theme: Theme) -> StatusForm:
    """A status form offering only the moves the workflow allows from here."""
    form = StatusForm()
    form.status.choices = [
        SelectChoice(status.value, _l(STATUS_LABELS[status]))
        for status in next_statuses(theme.status)
    ]
    return form


def assign_form(theme: Theme, members: Sequence[User]) -> AssignForm:
    """An owner form over the department's ``members``, the current owner chosen."""
    form = AssignForm(owner=str(theme.owner_id) if theme.owner_id else "")
    form.owner.choices = [SelectChoice("", _l("Choose a person"))] + [
        SelectChoice(str(member.id), member.name) for member in members
    ]
    return form


def reassign_form(
    departments: Sequence[tuple[str, str]],
    *,
    exclude: str | None = None,
    next_url: str | None = None,
) -> ReassignForm:
    """A reassign form over ``departments`` (slug, name), minus ``exclude``.

    Nothing is chosen at first: the person must pick the department themselves,
    even where the router has a guess (a preselected guess gets sent unread).
    """
    form = ReassignForm(next=next_url)
    form.department.choices = [SelectChoice("", _l("Choose a department"))] + [
        SelectChoice(slug, name) for slug, name in departments if slug != exclude
    ]
    return form
