"""Theme notices, weekly digests and the outbox, against real servers on loopback.

E-mail goes to an aiosmtpd server and webhooks to an ``http.server`` receiver, both
on 127.0.0.1; "the server is down" is a free port with nothing listening.
"""

import email
import email.policy
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from cat_survey.catalog import latest_version
from cat_survey.db import db
from cat_survey.loopback import free_port
from cat_survey.models import (
    Answer,
    Notification,
    Survey,
    SurveyResponse,
    Theme,
    ThemeMonth,
    User,
    utcnow,
)
from cat_survey.notifications import (
    claim_next,
    iso_week,
    queue_theme_notice,
    queue_weekly_digest,
    retry_delay,
    send_due,
    shortened,
    trend_of,
)

BASE_URL = "https://surveys.example"
SENDER = "cat@surveys.example"


class CollectingHandler:
    """An aiosmtpd handler that keeps every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[CollectingHandler]:
    """A real SMTP server on loopback; its handler lists the messages received."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@dataclass
class Receiver:
    """What the webhook receiver got, and how many requests it should refuse."""

    url: str = ""
    fail_first: int = 0
    requests: list[tuple[int, str, bytes]] = field(default_factory=list)

    @property
    def accepted(self) -> list[dict]:
        return [json.loads(body) for status, _, body in self.requests if status == 200]


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    """A real HTTP server on loopback recording every POST (status, type, body)."""
    receiver = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                status = 500 if receiver.fail_first > 0 else 200
                receiver.fail_first -= status == 500
                receiver.requests.append((status, self.headers["Content-Type"], body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/tech"
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def mail_to(app) -> Callable[[int], None]:
    """Point the app's mail settings at a port (a server's, or a dead one)."""

    def point(port: int) -> None:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER=SENDER)

    app.config["BASE_URL"] = BASE_URL
    return point


@pytest.fixture
def advocate(departments, make_user) -> User:
    """Tech's advocate."""
    return make_user("ada@example.com", role="advocate", department="tech")


@pytest.fixture
def make_theme(app_ctx, make_survey, departments) -> Callable[..., Theme]:
    """Return a factory of stored themes with real answers as quotes."""
    make_survey("relationship-nps")
    survey = db.session.scalar(db.select(Survey).filter_by(slug="relationship-nps"))
    version = latest_version(survey)

    def make(
        label: str = "App crashes on upload",
        *,
        size: int = 42,
        quotes: tuple[str, ...] = (
            "The app crashes every time I upload a photo.",
            "Uploading a PDF closes the app.",
            "Crash on upload, again and again.",
            "A fourth quote nobody should see.",
        ),
        months: dict[date, int] | None = None,
        department: str | None = "tech",
        owner: User | None = None,
        status: str = "new",
    ) -> Theme:
        answers = []
        for text in quotes:
            response = SurveyResponse(
                survey=survey, version=version, token=secrets.token_urlsafe(16)
            )
            answer = Answer(question_id="fix_first", question_type="text",
                            text_value=text)  # fmt: skip
            response.answers.append(answer)
            db.session.add(response)
            answers.append(answer)
        db.session.flush()
        theme = Theme(
            label=label,
            terms=["crash", "upload"],
            quotes=[answer.id for answer in answers],
            size=size,
            status=status,
            department=departments[department] if department else None,
            owner=owner,
        )
        db.session.add(theme)
        db.session.flush()
        months = months or {
            date(2025, 1, 1): 5,
            date(2025, 2, 1): 12,
            date(2025, 3, 1): 25,
        }
        db.session.add_all(
            ThemeMonth(theme_id=theme.id, month=month, count=count)
            for month, count in months.items()
        )
        db.session.commit()
        return theme

    return make


def outbox() -> list[Notification]:
    """Every outbox row as stored now."""
    db.session.expire_all()
    return list(db.session.scalars(db.select(Notification).order_by(Notification.id)))


def parts(message: email.message.EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a received message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_theme_notice_arrives_by_smtp_with_label_size_trend_quotes_and_link(
    make_theme, advocate, smtp_server, mail_to
):
    mail_to(smtp_server.port)
    theme = make_theme(owner=advocate)
    queued = queue_theme_notice(theme)
    db.session.commit()
    assert [row.channel for row in queued] == ["email"]

    report = send_due()

    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    [message] = smtp_server.messages
    assert message["Subject"] == (
        "New theme for Tech: 'App crashes on upload' (42 answers, rising)"
    )
    assert message["To"] == "ada@example.com"
    assert message["X-Envelope-To"] == "ada@example.com"
    assert message["From"] == SENDER
    text, html = parts(message)
    for body in (text, html):
        assert "42 answers" in body
        assert "rising (2025-01: 5, 2025-02: 12, 2025-03: 25)" in body
        assert "The app crashes every time I upload a photo." in body
        assert "Uploading a PDF closes the app." in body
        assert "Crash on upload, again and again." in body
        assert "A fourth quote" not in body
        assert f"{BASE_URL}/themes/{theme.id}" in body
    [row] = outbox()
    assert row.status == "sent"
    assert row.attempts == 1
    assert row.sent_at is not None


def test_customer_script_is_escaped_in_the_html_part_and_kept_in_the_text(
    make_theme, advocate, smtp_server, mail_to
):
    mail_to(smtp_server.port)
    attack = "<script>alert('x')</script> & <b>bold</b>"
    theme = make_theme("Login <img src=x>", owner=advocate, quotes=(attack,))
    queue_theme_notice(theme)
    db.session.commit()

    send_due()

    text, html = parts(smtp_server.messages[0])
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>bold" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "Login &lt;img src=x&gt;" in html
    assert attack in text


@pytest.mark.parametrize(
    ("monthly", "counts", "direction"),
    [
        ([], (), "steady"),
        ([(date(2025, 3, 1), 7)], (0, 0, 7), "rising"),
        ([(date(2025, 1, 1), 10), (date(2025, 2, 1), 10), (date(2025, 3, 1), 10)],
         (10, 10, 10), "steady"),
        ([(date(2025, 1, 1), 10), (date(2025, 2, 1), 10), (date(2025, 3, 1), 4)],
         (10, 10, 4), "falling"),
        # A gap inside the window counts as zero; older months fall outside it.
        ([(date(2024, 6, 1), 99), (date(2024, 11, 1), 2), (date(2025, 1, 1), 2)],
         (2, 0, 2), "rising"),
        # Within 10% of the earlier months' mean is noise, not a trend.
        ([(date(2025, 1, 1), 20), (date(2025, 2, 1), 20), (date(2025, 3, 1), 21)],
         (20, 20, 21), "steady"),
    ],
)  # fmt: skip
def test_trend_covers_the_last_three_calendar_months(monthly, counts, direction):
    trend = trend_of(monthly)
    assert trend.counts == counts
    assert trend.direction == direction


def test_trend_window_crosses_the_year_boundary():
    trend = trend_of([(date(2025, 1, 1), 3)])
    assert trend.months == (date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short  and\nsweet", "short and sweet"),
        ("word " * 100, ("word " * 59).strip() + "…"),
        ("x" * 400, "x" * 299 + "…"),
    ],
)
def test_quotes_are_one_line_and_cut_near_300_characters(text, expected):
    assert shortened(text, 300) == expected
    assert len(shortened(text, 300)) <= 300


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (3, timedelta(minutes=4)),
        (9, timedelta(minutes=256)),
        (10, timedelta(hours=6)),
        (500, timedelta(hours=6)),
    ],
)
def test_retry_delay_doubles_from_one_minute_up_to_six_hours(attempts, delay):
    assert retry_delay(attempts) == delay


