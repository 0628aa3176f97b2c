"""The dashboard pages: the HTML page, its SVG charts and its CSV downloads.

Filters live in the query string (bookmarkable); the page, each chart and each
download read them through the same form, so a URL that is wrong for one is wrong
for all, with the same message. Only CX leads and admins see any of it.

The clock is read here, once per request (:func:`request_now`), and handed down:
nothing below a view asks what time it is, so tests pin any instant.
"""

from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from cat_survey.auth.access import roles_required
from cat_survey.domain.campaigns import campaign_stats
from cat_survey.domain.suspects import NotSuspect, decide, suspect_responses
from cat_survey.domain.theme_workflow import status_label
from cat_survey.exports import csv_response
from cat_survey.models import Role
from cat_survey.reports.charts import cached_chart
from cat_survey.reports.forms import PERIOD_PLURALS, DashboardFilterForm
from cat_survey.reports.queries import NO_VALUE, Filters, span_words
from cat_survey.reports.review import DECISIONS, ReviewForm
from cat_survey.reports.series import (
    CHART_SERIES,
    SERIES_TITLES,
    breakdown_words,
    build_dashboard,
    period_words,
    series_table,
    utc_today,
)
from cat_survey.reports.theme_changes import theme_changes
from cat_survey.svg import svg_response

bp = Blueprint("reports", __name__)


def format_cell(value: object) -> str:
    """A table cell as the page shows it: a dash for no value, one decimal."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}" if value == round(value, 1) else f"{value:.2f}"
    return str(value)


bp.add_app_template_filter(format_cell, "cell")
bp.add_app_template_filter(span_words, "span")


def request_now() -> datetime:
    """The instant this request is served at: the one clock read of a request."""
    if "reports_now" not in g:
        g.reports_now = datetime.now(UTC)
    return g.reports_now


def filters_or_400() -> Filters:
    """The request's filters, or a 400 page that says what is wrong with them."""
    form = DashboardFilterForm.from_args(request.args, now=request_now())
    if not form.validate():
        abort(
            400,
            description=_(
                "These filters cannot be used. %(problems)s",
                problems=form.error_summary(),
            ),
        )
    return form.filters()


def filter_words(filters: Filters) -> dict[str, str]:
    """The period and breakdown of the filters as words of the page's language."""
    return {
        "period": period_words(filters),
        "periods": str(PERIOD_PLURALS[filters.period]),
        "breakdown": breakdown_words(filters),
    }


#: Campaigns the dashboard lists (the Campaigns page lists all).
DASHBOARD_CAMPAIGNS = 5


@bp.get("/dashboard")
@roles_required(Role.CX_LEAD, Role.ADMIN)
def dashboard():
    """NPS over time with its breakdown, the other scores and response counts."""
    form = DashboardFilterForm.from_args(request.args, now=request_now())
    if not form.validate():
        return render_template("reports/dashboard.html", form=form, page=None), 400
    page = build_dashboard(form.filters(), now=request_now())
    return render_template(
        "reports/dashboard.html",
        form=form,
        page=page,
        titles=SERIES_TITLES,
        words=filter_words(form.filters()),
        excluded=page.excluded,
        campaigns=campaign_stats(limit=DASHBOARD_CAMPAIGNS),
    )


@bp.get("/dashboard/themes")
@roles_required(Role.CX_LEAD, Role.ADMIN)
def themes():
    """Themes that grew most, are new, or came back in the latest period."""
    form = DashboardFilterForm.from_args(request.args, now=request_now())
    if not form.validate():
        return render_template("reports/themes.html", form=form, changes=None), 400
    filters = form.filters()
    group = request.args.get("group") or None
    changes = theme_changes(filters, today=utc_today(request_now()), group=group)
    return render_template(
        "reports/themes.html",
        form=form,
        filters=filters,
        changes=changes,
        no_value=NO_VALUE,
        words=filter_words(filters),
        status_label=status_label,
    )


@bp.get("/dashboard/chart/<series>.svg")
@roles_required(Role.CX_LEAD, Role.ADMIN)
def chart(series: str):
    """One chart as SVG, answered from the cache while the data is unchanged."""
    if series not in CHART_SERIES:
        abort(404, description=_("There is no chart '%(name)s'.", name=series))
    rendered = cached_chart(series, filters_or_400(), now=request_now())
    return svg_response(rendered.svg, etag=rendered.etag)


@bp.get("/dashboard/export/<series>.csv")
@roles_required(Role.CX_LEAD, Role.ADMIN)
def export(series: str):
    """One series' table as a CSV download."""
    if series not in SERIES_TITLES:
        abort(404, description=_("There is no series '%(name)s'.", name=series))
    filters = filters_or_400()
    table = series_table(series, filters, now=request_now())
    filename = f"{series}-{filters.period}-{filters.start}-{filters.end}.csv"
    return csv_response(table.header, table.rows, filename)


@bp.get("/dashboard/suspects")
@roles_required(Role.CX_LEAD, Role.ADMIN)
def suspects():
    """Responses left out of scores and themes as suspect, newest first."""
    listed, total = suspect_responses()
    return render_template(
        "reports/suspects.html", suspects=listed, total=total, form=ReviewForm()
    )


@bp.post("/dashboard/suspects/<int:response_id>")
@roles_required(Role.CX_LEAD, Role.ADMIN)
def review_suspect(response_id: int):
    """Release a suspect response (it counts again) or discard it; audited."""
    form = ReviewForm()
    if not form.validate():
        abort(400, description=_("Choose to release or to discard the response."))
    try:
        decide(response_id, DECISIONS[form.decision.data], current_user)
    except NotSuspect:
        # Usually another lead decided a moment ago: the list shows what is left.
        flash(_("Response %(id)d is not waiting for review.", id=response_id), "error")
    else:
        if form.decision.data == "release":
            done = _("Response %(id)d released.", id=response_id)
        else:
            done = _("Response %(id)d discarded.", id=response_id)
        flash(done, "success")
    return redirect(url_for("reports.suspects"))
