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
from typing import Any, cast

from sqlalchemy import String, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from cat_survey.catalog import definition_of, latest_version, parsed_definition
from cat_survey.db import affected_rows, db
from cat_survey.definitions import SLUG, Question, SurveyDefinition, pipe
from cat_survey.domain.flow import (
    AnswerError,
    AnswerValue,
    Position,
    clean_answer,
    gettext_noop,
    position,
)
from cat_survey.domain.lifecycle import Availability, availability
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
    name: cast(String, SurveyResponse.__table__.c[name].type).length
    for name in ("customer_ref", "segment")
}
#: What ``new_token`` (URL-safe base64) and imports produce; anything else is
#: looked up nowhere (PostgreSQL refuses a NUL byte in a query parameter).
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")

# The statements of the answer path, built once on the tables (Core, not the ORM):
# building, keying and running ORM statements cost more CPU per answer than the
# whole bare INSERT that ``bench/bench_load.py`` compares an answer with.
# Each model is mapped onto a Table; DeclarativeBase only promises a FromClause.
RESPONSES = cast(Table, SurveyResponse.__table__)
VERSIONS = cast(Table, SurveyVersion.__table__)
SURVEYS = cast(Table, Survey.__table__)
ANSWERS = cast(Table, Answer.__table__)
#: A response, its version's checksum and its answers (one row per answer).
CONVERSATION_ROWS = (
    select(
        RESPONSES.c.id,
        RESPONSES.c.token,
        RESPONSES.c.locale,
        RESPONSES.c.hidden,
        RESPONSES.c.status,
        RESPONSES.c.contact_consent,
        RESPONSES.c.completed_at,
        RESPONSES.c.survey_version_id,
        VERSIONS.c.checksum,
        SURVEYS.c.opens_at,
        SURVEYS.c.closes_at,
        ANSWERS.c.question_id,
        ANSWERS.c.number_value,
        ANSWERS.c.text_value,
        ANSWERS.c.choice_values,
    )
    .join(VERSIONS, VERSIONS.c.id == RESPONSES.c.survey_version_id)
    .join(SURVEYS, SURVEYS.c.id == RESPONSES.c.survey_id)
    .outerjoin(ANSWERS, ANSWERS.c.response_id == RESPONSES.c.id)
    .where(RESPONSES.c.token == bindparam("token"))
    .order_by(ANSWERS.c.position)
)
#: The newest version of a survey: what a new response answers.
LATEST_VERSION = (
    select(VERSIONS.c.id, VERSIONS.c.checksum)
    .where(VERSIONS.c.survey_id == bindparam("survey"))
    .order_by(VERSIONS.c.number.desc())
    .limit(1)
)
ACTIVE_SURVEY = select(Survey).where(
    Survey.slug == bindparam("slug"), Survey.is_active.is_(True)
)
_NEWER = VERSIONS.alias("newer")
#: An active survey with its newest version's id and checksum (None while no
#: version is loaded): what the API's start needs, in one round trip.
ACTIVE_SURVEY_AND_LATEST = (
    select(Survey, VERSIONS.c.id, VERSIONS.c.checksum)
    .outerjoin(
        VERSIONS,
        and_(
            VERSIONS.c.survey_id == Survey.id,
            VERSIONS.c.number
            == select(func.max(_NEWER.c.number))
            .where(_NEWER.c.survey_id == Survey.id)
            .scalar_subquery(),
        ),
    )
    .where(Survey.slug == bindparam("slug"), Survey.is_active.is_(True))
)
INSERT_RESPONSE = insert(RESPONSES).returning(RESPONSES.c.id)
INSERT_ANSWER = insert(ANSWERS)
UPDATE_ANSWER = update(ANSWERS).where(
    ANSWERS.c.response_id == bindparam("of_response"),
    ANSWERS.c.question_id == bindparam("of_question"),
)
UPDATE_RESPONSE = update(RESPONSES).where(RESPONSES.c.id == bindparam("of_response"))


class AnswerConflict(AnswerError):
    """An answer refused because of the response's state, not its value (a 409).

    A completed response is final, and an answer changed by another request while
    this one was saved must be looked at again rather than silently lost.
    """