def test_smtp_down_keeps_the_row_pending_then_sends_it_exactly_once(
    make_theme, advocate, smtp_server, mail_to
):
    mail_to(free_port())
    queue_theme_notice(make_theme(owner=advocate))
    db.session.commit()
    start = utcnow()

    report = send_due(now=start)

    assert (report.sent, report.failed, report.pending) == (0, 1, 1)
    assert "ConnectionRefusedError" in report.errors[0]
    [row] = outbox()
    assert row.status == "pending"
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == start + timedelta(minutes=1)

    mail_to(smtp_server.port)
    early = send_due(now=start + timedelta(seconds=30))
    assert (early.sent, early.failed, early.pending) == (0, 0, 1)
    assert smtp_server.messages == []

    later = send_due(now=start + timedelta(minutes=2))
    again = send_due(now=start + timedelta(days=1))

    assert (later.sent, later.failed, later.pending) == (1, 0, 0)
    assert (again.sent, again.failed) == (0, 0)
    assert len(smtp_server.messages) == 1
    [row] = outbox()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_a_row_that_failed_many_times_keeps_retrying_at_six_hours(
    make_theme, advocate, mail_to
):
    mail_to(free_port())
    [row] = queue_theme_notice(make_theme(owner=advocate))
    row.attempts = 12
    db.session.commit()
    now = utcnow()

    send_due(now=now)

    [row] = outbox()
    assert (row.status, row.attempts) == ("pending", 13)
    assert row.next_attempt_at == now + timedelta(hours=6)


