"""Conversations in the database: start a response, record an answer, read it back.

The web page and the JSON API both call these functions, so both follow the same
rules: every answer is committed the moment it is given; answering an earlier
question is "going back" (later answers that no longer apply are deleted, the rest
kept); submitting the same answer twice changes nothing; a response completes when
its last applicable question is answered.
"""

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from cat_survey.catalog import definition_of, latest_version
from cat_survey.db import db
from cat_survey.definitions import SLUG, Question, SurveyDefinition, pipe
from cat_survey.domain.flow import (
    AnswerError,
    AnswerValue,
    Position,
    applicable_questions,
    clean_answer,
    gettext_noop,
    position,
    stale_answers,
)
from cat_survey.models import (
    Answer,
    Invitation,
    ResponseStatus,
    Survey,
    SurveyResponse,
    SurveyVersion,
    utcnow,
)

HIDDEN_VALUE_LIMIT = 500
#: Hidden fields copied into their own, narrower columns of ``SurveyResponse``.
HIDDEN_COLUMN_LIMITS = {
    name: SurveyResponse.__table__.c[name].type.length
    for name in ("customer_ref", "segment")
}
#: What ``new_token`` (URL-safe base64) and imports produce; anything else is
#: looked up nowhere (PostgreSQL refuses a NUL byte in a query parameter).
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


class InvitationClosed(Exception):
    """An invitation that can no longer start a conversation; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TranscriptEntry:
    """One question asked and the answer given, as the customer saw them."""

    question: Question
    prompt: str
    value: AnswerValue
    shown: str


@dataclass(frozen=True)
class Conversation:
    """A response together with its definition, its answers and where it stands.

    The response's own facts (token, locale, hidden fields, completion) are copied
    when the conversation is read: committing an answer expires the row, and
    reading them from it again would cost one more query on every answer.
    """

    response: SurveyResponse
    definition: SurveyDefinition
    answers: dict[str, AnswerValue]
    position: Position
    token: str
    #: The locale texts are shown in.
    locale: str
    hidden: dict[str, Any]
    #: True once every applicable question is answered (the response is complete).
    completed: bool

    def values(self) -> dict[str, Any]:
        """Hidden fields and answers: what conditions and piping read."""
        return {**self.hidden, **self.answers}

    def prompt(self, question: Question) -> str:
        """A question's prompt in the customer's locale, earlier answers piped in."""
        return self.piped(question.prompt.get(self.locale))

    def piped(self, text: str) -> str:
        """Any text of the survey with answers and hidden fields filled in."""
        return pipe(text, self.values())

    def shown_value(self, question: Question, value: AnswerValue) -> str:
        """An answer as the customer would recognise it (option labels, not codes)."""
        if value is None:
            return ""
        if isinstance(value, list):
            return ", ".join(question.option_label(item, self.locale) for item in value)
        if question.options:
            return question.option_label(str(value), self.locale)
        return str(value)

    def transcript(self) -> list[TranscriptEntry]:
        """Answered questions in the order the conversation asks them."""
        path = applicable_questions(self.definition, self.answers, self.hidden)
        return [
            TranscriptEntry(
                question,
                self.prompt(question),
                self.answers[question.id],
                self.shown_value(question, self.answers[question.id]),
            )
            for question in path
            if question.id in self.answers
        ]


def new_token() -> str:
    """An unguessable token for a conversation or invitation link."""
    return secrets.token_urlsafe(24)


def clean_hidden(
    definition: SurveyDefinition, raw: Mapping[str, Any]
) -> dict[str, str]:
    """Keep only declared hidden fields, as short single-line text."""
    hidden = {}
    for name in definition.hidden:
        value = raw.get(name)
        if value is None or isinstance(value, dict | list):
            continue
        text = "".join(char for char in str(value) if char.isprintable()).strip()
        if text:
            limit = HIDDEN_COLUMN_LIMITS.get(name, HIDDEN_VALUE_LIMIT)
            hidden[name] = text[:limit].strip()
    return hidden


def active_survey(slug: str) -> Survey | None:
    """The active survey with this slug, or None (also for malformed slugs)."""
    if not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(db.select(Survey).filter_by(slug=slug, is_active=True))


def start_conversation(
    survey: Survey,
    *,
    hidden: Mapping[str, Any] | None = None,
    locale: str | None = None,
    channel: str = "web",
    invitation: Invitation | None = None,
) -> Conversation:
    """Create a response to the survey's latest version, commit it, and return it.

    With an invitation, its hidden fields are used and at most one response is ever
    created for it: a second start, even a simultaneous one, returns the first.
    Raises SurveyNotPublished if no version of the survey has been loaded.
    """
    if invitation is not None:
        if existing := invitation_response(invitation):
            return conversation_of(existing)
        check_invitation_open(invitation)
        hidden = {**invitation.hidden, "customer_ref": invitation.customer_ref}
    version = published_version(survey)
    definition = definition_of(version)
    hidden = clean_hidden(definition, hidden or {})
    response = SurveyResponse(
        survey=survey,
        version=version,
        # The column, not the relationship: setting ``invitation`` loads the
        # one-to-one backref, and if a simultaneous start has committed meanwhile,
        # the flush unlinks that response (invitation_id = NULL) instead of failing
        # on the UNIQUE constraint, so the invitation would be used twice.
        invitation_id=invitation.id if invitation is not None else None,
        token=new_token(),
        customer_ref=hidden.get("customer_ref"),
        segment=hidden.get("segment"),
        hidden=hidden,
        locale=locale if locale in definition.locales else definition.locale,
        channel=channel,
    )
    db.session.add(response)
    # Built before the commit expires the new row, so answering needs no reload.
    started = Conversation(
        response,
        definition,
        {},
        position(definition, {}, hidden),
        token=response.token,
        locale=response.locale,
        hidden=hidden,
        completed=False,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another request started this invitation at the same moment: use its response.
        db.session.rollback()
        if invitation is not None and (existing := invitation_response(invitation)):
            return conversation_of(existing)
        raise
    return started


class SurveyNotPublished(LookupError):
    """A survey row without any loaded version: there is nothing to answer yet."""


def published_version(survey: Survey) -> SurveyVersion:
    """The version new responses answer; SurveyNotPublished if none is loaded."""
    version = latest_version(survey)
    if version is None:
        raise SurveyNotPublished(f"survey '{survey.slug}' has no loaded version")
    return version


def invitation_response(invitation: Invitation) -> SurveyResponse | None:
    """The response an invitation already started, if any."""
    return db.session.scalar(
        db.select(SurveyResponse).filter_by(invitation_id=invitation.id)
    )


def check_invitation_open(invitation: Invitation, now: datetime | None = None) -> None:
    """Raise InvitationClosed if the invitation expired."""
    now = now or utcnow()
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise InvitationClosed("expired")


def find_invitation(token: str) -> Invitation | None:
    """The invitation with this token, or None (also for malformed tokens)."""
    if not token or not TOKEN.fullmatch(token):
        return None
    return db.session.scalar(db.select(Invitation).filter_by(token=token))


def load_conversation(token: str | None) -> Conversation | None:
    """The conversation behind a response token, or None if there is none."""
    if not token or not TOKEN.fullmatch(token):
        return None
    # One round trip on every answer: the row, its answers and its version's
    # checksum, which finds the parsed definition (the text is read only on a miss).
    query = (
        db.select(SurveyResponse)
        .filter_by(token=token)
        .options(
            joinedload(SurveyResponse.answers),
            joinedload(SurveyResponse.version).load_only(
                SurveyVersion.checksum, SurveyVersion.source_path
            ),
        )
    )
    response = db.session.scalars(query).unique().one_or_none()
    return conversation_of(response) if response else None


def conversation_of(response: SurveyResponse) -> Conversation:
    """Read a response's answers and work out where it stands."""
    definition = definition_of(response.version)
    answers = {answer.question_id: stored_value(answer) for answer in response.answers}
    hidden = dict(response.hidden)
    return Conversation(
        response,
        definition,
        answers,
        position(definition, answers, hidden),
        token=response.token,
        locale=response.locale,
        hidden=hidden,
        completed=response.status == ResponseStatus.COMPLETE,
    )


