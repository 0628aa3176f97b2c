"""The database handle, the declarative base and SQLite's settings for concurrent use.

Models import ``db`` from here. SQLite gets WAL (readers never block the writer),
a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` before the first write: a
deferred transaction that upgrades from read to write fails at once with "database
is locked" when another gunicorn worker wrote meanwhile, whereas an immediate one
waits its turn. Reads outside a write run without a transaction and lock nothing.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import CursorResult, Dialect, Engine, Result
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class Base(DeclarativeBase):
    """Declarative base whose constraints get stable names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on every database.

    SQLite stores no zone and hands back naive values; comparing those with aware
    ones raises, so values are normalised to UTC on the way in and out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

if TYPE_CHECKING:
    # mypy cannot take an instance attribute (db.Model) as a base class
    # (python/mypy#8603). db.Model is Base plus automatic table names and
    # ``query``, so the type checker sees the models as plain Base subclasses.
    Model = Base
else:
    Model = db.Model


def affected_rows(result: Result[Any]) -> int:
    """How many rows an executed INSERT, UPDATE or DELETE touched.

    Such statements return a CursorResult, which has ``rowcount``; the type hints
    of ``Session.execute`` only promise a plain Result.
    """
    return cast("CursorResult[Any]", result).rowcount


def init_db(app: Flask) -> None:
    """Bind the database and migrations to the app; tune SQLite when it is used."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)


def configure_sqlite(engine: Engine) -> None:
    """Make an SQLite engine safe for several processes writing at once."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def begin_before_first_write(conn, cursor, statement, *_args) -> None:
        # Reads run without a transaction and never hold a lock; the first write
        # takes the write lock at once, waiting its turn under busy_timeout.
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.in_transaction and is_write(statement):
            cursor.execute("BEGIN IMMEDIATE")


def is_write(statement: str) -> bool:
    """True for SQL that changes rows."""
    return statement.lstrip()[:7].upper().startswith(WRITE_VERBS)
