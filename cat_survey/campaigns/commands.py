"""``flask campaigns``: create a campaign, send what is due, record bounces, stats.

Each command wraps a function of ``cat_survey.domain.campaigns``; the worker calls
the same ``send_due_campaign_mail`` every minute, so ``campaigns send`` is for
installations that run it from cron instead.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from cat_survey.db import db
from cat_survey.domain.campaigns import (
    STATS_COLUMNS,
    CampaignError,
    campaign_stats,
    create_campaign,
    record_bounce,
    send_due_campaign_mail,
    stats_rows,
)
from cat_survey.domain.responses import SurveyNotPublished, active_survey
from cat_survey.exports import csv_text
from cat_survey.invitations import InvitationFileError, read_customer_csv

campaigns_cli = AppGroup("campaigns", help="E-mail a survey to the customers of a CSV.")


def utc(moment: datetime | None) -> datetime | None:
    """A moment read from the command line; one without a time zone is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class IsoDateTime(click.ParamType):
    """An ISO 8601 date and time, with or without a time zone ('2026-12-01T09:00')."""

    name = "ISO_DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse the value, or fail with a message that shows the expected form."""
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO date and time like 2026-12-01T09:00")


@campaigns_cli.command("create")
@click.option("--survey", "slug", required=True, help="Survey slug.")
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Customers: ref, email, name, locale, timezone and any hidden fields.",
)
@click.option(
    "--reminder-days",
    type=click.IntRange(1),
    default=None,
    help="Remind customers who have not started after this many days.",
)
@click.option(
    "--send-at",
    type=IsoDateTime(),
    default=None,
    help="When to send (default: now); without a time zone, UTC.",
)
def campaigns_create(
    slug: str, csv_path: str, reminder_days: int | None, send_at: datetime | None
) -> None:
    """Plan a campaign; the worker (or 'campaigns send') sends its e-mails."""
    survey = active_survey(slug)
    if survey is None:
        raise click.ClickException(f"no active survey {slug!r}; run 'surveys load'")
    try:
        rows = read_customer_csv(Path(csv_path).read_bytes(), csv_path)
        result = create_campaign(
            survey,
            rows,
            name=Path(csv_path).name,
            send_at=utc(send_at),
            reminder_days=reminder_days,
        )
    except (InvitationFileError, CampaignError, SurveyNotPublished) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for refused in result.refused:
        click.echo(f"{csv_path}:{refused.line}: refused: {refused.reason}", err=True)
    click.echo(
        f"campaign {result.campaign.id}: {len(result.recipients)} e-mail(s) planned "
        f"for {result.campaign.send_at:%Y-%m-%d %H:%M} UTC, "
        f"{len(result.refused)} row(s) refused"
    )


@campaigns_cli.command("send")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1))
def campaigns_send(limit: int) -> None:
    """Queue the campaign e-mails and reminders that are due, then deliver them."""
    from cat_survey.notifications import send_due

    click.echo(str(send_due_campaign_mail(limit=limit)))
    report = send_due(limit=limit)
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(str(report))


@campaigns_cli.command("bounce")
@click.argument("email")
@click.option("--reason", default=None, help="What the mail server said.")
def campaigns_bounce(email: str, reason: str | None) -> None:
    """Record a bounce: the address gets no more campaign e-mail."""
    if "@" not in email:
        raise click.ClickException(f"{email!r} is not an e-mail address")
    if record_bounce(email, detail=reason):
        click.echo(f"{email}: bounce recorded, address suppressed")
    else:
        click.echo(f"{email}: already suppressed")


@campaigns_cli.command("stats")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the CSV here (default: standard output).")  # fmt: skip
def campaigns_stats(output: str | None) -> None:
    """Each campaign's sent, bounced, started, completed and unsubscribed, as CSV."""
    text = csv_text(STATS_COLUMNS, stats_rows(campaign_stats()))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