def test_a_row_claimed_by_one_run_is_skipped_by_another(
    make_theme, advocate, smtp_server, mail_to
):
    mail_to(smtp_server.port)
    queue_theme_notice(make_theme(owner=advocate))
    db.session.commit()
    now = utcnow()

    claimed = claim_next(now)
    report = send_due(now=now + timedelta(seconds=10))

    assert claimed is not None
    assert (report.sent, report.pending) == (0, 1)
    assert smtp_server.messages == []


def test_webhook_gets_slack_json_with_mrkdwn_escaped_text(
    make_theme, departments, webhook_receiver, app
):
    app.config["BASE_URL"] = BASE_URL
    departments["tech"].webhook_url = webhook_receiver.url
    theme = make_theme(
        "Fees & <charges>", quotes=("Why is <b>VAT</b> & shipping extra?",)
    )
    [row] = queue_theme_notice(theme)
    db.session.commit()
    assert row.channel == "webhook"

    report = send_due()

    assert (report.sent, report.failed) == (1, 0)
    [(status, content_type, _)] = webhook_receiver.requests
    assert (status, content_type) == (200, "application/json")
    [payload] = webhook_receiver.accepted
    assert set(payload) == {"text", "blocks"}
    assert "Fees &amp; &lt;charges&gt;" in payload["text"]
    assert "<charges>" not in json.dumps(payload)
    assert {block["text"]["type"] for block in payload["blocks"]} == {"mrkdwn"}
    mrkdwn = "\n".join(block["text"]["text"] for block in payload["blocks"])
    assert ">Why is &lt;b&gt;VAT&lt;/b&gt; &amp; shipping extra?" in mrkdwn
    assert f"<{BASE_URL}/themes/{theme.id}|Open the theme>" in mrkdwn


def test_webhook_500_is_retried_with_backoff_then_sent(
    make_theme, departments, webhook_receiver
):
    webhook_receiver.fail_first = 1
    departments["tech"].webhook_url = webhook_receiver.url
    queue_theme_notice(make_theme())
    db.session.commit()
    start = utcnow()

    first = send_due(now=start)
    [row] = outbox()
    assert (first.failed, row.status, row.attempts) == (1, "pending", 1)
    assert "HTTP 500" in row.last_error
    assert webhook_receiver.url not in row.last_error

    second = send_due(now=start + timedelta(minutes=1))

    assert (second.sent, second.pending) == (1, 0)
    assert [status for status, _, _ in webhook_receiver.requests] == [500, 200]
    assert outbox()[0].status == "sent"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/hook"])
def test_webhook_other_than_http_is_refused_and_kept_pending(
    make_theme, departments, url
):
    departments["tech"].webhook_url = url
    queue_theme_notice(make_theme())
    db.session.commit()

    report = send_due()

    assert report.failed == 1
    [row] = outbox()
    assert row.status == "pending"
    assert "http or https" in row.last_error


def test_theme_without_owner_or_webhook_queues_nothing(make_theme):
    assert queue_theme_notice(make_theme()) == []
    assert queue_theme_notice(make_theme(department=None)) == []


def test_weekly_digest_lists_open_themes_by_size_once_per_iso_week(
    make_theme, advocate, make_user, smtp_server, mail_to
):
    mail_to(smtp_server.port)
    make_theme("Slow search", size=5, owner=advocate)
    make_theme("App crashes on upload", size=40, owner=advocate, status="in_progress")
    make_theme("Old login bug", size=90, owner=advocate, status="resolved")
    make_theme("Ignored request", size=70, owner=advocate, status="wont_fix")
    monday = datetime.fromisoformat("2025-03-10T09:00:00+00:00")

    digest = queue_weekly_digest(advocate, now=monday)
    same_week = queue_weekly_digest(advocate, now=monday + timedelta(days=6))
    next_week = queue_weekly_digest(advocate, now=monday + timedelta(days=7))
    db.session.commit()
    send_due(now=monday + timedelta(days=8))

    assert digest is not None
    assert same_week is None
    assert next_week is not None
    assert [row.payload["week"] for row in outbox()] == ["2025-W11", "2025-W12"]
    message = smtp_server.messages[0]
    assert message["Subject"] == "Your 2 open themes, week 2025-W11"
    text, html = parts(message)
    for body in (text, html):
        assert body.index("App crashes on upload") < body.index("Slow search")
        assert "Old login bug" not in body
        assert "Ignored request" not in body
        assert "40 answers" in body
    assert queue_weekly_digest(make_user("idle@example.com")) is None


