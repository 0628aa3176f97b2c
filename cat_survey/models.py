"""Typed SQLAlchemy models: the catalog, staff, surveys, answers, themes and the outbox.

Data flows one way through these tables: a ``SurveyVersion`` is answered as a
``SurveyResponse`` made of ``Answer`` rows (one per question, saved at every step);
an ``AnalysisRun`` groups free-text answers into ``Theme`` rows (through
``ThemeAnswer``), each routed to a ``Department`` and owned by an advocate (``User``);
every change to a theme is a ``ThemeEvent``; every message to a person waits in the
``Notification`` outbox until it is sent.

Answers keep their question's type and a numeric value beside the text so that
scores are SQL aggregates over one indexed table, never Python loops over rows.
"""

import enum
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from cat_survey.db import Model, UTCDateTime
from cat_survey.tally_days import install_triggers


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Role(enum.StrEnum):
    """What a staff member may do; an advocate works for one department."""

    ADMIN = "admin"
    CX_LEAD = "cx_lead"
    ADVOCATE = "advocate"


class ResponseStatus(enum.StrEnum):
    """A response is partial until its last applicable question is answered."""

    PARTIAL = "partial"
    COMPLETE = "complete"


class ResponseIntegrity(enum.StrEnum):
    """Whether scores and themes count a response (cat_survey.domain.suspects).

    A response looks genuine until duplicate or burst screening makes it suspect;
    a CX lead then releases it (counted again) or discards it (never counted).
    """

    GENUINE = "genuine"
    SUSPECT = "suspect"
    RELEASED = "released"
    DISCARDED = "discarded"


class ThemeStatus(enum.StrEnum):
    """Where an advocate is with a theme (seed 000: every issue moves to an end)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    WONT_FIX = "wont_fix"
    # Set only by ``flask analyze``: the theme's answers now form other themes
    # (named by a ``superseded`` event), or it has no answers left.
    SUPERSEDED = "superseded"
    ARCHIVED = "archived"


class ThemeEventKind(enum.StrEnum):
    """What a line of a theme's audit trail records (``ThemeEvent.kind``)."""

    CREATED = "created"  # found by ``flask analyze``
    ROUTED = "routed"  # the router chose its department
    TRIAGE = "triage"  # the router was unsure: a lead must choose
    REASSIGNED = "reassigned"  # a person moved it to another department
    ASSIGNED = "assigned"  # a person handed it to an owner
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"  # a resolved theme grew again
    FOLLOWED_UP = "followed_up"  # an advocate contacted a respondent
    LOOP_CLOSED = "loop_closed"  # respondents were told what changed
    RELABELLED = "relabelled"
    SUPERSEDED = "superseded"  # its answers now form other themes
    ARCHIVED = "archived"  # it has no answers left


class NotificationStatus(enum.StrEnum):
    """An outbox row is pending until sent; failures are retried, never dropped."""

    PENDING = "pending"
    SENT = "sent"


def enum_check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK constraint that keeps a string column within an enum's values."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")


Timestamp = UTCDateTime()


