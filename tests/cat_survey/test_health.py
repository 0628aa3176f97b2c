"""/healthz: a database that answers but refuses writes is degraded (503).

The healthy case is in ``test_factory.py``.
"""

from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from cat_survey import create_app
from cat_survey.db import db


def read_only_url(url: str) -> str:
    """The same database, opened so that every write is refused."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    options = "-c default_transaction_read_only=on"
    return parsed.update_query_dict({"options": options}).render_as_string(
        hide_password=False
    )


def test_a_read_only_database_is_reported_degraded(app: Flask, tmp_path: Path):
    url = read_only_url(app.config["SQLALCHEMY_DATABASE_URI"])
    read_only = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "read-only"),
        }
    )
    try:
        response = read_only.test_client().get("/healthz")
    finally:
        with read_only.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["reason"].startswith("the database refuses writes")
