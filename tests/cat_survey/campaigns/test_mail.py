"""The campaign rules in ``domain.campaigns``: frequency, suppression, quiet hours.

Every test passes a fixed ``now``; the outbox rows are read, not sent, except where
a test says what the SMTP server received.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from cat_survey.db import db
from cat_survey.domain.campaigns import (
    MailReport,
    create_campaign,
    send_due_campaign_mail,
    suppress,
)
from cat_survey.domain.campaigns.rules import in_quiet_hours
from cat_survey.invitations import read_customer_csv
from cat_survey.models import CampaignRecipient, Notification, Survey

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 12:00 UTC: 21:00 in Tokyo


def plan(survey: Survey, text: str, **options):
    """Create (and commit) a campaign from CSV text."""
    rows = read_customer_csv(text.encode("utf-8"), "customers.csv")
    result = create_campaign(survey, rows, name="customers.csv", **options)
    db.session.commit()
    return result


def queued_to() -> list[str]:
    """The addresses the outbox holds e-mails for, in order."""
    return list(
        db.session.scalars(db.select(Notification.recipient).order_by(Notification.id))
    )


ONE = "ref,email\nC-1,ana@example.com\n"


@pytest.mark.parametrize(
    ("days_ago", "contact_days", "planned"),
    [(30, 90, 0), (89, 90, 0), (91, 90, 1), (30, 20, 1)],
)
def test_a_customer_is_not_surveyed_again_within_the_contact_days(
    app, nps_survey, mail_app, days_ago, contact_days, planned
):
    app.config["CAMPAIGN_CONTACT_DAYS"] = contact_days
    plan(nps_survey, ONE, send_at=NOW - timedelta(days=days_ago), now=NOW)
    again = plan(nps_survey, ONE, send_at=NOW, now=NOW)
    assert len(again.recipients) == planned
    if not planned:
        assert f"not again within {contact_days} days" in again.refused[0].reason


def test_the_frequency_rule_matches_the_address_under_another_ref(nps_survey, mail_app):
    plan(nps_survey, ONE, send_at=NOW, now=NOW)
    again = plan(nps_survey, "ref,email\nX-9,Ana@Example.com\n", send_at=NOW, now=NOW)
    assert again.recipients == []
    assert "already surveyed on 2026-03-02" in again.refused[0].reason


def test_an_address_suppressed_after_planning_is_skipped_when_due(nps_survey, mail_app):
    plan(nps_survey, "ref,email\nC-1,ana@example.com\nC-2,bo@example.com\n",
         send_at=NOW, now=NOW)  # fmt: skip
    suppress("BO@example.com", "unsubscribed")

    report = send_due_campaign_mail(now=NOW)

    assert (report.invited, report.suppressed) == (1, 1)
    assert queued_to() == ["ana@example.com"]
    bo = db.session.scalar(db.select(CampaignRecipient).filter_by(customer_ref="C-2"))
    assert (bo.invited_at, bo.skipped_reason) == (None, "unsubscribed")


def test_nothing_is_queued_before_send_at(nps_survey, mail_app):
    plan(nps_survey, ONE, send_at=NOW + timedelta(hours=2), now=NOW)
    assert send_due_campaign_mail(now=NOW + timedelta(hours=1)).invited == 0
    assert send_due_campaign_mail(now=NOW + timedelta(hours=2)).invited == 1


def test_quiet_hours_hold_the_email_until_morning_in_the_customers_zone(
    nps_survey, mail_app
):
    plan(nps_survey,
         "ref,email,timezone\nC-1,aiko@example.jp,Asia/Tokyo\n"
         "C-2,bo@example.com,Europe/London\nC-3,cy@example.com,\n",
         send_at=NOW, now=NOW)  # fmt: skip

    at_nine_pm_in_tokyo = send_due_campaign_mail(now=NOW)
    at_seven_am_in_tokyo = send_due_campaign_mail(now=NOW + timedelta(hours=10))
    at_eight_am_in_tokyo = send_due_campaign_mail(now=NOW + timedelta(hours=11))

    assert (at_nine_pm_in_tokyo.invited, at_nine_pm_in_tokyo.quiet) == (2, 1)
    assert (at_seven_am_in_tokyo.invited, at_seven_am_in_tokyo.quiet) == (0, 1)
    assert at_eight_am_in_tokyo.invited == 1
    assert queued_to() == ["bo@example.com", "cy@example.com", "aiko@example.jp"]


@pytest.mark.parametrize(
    ("utc_hour", "zone", "quiet"),
    [
        (20, "UTC", False),
        (21, "UTC", True),
        (7, "UTC", True),
        (8, "UTC", False),
        (13, "Asia/Tokyo", True),  # 22:00 in Tokyo
        (23, "Asia/Tokyo", False),  # 08:00 in Tokyo
        (3, "America/New_York", True),  # 22:00 the day before
        (3, None, False),  # no zone known: no quiet hours
    ],
)
def test_in_quiet_hours(utc_hour, zone, quiet):
    assert in_quiet_hours(datetime(2026, 1, 5, utc_hour, tzinfo=UTC), zone) is quiet


def test_a_second_pass_and_a_second_process_queue_nothing_new(nps_survey, mail_app):
    plan(nps_survey, "ref,email\nC-1,ana@example.com\nC-2,bo@example.com\n",
         send_at=NOW, now=NOW)  # fmt: skip
    first = send_due_campaign_mail(now=NOW)
    second = send_due_campaign_mail(now=NOW + timedelta(minutes=1))
    assert (first.invited, second.invited) == (2, 0)
    assert len(queued_to()) == 2


def test_a_recipient_claimed_by_another_worker_is_not_queued_again(
    nps_survey, mail_app, monkeypatch
):
    # Another worker claims the row between this pass's read and its UPDATE.
    plan(nps_survey, ONE, send_at=NOW, now=NOW)
    import cat_survey.domain.campaigns.sending as sending

    real_quiet = sending.in_quiet_hours

    def claimed_elsewhere(*args, **kwargs) -> bool:
        db.session.execute(
            db.update(CampaignRecipient).values(invited_at=NOW - timedelta(seconds=1))
        )
        return real_quiet(*args, **kwargs)

    monkeypatch.setattr(sending, "in_quiet_hours", claimed_elsewhere)
    assert send_due_campaign_mail(now=NOW).invited == 0
    assert queued_to() == []


def test_reminders_respect_suppression_and_quiet_hours(nps_survey, mail_app):
    plan(nps_survey,
         "ref,email,timezone\nC-1,ana@example.com,\nC-2,aiko@example.jp,Asia/Tokyo\n"
         "C-3,cy@example.com,\n",
         send_at=NOW - timedelta(days=5), reminder_days=3, now=NOW)  # fmt: skip
    send_due_campaign_mail(now=NOW - timedelta(days=5) + timedelta(hours=1))
    suppress("cy@example.com", "unsubscribed")

    report = send_due_campaign_mail(now=NOW)  # 21:00 in Tokyo

    assert (report.reminded, report.quiet) == (1, 1)
    reminders = db.session.scalars(
        db.select(Notification.recipient).where(
            Notification.payload["kind"].as_string() == "campaign_reminder"
        )
    ).all()
    assert reminders == ["ana@example.com"]


def test_two_workers_at_once_queue_each_email_exactly_once(app, nps_survey, mail_app):
    customers = "".join(f"C-{n},c{n}@example.com\n" for n in range(30))
    plan(nps_survey, "ref,email\n" + customers, send_at=NOW, now=NOW)
    start = threading.Barrier(2)
    reports: list[MailReport] = []

    def worker() -> None:
        with app.app_context():  # its own session and connection, as a process has
            start.wait()
            reports.append(send_due_campaign_mail(now=NOW))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(report.invited for report in reports) == 30
    addresses = queued_to()
    assert sorted(addresses) == sorted(f"c{n}@example.com" for n in range(30))