class Department(Model):
    """A customer-facing department of the CAT; its catalog entry trains routing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    advocates: Mapped[list["User"]] = relationship(back_populates="department")
    themes: WriteOnlyMapped["Theme"] = relationship(back_populates="department")


class User(UserMixin, Model):
    """A staff member who signs in: admin, CX lead or a department's advocate."""

    __table_args__ = (
        enum_check("role", Role),
        CheckConstraint(
            "role != 'advocate' OR department_id IS NOT NULL",
            name="advocate_has_department",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout and password change so old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # The interface language this person chose ("en", "ja"); None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(10))

    department: Mapped[Department | None] = relationship(back_populates="advocates")

    def get_id(self) -> str:
        """Session id: the user id and session version, so logout ends old cookies."""
        return f"{self.id}:{self.session_version}"


class LoginFailure(Model):
    """A failed sign-in, counted in the database so every worker sees the lockout."""

    __table_args__ = (
        Index("ix_login_failure_lookup", "email", "ip", "at"),
        # The per-address throttle counts an address's failures for any e-mail.
        Index("ix_login_failure_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class PrivacyEvent(Model):
    """An audit record of a privacy action, holding counts and never personal data."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Survey(Model):
    """A survey known by its slug; its content lives in numbered versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # Copied from the latest version's ``opens``/``closes``; None means no limit.
    opens_at: Mapped[datetime | None] = mapped_column(Timestamp)
    closes_at: Mapped[datetime | None] = mapped_column(Timestamp)

    versions: Mapped[list["SurveyVersion"]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number"
    )
    responses: WriteOnlyMapped["SurveyResponse"] = relationship(back_populates="survey")


class SurveyVersion(Model):
    """One immutable definition of a survey; responses keep the one they answered."""

    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    number: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="versions")


class Invitation(Model):
    """A single-use personal link carrying the customer's hidden fields."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    hidden: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)

    survey: Mapped[Survey] = relationship()
    response: Mapped["SurveyResponse | None"] = relationship(
        back_populates="invitation"
    )


class SurveyResponse(Model):
    """One customer's pass through a survey version, partial until complete."""

    __table_args__ = (
        enum_check("status", ResponseStatus),
        # The dashboard groups complete responses by period, survey and segment;
        # over a narrow range it reads them from this index alone.
        Index(
            "ix_survey_response_scores",
            "status",
            "completed_at",
            "survey_id",
            "integrity",
            "segment",
        ),
        # Responses started in a period, read from this index alone.
        Index(
            "ix_survey_response_started",
            "started_at",
            "status",
            "integrity",
            "survey_id",
            "segment",
        ),
        # The newest change is the dashboard's cache key: one index lookup.
        Index("ix_survey_response_updated_at", "updated_at"),
        enum_check("integrity", ResponseIntegrity),
        # Burst screening counts a survey's recent responses from one source.
        Index("ix_survey_response_source", "survey_id", "source_hash", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_version.id", ondelete="RESTRICT"), index=True
    )
    # Unique: an invitation is answered at most once, whatever the race.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=ResponseStatus.PARTIAL)
    customer_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    segment: Mapped[str | None] = mapped_column(String(100), index=True)
    hidden: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    channel: Mapped[str] = mapped_column(String(20), default="web")
    contact_consent: Mapped[bool] = mapped_column(default=False)
    # False when the hidden fields came from a link anyone can type (an unsigned
    # public link or API call): the response then names nobody, whatever its hidden
    # fields claim, and ``customer_ref`` stays empty. Invitations, signed links
    # (cat_survey/domain/signed_links.py) and staff imports are verified.
    identity_verified: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow
    )
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # A keyed hash of the client's address (never the address itself), so that
    # many responses from one source can be told apart from many customers.
    source_hash: Mapped[str | None] = mapped_column(String(32))
    integrity: Mapped[str] = mapped_column(
        String(20), default=ResponseIntegrity.GENUINE, server_default="genuine"
    )
    suspect_reason: Mapped[str | None] = mapped_column(String(200))

    survey: Mapped[Survey] = relationship(back_populates="responses")
    version: Mapped[SurveyVersion] = relationship()
    invitation: Mapped[Invitation | None] = relationship(back_populates="response")
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Answer.position",
    )


#: An answer's value: a scale score, a text or single choice, or several choices.
StoredValue = int | str | list[str] | None


class Answer(Model):
    """One answer to one question of one response, stored the moment it is given.

    ``number_value`` holds scale answers (NPS, CSAT, CES, SUS items, ratings) so
    that SQL can aggregate them; ``text_value`` holds free text and single choices;
    ``choice_values`` the options of a multiple choice.
    """

    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        # Covers the dashboard's aggregates: a type's answers in response order,
        # with their value, read without touching the table.
        Index("ix_answer_scores", "question_type", "response_id", "number_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(String(100))
    question_type: Mapped[str] = mapped_column(String(20))
    # Order of answering, so a transcript replays as the customer saw it.
    position: Mapped[int] = mapped_column(default=0)
    number_value: Mapped[float | None] = mapped_column(Float)
    text_value: Mapped[str | None] = mapped_column(Text)
    # SQL NULL, not JSON null, when the answer is not a multiple choice.
    choice_values: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    answered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    theme_link: Mapped["ThemeAnswer | None"] = relationship(
        back_populates="answer", passive_deletes=True
    )

    @property
    def value(self) -> StoredValue:
        """The answer as the customer gave it: a whole number, a text or choices."""
        return Answer.value_of(self)

    @value.setter
    def value(self, value: StoredValue) -> None:
        for column, stored in Answer.columns_for(value).items():
            setattr(self, column, stored)

    @staticmethod
    def value_of(row: Any) -> StoredValue:
        """The value held by an answer, or by any row selecting its value columns."""
        if row.choice_values is not None:
            return list(row.choice_values)
        if row.number_value is not None:
            return int(row.number_value)
        return row.text_value

    @staticmethod
    def columns_for(value: StoredValue) -> dict[str, Any]:
        """The value columns that store ``value`` (the other two are None)."""
        return {
            "number_value": value if isinstance(value, int) else None,
            "text_value": value if isinstance(value, str) else None,
            "choice_values": value if isinstance(value, list) else None,
        }


class AnswerEmbedding(Model):
    """A free-text answer's sentence embedding, computed once per model and kept.

    The vector is float32 bytes (``numpy.frombuffer(vector, "<f4")``), unit length,
    so a re-run embeds only answers that arrived since; the key keeps one vector
    per answer and model whatever races, and the foreign key erases it with its
    answer.
    """

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True
    )
    # The configured model name or folder, as ``Encoder.name`` reports it.
    model: Mapped[str] = mapped_column(String(500), primary_key=True)
    dimension: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class AnalysisRun(Model):
    """One run of the theme model: its parameters, its reach and its fitted model."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey.id", ondelete="SET NULL")
    )
    since: Mapped[date | None] = mapped_column(Date)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer_count: Mapped[int] = mapped_column(default=0)
    theme_count: Mapped[int] = mapped_column(default=0)
    # The pickled model lets new answers join existing themes between runs.
    model: Mapped[bytes | None] = mapped_column(LargeBinary)
    # ``flask analyze --assign-new`` has looked at every answer up to this id.
    placed_through: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Theme(Model):
    """A group of answers that say the same thing, routed to one department."""

    __table_args__ = (enum_check("status", ThemeStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey.id", ondelete="SET NULL"), index=True
    )
    last_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("analysis_run.id", ondelete="SET NULL")
    )
    label: Mapped[str] = mapped_column(String(300))
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    quotes: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Mean TF-IDF terms of the theme: how the next run recognises it.
    centroid: Mapped[dict[str, float] | None] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(default=0)
    sentiment: Mapped[float | None] = mapped_column(Float)
    nps: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=ThemeStatus.NEW)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Size when resolved: a resolved theme that keeps growing reopens.
    resolved_size: Mapped[int | None]
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    routing_confidence: Mapped[float | None] = mapped_column(Float)
    routing_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_triage: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow
    )

    department: Mapped[Department | None] = relationship(back_populates="themes")
    owner: Mapped[User | None] = relationship()
    answers: WriteOnlyMapped["ThemeAnswer"] = relationship(
        back_populates="theme", passive_deletes=True
    )
    months: Mapped[list["ThemeMonth"]] = relationship(
        back_populates="theme",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ThemeMonth.month",
    )
    events: WriteOnlyMapped["ThemeEvent"] = relationship(
        back_populates="theme", passive_deletes=True
    )


class ThemeAnswer(Model):
    """Membership of an answer in a theme; an answer belongs to one theme at most."""

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), index=True
    )
    similarity: Mapped[float | None] = mapped_column(Float)
    # The answer's sentiment (-1..1) from the model adapted to this deployment's
    # ratings, and whether its text contradicts its NPS rating (a detractor's
    # praise, a promoter's complaint); None until a full run has scored it.
    sentiment: Mapped[float | None] = mapped_column(Float)
    disagrees: Mapped[bool | None]

    theme: Mapped[Theme] = relationship(back_populates="answers")
    answer: Mapped[Answer] = relationship(back_populates="theme_link")


class ThemeMonth(Model):
    """How many answers a theme had in one calendar month, for its trend line."""

    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

    theme: Mapped[Theme] = relationship(back_populates="months")


class ThemeEvent(Model):
    """One line of a theme's audit trail: who changed what, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(40))
    from_value: Mapped[str | None] = mapped_column(String(300))
    to_value: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    theme: Mapped[Theme] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class FollowUp(Model):
    """An advocate's note of contacting a customer who consented (closing the loop)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Notification(Model):
    """An e-mail or webhook message waiting in the outbox, retried until sent."""

    __table_args__ = (
        enum_check("status", NotificationStatus),
        CheckConstraint("channel IN ('email', 'webhook')", name="channel_valid"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=NotificationStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)


class AdminEvent(Model):
    """One line of the admin audit trail: who changed which account or department.

    ``kind`` names the change (``invited``, ``role_changed``, ``deactivated``,
    ``department_edited``...), ``field`` the attribute for edits, and the values
    before and after are kept as text so the trail reads the same after later edits.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    # A suspect response a CX lead released or discarded (cat_survey.domain.suspects).
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_response.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(40))
    from_value: Mapped[str | None] = mapped_column(String(500))
    to_value: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    department: Mapped[Department | None] = relationship()


class JobRunStatus(enum.StrEnum):
    """Where one scheduled job's run for one period is."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobRun(Model):
    """One scheduled job's run for one period (``analyze`` on 2026-03-02, say).

    The unique (job, period) pair is what makes a job run once across workers: a
    worker claims the period by inserting the row, or by taking over a row whose
    lease ran out (its worker was killed) or whose run failed. ``outcome`` is the
    job's one-line report, or the error of a failed run.
    """

    __table_args__ = (
        UniqueConstraint("job", "period"),
        enum_check("status", JobRunStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=JobRunStatus.RUNNING)
    worker: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    lease_until: Mapped[datetime] = mapped_column(Timestamp, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    outcome: Mapped[str | None] = mapped_column(Text)


class LoopMessage(Model):
    """One respondent's "here is what changed" e-mail about a resolved theme.

    The unique (theme, response) pair is what sends it once per respondent, even
    when two advocates press Send together. ``token`` makes the unsubscribe link;
    once any of a person's messages is unsubscribed, that address gets no more.
    """

    __table_args__ = (UniqueConstraint("theme_id", "response_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="SET NULL")
    )
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    # Lower-cased, so an unsubscribe matches however the address was typed.
    email: Mapped[str] = mapped_column(String(320), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Campaign(Model):
    """One e-mailing of a survey to the customers of a CSV, with an optional reminder.

    ``contact_days`` is the contact-frequency rule the campaign was checked against,
    kept so its report says which rule skipped whom.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    send_at: Mapped[datetime] = mapped_column(Timestamp)
    reminder_days: Mapped[int | None]
    contact_days: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    survey: Mapped[Survey] = relationship()
    recipients: WriteOnlyMapped["CampaignRecipient"] = relationship(
        back_populates="campaign", passive_deletes=True
    )


class CampaignRecipient(Model):
    """One customer of a campaign: their link, and when each e-mail was queued.

    ``invited_at`` and ``reminded_at`` are set in the same transaction that adds
    the e-mail to the outbox, by an UPDATE that only matches while they are empty:
    two workers can never queue the same e-mail. ``token`` is the secret of the
    customer's unsubscribe link.
    """

    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_ref"),
        Index("ix_campaign_recipient_due", "invited_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE")
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_ref: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    locale: Mapped[str] = mapped_column(String(10))
    # An IANA zone name ("Asia/Tokyo") from the CSV; None means quiet hours unknown.
    timezone: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    invited_at: Mapped[datetime | None] = mapped_column(Timestamp)
    reminded_at: Mapped[datetime | None] = mapped_column(Timestamp)
    invitation_notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="SET NULL")
    )
    reminder_notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="SET NULL")
    )
    # Why nothing was sent after all (the address was suppressed before its turn).
    skipped_reason: Mapped[str | None] = mapped_column(String(40))
    bounced_at: Mapped[datetime | None] = mapped_column(Timestamp)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(Timestamp)

    campaign: Mapped[Campaign] = relationship(back_populates="recipients")
    invitation: Mapped[Invitation | None] = relationship()


class Suppression(Model):
    """An address that receives no more campaign e-mail: it unsubscribed or bounced."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case, so one address is one row whatever its spelling.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class TallyDay(Model):
    """How many times the answers of one UTC day changed, counted by triggers.

    Database triggers on responses and answers keep it (cat_survey/tally_days.py);
    a cached period's counts (``ScoreTally``) are valid while the sum of its
    days' generations is the one they were counted at.
    """

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)


class ScoreTally(Model):
    """The dashboard's counts of one finished period for one scope, cached.

    ``scope`` is a hash of the filters other than the dates; ``tallies`` holds
    the period's raw counts of every series (cat_survey/reports/tallies.py).
    """

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    generation: Mapped[int]
    tallies: Mapped[dict[str, Any]] = mapped_column(JSON)
    counted_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


# db.create_all() installs the triggers that keep TallyDay; migrations do too.
event.listen(Model.metadata, "after_create", install_triggers)
