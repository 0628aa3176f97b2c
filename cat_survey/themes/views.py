"""The advocates' screens: their themes, the triage queue, a theme and its actions.

Every view finds its theme through ``theme_or_404``, so an advocate can
neither read nor change another department's theme (they get a 404, which does
not even say it exists). Actions are POST forms with CSRF tokens that redirect
back with a flash message; GET requests never change anything.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cat_survey.auth.access import (
    roles_required,
    safe_next_url,
    visible_departments,
)
from cat_survey.db import db
from cat_survey.domain.theme_workflow import (
    STATUS_LABELS,
    WorkflowError,
    assign_owner,
    change_status,
    department_members,
    reassign,
    record_follow_up,
)
from cat_survey.exports import csv_response
from cat_survey.forms import BaseForm
from cat_survey.models import (
    Department,
    Role,
    Theme,
    ThemeEventKind,
    ThemeStatus,
    User,
    utcnow,
)
from cat_survey.svg import svg_response
from cat_survey.themes.closing import (
    loop_audience,
    loop_messages_sent,
    preview_loop_emails,
    send_loop_messages,
)
from cat_survey.themes.forms import (
    FollowUpForm,
    LoopForm,
    StatusForm,
    assign_form,
    reassign_form,
    status_form,
)
from cat_survey.themes.queries import (
    EXPORT_HEADER,
    STATUS_FILTERS,
    MonthCount,
    department_by_slug,
    department_choices,
    export_rows,
    sparkline_counts,
    spelled,
    theme_page,
    theme_response,
    theme_summaries,
    theme_trend,
    triage_queue,
    visible_theme,
)
from cat_survey.themes.report import (
    BadPeriod,
    ReportPeriod,
    current_quarter,
    department_report,
    parse_period,
    recent_periods,
    report_pdf,
)

bp = Blueprint("themes", __name__, url_prefix="/themes")

STAFF = (Role.ADVOCATE, Role.CX_LEAD, Role.ADMIN)
LEADS = (Role.CX_LEAD, Role.ADMIN)
EVENT_LABELS = {
    ThemeEventKind.CREATED: _l("Found by analysis"),
    ThemeEventKind.ROUTED: _l("Routed"),
    ThemeEventKind.TRIAGE: _l("Sent to triage"),
    ThemeEventKind.REASSIGNED: _l("Reassigned"),
    ThemeEventKind.ASSIGNED: _l("Owner changed"),
    ThemeEventKind.STATUS_CHANGED: _l("Status changed"),
    ThemeEventKind.REOPENED: _l("Reopened"),
    ThemeEventKind.FOLLOWED_UP: _l("Followed up with a respondent"),
    ThemeEventKind.LOOP_CLOSED: _l("Told respondents what changed"),
    ThemeEventKind.RELABELLED: _l("Relabelled"),
    ThemeEventKind.SUPERSEDED: _l("Superseded by"),
    ThemeEventKind.ARCHIVED: _l("Archived"),
}


@bp.context_processor
def labels() -> dict[str, object]:
    """Names of statuses and events for the theme templates."""
    return {"status_label": translated_status, "EVENT_LABELS": EVENT_LABELS}


def translated_status(status: str) -> str:
    """A status as the reader reads it ("対応中"); other values (names) unchanged."""
    try:
        return _(STATUS_LABELS[ThemeStatus(status)])
    except ValueError:
        return status


@bp.get("")
@roles_required(*STAFF)
def my_themes():
    """The themes routed to my department (every department for leads), by impact."""
    status = request.args.get("status", "open")
    status = status if status in STATUS_FILTERS else "open"
    department = request.args.get("department") or None
    summaries = theme_summaries(current_user, department=department, status=status)
    return render_template(
        "themes/list.html",
        summaries=summaries,
        status=status,
        department=department,
        departments=department_choices(),
        spelled=spelled,
    )


@bp.get("/report")
@roles_required(*STAFF)
def report():
    """One department's theme report for a month or quarter, printable."""
    return render_report(*report_scope())


