"""Claiming a job's run for one period, so that it runs once across all workers.

A worker claims (job, period) by inserting a ``JobRun`` row: the unique key lets
exactly one insert win, on SQLite and PostgreSQL alike. The row carries a lease.
When the run ends, the row is marked done (never run again) or failed (retried
once ``retry_after`` has passed). When a worker is killed mid-run its row stays
"running" until the lease runs out; then the next worker takes the row over with
one conditional UPDATE, which again only one worker can win.
"""

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from cat_survey.db import affected_rows, db
from cat_survey.models import JobRun, JobRunStatus, utcnow

OUTCOME_CHARS = 2000


def worker_name() -> str:
    """This process as host:pid, recorded on the rows it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def claim(
    job: str, period: str, *, lease: timedelta, now: datetime | None = None
) -> int | None:
    """Claim one run and commit; return its row id, or None if it is not ours.

    Not ours means: done already, or running in a worker whose lease still holds,
    or failed too recently to retry.
    """
    now = now or utcnow()
    run = JobRun(
        job=job,
        period=period,
        status=JobRunStatus.RUNNING,
        worker=worker_name(),
        claimed_at=now,
        lease_until=now + lease,
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker holds (job, period); see if it gave up
    else:
        return run.id
    taken = db.session.execute(
        db.update(JobRun)
        .where(
            JobRun.job == job,
            JobRun.period == period,
            JobRun.status != JobRunStatus.DONE,
            JobRun.lease_until <= now,
        )
        .values(
            status=JobRunStatus.RUNNING,
            worker=worker_name(),
            attempts=JobRun.attempts + 1,
            claimed_at=now,
            lease_until=now + lease,
            finished_at=None,
            outcome=None,
        )
    )
    db.session.commit()
    if affected_rows(taken) != 1:
        return None
    return db.session.scalar(
        db.select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
    )


def finish(run_id: int, outcome: str) -> None:
    """Mark a claimed run done, with its one-line report."""
    settle(run_id, JobRunStatus.DONE, outcome, lease_until=None)


def fail(
    run_id: int, error: str, *, retry_after: timedelta, now: datetime | None = None
) -> None:
    """Mark a run failed at ``now``; a worker retries it once ``retry_after`` passed."""
    now = now or utcnow()
    settle(run_id, JobRunStatus.FAILED, error, lease_until=now + retry_after)


def settle(
    run_id: int, status: JobRunStatus, outcome: str, *, lease_until: datetime | None
) -> None:
    """Record how a run ended, after dropping whatever the job left uncommitted."""
    db.session.rollback()
    run = db.session.get_one(JobRun, run_id)
    run.status = status
    run.outcome = outcome[:OUTCOME_CHARS]
    run.finished_at = utcnow()
    if lease_until is not None:
        run.lease_until = lease_until
    db.session.commit()


def is_done(job: str, period: str) -> bool:
    """Whether some worker already finished this run."""
    return (
        db.session.scalar(
            db.select(JobRun.id).where(
                JobRun.job == job,
                JobRun.period == period,
                JobRun.status == JobRunStatus.DONE,
            )
        )
        is not None
    )


def prune(*, older_than: timedelta, jobs: tuple[str, ...]) -> int:
    """Delete the finished runs of ``jobs`` claimed before ``older_than`` ago."""
    result = db.session.execute(
        db.delete(JobRun).where(
            JobRun.job.in_(jobs),
            JobRun.status == JobRunStatus.DONE,
            JobRun.claimed_at < utcnow() - older_than,
        )
    )
    db.session.commit()
    return affected_rows(result)