def stored_value(answer: Answer) -> AnswerValue:
    """An answer row's value as the flow engine sees it."""
    if answer.choice_values is not None:
        return list(answer.choice_values)
    if answer.number_value is not None:
        return int(answer.number_value)
    return answer.text_value


def record_answer(
    conversation: Conversation, question_id: object, raw: Any
) -> Conversation:
    """Check, store and commit one answer; return the conversation after it.

    Raises AnswerError (nothing stored) when the value is invalid, when the question
    does not apply to this customer, or when it is a later question than the next.
    """
    question = answerable_question(conversation, question_id)
    value = clean_answer(question, raw)
    if conversation.answers.get(question.id, ...) == value:
        return conversation  # a double click or a retried POST: nothing to do
    answers = {**conversation.answers, question.id: value}
    stale = stale_answers(conversation.definition, answers, conversation.hidden)
    for stale_id in stale:
        answers.pop(stale_id)
    now_at = position(conversation.definition, answers, conversation.hidden)

    response = conversation.response
    try:
        store_value(response, question, value)
        if stale:
            db.session.execute(
                db.delete(Answer).where(
                    Answer.response_id == response.id, Answer.question_id.in_(stale)
                )
            )
        response.contact_consent = answers.get("contact_consent") == "yes"
        if now_at.completed:
            response.status = ResponseStatus.COMPLETE
            response.completed_at = response.completed_at or utcnow()
            response.updated_at = utcnow()
        else:
            response.status = ResponseStatus.PARTIAL
            response.completed_at = None
        db.session.commit()
    except IntegrityError:
        # The same answer arrived twice at once; the first one won, keep it.
        db.session.rollback()
        return conversation_of(response)
    return replace(
        conversation, answers=answers, position=now_at, completed=now_at.completed
    )


def answerable_question(conversation: Conversation, question_id: Any) -> Question:
    """The question being answered, if the customer may answer it now."""
    question = (
        conversation.definition.question(question_id)
        if isinstance(question_id, str)
        else None
    )
    if question is None:
        raise AnswerError(gettext_noop("This survey has no such question."))
    path = applicable_questions(
        conversation.definition, conversation.answers, conversation.hidden
    )
    if question not in path:
        raise AnswerError(
            gettext_noop("This question does not apply to your earlier answers.")
        )
    if (
        question_id not in conversation.answers
        and question != conversation.position.next
    ):
        raise AnswerError(gettext_noop("Please answer the current question first."))
    return question


def store_value(
    response: SurveyResponse, question: Question, value: AnswerValue
) -> None:
    """Insert or update the answer row for one question."""
    # The conversation has just loaded the answers: no need to query them again.
    # A row inserted by another request since then fails the INSERT on UNIQUE,
    # which record_answer handles (the first answer wins).
    loaded = response.answers
    answer = next((row for row in loaded if row.question_id == question.id), None)
    if answer is None:
        answer = Answer(
            response_id=response.id,
            question_id=question.id,
            question_type=question.type,
            position=len(loaded),
        )
        db.session.add(answer)
    answer.number_value = value if isinstance(value, int) else None
    answer.text_value = value if isinstance(value, str) else None
    answer.choice_values = value if isinstance(value, list) else None
    answer.answered_at = utcnow()
