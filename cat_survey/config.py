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
        # After this many failed sign-ins in LOGIN_LOCKOUT_MINUTES for one e-mail
        # from one address, or for any e-mails from one address, answer 429.
        LOGIN_MAX_FAILURES=5,
        LOGIN_MAX_FAILURES_PER_ADDRESS=20,
        LOGIN_LOCKOUT_MINUTES=15,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are
        # believed (cat_survey.proxies); 0 believes none.
        TRUSTED_PROXIES=0,
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
        # Rate limits on conversations (cat_survey.ratelimits, Flask-Limiter).
        # Counters must be shared by every worker: "memory://" serves one process
        # only (``flask run``, tests); scripts/demo points this at a Redis server,
        # e.g. CAT_SURVEY_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0.
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STRATEGY="sliding-window-counter",
        # Per client address and survey: conversations started (POST on /s/<slug>,
        # /i/<token> or the API) and answers given (POST on /c/<token> or the API).
        RATELIMIT_CONVERSATION_STARTS="10 per minute;60 per hour",
        RATELIMIT_CONVERSATION_ANSWERS="60 per minute;600 per hour",
        # Per survey, all addresses together: the ceiling of a distributed flood.
        RATELIMIT_SURVEY_STARTS="300 per minute",
        # Suspect responses (cat_survey.domain.suspects): near-identical texts
        # (character-shingle similarity at least INTEGRITY_DUPLICATE_SIMILARITY, texts
        # of INTEGRITY_DUPLICATE_MIN_CHARS or more) given by INTEGRITY_DUPLICATE_GROUP
        # responses of a survey within INTEGRITY_DUPLICATE_HOURS, and more than
        # INTEGRITY_BURST_RESPONSES responses from one address within
        # INTEGRITY_BURST_MINUTES, are left out of scores and themes until reviewed.
        INTEGRITY_SCREENING_ENABLED=True,
        INTEGRITY_DUPLICATE_MIN_CHARS=20,
        INTEGRITY_DUPLICATE_SIMILARITY=0.8,
        INTEGRITY_DUPLICATE_GROUP=3,
        INTEGRITY_DUPLICATE_HOURS=72,
        INTEGRITY_BURST_RESPONSES=5,
        INTEGRITY_BURST_MINUTES=10,
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
