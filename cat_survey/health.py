"""A health check for process managers, the demo script and load tests."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from cat_survey.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report that the app runs and reaches its database."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
