"""Claims: one worker per job and period; a dead worker's run is retried."""

from datetime import timedelta

from cat_survey.db import db
from cat_survey.models import JobRun, JobRunStatus, utcnow
from cat_survey.worker import claims

LEASE = timedelta(minutes=5)


def run_row(job: str, period: str) -> JobRun:
    return db.session.scalars(
        db.select(JobRun).where(JobRun.job == job, JobRun.period == period)
    ).one()


def test_a_period_claimed_by_one_worker_is_refused_to_the_next(app_ctx):
    now = utcnow()
    first = claims.claim("analyze", "2026-03-02", lease=LEASE, now=now)
    assert first is not None
    assert claims.claim("analyze", "2026-03-02", lease=LEASE, now=now) is None
    # Another period of the same job is a separate run.
    assert claims.claim("analyze", "2026-03-03", lease=LEASE, now=now) is not None


def test_a_finished_run_is_never_claimed_again(app_ctx):
    now = utcnow()
    run_id = claims.claim("retention", "2026-03-02", lease=LEASE, now=now)
    claims.finish(run_id, "anonymised: 3 responses")
    later = now + timedelta(days=30)
    assert claims.claim("retention", "2026-03-02", lease=LEASE, now=later) is None
    assert claims.is_done("retention", "2026-03-02")


def test_a_killed_workers_run_is_taken_over_once_its_lease_runs_out(app_ctx):
    now = utcnow()
    run_id = claims.claim("analyze", "2026-03-02", lease=LEASE, now=now)
    # The worker dies here: its row stays "running" with the lease it took.
    almost = now + LEASE - timedelta(seconds=1)
    assert claims.claim("analyze", "2026-03-02", lease=LEASE, now=almost) is None
    after = now + LEASE + timedelta(seconds=1)
    assert claims.claim("analyze", "2026-03-02", lease=LEASE, now=after) == run_id
    # Only one worker wins the takeover.
    assert claims.claim("analyze", "2026-03-02", lease=LEASE, now=after) is None
    row = run_row("analyze", "2026-03-02")
    assert (row.status, row.attempts) == (JobRunStatus.RUNNING, 2)


def test_a_failed_run_is_retried_after_its_delay_and_keeps_the_error(app_ctx):
    run_id = claims.claim("weekly-digests", "2026-W10", lease=LEASE)
    claims.fail(run_id, "OperationalError: gone", retry_after=timedelta(minutes=10))
    row = run_row("weekly-digests", "2026-W10")
    assert (row.status, row.outcome) == (JobRunStatus.FAILED, "OperationalError: gone")
    soon = utcnow() + timedelta(minutes=9)
    assert claims.claim("weekly-digests", "2026-W10", lease=LEASE, now=soon) is None
    later = utcnow() + timedelta(minutes=11)
    assert claims.claim("weekly-digests", "2026-W10", lease=LEASE, now=later) == run_id


def test_prune_forgets_only_old_finished_runs_of_the_jobs_named(app_ctx):
    old = utcnow() - timedelta(days=8)
    for job, period in [("send-notifications", "a"), ("analyze", "b")]:
        claims.finish(claims.claim(job, period, lease=LEASE, now=old), "ok")
    claims.claim("send-notifications", "c", lease=LEASE, now=old)  # still running
    claims.finish(claims.claim("send-notifications", "d", lease=LEASE), "ok")

    pruned = claims.prune(older_than=timedelta(days=7), jobs=("send-notifications",))

    assert pruned == 1
    left = db.session.execute(db.select(JobRun.job, JobRun.period)).all()
    assert sorted(left) == [
        ("analyze", "b"),
        ("send-notifications", "c"),
        ("send-notifications", "d"),
    ]