def test_an_advocate_who_reads_japanese_gets_notices_and_digests_in_japanese(
    make_theme, advocate, departments, webhook_receiver, smtp_server, mail_to
):
    mail_to(smtp_server.port)
    advocate.locale = "ja"
    departments["tech"].webhook_url = webhook_receiver.url
    theme = make_theme(owner=advocate)
    queue_theme_notice(theme)
    now = utcnow()
    queue_weekly_digest(advocate, now=now)
    db.session.commit()

    send_due(now=now + timedelta(minutes=1))

    notice, digest = sorted(smtp_server.messages, key=lambda m: m["Subject"])
    assert notice["Subject"] == (
        "Tech の新しいテーマ:「App crashes on upload」 (42 件の回答, 増加)"
    )
    text, html = parts(notice)
    assert "お客様の声" in text
    assert '<html lang="ja">' in html
    assert "増加 (2025-01: 5, 2025-02: 12, 2025-03: 25)" in html
    assert digest["Subject"] == f"担当中の1 件の未対応テーマ({iso_week(now)})"
    text, html = parts(digest)
    assert "今週の担当は1 件の未対応テーマです。" in text
    assert "部署のテーマレポート" in html
    # The department's channel is shared: its notice stays in English.
    [payload] = webhook_receiver.accepted
    assert (
        "New theme for Tech: 'App crashes on upload' (42 answers, rising)"
        in (payload["text"])
    )


def test_notify_command_queues_digests_sends_and_reports(
    make_theme, advocate, smtp_server, mail_to, runner
):
    mail_to(smtp_server.port)
    queue_theme_notice(make_theme(owner=advocate))
    db.session.commit()

    result = runner.invoke(args=["notify", "--digest"])

    assert result.exit_code == 0, result.output
    assert "queued 1 weekly digest(s)" in result.output
    assert "sent 2, failed 0, still pending 0" in result.output
    subjects = sorted(message["Subject"] for message in smtp_server.messages)
    assert subjects[0].startswith("New theme for Tech")
    assert subjects[1].startswith("Your 1 open theme, week")


def test_notify_command_exits_0_and_prints_the_error_when_smtp_is_down(
    make_theme, advocate, mail_to, runner
):
    mail_to(free_port())
    queue_theme_notice(make_theme(owner=advocate))
    db.session.commit()

    result = runner.invoke(args=["notify"])

    assert result.exit_code == 0, result.output
    assert "sent 0, failed 1, still pending 1" in result.output
    assert "ConnectionRefusedError" in result.output
    assert outbox()[0].attempts == 1


def test_notify_without_a_mail_server_says_so_once_and_keeps_every_email(
    make_theme, advocate, mail_to, runner
):
    dead_port = free_port()
    mail_to(dead_port)
    queue_theme_notice(make_theme(owner=advocate))
    db.session.commit()

    result = runner.invoke(args=["notify", "--digest"])

    assert result.exit_code == 0, result.output
    assert "sent 0, failed 2, still pending 2" in result.output
    [problem] = [line for line in result.stderr.splitlines() if line]
    assert f"cannot reach the mail server at 127.0.0.1:{dead_port}" in problem
    assert "CAT_SURVEY_MAIL_SERVER" in problem
    assert result.output.count("ConnectionRefusedError") == 1
    rows = outbox()
    assert [(row.status, row.attempts) for row in rows] == [("pending", 1)] * 2
    assert all("CAT_SURVEY_MAIL_SERVER" in row.last_error for row in rows)


@pytest.mark.postgres
def test_a_row_locked_by_another_transaction_is_skipped_not_waited_for(
    make_theme, advocate, smtp_server, mail_to
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole writes)")
    mail_to(smtp_server.port)
    queue_theme_notice(make_theme(owner=advocate))
    db.session.commit()
    other = db.engine.connect()
    other.execute(db.select(Notification.id).with_for_update())
    # Without SKIP LOCKED the run would wait for this lock, then send the row.
    release = threading.Timer(3, other.rollback)
    release.start()
    try:
        report = send_due()
    finally:
        release.cancel()
        other.rollback()
        other.close()

    assert (report.sent, report.pending) == (0, 1)
    assert smtp_server.messages == []