@bp.get("/report.pdf")
@roles_required(*STAFF)
def report_as_pdf():
    """The same report as a PDF file, drawn by WeasyPrint."""
    department, period = report_scope()
    html = render_report(department, period, for_pdf=True)
    stylesheet = (Path(current_app.static_folder or "") / "app.css").read_text()
    pdf = report_pdf(html, stylesheet=stylesheet)
    filename = f"theme-report-{department.slug}-{period.name}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def report_scope() -> tuple[Department, ReportPeriod]:
    """The department and period a report request asks for, checked.

    An advocate gets their own department whatever the URL says; a lead picks
    one (the first, by name, unless the URL names another). A period that
    cannot be read falls back to the current quarter, with a message.
    """
    today = utcnow().date()
    allowed = visible_departments(current_user)
    slug = request.args.get("department") or None
    if allowed is not None:
        department = db.session.get(Department, allowed[0]) if allowed else None
    elif slug:
        department = department_by_slug(slug)
    else:
        department = db.session.scalar(
            db.select(Department).order_by(Department.name).limit(1)
        )
    if department is None:
        abort(404)
    try:
        period = parse_period(
            request.args.get("period") or current_quarter(today), today=today
        )
    except BadPeriod as error:
        flash(str(error), "error")
        period = parse_period(current_quarter(today), today=today)
    return department, period


def render_report(
    department: Department, period: ReportPeriod, *, for_pdf: bool = False
) -> str:
    """The report page's HTML."""
    return render_template(
        "themes/report.html",
        report=department_report(current_user, department, period),
        departments=department_choices(),
        periods=recent_periods(utcnow().date()),
        for_pdf=for_pdf,
    )


@bp.get("/triage")
@roles_required(*LEADS)
def triage():
    """Themes the router could not place, with its best guess and a reassign form.

    The guess is shown, never preselected: the lead chooses every department.
    """
    choices = department_choices()
    items = triage_queue(current_user)
    forms = {
        item.theme.id: reassign_form(choices, next_url=url_for("themes.triage"))
        for item in items
    }
    return render_template("themes/triage.html", items=items, forms=forms)


@bp.get("/<int:theme_id>")
@roles_required(*STAFF)
def detail(theme_id: int):
    """One theme: why it is here, what people say, how it trends, and its history."""
    theme = theme_or_404(current_user, theme_id)
    page = theme_page(
        theme,
        search=request.args.get("q", ""),
        page=request.args.get("page", 1, type=int),
    )
    department = theme.department.slug if theme.department else None
    return render_template(
        "themes/detail.html",
        page=page,
        status_form=status_form(theme),
        assign_form=assign_form(theme, department_members(theme.department)),
        loop_sent=loop_messages_sent(theme),
        reassign_form=reassign_form(department_choices(), exclude=department),
        spelled=spelled,
    )


@bp.get("/<int:theme_id>/trend.svg")
@roles_required(*STAFF)
def trend_chart(theme_id: int):
    """The chart of the theme's answers per month."""
    theme = theme_or_404(current_user, theme_id)
    return svg_response(
        trend_chart_svg(theme_trend(theme), title=_("Answers per month"))
    )


@bp.get("/<int:theme_id>/sparkline.svg")
@roles_required(*STAFF)
def sparkline(theme_id: int):
    """The theme's last twelve months as a tiny line."""
    theme = theme_or_404(current_user, theme_id)
    return svg_response(sparkline_chart_svg(sparkline_counts(theme)))


@bp.get("/<int:theme_id>/answers.csv")
@roles_required(*STAFF)
def export_answers(theme_id: int):
    """The theme's answers (matching the search, if any) as a CSV download."""
    theme = theme_or_404(current_user, theme_id)
    rows = export_rows(theme, search=request.args.get("q", ""))
    return csv_response(EXPORT_HEADER, rows, f"theme-{theme.id}-answers.csv")


@bp.post("/<int:theme_id>/status")
@roles_required(*STAFF)
def set_status(theme_id: int):
    """Move the theme along its workflow."""
    theme = theme_or_404(current_user, theme_id)
    form = StatusForm()
    if form.validate_on_submit() and act(
        change_status,
        theme,
        form.status.data,
        actor=current_user,
        reason=form.reason.data,
    ):
        flash(
            _("Status changed to %(status)s.", status=translated_status(theme.status)),
            "info",
        )
    flash_errors(form)
    return redirect(url_for("themes.detail", theme_id=theme_id))


@bp.post("/<int:theme_id>/owner")
@roles_required(*STAFF)
def set_owner(theme_id: int):
    """Hand the theme to a person of its department."""
    theme = theme_or_404(current_user, theme_id)
    form = assign_form(theme, department_members(theme.department))
    if form.validate_on_submit():
        owner = db.session.get(User, int(form.owner.data))
        if owner is not None and act(assign_owner, theme, owner, actor=current_user):
            flash(_("%(person)s now owns this theme.", person=owner.name), "info")
    flash_errors(form)
    return redirect(url_for("themes.detail", theme_id=theme_id))


