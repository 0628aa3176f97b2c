"""Notices to advocates and department webhooks, through the ``Notification`` outbox.

Composing a message and sending it are separate steps. ``queue_theme_notice`` and
``queue_weekly_digest`` read a theme or an advocate's open themes, compose the
e-mail (plain text with an escaped HTML alternative) or the Slack-compatible
webhook payload with pure functions, and add outbox rows; the caller commits them
with its own work, so a notice exists exactly when its theme does. ``send_due``
(the ``notify`` command) delivers the rows that are due by SMTP or HTTP POST and
records every failure on its row, which is retried with exponential backoff until
it is sent: a notice is never dropped.

A row is claimed before it is sent: locked with ``FOR UPDATE SKIP LOCKED`` (on
PostgreSQL) and leased by moving its next attempt a few minutes ahead, then
committed. The network call then runs outside any transaction (on SQLite every
transaction holds the database's write lock, and a slow mail server must not stall
customers saving answers), and a second ``notify`` run skips the leased row.
"""

import email.policy
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy.orm import selectinload

from cat_survey.db import db
from cat_survey.emails import render_email
from cat_survey.models import (
    Answer,
    Notification,
    NotificationStatus,
    Role,
    Theme,
    ThemeMonth,
    ThemeStatus,
    User,
    utcnow,
)

QUOTES_PER_NOTICE = 3
QUOTE_CHARS = 300
LABEL_CHARS = 120
SUBJECT_CHARS = 300  # Notification.subject's column width
TREND_MONTHS = 3
# The latest month must differ from the earlier months' mean by more than this
# share before a trend is called rising or falling, so noise reads as steady.
TREND_TOLERANCE = 0.1
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
# Longer than the slowest send (several 10 s network timeouts), so a row is
# never sent twice by two runs; a crash mid-send retries the row after it.
CLAIM_LEASE = timedelta(minutes=5)
NETWORK_TIMEOUT = 10
ERROR_CHARS = 1000
OPEN_STATUSES = tuple(
    status
    for status in ThemeStatus
    if status not in (ThemeStatus.RESOLVED, ThemeStatus.WONT_FIX)
)


@dataclass(frozen=True)
class Trend:
    """A theme's answer counts over its last months and which way they go."""

    months: tuple[date, ...]
    counts: tuple[int, ...]
    direction: str  # "rising", "falling" or "steady"

    def __str__(self) -> str:
        """The direction in the current language, then the counts it is read from."""
        direction = TREND_WORDS[self.direction]()
        if not self.counts:
            return direction
        points = ", ".join(
            f"{month:%Y-%m}: {count}"
            for month, count in zip(self.months, self.counts, strict=True)
        )
        return f"{direction} ({points})"


# Functions rather than strings, so each is translated when a message is composed.
TREND_WORDS = {
    "rising": lambda: gettext("rising"),
    "falling": lambda: gettext("falling"),
    "steady": lambda: gettext("steady"),
}


@dataclass(frozen=True)
class ThemeFacts:
    """What a notice says about one theme, read from the database once."""

    theme_id: int
    label: str
    size: int
    department: str | None
    owner: str | None
    terms: tuple[str, ...]
    trend: Trend
    quotes: tuple[str, ...]
    link: str


@dataclass(frozen=True)
class Message:
    """A composed notice: e-mail subject, plain text, HTML and Slack payload."""

    subject: str
    text: str
    html: str
    slack: dict[str, Any] | None = None  # only notices that also go to webhooks


@dataclass(frozen=True)
class SendReport:
    """What one ``send_due`` pass did, and how many rows still wait."""

    sent: int
    failed: int
    pending: int
    errors: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed}, still pending {self.pending}"


class MailServerUnreachable(OSError):
    """No connection to the SMTP server: every e-mail of this run would fail alike."""

    def __init__(self, host: str, port: int, cause: OSError) -> None:
        super().__init__(
            f"cannot reach the mail server at {host}:{port} "
            f"({type(cause).__name__}: {cause}); set CAT_SURVEY_MAIL_SERVER and "
            "CAT_SURVEY_MAIL_PORT. The e-mails stay queued and are retried."
        )


