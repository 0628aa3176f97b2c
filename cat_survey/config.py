"""Configuration: code defaults, then ``instance/config.py``, then the environment.

The order follows the Flask tutorial: what ships in code is a safe default for a laptop,
the instance folder holds what one installation chooses, and the environment (as set
by a process manager or CI) wins over both. Tests pass ``test_config`` last.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from surveys import departments_file, surveys_dir

SECRET_KEY_FILE = "secret_key"  # nosec B105 - a file name, not a secret


def load_config(app: Flask, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, instance file, environment and tests."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'cat_survey.sqlite'}",
        SURVEYS_DIR=str(surveys_dir()),
        DEPARTMENTS_FILE=str(departments_file()),
        # Large enough for a long free-text answer, small enough to refuse abuse.
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure is also set per request over HTTPS (cat_survey.security).
        SESSION_COOKIE_SECURE=False,
        # A staff session ends after a working day without a new sign-in.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        # After this many failed sign-ins in LOGIN_LOCKOUT_MINUTES, answer 429.
        LOGIN_MAX_FAILURES=5,
        LOGIN_LOCKOUT_MINUTES=15,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=25,
        MAIL_SENDER="cat-survey@localhost",
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_USE_TLS=False,
        BASE_URL="http://127.0.0.1:5000",
        # E-mail campaigns: a customer is not surveyed again within this many days,
        # and gets no campaign e-mail in these hours of their own time zone
        # (from 21:00 until 08:00).
        CAMPAIGN_CONTACT_DAYS=90,
        CAMPAIGN_QUIET_HOURS=(21, 8),
        # Themes: "tfidf", "semantic" (sentence embeddings, the optional
        # ``semantic`` extra) or "auto" (semantic when its model loads).
        THEME_REPRESENTATION="auto",
        # A model name in the local cache or a model folder; None means
        # analysis.embeddings' default. Never downloaded at run time.
        EMBEDDING_MODEL=None,
        # The worker's queue: None keeps it in a SQLite file in the instance
        # folder; a redis:// URL shares one queue between machines.
        WORKER_BROKER_URL=None,
        # The worker's daily job anonymises responses older than this; None: off.
        RETENTION_DAYS=None,
    )
    app.config.from_pyfile("config.py", silent=True)

    if database_url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    if secret_key := os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key
    app.config.from_prefixed_env("CAT_SURVEY")

    if test_config is not None:
        app.config.from_mapping(test_config)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)


def instance_secret_key(instance: Path) -> str:
    """Return this installation's secret key, generating it on first run."""
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # Created owner-only: the key signs every session cookie.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key)
    return key
