"""The CX lead's campaign pages: the campaigns and their counts, a preview, sending.

A campaign goes in two steps. The upload shows a preview (the e-mail in every
locale of the survey, how many customers get it, which rows are refused and why)
computed by the same rules as sending, and stores nothing; the "Send" button under
it creates the campaign, whose e-mails the worker then sends.
"""

import base64
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from cat_survey.auth.access import roles_required
from cat_survey.campaigns.forms import CampaignForm, ConfirmCampaignForm
from cat_survey.db import db
from cat_survey.domain.campaigns import (
    STATS_COLUMNS,
    campaign_stats,
    create_campaign,
    preview_campaign,
    stats_rows,
)
from cat_survey.domain.responses import active_survey
from cat_survey.exports import csv_response
from cat_survey.invitations import InvitationFileError, read_customer_csv
from cat_survey.models import Role

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
LEADS = (Role.CX_LEAD, Role.ADMIN)


@bp.get("/")
@roles_required(*LEADS)
def index():
    """Every campaign with its counts, and the form to start a new one."""
    return render_index(CampaignForm.for_surveys())


def render_index(form: CampaignForm, status: int = 200):
    """The campaigns page, with the upload form as given (and its errors)."""
    page = render_template(
        "campaigns/index.html", form=form, campaigns=campaign_stats()
    )
    return page, status


@bp.post("/preview")
@roles_required(*LEADS)
def preview():
    """The e-mail in each locale and who would get it; nothing is stored."""
    form = CampaignForm.for_surveys()
    if not form.validate_on_submit():
        return render_index(form, 400)
    survey = active_survey(form.survey.data) or abort(404)
    upload = form.customers.data
    name = upload.filename or "customers.csv"
    data = upload.read()
    try:
        rows = read_customer_csv(data, name)
    except InvitationFileError as error:
        form.customers.errors = [str(error)]
        return render_index(form, 400)
    send_at = as_utc(form.send_at.data)
    plan = preview_campaign(survey, rows, send_at=send_at)
    confirm = ConfirmCampaignForm(
        survey=survey.slug,
        file_name=name,
        csv_data=base64.b64encode(data).decode("ascii"),
        reminder_days=form.reminder_days.data or "",
        send_at=send_at.isoformat() if send_at else "",
    )
    return render_template(
        "campaigns/preview.html", survey=survey, plan=plan, confirm=confirm,
        file_name=name, reminder_days=form.reminder_days.data, send_at=send_at,
    )  # fmt: skip


@bp.post("/")
@roles_required(*LEADS)
def send():
    """Create the previewed campaign; the worker sends its e-mails when due."""
    form = ConfirmCampaignForm()
    if not form.validate_on_submit():
        flash(_("The preview had expired: upload the file again."), "error")
        return redirect(url_for("campaigns.index"))
    survey = active_survey(form.survey.data) or abort(404)
    name = form.file_name.data or "customers.csv"
    try:
        data = base64.b64decode(form.csv_data.data, validate=True)
        rows = read_customer_csv(data, name)
        reminder_days = int(form.reminder_days.data or 0) or None
        send_at = (
            datetime.fromisoformat(form.send_at.data) if form.send_at.data else None
        )
    except (InvitationFileError, ValueError):  # binascii.Error is a ValueError
        abort(400, description=_("The campaign could not be read: upload it again."))
    result = create_campaign(
        survey, rows, name=name, send_at=send_at, reminder_days=reminder_days,
        created_by=current_user,
    )  # fmt: skip
    db.session.commit()
    emails = ngettext(
        "%(num)d e-mail to send", "%(num)d e-mails to send", len(result.recipients)
    )
    refused = ngettext(
        "%(num)d row refused", "%(num)d rows refused", len(result.refused)
    )
    flash(
        _(
            "Campaign %(id)d created: %(emails)s, %(refused)s.",
            id=result.campaign.id,
            emails=emails,
            refused=refused,
        ),
        "success",
    )
    return redirect(url_for("campaigns.index"))


@bp.get("/campaigns.csv")
@roles_required(*LEADS)
def stats_csv():
    """Each campaign's counts as a CSV download."""
    return csv_response(STATS_COLUMNS, stats_rows(campaign_stats()), "campaigns.csv")


def as_utc(moment: datetime | None) -> datetime | None:
    """A time from the form (which has no zone), taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment else None