@dataclass(frozen=True)
class Outgoing:
    """A claimed row's content, copied so sending touches no database session."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict[str, Any]


def trend_of(monthly: Sequence[tuple[date, int]]) -> Trend:
    """The last three calendar months up to the latest one counted, and their way.

    Months without answers count 0, so a theme that appeared this month is rising.
    """
    if not monthly:
        return Trend((), (), "steady")
    counts = dict(monthly)
    latest = max(counts)
    months = []
    year, month = latest.year, latest.month
    for _ in range(TREND_MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    window = tuple(counts.get(month, 0) for month in months)
    *earlier, last = window
    baseline = sum(earlier) / len(earlier)
    if last > baseline * (1 + TREND_TOLERANCE):
        direction = "rising"
    elif last < baseline * (1 - TREND_TOLERANCE):
        direction = "falling"
    else:
        direction = "steady"
    return Trend(tuple(months), window, direction)


def shortened(text: str, limit: int) -> str:
    """Text on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def slack_escaped(text: str) -> str:
    """Text safe inside Slack mrkdwn: the three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def answers_phrase(size: int) -> str:
    """'1 answer', '42 answers', in the current language."""
    return ngettext("%(num)d answer", "%(num)d answers", size)


def theme_link(theme_id: int) -> str:
    """The absolute address of a theme's page."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/themes/{theme_id}"


def quote_texts(
    answer_ids: Sequence[int], *, limit: int = QUOTES_PER_NOTICE
) -> list[str]:
    """The texts of the first answers named, in the theme's order, shortened."""
    wanted = list(answer_ids)[: limit * 2]
    if not wanted:
        return []
    texts = dict(
        db.session.execute(
            db.select(Answer.id, Answer.text_value).where(Answer.id.in_(wanted))
        ).all()
    )
    found = [texts[i] for i in wanted if texts.get(i) and texts[i].strip()]
    return [shortened(text, QUOTE_CHARS) for text in found[:limit]]


def monthly_counts(theme_id: int) -> list[tuple[date, int]]:
    """A theme's answers per calendar month, as stored (never a stale collection)."""
    rows = db.session.execute(
        db.select(ThemeMonth.month, ThemeMonth.count).where(
            ThemeMonth.theme_id == theme_id
        )
    )
    return [(month, count) for month, count in rows]


def theme_facts(theme: Theme) -> ThemeFacts:
    """Read what a notice needs about a theme: counts, trend, quotes, link."""
    if theme.id is None:
        db.session.flush()
    return ThemeFacts(
        theme_id=theme.id,
        label=shortened(theme.label, LABEL_CHARS),
        size=theme.size,
        department=theme.department.name if theme.department else None,
        owner=theme.owner.name if theme.owner else None,
        terms=tuple(theme.terms or ()),
        trend=trend_of(monthly_counts(theme.id)),
        quotes=tuple(quote_texts(theme.quotes or [])),
        link=theme_link(theme.id),
    )


def notice_phrases(facts: ThemeFacts) -> tuple[str, str, str, str]:
    """A notice's headline, size, owner line and summary, in the current language."""
    if facts.department:
        headline = gettext(
            "New theme for %(department)s: '%(label)s'",
            department=facts.department,
            label=facts.label,
        )
    else:
        headline = gettext("New theme: '%(label)s'", label=facts.label)
    size = answers_phrase(facts.size)
    owner = gettext("Owner: %(name)s", name=facts.owner or gettext("nobody yet"))
    direction = TREND_WORDS[facts.trend.direction]()
    return headline, size, owner, f"({size}, {direction})"


def theme_notice(facts: ThemeFacts, *, locale: str = "en") -> Message:
    """Compose the notice of a newly routed theme.

    The e-mail goes to the theme's owner, in ``locale`` (theirs); the Slack
    payload to the department's channel, which is shared, in English.
    """
    with force_locale(locale):
        headline, size, owner, summary = notice_phrases(facts)
        context = {
            "locale": locale,
            "headline": headline,
            "size": size,
            "owner": owner,
            "facts": facts,
        }
        subject = shortened(f"{headline} {summary}", SUBJECT_CHARS)
        text = render_email("email/theme_notice.txt", context)
        html = render_email("email/theme_notice.html", context)
    with force_locale("en"):
        return Message(subject, text, html, slack_notice(facts))


def slack_notice(facts: ThemeFacts) -> dict[str, Any]:
    """The Slack-compatible payload of a theme notice, in the current language."""
    headline, size, owner, summary = notice_phrases(facts)
    summary = f"{slack_escaped(headline)} {summary}"
    details = [
        f"*Size:* {size}",
        f"*Trend:* {slack_escaped(str(facts.trend))}",
        f"*{slack_escaped(owner)}*",
    ]
    if facts.terms:
        details.append(f"*Top terms:* {slack_escaped(', '.join(facts.terms))}")
    blocks: list[dict[str, Any]] = [
        mrkdwn_section(f"*{summary}*"),
        mrkdwn_section("\n".join(details)),
    ]
    if facts.quotes:
        blocks.append(
            mrkdwn_section("\n".join(f">{slack_escaped(q)}" for q in facts.quotes))
        )
    blocks.append(mrkdwn_section(f"<{slack_escaped(facts.link)}|Open the theme>"))
    return {"text": f"{summary} {slack_escaped(facts.link)}", "blocks": blocks}


