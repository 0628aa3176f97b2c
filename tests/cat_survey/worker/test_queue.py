"""The huey queue: the minute's tick queues the due jobs and a task runs each."""

from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey

from cat_survey.db import db
from cat_survey.models import JobRun, JobRunStatus
from cat_survey.worker.jobs import JOBS
from cat_survey.worker.queue import QUEUE_FILE, BrokerUrlError, build_queue


def test_the_default_queue_is_a_sqlite_file_in_the_instance_folder(app):
    queue = build_queue(app)
    assert isinstance(queue.huey, SqliteHuey)
    assert (Path(app.instance_path) / QUEUE_FILE).exists()


def test_a_redis_url_shares_one_queue_and_anything_else_is_refused(app):
    app.config["WORKER_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    assert isinstance(build_queue(app).huey, RedisHuey)
    app.config["WORKER_BROKER_URL"] = "amqp://127.0.0.1/"
    with pytest.raises(BrokerUrlError, match="redis://"):
        build_queue(app)


def test_the_tick_runs_every_due_job_through_the_queue_once(
    app, smtp_server, queue_emails
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    queue_emails(3)
    queue = build_queue(app)
    queue.huey.immediate = True  # tasks run as they are queued, in this thread

    queue.enqueue_due_jobs()
    queue.enqueue_due_jobs()

    assert len(smtp_server.messages) == 3
    db.session.expire_all()
    finished = db.session.scalars(
        db.select(JobRun.job).where(JobRun.status == JobRunStatus.DONE)
    ).all()
    assert sorted(set(finished)) == sorted(job.name for job in JOBS)
