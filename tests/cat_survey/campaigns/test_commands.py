"""``flask campaigns create|send|bounce|stats``, with a real SMTP server on loopback."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from cat_survey.db import db
from cat_survey.domain.responses import find_invitation, start_conversation
from cat_survey.models import (
    Campaign,
    CampaignRecipient,
    Notification,
    Suppression,
    SurveyResponse,
)

#: A Monday at 10:00 UTC: 10:00 in London, 19:00 in Tokyo (no quiet hours).
MONDAY_MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
SEND_AT = MONDAY_MORNING.strftime("%Y-%m-%dT%H:%M")


def create(runner, csv_path, *extra: str):
    """Run ``campaigns create`` on relationship-nps."""
    return runner.invoke(
        args=["campaigns", "create", "--survey", "relationship-nps",
              "--csv", str(csv_path), *extra]
    )  # fmt: skip


def test_a_three_customer_campaign_sends_exactly_one_email_each(
    runner, nps_survey, customers_csv, smtp_server, deliver
):
    result = create(runner, customers_csv(), "--send-at", SEND_AT)
    assert result.exit_code == 0, result.output
    assert "3 e-mail(s) planned for 2026-01-05 10:00 UTC, 0 row(s) refused" in (
        result.stdout
    )
    deliver(MONDAY_MORNING)
    received = sorted(message["To"] for message in smtp_server.messages)
    assert received == ["ana@example.com", "bo@example.com", "chika@example.jp"]


def test_a_second_run_sends_nothing_new(
    runner, nps_survey, customers_csv, smtp_server, deliver
):
    assert create(runner, customers_csv(), "--send-at", SEND_AT).exit_code == 0
    deliver(MONDAY_MORNING)
    deliver(MONDAY_MORNING + timedelta(minutes=1))
    again = create(runner, customers_csv(), "--send-at", SEND_AT)
    deliver(MONDAY_MORNING + timedelta(minutes=2))

    assert len(smtp_server.messages) == 3
    assert again.exit_code == 0, again.output
    assert "0 e-mail(s) planned" in again.stdout
    # Each repeated row is reported with its line, not resent.
    assert re.findall(r"customers\.csv:(\d):", again.stderr) == ["2", "3", "4"]
    assert "already surveyed on 2026-01-05" in again.stderr
    assert "not again within 90 days" in again.stderr


def test_the_reminder_goes_only_to_the_customer_who_did_not_start(
    app, runner, nps_survey, customers_csv, smtp_server, deliver
):
    assert create(runner, customers_csv(), "--send-at", SEND_AT,
                  "--reminder-days", "3").exit_code == 0  # fmt: skip
    deliver(MONDAY_MORNING)
    for ref in ("C-1", "C-3"):  # these two open their link and start
        recipient = db.session.scalar(
            db.select(CampaignRecipient).filter_by(customer_ref=ref)
        )
        invitation = find_invitation(recipient.invitation.token)
        start_conversation(nps_survey, invitation=invitation)

    deliver(MONDAY_MORNING + timedelta(days=2, hours=23))
    assert len(smtp_server.messages) == 3  # not yet: three days have not passed
    deliver(MONDAY_MORNING + timedelta(days=3))
    deliver(MONDAY_MORNING + timedelta(days=10))

    reminders = smtp_server.messages[3:]
    assert [message["To"] for message in reminders] == ["bo@example.com"]
    assert reminders[0]["Subject"] == "Reminder: How are we doing?"


def test_the_email_is_localised_and_carries_the_scale_and_unsubscribe(
    runner, nps_survey, customers_csv, smtp_server, deliver
):
    create(runner, customers_csv(), "--send-at", SEND_AT)
    deliver(MONDAY_MORNING)
    (english,) = smtp_server.to("ana@example.com")
    (japanese,) = smtp_server.to("chika@example.jp")

    assert english["Subject"] == "How are we doing?"
    assert japanese["Subject"] == "私たちの評価をお聞かせください"
    text = english.get_body(("plain",)).get_content()
    html = english.get_body(("html",)).get_content()
    assert "Hi Ana!" in text
    assert "How likely are you to recommend us" in text
    # One link per score, 0 to 10, each opening the personal link with the score.
    scores = re.findall(r"/i/([\w-]+)\?score=(\d+)&lang=en", text)
    assert [int(score) for _, score in scores] == list(range(11))
    assert len({token for token, _ in scores}) == 1
    assert html.count("?score=") == 11
    assert "<img" not in html  # no tracking pixel
    unsubscribe = re.search(r"<(https://surveys\.example/unsubscribe/[\w-]+)>",
                            english["List-Unsubscribe"]).group(1)  # fmt: skip
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text
    assert unsubscribe in html
    japanese_text = japanese.get_body(("plain",)).get_content()
    assert "当社を友人や同僚に薦める可能性" in japanese_text
    assert "lang=ja" in japanese_text


def test_a_survey_without_a_scale_first_gets_a_start_link(
    runner, make_survey, customers_csv, smtp_server, deliver
):
    make_survey("exit-interview")
    result = runner.invoke(
        args=["campaigns", "create", "--survey", "exit-interview",
              "--csv", str(customers_csv()), "--send-at", SEND_AT]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    deliver(MONDAY_MORNING)
    text = smtp_server.to("bo@example.com")[0].get_body(("plain",)).get_content()
    assert "?score=" not in text
    assert re.search(r"Start the survey: https://surveys\.example/i/[\w-]+\?lang=en",
                     text)  # fmt: skip


def test_csv_rows_are_refused_with_their_line_and_reason(
    runner, nps_survey, customers_csv
):
    path = customers_csv(
        "ref,email,name,locale,timezone\n"
        "C-1,ana@example.com,Ana,en,Europe/London\n"
        ",nobody@example.com,No Ref,,\n"
        "C-2,,No Mail,,\n"
        "C-3,not-an-email,Bad,,\n"
        "C-4,dee@example.com,Dee,fr,\n"
        "C-5,eve@example.com,Eve,,Mars/Olympus\n"
        "C-1,ana2@example.com,Dup,,\n"
        "C-6,ANA@example.com,Same address,,\n"
    )
    result = create(runner, path)
    assert result.exit_code == 0, result.output
    refused = dict(re.findall(r"customers\.csv:(\d): refused: (.*)", result.stderr))
    assert refused == {
        "3": "no customer ref",
        "4": "no e-mail address (a campaign needs one)",
        "5": "'not-an-email' is not an e-mail address",
        "6": "locale 'fr' is not one of en, ja",
        "7": "unknown time zone 'Mars/Olympus' (use a name like Asia/Tokyo)",
        "8": "ref 'C-1' appears twice in the file",
        "9": "ana@example.com appears twice in the file",
    }
    assert "1 e-mail(s) planned" in result.stdout


def test_a_file_without_a_ref_column_is_refused_as_invitations_create_does(
    runner, nps_survey, customers_csv
):
    result = create(runner, customers_csv("email,name\nana@example.com,Ana\n"))
    assert result.exit_code == 1
    assert "needs a 'ref' column (the customer reference)" in result.output
    assert db.session.scalar(db.select(db.func.count(Campaign.id))) == 0


def test_a_file_that_is_not_utf8_is_refused(runner, nps_survey, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("ref,email,name\nC-1,jose@example.com,José\n".encode("latin-1"))
    result = create(runner, path)
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_an_unknown_survey_and_a_bad_send_at_are_clear_errors(
    runner, nps_survey, customers_csv
):
    unknown = runner.invoke(
        args=["campaigns", "create", "--survey", "nope", "--csv", str(customers_csv())]
    )
    bad_time = create(runner, customers_csv(), "--send-at", "next tuesday")
    assert unknown.exit_code == 1
    assert "no active survey 'nope'" in unknown.output
    assert bad_time.exit_code == 2
    assert "is not an ISO date and time like 2026-12-01T09:00" in bad_time.output


def test_bounce_command_suppresses_the_address(runner, nps_survey, customers_csv):
    result = runner.invoke(args=["campaigns", "bounce", "Bo@Example.com",
                                 "--reason", "550 mailbox unknown"])  # fmt: skip
    again = runner.invoke(args=["campaigns", "bounce", "bo@example.com"])
    planned = create(runner, customers_csv())

    assert result.exit_code == 0, result.output
    assert "bounce recorded" in result.output
    assert "already suppressed" in again.output
    suppression = db.session.scalar(db.select(Suppression))
    assert (suppression.email, suppression.reason) == ("bo@example.com", "bounced")
    assert "bo@example.com is on the suppression list (bounced)" in planned.stderr
    assert "2 e-mail(s) planned" in planned.stdout


def test_an_smtp_refusal_is_recorded_as_a_bounce(
    runner, nps_survey, customers_csv, smtp_server, deliver
):
    smtp_server.refused.add("bo@example.com")
    create(runner, customers_csv(), "--send-at", SEND_AT)
    deliver(MONDAY_MORNING)  # the outbox records the refusal on the row
    deliver(MONDAY_MORNING + timedelta(minutes=1))  # and the campaign sees it

    bo = db.session.scalar(db.select(CampaignRecipient).filter_by(customer_ref="C-2"))
    assert bo.bounced_at is not None
    assert db.session.scalar(db.select(Suppression.reason)) == "bounced"
    stats = runner.invoke(args=["campaigns", "stats"])
    (row,) = csv.DictReader(io.StringIO(stats.stdout))
    assert (row["sent"], row["bounced"]) == ("2", "1")


def test_stats_count_sent_started_completed_and_unsubscribed(
    app, runner, client, nps_survey, customers_csv, smtp_server, deliver, tmp_path
):
    create(runner, customers_csv(), "--send-at", SEND_AT)
    deliver(MONDAY_MORNING)
    recipients = {
        r.customer_ref: r for r in db.session.scalars(db.select(CampaignRecipient))
    }
    finished = start_conversation(nps_survey, invitation=recipients["C-1"].invitation)
    db.session.execute(
        db.update(SurveyResponse)
        .where(SurveyResponse.token == finished.token)
        .values(status="complete", completed_at=MONDAY_MORNING)
    )
    db.session.commit()
    start_conversation(nps_survey, invitation=recipients["C-2"].invitation)
    assert client.post(f"/unsubscribe/{recipients['C-3'].token}").status_code == 200

    output = tmp_path / "stats.csv"
    result = runner.invoke(args=["campaigns", "stats", "--output", str(output)])
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(output.read_text(encoding="utf-8")))
    counted = ("recipients", "sent", "bounced", "started", "completed", "unsubscribed")
    assert [row[key] for key in counted] == ["3", "3", "0", "2", "1", "1"]
    assert row["response_rate"] == "33.3"
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 3


def test_campaigns_send_queues_and_delivers_what_is_due(
    runner, nps_survey, customers_csv, smtp_server, mail_app
):
    # Due now, by the clock; no time zones, so no quiet hours whatever the hour.
    no_zones = (
        "ref,email\nC-1,ana@example.com\nC-2,bo@example.com\nC-3,cy@example.com\n"
    )
    create(runner, customers_csv(no_zones))
    result = runner.invoke(args=["campaigns", "send"])
    again = runner.invoke(args=["campaigns", "send"])
    assert result.exit_code == 0, result.output
    assert "queued 3 invitation(s) and 0 reminder(s)" in result.output
    assert "sent 3, failed 0" in result.output
    assert "queued 0 invitation(s)" in again.output
    assert len(smtp_server.messages) == 3
