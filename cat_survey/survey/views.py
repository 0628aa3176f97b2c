"""The customer's pages: survey links, the conversation, and its end.

Every step is a plain server-rendered form that works without JavaScript; with
JavaScript on, ``static/conversation.js`` posts the same form and swaps in the
returned fragment, so the flow is the same either way.
"""

from contextlib import suppress

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.definitions import SurveyDefinition, pipe
from cat_survey.domain.campaigns import preselected_score
from cat_survey.domain.flow import AnswerError
from cat_survey.domain.lifecycle import (
    Availability,
    survey_availability,
)
from cat_survey.domain.responses import (
    AnswerConflict,
    Conversation,
    InvitationClosed,
    SurveyNotPublished,
    active_survey,
    check_invitation_open,
    find_invitation,
    invitation_response,
    load_conversation,
    published_version,
    record_answer,
    start_conversation,
)
from cat_survey.domain.signed_links import (
    PARAMETER,
    REFUSALS,
    SignedLinkError,
    verify_link,
)
from cat_survey.domain.suspects import screen_answer, screen_source, source_hash
from cat_survey.extensions import chosen_locale, csrf, preferred_locale
from cat_survey.models import ResponseStatus, Survey
from cat_survey.ratelimits import (
    Action,
    ConversationRateLimited,
    client_address,
    count_conversation_step,
)
from cat_survey.survey.forms import StartForm, answer_form, submitted_value

bp = Blueprint("survey", __name__)
bp.add_app_template_filter(pipe, "pipe")

RESUME_COOKIE = "cat_survey_{slug}"
RESUME_DAYS = 90


@bp.get("/")
def index():
    """The list of surveys that take answers now (not closed, not yet to open)."""
    surveys = [
        survey
        for survey in db.session.scalars(
            db.select(Survey).filter_by(is_active=True).order_by(Survey.title)
        )
        if survey_availability(survey) == Availability.OPEN
    ]
    return render_template("survey/index.html", surveys=surveys)


# These views check the CSRF token themselves, so that an expired token re-renders
# the step with what the customer typed instead of an error page.
@bp.route("/s/<slug>", methods=["GET", "POST"])
@csrf.exempt
def public_link(slug: str):
    """The survey's intro; the same browser resumes where it stopped."""
    survey = active_survey(slug) or abort(404)
    if closed := closed_page(survey):
        return closed
    token = request.cookies.get(RESUME_COOKIE.format(slug=slug))
    if (conversation := load_conversation(token)) and not conversation.completed:
        return redirect(url_for("survey.conversation", token=token))
    definition = published_definition(survey)
    g.locale = browser_locale(definition.locales) or definition.locale
    if refused := one_response_refusal(definition, conversation):
        return refused
    form = StartForm()
    if form.validate_on_submit():
        if limited := rate_limited("start", slug):
            posted, _verified = link_hidden_fields(definition, request.form)
            return render_intro(definition, form, posted, limited=limited)
        hidden, verified = link_hidden_fields(definition, request.form)
        origin = source_hash(client_address())
        started = start_conversation(
            survey,
            hidden=hidden,
            locale=browser_locale(),
            identity_verified=verified,
            source_hash=origin,
        )
        screen_source(started, origin)
        return resume_cookie(
            redirect(url_for("survey.conversation", token=started.token)),
            slug,
            started.token,
        )
    source = request.form if request.method == "POST" else request.args
    hidden, _verified = link_hidden_fields(definition, source)
    return render_intro(definition, form, hidden)


def link_hidden_fields(definition: SurveyDefinition, source) -> tuple[dict, bool]:
    """A public link's hidden fields, and whether a signature vouches for them.

    A ``signed`` parameter brings the fields it signs and no others (it rides
    along in the intro's form, so Start keeps it); without one, the fields of the
    query are kept as unverified. A broken or expired signature is refused.
    """
    token = source.get(PARAMETER)
    if not token:
        fields = {name: source[name] for name in definition.hidden if name in source}
        return fields, False
    try:
        fields = verify_link(current_app.config["SECRET_KEY"], definition.slug, token)
    except SignedLinkError as refused:
        status, message = REFUSALS[refused.reason]
        abort(status, _(message))
    return {**fields, PARAMETER: token}, True


