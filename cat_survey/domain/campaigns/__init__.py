"""E-mail campaigns: a customer CSV becomes personal e-mails, one reminder, and counts.

- ``planning``: ``create_campaign`` turns the CSV's rows into recipients (or
  refusals with their line numbers); ``preview_campaign`` does it and rolls back.
- ``messages``: the e-mail itself, one link per score of its first question.
- ``sending``: ``send_due_campaign_mail`` queues what is due into the outbox, each
  e-mail claimed once however many workers run.
- ``suppression``: addresses that unsubscribed or bounced get no more e-mail.
- ``stats``: each campaign's response rate.
- ``rules``: the settings, quiet hours and time zones that the others share.

The names the views, the commands and the worker use are importable from here.
"""

from cat_survey.domain.campaigns.messages import preselected_score
from cat_survey.domain.campaigns.planning import (
    CampaignPreview,
    CampaignResult,
    create_campaign,
    preview_campaign,
)
from cat_survey.domain.campaigns.rules import CampaignError
from cat_survey.domain.campaigns.sending import MailReport, send_due_campaign_mail
from cat_survey.domain.campaigns.stats import (
    STATS_COLUMNS,
    CampaignStats,
    campaign_stats,
    stats_rows,
)
from cat_survey.domain.campaigns.suppression import (
    recipient_by_token,
    record_bounce,
    suppress,
    suppressions,
    unsubscribe,
)

__all__ = [
    "STATS_COLUMNS",
    "CampaignError",
    "CampaignPreview",
    "CampaignResult",
    "CampaignStats",
    "MailReport",
    "campaign_stats",
    "create_campaign",
    "preselected_score",
    "preview_campaign",
    "recipient_by_token",
    "record_bounce",
    "send_due_campaign_mail",
    "stats_rows",
    "suppress",
    "suppressions",
    "unsubscribe",
]
