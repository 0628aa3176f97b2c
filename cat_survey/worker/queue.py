"""The long-running worker: huey's consumer ticks every minute and runs due jobs.

Every minute huey's scheduler runs :func:`enqueue_due_jobs`, which puts one task
per due job on the queue; the consumer's threads take the tasks and run each job
through :func:`~cat_survey.worker.jobs.run_job`, which claims its period first.
A long nightly analysis therefore never holds up the every-minute jobs.

The queue lives in a SQLite file in the instance folder by default, so one
machine needs no other server. With ``WORKER_BROKER_URL`` set to a Redis URL
(``redis://host:6379/0``, the ``broker`` extra) every worker on every machine
shares one queue. Each worker still ticks, so a minute's jobs may be queued more
than once; the job claims make every period run once whatever the queue holds.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

from cat_survey.models import utcnow
from cat_survey.worker.jobs import due_jobs, job_named, run_job

QUEUE_FILE = "worker-queue.sqlite"
log = logging.getLogger(__name__)


class BrokerUrlError(ValueError):
    """WORKER_BROKER_URL names a broker this worker cannot use."""


@dataclass(frozen=True)
class JobQueue:
    """The huey queue and its two tasks (calling a task puts it on the queue)."""

    huey: Huey
    run_job: Any
    enqueue_due_jobs: Any


def build_queue(app: Flask) -> JobQueue:
    """The app's task queue with the job task and the every-minute tick on it."""
    url = app.config.get("WORKER_BROKER_URL")
    queue: Huey
    if not url:
        path = Path(app.instance_path) / QUEUE_FILE
        queue = SqliteHuey("cat-survey", filename=str(path), results=False)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        queue = RedisHuey("cat-survey", url=url, results=False)
    else:
        raise BrokerUrlError(
            f"WORKER_BROKER_URL must be a redis:// URL (or unset for the SQLite "
            f"queue in the instance folder), not {url.split(':', 1)[0]!r}"
        )

    @queue.task()
    def run_job_task(name: str) -> None:
        """Run one job's current period, if no other worker has."""
        with app.app_context():
            report = run_job(job_named(name))
        log.info("%s", report)

    @queue.periodic_task(crontab(minute="*"))
    def enqueue_due_jobs() -> None:
        """Queue one task per job whose current period is not done yet."""
        with app.app_context():
            names = [job.name for job in due_jobs(utcnow())]
        for name in names:
            run_job_task(name)

    return JobQueue(queue, run_job_task, enqueue_due_jobs)


def run_worker(app: Flask, *, threads: int) -> None:
    """Consume the queue until stopped (Ctrl-C or SIGTERM), ticking every minute."""
    queue = build_queue(app)
    # Run the due jobs at start rather than at the next full minute.
    queue.enqueue_due_jobs()
    consumer = queue.huey.create_consumer(workers=threads, worker_type="thread")
    consumer.run()