@bp.route("/i/<token>", methods=["GET", "POST"])
@csrf.exempt
def invitation_link(token: str):
    """A personal invitation: intro, resume, or why it cannot be answered."""
    invitation = find_invitation(token) or abort(404)
    if response := invitation_response(invitation):
        if response.status == ResponseStatus.COMPLETE:
            return render_template("survey/closed.html", reason="answered"), 409
        return redirect(url_for("survey.conversation", token=response.token))
    try:
        check_invitation_open(invitation)
    except InvitationClosed as closed:
        return render_template("survey/closed.html", reason=closed.reason), 410
    if outside_dates := closed_page(invitation.survey):
        return outside_dates
    definition = published_definition(invitation.survey)
    g.locale = (
        link_locale(definition.locales)
        or browser_locale(definition.locales)
        or definition.locale
    )
    form = StartForm()
    # A campaign e-mail's score link: the score is chosen, not yet recorded.
    score = preselected_score(definition, invitation.hidden, request.args.get("score"))
    # Only a POST uses the invitation: mail scanners that open links change nothing.
    if form.validate_on_submit():
        if limited := rate_limited("start", invitation.survey.slug):
            hidden = {**invitation.hidden, "customer_ref": invitation.customer_ref}
            return render_intro(definition, form, hidden, invited=True, limited=limited)
        source = source_hash(client_address())
        started = start_conversation(
            invitation.survey,
            invitation=invitation,
            locale=g.locale,
            source_hash=source,
        )
        screen_source(started, source)
        if score is not None:
            confirm_score(started, score[0].id, request.form.get("value"))
        return redirect(url_for("survey.conversation", token=started.token))
    hidden = {**invitation.hidden, "customer_ref": invitation.customer_ref}
    if score is not None:
        return render_score(definition, form, hidden, *score)
    return render_intro(definition, form, hidden, invited=True)


def link_locale(locales: tuple[str, ...]) -> str | None:
    """The language a campaign link names (``?lang=ja``), unless the person chose."""
    wanted = request.args.get("lang")
    return chosen_locale(locales) or (wanted if wanted in locales else None)


def confirm_score(conversation: Conversation, question_id: str, raw: str | None):
    """Record the score confirmed on a score link's page; a bad one is asked again."""
    # A refused score is simply asked again by the conversation's first step.
    with suppress(AnswerError):
        record_answer(conversation, question_id, raw)


def render_score(definition, form: StartForm, hidden: dict, question, score: int):
    """A score link's page: the question with the score chosen, and one button."""
    answer = answer_form(question, g.locale, value=str(score), formdata=None)
    body = render_template(
        "survey/score.html", definition=definition, form=form, answer=answer,
        question=question, hidden=hidden, locale=g.locale,
    )  # fmt: skip
    return make_response(body, 400 if form.errors else 200)


def closed_page(survey: Survey, locale: str | None = None):
    """The polite page of a survey outside its dates, or None while it is open.

    Closed answers 410 Gone; not yet open answers 403. Both in the customer's
    language: the conversation's, else their choice or browser's among the survey's.
    """
    state = survey_availability(survey)
    if state is Availability.OPEN:
        return None
    definition = published_definition(survey)
    g.locale = locale or browser_locale(definition.locales) or definition.locale
    page = render_template(
        "survey/closed.html", reason=state.value, survey=survey,
        title=definition.title.get(g.locale),
    )  # fmt: skip
    return page, 410 if state is Availability.CLOSED else 403


def closed_page_of(conversation: Conversation):
    """The closed page of an unfinished conversation's survey, or None while open."""
    if conversation.availability() is Availability.OPEN:
        return None
    slug = conversation.definition.slug
    survey = db.session.scalars(db.select(Survey).filter_by(slug=slug)).one()
    return closed_page(survey, conversation.locale)


def one_response_refusal(definition: SurveyDefinition, finished: Conversation | None):
    """The page refusing a public start under the survey's ``one_response`` rule.

    "invitation": public links start nothing (403). "browser": a browser whose
    resume cookie names a completed response has answered already (409).
    """
    if definition.one_response == "invitation":
        return render_template("survey/closed.html", reason="invitation_only"), 403
    if definition.one_response == "browser" and finished is not None:
        return render_template("survey/closed.html", reason="answered"), 409
    return None


