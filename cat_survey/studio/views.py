"""``/studio``: the survey list, the editor, its preview and publishing, the export."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from cat_survey.auth.access import roles_required
from cat_survey.catalog import latest_version
from cat_survey.db import db
from cat_survey.models import Role
from cat_survey.studio.editing import (
    Checked,
    check_source,
    is_new_slug,
    normalised_source,
    publish,
    survey_by_slug,
    survey_summaries,
    version_summaries,
)
from cat_survey.studio.forms import EditorForm

bp = Blueprint("studio", __name__, url_prefix="/studio")
LEADS = (Role.CX_LEAD, Role.ADMIN)
LOCALE_NAMES = {"en": "English", "ja": "日本語"}
#: The text a new survey starts from: the smallest survey that checks.
STARTER = """slug: new-survey
title:
  en: How are we doing?
  ja: 私たちの評価をお聞かせください
locales: [en, ja]
questions:
  - id: nps
    type: nps
    prompt:
      en: How likely are you to recommend us to a friend or colleague?
      ja: 友人や同僚に私たちをどの程度すすめたいと思いますか？
  - id: reason
    type: text
    required: false
    prompt:
      en: What is the main reason for your score?
      ja: そのスコアの一番の理由は何ですか？
"""


@bp.get("/")
@roles_required(*LEADS)
def index():
    """Every survey with its versions, responses and dates."""
    return render_template("studio/index.html", surveys=survey_summaries())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*LEADS)
def new():
    """The editor for a survey that does not exist yet."""
    form = EditorForm(data={"source": STARTER})
    return edit_page(form, slug=None)


@bp.route("/<slug>", methods=["GET", "POST"])
@roles_required(*LEADS)
def edit(slug: str):
    """The editor holding the survey's newest version."""
    survey = survey_by_slug(slug) or abort(404)
    version = latest_version(survey)
    form = EditorForm(data={"source": version.source if version else ""})
    return edit_page(form, slug=slug)


def edit_page(form: EditorForm, *, slug: str | None):
    """Show the editor; on POST check the text, then preview or publish it."""
    if request.method == "GET":
        return render_editor(form, slug)
    if not form.validate_on_submit():  # an expired CSRF token: the text stays
        return render_editor(form, slug, status=400)
    source = normalised_source(form.source.data)
    checked = check_source(source, file=f"{slug or 'new-survey'}.yaml", slug=slug)
    definition = checked.definition
    if definition is None:
        return render_editor(form, slug, checked=checked, status=422)
    action = request.form.get("action")
    if action == "publish":
        if slug is None and not is_new_slug(definition):
            taken = _(
                "A survey '%(slug)s' exists: edit it instead.", slug=definition.slug
            )
            return render_editor(form, None, checked=checked, notice=taken, status=409)
        result = publish(definition, source)
        db.session.commit()
        if result.created:
            flash(_("Published version %(number)d.", number=result.version), "success")
        else:
            flash(_("Nothing changed since version %(number)d.", number=result.version))
        return redirect(url_for("studio.edit", slug=result.slug))
    preview = definition if action == "preview" else None
    notice = _("No problems: %(count)d questions.", count=len(definition.questions))
    return render_editor(form, slug, checked=checked, preview=preview, notice=notice)


def render_editor(
    form: EditorForm,
    slug: str | None,
    *,
    checked: Checked | None = None,
    preview=None,
    notice: str | None = None,
    status: int = 200,
):
    """The editor page: text with line numbers, problems by line, preview."""
    survey = survey_by_slug(slug) if slug else None
    body = render_template(
        "studio/edit.html", form=form, slug=slug, survey=survey,
        versions=version_summaries(survey) if survey else [],
        checked=checked, preview=preview, notice=notice,
        lines=(form.source.data or "").replace("\r\n", "\n").split("\n"),
        locale_names=LOCALE_NAMES,
    )  # fmt: skip
    return body, status


@bp.get("/<slug>/export")
@roles_required(*LEADS)
def export(slug: str):
    """The newest version's YAML, as a file to keep in ``surveys/``."""
    survey = survey_by_slug(slug) or abort(404)
    version = latest_version(survey) or abort(404)
    return Response(
        version.source,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{slug}.yaml"'},
    )
