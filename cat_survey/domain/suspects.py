"""Suspect responses: screen new ones for stuffing, and record a CX lead's review.

Rate limits slow one client down; screening catches what gets through. Each new
response notes where it came from as a keyed hash of the client's address (the
address itself is never stored), and

* a **burst** -- more than ``INTEGRITY_BURST_RESPONSES`` public responses to a
  survey from one source within ``INTEGRITY_BURST_MINUTES`` -- makes all of them
  suspect;
* a **duplicate** -- a free-text answer near-identical to those of at least
  ``INTEGRITY_DUPLICATE_GROUP`` - 1 other recent responses of the survey --
  makes the whole group suspect.

Suspect (and discarded) responses count in no score and join no theme. A CX lead
releases a suspect response (it counts again and is never screened again) or
discards it; each decision is an ``AdminEvent``. The matching itself is pure and
lives in :mod:`analysis.integrity`.
"""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Table, bindparam, func, select, update

from analysis.integrity import burst, near_duplicates
from cat_survey.db import affected_rows, db
from cat_survey.domain.responses import Conversation
from cat_survey.models import (
    AdminEvent,
    Answer,
    ResponseIntegrity,
    Survey,
    SurveyResponse,
    User,
    utcnow,
)

RESPONSES: Table = SurveyResponse.__table__  # type: ignore[assignment]
ANSWERS: Table = Answer.__table__  # type: ignore[assignment]
#: Responses that scores and themes count.
COUNTED = (ResponseIntegrity.GENUINE.value, ResponseIntegrity.RELEASED.value)
#: How many recent texts a new answer is compared with, at most.
DUPLICATE_CANDIDATES = 1000
REASON_LIMIT = 200

MARK_SUSPECT = (
    update(RESPONSES)
    .where(
        RESPONSES.c.id.in_(bindparam("ids", expanding=True)),
        RESPONSES.c.integrity == ResponseIntegrity.GENUINE.value,
    )
    .values(
        integrity=ResponseIntegrity.SUSPECT.value,
        suspect_reason=bindparam("reason"),
        # The dashboard's cache key: its figures change with this response's state.
        updated_at=bindparam("now"),
    )
)


def screening_enabled() -> bool:
    """Whether new responses are screened (tests that do not test it turn it off)."""
    return bool(current_app.config.get("INTEGRITY_SCREENING_ENABLED", True))


def source_hash(address: str) -> str:
    """A keyed hash of a client address: equal for one address, useless to reverse.

    Keyed with the app's secret key, so that a copy of the database alone cannot
    be matched against the (small) space of IPv4 addresses.
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"source:" + address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def screen_source(conversation: Conversation, source: str) -> None:
    """Screen a new response's source (its ``source_hash``) for a burst; commit.

    ``start_conversation`` stored the hash with the response; screening adds no
    query while it is off.
    """
    if screening_enabled():
        screen_burst(conversation.response.id, source)
        db.session.commit()


def screen_burst(response_id: int, source: str, now: datetime | None = None) -> None:
    """Mark a source's recent public responses to the survey suspect if too many."""
    config = current_app.config
    now = now or utcnow()
    window = timedelta(minutes=config["INTEGRITY_BURST_MINUTES"])
    survey_id = select(RESPONSES.c.survey_id).where(RESPONSES.c.id == response_id)
    rows = db.session.execute(
        select(RESPONSES.c.id, RESPONSES.c.started_at).where(
            RESPONSES.c.survey_id == survey_id.scalar_subquery(),
            RESPONSES.c.source_hash == source,
            RESPONSES.c.started_at >= now - window,
            # An invitation is personal and single-use: a team behind one office
            # address answering theirs is no burst.
            RESPONSES.c.invitation_id.is_(None),
        )
    ).all()
    limit = config["INTEGRITY_BURST_RESPONSES"]
    members = burst(
        [(row.id, row.started_at) for row in rows], now=now, window=window, limit=limit
    )
    if members:
        reason = (
            f"burst: {len(members)} responses from one address "
            f"within {window.seconds // 60} minutes"
        )
        mark_suspect(members, reason)


def screen_answer(conversation: Conversation, question_id: object) -> None:
    """After a free-text answer is stored, mark its near-duplicate group suspect."""
    question = (
        conversation.definition.question(question_id)
        if isinstance(question_id, str)
        else None
    )
    text = conversation.answers.get(question.id) if question is not None else None
    if question is None or question.type != "text" or not isinstance(text, str):
        return
    if not screening_enabled():
        return
    screen_text(conversation.response.id, text)
    db.session.commit()


