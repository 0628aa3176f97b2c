"""The scheduled jobs: what runs, how often, and one run of each.

The job list is data (:data:`JOBS`): a name, a cadence and a function that does
the work and returns a one-line report. Each function calls what the matching
command calls (``analyze --assign-new``, ``campaigns send``, ``notify``,
``notify --digest``, ``analyze``, ``privacy retain``); the worker adds only the
scheduling.

A cadence turns a moment into a period key, such as ``2026-03-02T10:15`` for
every minute or ``2026-W10`` for weekly. A job is due when its current period has
no finished run; :func:`run_job` claims the period (:mod:`.claims`), runs the job
and records the outcome, so a worker that starts after a quiet night catches up
on the nightly run, and two workers never run the same period twice.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from cat_survey.analyze import AnalysisError, assign_new_answers, run_analysis
from cat_survey.db import db
from cat_survey.domain.campaigns import send_due_campaign_mail
from cat_survey.models import utcnow
from cat_survey.notifications import iso_week, queue_weekly_digests, send_due
from cat_survey.privacy import retain
from cat_survey.worker import claims

#: The nightly theme run belongs to the night that starts at this hour (UTC).
NIGHT_STARTS = timedelta(hours=2)
#: A failed run of a daily or weekly job is tried again after this long.
RETRY_AFTER = timedelta(minutes=10)
#: Finished runs of the every-minute jobs are kept this long, then pruned.
HISTORY_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class Cadence:
    """How often a job runs: a name and the period key of a moment."""

    name: str
    period_of: Callable[[datetime], str]


EVERY_MINUTE = Cadence("every minute", lambda now: f"{now:%Y-%m-%dT%H:%M}")
NIGHTLY = Cadence("nightly", lambda now: (now - NIGHT_STARTS).date().isoformat())
DAILY = Cadence("daily", lambda now: now.date().isoformat())
WEEKLY = Cadence("weekly", iso_week)


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name, cadence, work, and how long one run may take.

    ``lease`` is longer than the slowest run: a worker that still holds a run
    past its lease is taken for dead and another worker runs the period again.
    """

    name: str
    cadence: Cadence
    work: Callable[[datetime], str]
    lease: timedelta


@dataclass(frozen=True)
class JobReport:
    """What one attempt at a job's period did."""

    job: str
    period: str
    status: str  # "done", "failed" or "skipped"
    outcome: str

    def __str__(self) -> str:
        return f"{self.job} {self.period}: {self.status}: {self.outcome}"


def assign_new_answers_job(now: datetime) -> str:
    """Place the answers that arrived since the last theme run into its themes."""
    try:
        return f"{assign_new_answers()} new answer(s) joined a theme"
    except AnalysisError as error:  # no run yet: nothing to join, not a failure
        return f"nothing to do: {error}"


def campaign_mail_job(now: datetime) -> str:
    """Queue the campaign e-mails and reminders that are due into the outbox."""
    return str(send_due_campaign_mail(now=now))


def send_notifications_job(now: datetime) -> str:
    """Send the e-mails and webhook notices of the outbox that are due."""
    report = send_due(now=now)
    return "; ".join((str(report), *report.errors))


def analyze_job(now: datetime) -> str:
    """Run the full theme analysis over every survey."""
    try:
        return str(run_analysis())
    except AnalysisError as error:  # e.g. no answers yet: the next night tries again
        return f"nothing to do: {error}"


def weekly_digests_job(now: datetime) -> str:
    """Queue this week's digest for every advocate; the outbox job sends them."""
    queued = queue_weekly_digests(now=now)
    db.session.commit()
    return f"queued {len(queued)} weekly digest(s)"


def retention_job(now: datetime) -> str:
    """Anonymise responses older than ``RETENTION_DAYS``, when that is set."""
    days = current_app.config.get("RETENTION_DAYS")
    if not days:
        return "off: set CAT_SURVEY_RETENTION_DAYS to anonymise old responses"
    counts = retain(int(days))
    return "anonymised: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())


def prune_history_job(now: datetime) -> str:
    """Forget the finished runs of the every-minute jobs after a week."""
    minute_jobs = tuple(job.name for job in JOBS if job.cadence is EVERY_MINUTE)
    return f"pruned {claims.prune(older_than=HISTORY_KEPT, jobs=minute_jobs)} run(s)"


JOBS: tuple[Job, ...] = (
    Job(
        "assign-new-answers",
        EVERY_MINUTE,
        assign_new_answers_job,
        timedelta(minutes=15),
    ),
    # Before the outbox job, so a due campaign e-mail leaves in the same pass.
    Job("campaign-emails", EVERY_MINUTE, campaign_mail_job, timedelta(minutes=15)),
    Job(
        "send-notifications",
        EVERY_MINUTE,
        send_notifications_job,
        timedelta(minutes=15),
    ),
    Job("analyze", NIGHTLY, analyze_job, timedelta(hours=3)),
    Job("weekly-digests", WEEKLY, weekly_digests_job, timedelta(minutes=30)),
    Job("retention", DAILY, retention_job, timedelta(hours=1)),
    Job("prune-job-history", DAILY, prune_history_job, timedelta(minutes=30)),
)


def job_named(name: str, jobs: Sequence[Job] = JOBS) -> Job:
    """The job of that name; KeyError if there is none."""
    for job in jobs:
        if job.name == name:
            return job
    raise KeyError(name)


def due_jobs(now: datetime, jobs: Sequence[Job] = JOBS) -> list[Job]:
    """The jobs whose current period no worker has finished yet."""
    return [
        job for job in jobs if not claims.is_done(job.name, job.cadence.period_of(now))
    ]


def run_job(job: Job, now: datetime | None = None) -> JobReport:
    """Claim the job's current period, run it and record how it went.

    Skips the job when another worker holds or has finished the period. A job
    that raises is recorded as failed and retried after ``RETRY_AFTER`` (an
    every-minute job simply runs again in the next minute's period).
    """
    now = now or utcnow()
    period = job.cadence.period_of(now)
    run_id = claims.claim(job.name, period, lease=job.lease, now=now)
    if run_id is None:
        return JobReport(job.name, period, "skipped", "done or running elsewhere")
    started = time.monotonic()
    try:
        outcome = job.work(now)
    except Exception as error:  # recorded on the run and retried, never lost
        message = f"{type(error).__name__}: {error}"
        failed_at = now + timedelta(seconds=time.monotonic() - started)
        claims.fail(run_id, message, retry_after=RETRY_AFTER, now=failed_at)
        current_app.logger.exception("job %s %s failed", job.name, period)
        return JobReport(job.name, period, "failed", message)
    claims.finish(run_id, outcome)
    return JobReport(job.name, period, "done", outcome)


def run_due_jobs(
    now: datetime | None = None, jobs: Sequence[Job] = JOBS
) -> list[JobReport]:
    """Run every due job once, in list order (``worker --once``)."""
    now = now or utcnow()
    return [run_job(job, now) for job in due_jobs(now, jobs)]
