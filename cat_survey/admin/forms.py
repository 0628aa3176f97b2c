"""The admin forms: invite a user, change a role, (de)activate, edit a department.

Choices of roles come from the ``Role`` enum and departments and advocates from
the database, filled in by the factory functions below, so a form can only name
something that exists.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from cat_survey.db import db
from cat_survey.forms import BaseForm, plain_text
from cat_survey.models import Department, Role, User

# Enough to catch typing slips; the set-password e-mail proves the address works.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
ROLE_LABELS = {
    Role.ADVOCATE: _l("Advocate (one department's themes)"),
    Role.CX_LEAD: _l("CX lead (dashboard, every theme, triage)"),
    Role.ADMIN: _l("Admin (everything, and these screens)"),
}


def department_choices() -> list[SelectChoice]:
    """Every department by name, with an empty first choice."""
    departments = db.session.scalars(db.select(Department).order_by(Department.name))
    return [SelectChoice("", _l("No department (CX leads and admins)"))] + [
        SelectChoice(department.slug, department.name) for department in departments
    ]


class RoleFields(BaseForm):
    """A role and, for advocates, the department they work for."""

    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
    )
    department = SelectField(_l("Department"), choices=[], validate_choice=True)


class InviteForm(RoleFields):
    """Who to invite: their e-mail, name, role and department."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            Length(max=320),
            Regexp(
                EMAIL_SHAPE,
                message=_l("Enter an e-mail address like ann@example.com."),
            ),
            plain_text,
        ],
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200), plain_text])


class RoleForm(RoleFields):
    """A user's new role and department."""


def invite_form() -> InviteForm:
    """The invitation form with today's departments to choose from."""
    form = InviteForm()
    form.department.choices = department_choices()
    return form


def role_form(user: User) -> RoleForm:
    """The role form of one user, showing their current role and department."""
    department = user.department.slug if user.department else ""
    form = RoleForm(data={"role": user.role, "department": department})
    form.department.choices = department_choices()
    return form


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice (WTForms' documented recipe)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class DepartmentForm(BaseForm):
    """A department's name, description, webhook and advocates."""

    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=200), plain_text]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=2000), plain_text]
    )
    webhook_url = URLField(
        _l("Webhook URL (http or https; leave empty for none)"),
        validators=[Optional(), Length(max=500), plain_text],
    )
    advocates = MultiCheckboxField(_l("Advocates"), coerce=int)


def department_form(department: Department) -> DepartmentForm:
    """The edit form of a department, listing every advocate to tick."""
    form = DepartmentForm(
        data={
            "name": department.name,
            "description": department.description,
            "webhook_url": department.webhook_url or "",
            "advocates": [user.id for user in department.advocates],
        }
    )
    advocates = db.session.scalars(
        db.select(User).filter_by(role=Role.ADVOCATE).order_by(User.name)
    )
    form.advocates.choices = [
        SelectChoice(user.id, advocate_label(user, department)) for user in advocates
    ]
    return form


def advocate_label(user: User, department: Department) -> str:
    """An advocate as a checkbox label: their name, and their department if other."""
    if user.department_id == department.id or user.department is None:
        return f"{user.name} <{user.email}>"
    return _(
        "%(name)s <%(email)s>, now in %(department)s",
        name=user.name,
        email=user.email,
        department=user.department.name,
    )