def published_definition(survey: Survey) -> SurveyDefinition:
    """The definition a new response answers; 404 while no version is loaded."""
    try:
        return definition_of(published_version(survey))
    except SurveyNotPublished:
        abort(404)


def render_intro(
    definition,
    form: StartForm,
    hidden: dict,
    *,
    invited: bool = False,
    limited: ConversationRateLimited | None = None,
):
    """The intro screen; a refused start says why: an expired token (400), or
    too many starts (429, with the wait in the message and in Retry-After)."""
    status = 429 if limited else 400 if form.errors else 200
    body = render_template(
        "survey/intro.html", definition=definition, form=form, hidden=hidden,
        locale=g.locale, invited=invited,
        error=limited.description if limited else None,
    )  # fmt: skip
    return retry_after(make_response(body, status), limited)


def rate_limited(action: Action, survey_slug: str) -> ConversationRateLimited | None:
    """Count this step against the rate limits; the refusal if it is over one."""
    try:
        count_conversation_step(action, survey_slug)
    except ConversationRateLimited as limited:
        return limited
    return None


def retry_after(response, limited: ConversationRateLimited | None):
    """Tell a rate-limited client when to come back (the ``Retry-After`` header)."""
    if limited is not None:
        response.headers["Retry-After"] = str(limited.retry_after)
    return response


@bp.route("/c/<token>", methods=["GET", "POST"])
@csrf.exempt
def conversation(token: str):
    """The conversation: the transcript so far and the question to answer now."""
    conversation = load_conversation(token) or abort(404)
    g.locale = conversation.locale
    if not conversation.completed and (closed := closed_page_of(conversation)):
        return closed
    question_id = request.values.get("question_id") or request.args.get("edit")
    question = conversation.definition.question(question_id or "")
    if question is None or question_id not in conversation.answers:
        question = conversation.position.next
    if request.method == "GET" or question is None:
        return render_step(conversation, question)
    form = answer_form(question, conversation.locale)
    if not form.validate():
        # Usually an expired CSRF token: keep what they typed and ask them to resend.
        message = _(
            "This page was open for a long time. Your answer is still here: "
            "please send it again."
        )
        return render_step(conversation, question, form, message, status=400)
    if limited := rate_limited("answer", conversation.definition.slug):
        # The form keeps what they typed: nothing is lost by waiting.
        page = render_step(conversation, question, form, limited.description, 429)
        return retry_after(page, limited)
    try:
        raw = None if request.form.get("skip") else submitted_value(form, question)
        conversation = record_answer(conversation, question.id, raw)
    except AnswerConflict as conflict:  # complete, or changed meanwhile: a 409
        message = _(conflict.template, **conflict.params)
        return render_step(conversation, question, form, message, status=409)
    except AnswerError as error:
        message = _(error.template, **error.params)
        return render_step(conversation, question, form, message, status=422)
    screen_answer(conversation, question.id)
    if wants_fragment():
        return render_step(conversation, conversation.position.next)
    return redirect(url_for("survey.conversation", token=token))


def render_step(
    conversation: Conversation,
    question,
    form=None,
    error: str | None = None,
    status: int = 200,
):
    """Render the conversation page (or just its fragment for the script)."""
    if question is not None and form is None:
        value = conversation.answers.get(question.id)
        form = answer_form(
            question, conversation.locale, value=stored_for_form(value), formdata=None
        )
    template = (
        "survey/_conversation.html" if wants_fragment() else "survey/conversation.html"
    )
    editing = question is not None and question.id in conversation.answers
    body = render_template(
        template, conversation=conversation, question=question, form=form,
        error=error, editing=editing,
    )  # fmt: skip
    return make_response(body, status)


def stored_for_form(value):
    """An answer as a form field expects it (strings; a list for checkboxes)."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return str(value)


def wants_fragment() -> bool:
    """True when the conversation script asks for the fragment, not a full page."""
    return request.headers.get("X-Conversation-Fragment") == "1"


def browser_locale(locales: tuple[str, ...] = ("en", "ja")) -> str | None:
    """The customer's language among the survey's: their switch, else the browser."""
    return preferred_locale(locales)


def resume_cookie(response, slug: str, token: str):
    """Remember this browser's conversation, so closing the tab loses nothing."""
    response.set_cookie(
        RESUME_COOKIE.format(slug=slug),
        token,
        max_age=RESUME_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )
    return response