#: Shown when an answer would change a completed response, on the page and the API.
RESPONSE_FINISHED = gettext_noop(
    "This survey is complete: your answers are saved and can no longer be changed."
)
#: Shown when another request changed the answers while this one was being saved.
ANSWERS_CHANGED = gettext_noop(
    "Your answers were changed at the same time in another window. "
    "Please check this question and send it again."
)


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
class ResponseRow:
    """The columns of a response that a conversation reads and writes, as read.

    A plain value rather than the ORM object: answering runs on every request, and
    reading and writing these few columns directly costs a fraction of the ORM's
    unit of work (``bench/profile_answer.py`` measures it).
    """

    id: int
    token: str
    locale: str
    hidden: dict[str, Any]
    status: str
    contact_consent: bool
    completed_at: datetime | None

    @classmethod
    def of(cls, response: SurveyResponse) -> "ResponseRow":
        """The row of a response the ORM has loaded."""
        return cls(
            response.id,
            response.token,
            response.locale,
            dict(response.hidden),
            response.status,
            response.contact_consent,
            response.completed_at,
        )


@dataclass(frozen=True)
class Conversation:
    """A response together with its definition, its answers and where it stands.

    ``opens_at`` and ``closes_at`` are the survey's dates, read with the response
    so that an answer needs no query of its own to know the survey still takes it.
    """

    response: ResponseRow
    definition: SurveyDefinition
    answers: dict[str, AnswerValue]
    position: Position
    opens_at: datetime | None
    closes_at: datetime | None

    def availability(self, now: datetime | None = None) -> Availability:
        """Whether the survey takes answers now (its open and close dates)."""
        return availability(self.opens_at, self.closes_at, now)

    @property
    def token(self) -> str:
        """The token of the conversation's link."""
        return self.response.token

    @property
    def locale(self) -> str:
        """The locale texts are shown in."""
        return self.response.locale

    @property
    def hidden(self) -> dict[str, Any]:
        """The hidden fields the conversation started with."""
        return self.response.hidden

    @property
    def completed(self) -> bool:
        """True once every applicable question is answered."""
        return self.response.status == ResponseStatus.COMPLETE

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
        return [
            TranscriptEntry(
                question,
                self.prompt(question),
                self.answers[question.id],
                self.shown_value(question, self.answers[question.id]),
            )
            for question in self.position.path
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
    return db.session.scalar(ACTIVE_SURVEY, {"slug": slug})


def active_survey_and_latest(
    slug: str,
) -> tuple[Survey, "LatestVersion | None"] | None:
    """The active survey with this slug and its latest version, or None.

    As :func:`active_survey` then :func:`latest_version_of` (None while no version
    is loaded), in one query.
    """
    if not SLUG.fullmatch(slug):
        return None
    row = db.session.execute(ACTIVE_SURVEY_AND_LATEST, {"slug": slug}).first()
    if row is None:
        return None
    survey, version_id, checksum = row
    if version_id is None:
        return survey, None
    definition = parsed_definition(checksum, lambda: version_source(version_id))
    return survey, LatestVersion(version_id, definition)


def start_conversation(
    survey: Survey,
    *,
    hidden: Mapping[str, Any] | None = None,
    locale: str | None = None,
    channel: str = "web",
    invitation: Invitation | None = None,
    identity_verified: bool = False,
    source_hash: str | None = None,
    latest: "LatestVersion | None" = None,
) -> Conversation:
    """Create a response to the survey's latest version, commit it, and return it.

    With an invitation, its hidden fields are used and at most one response is ever
    created for it: a second start, even a simultaneous one, returns the first.
    Hidden fields from anywhere else name nobody unless ``identity_verified`` (a
    signed link, cat_survey/domain/signed_links.py): the response is then stored as
    unverified, without a ``customer_ref``, though piping still reads its fields.
    Raises SurveyNotPublished if no version of the survey has been loaded; raises
    InvitationClosed("answered") for an invitation whose response is complete.
    ``source_hash`` is stored with a new response: where it came from
    (``domain.suspects.source_hash``), in the same INSERT. ``latest`` is the
    survey's :func:`latest_version_of` when the caller has looked it up already.
    """
    if invitation is not None:
        if existing := invitation_response(invitation):
            if existing.status == ResponseStatus.COMPLETE:
                raise InvitationClosed("answered")
            return conversation_of(existing)
        check_invitation_open(invitation)
        hidden = {**invitation.hidden, "customer_ref": invitation.customer_ref}
        identity_verified = True
    latest = latest or latest_version_of(survey)
    definition = latest.definition
    hidden = clean_hidden(definition, hidden or {})
    # Read before the commit, which expires the survey: reading them after it
    # would cost a SELECT of the whole row.
    opens_at, closes_at = survey.opens_at, survey.closes_at
    now = utcnow()
    row: dict[str, Any] = {
        "survey_id": survey.id,
        "survey_version_id": latest.version_id,
        # Unique: a simultaneous start of the same invitation fails here.
        "invitation_id": invitation.id if invitation is not None else None,
        "token": new_token(),
        "status": ResponseStatus.PARTIAL,
        "customer_ref": hidden.get("customer_ref") if identity_verified else None,
        "identity_verified": identity_verified,
        "segment": hidden.get("segment"),
        "hidden": hidden,
        "locale": locale if locale in definition.locales else definition.locale,
        "channel": channel,
        "contact_consent": False,
        "source_hash": source_hash,
        "started_at": now,
        "updated_at": now,
    }
    try:
        response_id = db.session.execute(INSERT_RESPONSE, row).scalar_one()
        db.session.commit()
    except IntegrityError:
        # Another request started this invitation at the same moment: use its response.
        db.session.rollback()
        if invitation is not None and (existing := invitation_response(invitation)):
            return conversation_of(existing)
        raise
    response = ResponseRow(
        response_id, row["token"], row["locale"], hidden, row["status"], False, None
    )
    return Conversation(
        response,
        definition,
        {},
        position(definition, {}, hidden),
        opens_at,
        closes_at,
    )


class SurveyNotPublished(LookupError):
    """A survey row without any loaded version: there is nothing to answer yet."""


def published_version(survey: Survey) -> SurveyVersion:
    """The version new responses answer; SurveyNotPublished if none is loaded."""
    version = latest_version(survey)
    if version is None:
        raise SurveyNotPublished(f"survey '{survey.slug}' has no loaded version")
    return version


@dataclass(frozen=True)
class LatestVersion:
    """The version new responses answer: its id and its parsed definition."""

    version_id: int
    definition: SurveyDefinition


def latest_version_of(survey: Survey) -> LatestVersion:
    """The version new responses answer, without reading the version's text.

    Only the latest version's id and checksum are queried; the parsed definition
    comes from the per-process cache. SurveyNotPublished if none is loaded.
    """
    version = db.session.execute(LATEST_VERSION, {"survey": survey.id}).first()
    if version is None:
        raise SurveyNotPublished(f"survey '{survey.slug}' has no loaded version")
    definition = parsed_definition(version.checksum, lambda: version_source(version.id))
    return LatestVersion(version.id, definition)


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
    # One round trip on every answer: the response, its version's checksum (which
    # finds the parsed definition) and its answers.
    rows = db.session.execute(CONVERSATION_ROWS, {"token": token}).all()
    if not rows:
        return None
    first = rows[0]
    definition = parsed_definition(
        first.checksum, lambda: version_source(first.survey_version_id)
    )
    response = ResponseRow(
        first.id,
        first.token,
        first.locale,
        dict(first.hidden),
        first.status,
        first.contact_consent,
        first.completed_at,
    )
    answers = {
        row.question_id: Answer.value_of(row)
        for row in rows
        if row.question_id is not None
    }
    return Conversation(
        response,
        definition,
        answers,
        position(definition, answers, response.hidden),
        first.opens_at,
        first.closes_at,
    )


def version_source(version_id: int) -> tuple[str, str]:
    """A stored version's text and the path it was loaded from."""
    row = db.session.execute(
        select(VERSIONS.c.source, VERSIONS.c.source_path).where(
            VERSIONS.c.id == version_id
        )
    ).one()
    return row.source, row.source_path


def conversation_of(response: SurveyResponse) -> Conversation:
    """The conversation of a response the ORM has loaded, and where it stands."""
    definition = definition_of(response.version)
    answers = {answer.question_id: answer.value for answer in response.answers}
    row = ResponseRow.of(response)
    survey = response.survey
    return Conversation(
        row,
        definition,
        answers,
        position(definition, answers, row.hidden),
        survey.opens_at,
        survey.closes_at,
    )


def record_answer(
    conversation: Conversation, question_id: object, raw: Any
) -> Conversation:
    """Check, store and commit one answer; return the conversation after it.

    Raises AnswerError (nothing stored) when the value is invalid, when the question
    does not apply to this customer, or when it is a later question than the next;
    AnswerConflict when the response is complete (answers are final then) or when
    another request changed the same answers meanwhile.
    """
    question = answerable_question(conversation, question_id)
    value = clean_answer(question, raw)
    if conversation.answers.get(question.id, ...) == value:
        return conversation  # a double click or a retried POST: nothing to do
    if conversation.completed:
        raise AnswerConflict(RESPONSE_FINISHED)
    answers = {**conversation.answers, question.id: value}
    # Answers off the new path (stale) influence neither the path nor the count.
    now_at = position(conversation.definition, answers, conversation.hidden)
    stale = set(answers) - {asked.id for asked in now_at.path}
    for stale_id in stale:
        answers.pop(stale_id)

    response = conversation.response
    now = utcnow()
    completed = now_at.completed
    # The row as this answer leaves it; written only when it changes, so that
    # ``updated_at`` (the dashboard's cache key) moves with what the dashboard counts.
    after = replace(
        response,
        status=ResponseStatus.COMPLETE if completed else ResponseStatus.PARTIAL,
        contact_consent=conversation.definition.grants_consent(answers),
        completed_at=(response.completed_at or now) if completed else None,
    )
    try:
        store_value(conversation, question, value, now=now)
        if stale:
            db.session.execute(
                db.delete(Answer).where(
                    Answer.response_id == response.id, Answer.question_id.in_(stale)
                )
            )
        if after != response or completed:
            db.session.execute(
                UPDATE_RESPONSE,
                {
                    "of_response": response.id,
                    "status": after.status,
                    "contact_consent": after.contact_consent,
                    "completed_at": after.completed_at,
                    "updated_at": now,
                },
            )
        db.session.commit()
    except IntegrityError:
        # The same answer arrived twice at once; the first one won, keep it.
        db.session.rollback()
        return load_conversation(response.token) or conversation
    except StaleDataError:
        # Rows this request read were changed or deleted by another one.
        db.session.rollback()
        raise AnswerConflict(ANSWERS_CHANGED) from None
    return replace(conversation, response=after, answers=answers, position=now_at)


def answerable_question(conversation: Conversation, question_id: Any) -> Question:
    """The question being answered, if the customer may answer it now."""
    question = (
        conversation.definition.question(question_id)
        if isinstance(question_id, str)
        else None
    )
    if question is None:
        raise AnswerError(gettext_noop("This survey has no such question."))
    if question not in conversation.position.path:
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
    conversation: Conversation, question: Question, value: AnswerValue, *, now: datetime
) -> None:
    """Insert or update the answer row for one question (not committed)."""
    # The conversation has just read the answers: no need to query them again.
    # A row inserted by another request since then fails the INSERT on UNIQUE,
    # which record_answer handles (the first answer wins).
    columns = Answer.columns_for(value) | {"answered_at": now}
    response_id = conversation.response.id
    if question.id in conversation.answers:
        where = {"of_response": response_id, "of_question": question.id}
        updated = db.session.execute(UPDATE_ANSWER, where | columns)
        if affected_rows(updated) != 1:
            # Another request deleted this answer (going back made it stale) or the
            # whole response since this one read it: saving nothing would lose it.
            raise StaleDataError(f"answer {question.id!r} of response {response_id}")
    else:
        row = {
            "response_id": response_id,
            "question_id": question.id,
            "question_type": question.type,
            "position": len(conversation.answers),
        }
        db.session.execute(INSERT_ANSWER, row | columns)
