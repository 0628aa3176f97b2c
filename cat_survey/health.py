"""A health check for process managers, the demo script and load tests.

Reaching the database is not enough: a database that went read-only (a full disk,
a replica after failover, a file whose permissions changed) still answers SELECT
while every answer a customer gives is lost. So the check also probes a write,
inside a transaction it rolls back, and reports degraded writes with a 503.
"""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cat_survey.db import db

bp = Blueprint("health", __name__)

#: A write that changes nothing yet needs write access: SQLite and PostgreSQL both
#: refuse an UPDATE on a read-only database or transaction before looking at rows.
WRITE_PROBE = text("UPDATE survey SET slug = slug WHERE id IS NULL")


@bp.get("/healthz")
def healthz():
    """200 when the database answers and accepts writes; 503 with the reason if not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return unhealthy("down", "the database does not answer", error)
    try:
        db.session.execute(WRITE_PROBE)
    except SQLAlchemyError as error:
        return unhealthy("degraded", "the database refuses writes", error)
    finally:
        db.session.rollback()
    return jsonify(status="ok")


def unhealthy(status: str, reason: str, error: SQLAlchemyError):
    """A 503 naming what fails; the driver's error class, never its message."""
    original = getattr(error, "orig", None) or error
    return jsonify(status=status, reason=f"{reason} ({type(original).__name__})"), 503