def screen_text(response_id: int, text: str, now: datetime | None = None) -> None:
    """Mark the response suspect with the others whose texts match ``text``."""
    config = current_app.config
    since = (now or utcnow()) - timedelta(hours=config["INTEGRITY_DUPLICATE_HOURS"])
    survey_id = select(RESPONSES.c.survey_id).where(RESPONSES.c.id == response_id)
    recent = db.session.execute(
        select(ANSWERS.c.response_id, ANSWERS.c.text_value)
        .join(RESPONSES, RESPONSES.c.id == ANSWERS.c.response_id)
        .where(
            RESPONSES.c.survey_id == survey_id.scalar_subquery(),
            RESPONSES.c.id != response_id,
            ANSWERS.c.question_type == "text",
            ANSWERS.c.text_value.is_not(None),
            ANSWERS.c.answered_at >= since,
        )
        .order_by(ANSWERS.c.id.desc())
        .limit(DUPLICATE_CANDIDATES)
    ).all()
    matches = set(
        near_duplicates(
            text,
            ((row.response_id, row.text_value) for row in recent),
            threshold=config["INTEGRITY_DUPLICATE_SIMILARITY"],
            min_chars=config["INTEGRITY_DUPLICATE_MIN_CHARS"],
        )
    )
    group = matches | {response_id}
    if len(group) >= config["INTEGRITY_DUPLICATE_GROUP"]:
        reason = f"duplicate: the same text as {len(matches)} other recent responses"
        mark_suspect(group, reason)


def mark_suspect(response_ids: Iterable[int], reason: str) -> None:
    """Make genuine responses suspect (released and discarded ones keep their state)."""
    ids = sorted(response_ids)
    if ids:
        reason = reason[:REASON_LIMIT]
        db.session.execute(
            MARK_SUSPECT, {"ids": ids, "reason": reason, "now": utcnow()}
        )


# ---------------------------------------------------------------- review


@dataclass(frozen=True)
class SuspectResponse:
    """A suspect response as the review page lists it."""

    id: int
    survey_title: str
    started_at: datetime
    status: str
    reason: str
    texts: tuple[str, ...]
    nps: int | None


def suspect_responses(limit: int = 200) -> tuple[list[SuspectResponse], int]:
    """The newest suspect responses (at most ``limit``) and how many there are."""
    total = db.session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.integrity == ResponseIntegrity.SUSPECT.value)
    )
    responses = db.session.execute(
        select(SurveyResponse, Survey.title)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.integrity == ResponseIntegrity.SUSPECT.value)
        .order_by(SurveyResponse.started_at.desc(), SurveyResponse.id.desc())
        .limit(limit)
    ).all()
    ids = [response.id for response, _ in responses]
    answers: dict[int, list[Answer]] = {}
    if ids:
        for answer in db.session.scalars(
            select(Answer)
            .where(
                Answer.response_id.in_(ids),
                Answer.question_type.in_(("text", "nps")),
            )
            .order_by(Answer.position)
        ):
            answers.setdefault(answer.response_id, []).append(answer)
    listed = []
    for response, title in responses:
        own = answers.get(response.id, [])
        nps = next(
            (int(a.number_value) for a in own if a.question_type == "nps"
             and a.number_value is not None),
            None,
        )  # fmt: skip
        texts = tuple(
            a.text_value for a in own if a.question_type == "text" and a.text_value
        )
        listed.append(
            SuspectResponse(
                response.id,
                title,
                response.started_at,
                response.status,
                response.suspect_reason or "",
                texts,
                nps,
            )
        )
    return listed, int(total or 0)


class NotSuspect(LookupError):
    """The response is not (or no longer) waiting for review."""


def decide(response_id: int, decision: ResponseIntegrity, actor: User) -> None:
    """Release or discard one suspect response, audited as an ``AdminEvent``.

    Raises NotSuspect when the response does not exist or was already decided
    (for instance by another lead at the same moment): the update only applies
    while the response is still suspect.
    """
    if decision not in (ResponseIntegrity.RELEASED, ResponseIntegrity.DISCARDED):
        raise ValueError(f"a review releases or discards, not {decision!r}")
    reason = db.session.scalar(
        select(SurveyResponse.suspect_reason).where(SurveyResponse.id == response_id)
    )
    changed = affected_rows(
        db.session.execute(
            update(RESPONSES)
            .where(
                RESPONSES.c.id == response_id,
                RESPONSES.c.integrity == ResponseIntegrity.SUSPECT.value,
            )
            .values(integrity=decision.value, updated_at=utcnow())
        )
    )
    if not changed:
        db.session.rollback()
        raise NotSuspect(response_id)
    db.session.add(
        AdminEvent(
            actor_id=actor.id,
            response_id=response_id,
            kind=f"response_{decision.value}",
            field="integrity",
            from_value=f"suspect ({reason})" if reason else "suspect",
            to_value=decision.value,
        )
    )
    db.session.commit()
