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

    from cat_survey.proxies import init_proxies

    init_proxies(app)

    from cat_survey.db import init_db

    init_db(app)

    from cat_survey.auth.access import load_user
    from cat_survey.extensions import csrf, init_extensions

    init_extensions(app, load_user=load_user)

    from cat_survey.security import init_security

    init_security(app)

    # Each area's package holds a docstring only; its blueprint is imported here,
    # so importing the domain layer or a customer module never loads staff views.
    from cat_survey import health, locale_switch, updates
    from cat_survey.admin import views as admin
    from cat_survey.api import views as api
    from cat_survey.auth import views as auth
    from cat_survey.campaigns import unsubscribe
    from cat_survey.campaigns import views as campaigns
    from cat_survey.reports import views as reports
    from cat_survey.studio import views as studio
    from cat_survey.survey import views as survey
    from cat_survey.themes import views as themes

    for blueprint in (
        health.bp,
        locale_switch.bp,
        survey.bp,
        updates.bp,
        auth.bp,
        api.bp,
        reports.bp,
        themes.bp,
        studio.bp,
        campaigns.bp,
        unsubscribe.bp,
        admin.bp,
    ):
        app.register_blueprint(blueprint)
    # The API authenticates by the token in its URLs, not by cookies.
    csrf.exempt(api.bp)

    from cat_survey.cli import register_commands

    register_commands(app)

    from cat_survey.navigation import init_navigation

    init_navigation(app)

    from cat_survey.errors import register_error_handlers

    register_error_handlers(app)
    return app
