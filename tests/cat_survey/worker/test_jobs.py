"""Jobs: each period runs once, failures are kept and retried, the command works."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from cat_survey.db import db
from cat_survey.models import JobRun, JobRunStatus, Notification, NotificationStatus
from cat_survey.worker.jobs import (
    EVERY_MINUTE,
    JOBS,
    NIGHTLY,
    WEEKLY,
    Job,
    due_jobs,
    run_due_jobs,
)

LEASE = timedelta(minutes=5)
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cadence", "moment", "period"),
    [
        (
            EVERY_MINUTE,
            datetime(2026, 3, 2, 10, 15, 59, tzinfo=UTC),
            "2026-03-02T10:15",
        ),
        # The night of March 1st lasts until 02:00 UTC on March 2nd.
        (NIGHTLY, datetime(2026, 3, 2, 1, 59, tzinfo=UTC), "2026-03-01"),
        (NIGHTLY, datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "2026-03-02"),
        (WEEKLY, datetime(2026, 3, 1, 23, 59, tzinfo=UTC), "2026-W09"),
        (WEEKLY, datetime(2026, 3, 2, 0, 0, tzinfo=UTC), "2026-W10"),
    ],
)
def test_a_cadence_names_the_period_a_moment_belongs_to(cadence, moment, period):
    assert cadence.period_of(moment) == period


def counting_job(name: str, calls: list[datetime], cadence=NIGHTLY) -> Job:
    def work(now: datetime) -> str:
        calls.append(now)
        return f"call {len(calls)}"

    return Job(name, cadence, work, LEASE)


def test_each_period_of_a_job_runs_once(app_ctx):
    calls: list[datetime] = []
    jobs = [counting_job("count", calls)]

    first = run_due_jobs(MONDAY_NOON, jobs)
    again = run_due_jobs(MONDAY_NOON + timedelta(hours=1), jobs)
    next_night = run_due_jobs(MONDAY_NOON + timedelta(days=1), jobs)

    assert [str(report) for report in first] == ["count 2026-03-02: done: call 1"]
    assert again == []
    assert [report.period for report in next_night] == ["2026-03-03"]
    assert len(calls) == 2


def test_a_failing_job_is_recorded_retried_later_and_does_not_stop_the_others(
    app_ctx,
):
    calls: list[datetime] = []
    attempts: list[datetime] = []

    def flaky(now: datetime) -> str:
        attempts.append(now)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        return "recovered"

    jobs = [Job("flaky", NIGHTLY, flaky, LEASE), counting_job("count", calls)]

    reports = run_due_jobs(MONDAY_NOON, jobs)
    assert [(r.job, r.status) for r in reports] == [
        ("flaky", "failed"),
        ("count", "done"),
    ]
    assert reports[0].outcome == "RuntimeError: database went away"
    row = db.session.scalars(db.select(JobRun).filter_by(job="flaky")).one()
    assert (row.status, row.outcome) == (JobRunStatus.FAILED, reports[0].outcome)

    # Still due, but not retried before its delay has passed.
    assert [job.name for job in due_jobs(MONDAY_NOON, jobs)] == ["flaky"]
    assert run_due_jobs(MONDAY_NOON + timedelta(minutes=1), jobs)[0].status == "skipped"
    retried = run_due_jobs(MONDAY_NOON + timedelta(minutes=11), jobs)
    assert [(r.job, r.status, r.outcome) for r in retried] == [
        ("flaky", "done", "recovered")
    ]


def test_the_job_list_names_each_job_once_with_a_lease():
    names = [job.name for job in JOBS]
    assert len(names) == len(set(names))
    assert {
        "assign-new-answers",
        "campaign-emails",
        "send-notifications",
        "analyze",
        "weekly-digests",
        "retention",
    } <= set(names)
    assert all(job.lease > timedelta(0) for job in JOBS)


def test_worker_once_runs_every_job_and_a_second_run_repeats_none(
    app, runner, smtp_server, queue_emails
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    queue_emails(2)

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    ran = [line.split()[0] for line in result.output.splitlines()]
    assert ran == [job.name for job in JOBS]
    assert "send-notifications" in result.output
    assert "sent 2, failed 0" in result.output
    assert len(smtp_server.messages) == 2
    again = runner.invoke(args=["worker", "--once"])
    assert again.exit_code == 0, again.output
    # Only the every-minute jobs of a minute that began meanwhile may run again.
    rerun = {line.split()[0] for line in again.output.splitlines()}
    assert rerun <= {"assign-new-answers", "campaign-emails", "send-notifications"}
    assert len(smtp_server.messages) == 2


def worker_environment(app, smtp_port: int) -> dict[str, str]:
    """The environment of a worker process on the test's database and mail server."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CAT_SURVEY_INSTANCE_PATH": app.instance_path,
        "CAT_SURVEY_SECRET_KEY": "test-secret-key",
        "CAT_SURVEY_MAIL_SERVER": "127.0.0.1",
        "CAT_SURVEY_MAIL_PORT": str(smtp_port),
        "CAT_SURVEY_THEME_REPRESENTATION": "tfidf",
    }


def test_two_concurrent_workers_send_each_due_email_once(
    app, app_ctx, smtp_server, queue_emails
):
    recipients = queue_emails(30)
    command = [sys.executable, "-m", "flask", "--app", "cat_survey", "worker", "--once"]
    environment = worker_environment(app, smtp_server.port)

    workers = [
        subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]

    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, out + err
    received = sorted(str(message["To"]) for message in smtp_server.messages)
    assert received == sorted(recipients)
    db.session.expire_all()
    statuses = db.session.scalars(db.select(Notification.status)).all()
    assert set(statuses) == {NotificationStatus.SENT}
    # The nightly analysis ran in one worker; the other found the night claimed.
    analyses = db.session.scalars(db.select(JobRun).filter_by(job="analyze")).all()
    assert [(run.status, run.attempts) for run in analyses] == [(JobRunStatus.DONE, 1)]