def mrkdwn_section(text: str) -> dict[str, Any]:
    """A Slack section block of already-escaped mrkdwn."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def weekly_digest(
    name: str,
    week: str,
    themes: Sequence[ThemeFacts],
    *,
    report_link: str | None = None,
    locale: str = "en",
) -> Message:
    """Compose an advocate's weekly list of open themes (given largest first).

    ``report_link`` points at their department's theme report, if they have one;
    ``locale`` is the advocate's language.
    """
    with force_locale(locale):
        count = ngettext("%(num)d open theme", "%(num)d open themes", len(themes))
        subject = gettext("Your %(count)s, week %(week)s", count=count, week=week)
        context = {
            "locale": locale,
            "name": name,
            "count": count,
            "themes": themes,
            "report_link": report_link,
            "answers_phrase": answers_phrase,
        }
        return Message(
            subject,
            render_email("email/weekly_digest.txt", context),
            render_email("email/weekly_digest.html", context),
        )


def queue_theme_notice(theme: Theme) -> list[Notification]:
    """Add the owner's e-mail and the department's webhook notice to the outbox.

    Either is skipped when there is no (active) owner or no webhook. The rows are
    added to the session; the caller commits them with the theme.
    """
    owner = theme.owner
    locale = (owner.locale if owner else None) or "en"
    message = theme_notice(theme_facts(theme), locale=locale)
    queued = []
    if owner is not None and owner.is_active:
        queued.append(
            Notification(
                channel="email",
                recipient=owner.email,
                subject=message.subject,
                body=message.text,
                payload={"kind": "theme_notice", "html": message.html},
                theme_id=theme.id,
                user_id=owner.id,
            )
        )
    department = theme.department
    if department is not None and department.webhook_url:
        slack = message.slack or {}
        queued.append(
            Notification(
                channel="webhook",
                recipient=department.webhook_url,
                subject=message.subject,
                body=slack["text"],
                payload={"kind": "theme_notice", "json": slack},
                theme_id=theme.id,
            )
        )
    db.session.add_all(queued)
    return queued


def iso_week(moment: datetime) -> str:
    """The ISO week of a moment, as '2025-W03'."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def queue_weekly_digest(
    user: User, *, now: datetime | None = None
) -> Notification | None:
    """Add an advocate's weekly e-mail of open themes, largest first, to the outbox.

    Returns None, queueing nothing, when the user owns no open theme or already
    has a digest for this ISO week. The caller commits.
    """
    now = now or utcnow()
    week = iso_week(now)
    already = db.session.scalar(
        db.select(Notification.id)
        .where(
            Notification.user_id == user.id,
            Notification.payload["kind"].as_string() == "weekly_digest",
            Notification.payload["week"].as_string() == week,
        )
        .limit(1)
    )
    if already is not None:
        return None
    themes = db.session.scalars(
        db.select(Theme)
        .where(Theme.owner_id == user.id, Theme.status.in_(OPEN_STATUSES))
        .order_by(Theme.size.desc(), Theme.id)
        .options(selectinload(Theme.department))
    ).all()
    if not themes:
        return None
    report = None
    if user.department is not None:
        base = current_app.config["BASE_URL"].rstrip("/")
        report = f"{base}/themes/report?department={user.department.slug}"
    message = weekly_digest(
        user.name,
        week,
        [theme_facts(theme) for theme in themes],
        report_link=report,
        locale=user.locale or "en",
    )
    notification = Notification(
        channel="email",
        recipient=user.email,
        subject=message.subject,
        body=message.text,
        payload={"kind": "weekly_digest", "week": week, "html": message.html},
        user_id=user.id,
        next_attempt_at=now,
    )
    db.session.add(notification)
    return notification


