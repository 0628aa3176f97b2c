"""The schema: migrations match the models, and SQLite is tuned for concurrency."""

import multiprocessing
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from cat_survey.db import db


def test_migrations_match_the_models(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def sqlite_only(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app, app_ctx):
    sqlite_only(app)
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def write_many(url: str, worker: int, rounds: int) -> None:
    """Insert departments in read-then-write transactions, as a web worker would.

    The engine gets the app's SQLite settings (``configure_sqlite``, which
    ``create_app`` applies) without the rest of the app, whose imports would take
    most of this test's time in every spawned process.
    """
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from cat_survey.db import configure_sqlite
    from cat_survey.models import Department

    engine = create_engine(url)
    configure_sqlite(engine)
    with Session(engine) as session:
        for number in range(rounds):
            # Reading first is what makes deferred SQLite transactions fail.
            session.scalar(select(func.count(Department.id)))
            session.add(Department(slug=f"w{worker}-{number}", name="x"))
            session.commit()
    engine.dispose()


@pytest.mark.slow
def test_concurrent_writers_never_see_database_is_locked(app, app_ctx):
    sqlite_only(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=write_many, args=(url, worker, 40))
        for worker in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        count = connection.execute("SELECT count(*) FROM department").fetchone()[0]
    assert count == 160
