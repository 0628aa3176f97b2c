"""Each campaign's response rate: e-mails sent, bounced, started, completed..."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import aliased

from cat_survey.db import db
from cat_survey.models import (
    Campaign,
    CampaignRecipient,
    Notification,
    NotificationStatus,
    ResponseStatus,
    Survey,
    SurveyResponse,
)


@dataclass(frozen=True)
class CampaignStats:
    """The response rate of one campaign: how many e-mails did what."""

    campaign_id: int
    name: str
    survey: str
    send_at: datetime
    recipients: int
    sent: int
    bounced: int
    started: int
    completed: int
    unsubscribed: int
    reminded: int

    @property
    def response_rate(self) -> float | None:
        """Completed responses per e-mail sent, in percent (None before any is sent)."""
        return 100 * self.completed / self.sent if self.sent else None


STATS_COLUMNS = (
    "campaign_id", "name", "survey", "send_at", "recipients", "sent", "bounced",
    "started", "completed", "unsubscribed", "reminded", "response_rate",
)  # fmt: skip


def campaign_stats(
    campaign_ids: Sequence[int] | None = None, *, limit: int | None = None
) -> list[CampaignStats]:
    """Each campaign's counts, newest first (at most ``limit``): sent, bounced..."""
    first_mail = aliased(Notification)
    counts = (
        db.select(
            CampaignRecipient.campaign_id,
            db.func.count(CampaignRecipient.id).label("recipients"),
            db.func.count(first_mail.id)
            .filter(first_mail.status == NotificationStatus.SENT)
            .label("sent"),
            db.func.count(CampaignRecipient.bounced_at).label("bounced"),
            db.func.count(SurveyResponse.id).label("started"),
            db.func.count(SurveyResponse.id)
            .filter(SurveyResponse.status == ResponseStatus.COMPLETE)
            .label("completed"),
            db.func.count(CampaignRecipient.unsubscribed_at).label("unsubscribed"),
            db.func.count(CampaignRecipient.reminded_at).label("reminded"),
        )
        .outerjoin(
            first_mail, first_mail.id == CampaignRecipient.invitation_notification_id
        )
        .outerjoin(
            SurveyResponse,
            SurveyResponse.invitation_id == CampaignRecipient.invitation_id,
        )
        .group_by(CampaignRecipient.campaign_id)
        .subquery()
    )
    query = (
        db.select(Campaign, Survey.slug, counts)
        .join(Survey, Survey.id == Campaign.survey_id)
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    if campaign_ids is not None:
        query = query.where(Campaign.id.in_(campaign_ids))
    if limit is not None:
        query = query.limit(limit)
    return [
        CampaignStats(
            campaign_id=row.Campaign.id,
            name=row.Campaign.name,
            survey=row.slug,
            send_at=row.Campaign.send_at,
            recipients=row.recipients or 0,
            sent=row.sent or 0,
            bounced=row.bounced or 0,
            started=row.started or 0,
            completed=row.completed or 0,
            unsubscribed=row.unsubscribed or 0,
            reminded=row.reminded or 0,
        )
        for row in db.session.execute(query)
    ]


def stats_rows(stats: Iterable[CampaignStats]) -> list[list[object]]:
    """The stats as CSV rows, in ``STATS_COLUMNS`` order."""
    return [
        [
            s.campaign_id, s.name, s.survey, s.send_at.isoformat(), s.recipients,
            s.sent, s.bounced, s.started, s.completed, s.unsubscribed, s.reminded,
            round(s.response_rate, 1) if s.response_rate is not None else None,
        ]
        for s in stats
    ]  # fmt: skip
