"""cat-survey: conversational surveys, honest scores and department-routed themes."""

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, database, blueprints, commands, error pages."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "CAT_SURVEY_INSTANCE_PATH"
    )
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)

    from cat_survey.config import load_config

    load_config(app, test_config)

    from cat_survey.db import init_db

    init_db(app)

    from cat_survey.extensions import csrf, init_extensions

    init_extensions(app)

    from cat_survey.security import init_security

    init_security(app)

    from cat_survey import health
    from cat_survey.api import bp as api_bp
    from cat_survey.auth import bp as auth_bp
    from cat_survey.reports import bp as reports_bp
    from cat_survey.survey import bp as survey_bp
    from cat_survey.themes import bp as themes_bp

    app.register_blueprint(health.bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(themes_bp)
    # The API authenticates by the token in its URLs, not by cookies.
    csrf.exempt(api_bp)

    from cat_survey.cli import register_commands

    register_commands(app)

    from cat_survey.errors import register_error_handlers

    register_error_handlers(app)
    return app