def queue_weekly_digests(*, now: datetime | None = None) -> list[Notification]:
    """Queue this week's digest for every active advocate who owns an open theme."""
    advocates = db.session.scalars(
        db.select(User)
        .where(User.role == Role.ADVOCATE, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    queued = [queue_weekly_digest(user, now=now) for user in advocates]
    return [notification for notification in queued if notification is not None]


def retry_delay(attempts: int) -> timedelta:
    """Wait after the n-th failure: 1 min, 2, 4, ... at most 6 hours."""
    doublings = min(max(attempts - 1, 0), 32)
    return min(FIRST_RETRY * 2**doublings, MAX_RETRY)


def send_due(*, now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send up to ``limit`` outbox rows that are due; record and reschedule failures.

    Commits after every row: a claim, then the outcome. A failed row stays pending
    with ``attempts`` raised, ``last_error`` set and its next attempt backed off.
    """
    now = now or utcnow()
    sent = failed = 0
    errors = []
    # Once the mail server is known to be unreachable, the other e-mails of this
    # pass fail (and back off) without a connection attempt or a repeated error.
    mail_down: MailServerUnreachable | None = None
    for _ in range(limit):
        outgoing = claim_next(now)
        if outgoing is None:
            break
        try:
            if mail_down is not None and outgoing.channel == "email":
                raise mail_down
            deliver(outgoing)
        except MailServerUnreachable as error:
            failed += 1
            if mail_down is None:
                mail_down = error
                errors.append(str(error))
            record_failure(outgoing.id, str(error)[:ERROR_CHARS], now=now)
        except Exception as error:  # any failure is recorded and retried, never lost
            failed += 1
            message = f"{type(error).__name__}: {error}"[:ERROR_CHARS]
            errors.append(f"notification {outgoing.id} ({outgoing.channel}): {message}")
            record_failure(outgoing.id, message, now=now)
        else:
            sent += 1
            record_success(outgoing.id)
    pending = db.session.scalar(
        db.select(db.func.count(Notification.id)).where(
            Notification.status == NotificationStatus.PENDING
        )
    )
    db.session.commit()
    return SendReport(sent, failed, pending, tuple(errors))


def claim_next(now: datetime) -> Outgoing | None:
    """Lease the next due row to this run, commit, and return its content."""
    row = db.session.scalar(
        db.select(Notification)
        .where(
            Notification.status == NotificationStatus.PENDING,
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is None:
        db.session.commit()
        return None
    outgoing = Outgoing(
        row.id, row.channel, row.recipient, row.subject, row.body, dict(row.payload)
    )
    row.next_attempt_at = now + CLAIM_LEASE
    db.session.commit()
    return outgoing


def record_success(notification_id: int) -> None:
    """Mark a row sent, at once, so no later run sends it again."""
    row = db.session.get_one(Notification, notification_id)
    row.status = NotificationStatus.SENT
    row.attempts += 1
    row.last_error = None
    row.sent_at = utcnow()
    db.session.commit()


def record_failure(notification_id: int, error: str, *, now: datetime) -> None:
    """Count a failed attempt and schedule the next one."""
    row = db.session.get_one(Notification, notification_id)
    row.attempts += 1
    row.last_error = error
    row.next_attempt_at = now + retry_delay(row.attempts)
    db.session.commit()


def deliver(outgoing: Outgoing) -> None:
    """Send one row by its channel; raise on any failure."""
    if outgoing.channel == "email":
        send_email(outgoing)
    elif outgoing.channel == "webhook":
        post_webhook(outgoing.recipient, outgoing.payload["json"])
    else:
        raise ValueError(f"unknown channel {outgoing.channel!r}")


# Python 3.11 drops the space at the fold between two encoded words (CPython
# gh-92081), so a long Japanese subject arrived as "crashes onupload". Headers are
# folded only past RFC 5322's 998-character line limit instead.
LONG_HEADER_LINES = email.policy.default.clone(max_line_length=998)


def email_message(outgoing: Outgoing, *, sender: str) -> EmailMessage:
    """The MIME message of an e-mail row: plain text with an HTML alternative."""
    message = EmailMessage(policy=LONG_HEADER_LINES)
    message["Subject"] = outgoing.subject
    message["From"] = sender
    message["To"] = outgoing.recipient
    message["Date"] = formatdate(localtime=False)
    # Stable per row, so a receiver can drop the copy of a retried send.
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(f"notification-{outgoing.id}", domain=domain)
    # Extra headers a sender asks for (campaigns: List-Unsubscribe, RFC 8058).
    for name, value in outgoing.payload.get("headers", {}).items():
        message[name] = value
    message.set_content(outgoing.body)
    if html := outgoing.payload.get("html"):
        message.add_alternative(html, subtype="html")
    return message


def send_email(outgoing: Outgoing) -> None:
    """Send an e-mail row through the configured SMTP server."""
    config = current_app.config
    message = email_message(outgoing, sender=config["MAIL_SENDER"])
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    try:
        connection = smtplib.SMTP(host, port, timeout=NETWORK_TIMEOUT)
    except smtplib.SMTPException:
        raise  # the server answered, and refused: a matter for this one message
    except OSError as error:
        raise MailServerUnreachable(host, port, error) from error
    with connection as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Treat a redirect as a failure: following it would turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_webhook(url: str, body: dict[str, Any]) -> None:
    """POST a JSON body to an http(s) URL; anything but a 2xx answer raises."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("webhook URL must be http or https")
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "cat-survey"},
        method="POST",
    )
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=NETWORK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        error.close()
        # The message leaves out the URL: a Slack webhook URL is a secret.
        raise OSError(f"webhook answered HTTP {error.code} {error.reason}") from None
    if not 200 <= status < 300:
        raise OSError(f"webhook answered HTTP {status}")