@bp.post("/<int:theme_id>/reassign")
@roles_required(*STAFF)
def reassign_theme(theme_id: int):
    """Send the theme to the department it belongs to."""
    theme = theme_or_404(current_user, theme_id)
    form = reassign_form(department_choices())
    # Looked up once valid: the choices hold only real slugs (never a NUL byte).
    if form.validate_on_submit():
        department = department_by_slug(form.department.data)
        if department is None:  # deleted since the form was drawn
            abort(404)
        if act(
            reassign, theme, department, actor=current_user, reason=form.reason.data
        ):
            flash(
                _(
                    "The theme now belongs to %(department)s.",
                    department=department.name,
                ),
                "info",
            )
    flash_errors(form)
    if visible_theme(current_user, theme_id) is None:
        return redirect(url_for("themes.my_themes"))
    target = safe_next_url(form.next.data)
    return redirect(target or url_for("themes.detail", theme_id=theme_id))


@bp.post("/<int:theme_id>/follow-ups")
@roles_required(*STAFF)
def follow_up(theme_id: int):
    """Record that I contacted a respondent who agreed to it."""
    theme = theme_or_404(current_user, theme_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        response = theme_response(theme, form.response_id.data)
        if response is None:
            flash(_("That respondent has no answer in this theme."), "error")
        elif act(
            record_follow_up, theme, response, actor=current_user, note=form.note.data
        ):
            flash(_("Follow-up recorded."), "info")
    flash_errors(form)
    return redirect(url_for("themes.detail", theme_id=theme_id, _anchor="answers"))


@bp.route("/<int:theme_id>/close-loop", methods=["GET", "POST"])
@roles_required(*STAFF)
def close_loop(theme_id: int):
    """Write what changed, preview the e-mails, then send them (a second POST).

    The first POST (``preview``) sends nothing; only a POST with ``send`` does,
    after the person has seen exactly what each language's respondents receive.
    """
    theme = theme_or_404(current_user, theme_id)
    form = LoopForm()
    audience = loop_audience(theme)
    previews = None
    if form.validate_on_submit():
        try:
            if "send" in request.form:
                count = send_loop_messages(
                    theme, form.what_changed(), actor=current_user
                )
                db.session.commit()
                flash(
                    ngettext(
                        "Queued %(num)d e-mail telling respondents what changed.",
                        "Queued %(num)d e-mails telling respondents what changed.",
                        count,
                    ),
                    "info",
                )
                return redirect(url_for("themes.detail", theme_id=theme_id))
            audience, previews = preview_loop_emails(theme, form.what_changed())
        except WorkflowError as error:
            db.session.rollback()
            flash(error.translated(_), "error")
        except IntegrityError:  # another advocate sent it a moment ago
            db.session.rollback()
            flash(_("These respondents were told already."), "error")
            return redirect(url_for("themes.detail", theme_id=theme_id))
    flash_errors(form)
    return render_template(
        "themes/close_loop.html",
        theme=theme,
        form=form,
        audience=audience,
        previews=previews,
    )


def act(change: Callable[..., object], *args: object, **kwargs: object) -> bool:
    """Run a workflow change and commit it; flash its refusal instead if refused."""
    try:
        change(*args, **kwargs)
    except WorkflowError as error:
        db.session.rollback()
        flash(error.translated(_), "error")
        return False
    db.session.commit()
    return True


def flash_errors(form: BaseForm) -> None:
    """Flash each validation error of a submitted form."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")


# ---------------------------------------------------------------- helpers


def theme_or_404(user: User, theme_id: int) -> Theme:
    """The theme if ``user`` may read it; 404 otherwise, so nothing leaks."""
    theme = visible_theme(user, theme_id)
    if theme is None:
        abort(404)
    return theme


def trend_chart_svg(trend: Sequence[MonthCount], *, title: str) -> bytes:
    """The theme page's chart of answers per month (one bar a month), as SVG.

    Bars, not ``trend_svg``'s line: that line treats a month with no answers as
    missing data and draws interval and small-sample marks meant for scores,
    whereas a month without answers is a true zero here.
    """
    # matplotlib is heavy: only chart requests pay for importing it.
    from analysis.charts import bar_svg

    return bar_svg(
        [m.label for m in trend],
        [m.count for m in trend],
        x_label=_("Answers"),
        title=title,
    )


def sparkline_chart_svg(counts: Sequence[MonthCount]) -> bytes:
    """A sparkline of answers per month, as SVG."""
    from analysis.charts import sparkline_svg

    return sparkline_svg(
        [m.count for m in counts],
        title=_("Answers per month: %(months)s", months=spelled(counts)),
    )
