"""``/api/v1``: start a conversation, answer it question by question, read it back.

The same flow engine and storage as the web page serve these routes; they take and
give JSON only, and authenticate by the conversation token in the URL, so they need
no cookie and no CSRF token. Messages are in the conversation's language (the one
asked for when starting), else the client's Accept-Language.
"""

from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import gettext as _

from cat_survey.domain.flow import AnswerError
from cat_survey.domain.lifecycle import Availability, survey_availability
from cat_survey.domain.responses import (
    AnswerConflict,
    Conversation,
    InvitationClosed,
    SurveyNotPublished,
    active_survey_and_latest,
    find_invitation,
    load_conversation,
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
from cat_survey.extensions import UI_LOCALES
from cat_survey.ratelimits import client_address, count_conversation_step

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 with a clear message for anything else."""
    try:
        body = request.get_json(silent=True) if request.content_length else {}
    except RecursionError:
        # JSON nested deeper than Python's recursion limit (a few kB of "[").
        body = None
    if body is None or not isinstance(body, dict):
        abort(400, _("The request body must be a JSON object."))
    return body


def question_json(conversation: Conversation) -> dict[str, Any] | None:
    """The next question as JSON, or None when the conversation is complete."""
    question = conversation.position.next
    if question is None:
        return None
    locale = conversation.locale
    body: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "prompt": conversation.prompt(question),
        "required": question.required,
        "progress": round(conversation.position.progress, 4),
    }
    if question.is_scale:
        body |= {"min": question.min, "max": question.max}
        if question.min_label and question.max_label:
            body["labels"] = {
                "min": question.min_label.get(locale),
                "max": question.max_label.get(locale),
            }
    if question.options:
        body["options"] = [
            {"value": option.value, "label": option.label.get(locale)}
            for option in question.options
        ]
    if question.max_length:
        body["max_length"] = question.max_length
    return body


def conversation_or_404(token: str) -> Conversation:
    """The conversation behind a token, or a JSON 404."""
    conversation = load_conversation(token)
    if conversation is None:
        abort(404, _("No conversation with this token."))
    g.locale = conversation.locale
    return conversation


def refuse_outside_dates(slug: str, state: Availability) -> None:
    """Abort with 410 Gone once the survey has closed, 403 before it opens."""
    if state is Availability.CLOSED:
        abort(410, _("The survey '%(slug)s' has closed.", slug=slug))
    if state is Availability.NOT_YET_OPEN:
        abort(403, _("The survey '%(slug)s' is not open yet.", slug=slug))


@bp.post("/surveys/<slug>/conversations")
def start(slug: str):
    """Start a conversation, optionally from an invitation; 201 with the first step."""
    # The survey and the version new responses answer, in one query.
    found = active_survey_and_latest(slug)
    if found is None:
        abort(404, _("No active survey '%(slug)s'.", slug=slug))
    survey, latest = found
    refuse_outside_dates(slug, survey_availability(survey))
    body = json_body()
    locale = body.get("locale")
    if locale in UI_LOCALES:
        g.locale = locale
    invitation = None
    if "invitation" in body:
        invitation = find_invitation(str(body["invitation"]))
        if invitation is None or invitation.survey_id != survey.id:
            abort(404, _("No such invitation for this survey."))
    hidden = body.get("hidden") or {}
    if not isinstance(hidden, dict):
        abort(400, _("'hidden' must be an object of field names to values."))
    verified = False
    if PARAMETER in body:  # a signed link's fields replace any unsigned ones
        try:
            hidden = verify_link(
                current_app.config["SECRET_KEY"], slug, str(body[PARAMETER])
            )
        except SignedLinkError as refused:
            status, message = REFUSALS[refused.reason]
            abort(status, _(message))
        verified = True
    if invitation is None and latest is not None and latest.definition.one_response:
        # The API has no browser to recognise: such a survey starts by invitation.
        abort(403, _("This survey takes answers only through personal invitations."))
    count_conversation_step("start", slug)  # 429 with Retry-After over a limit
    origin = source_hash(client_address())
    try:
        conversation = start_conversation(
            survey,
            hidden=hidden,
            locale=locale if isinstance(locale, str) else None,
            channel="api",
            invitation=invitation,
            identity_verified=verified,
            source_hash=origin,
            latest=latest,
        )
    except InvitationClosed as closed:
        if closed.reason == "answered":  # as /i/<token> answers
            abort(409, _("You have already answered this survey"))
        if closed.reason == "expired":
            abort(410, _("This invitation has expired."))
        abort(410, _("This invitation is closed."))
    except SurveyNotPublished:
        abort(404, _("No active survey '%(slug)s'.", slug=slug))
    screen_source(conversation, origin)
    return jsonify(token=conversation.token, next=question_json(conversation)), 201


@bp.post("/conversations/<token>/answers")
def answer(token: str):
    """Answer one question; 422 with the reason and nothing changed if invalid."""
    conversation = conversation_or_404(token)
    if not conversation.completed:
        refuse_outside_dates(conversation.definition.slug, conversation.availability())
    body = json_body()
    question_id = body.get("question_id")
    count_conversation_step("answer", conversation.definition.slug)
    try:
        conversation = record_answer(conversation, question_id, body.get("value"))
    except AnswerError as error:
        shown_id = question_id if isinstance(question_id, str) else None
        message = _(error.template, **error.params)
        status = 409 if isinstance(error, AnswerConflict) else 422
        return jsonify(error={"question_id": shown_id, "message": message}), status
    screen_answer(conversation, question_id)
    if conversation.position.completed:
        return jsonify(next=None, completed=True)
    return jsonify(next=question_json(conversation))


@bp.get("/conversations/<token>")
def show(token: str):
    """The conversation so far: transcript, completion and the next question."""
    conversation = conversation_or_404(token)
    transcript = [
        {"question_id": entry.question.id, "prompt": entry.prompt, "value": entry.value}
        for entry in conversation.transcript()
    ]
    return jsonify(
        survey=conversation.definition.slug,
        completed=conversation.completed,
        transcript=transcript,
        next=question_json(conversation),
    )
