"""Flask extensions beyond the database: CSRF, sign-in and translations.

Each is created here once and bound to an app by ``init_extensions``.
"""

from flask import Flask, g, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from cat_survey.auth.access import init_login

csrf = CSRFProtect()
babel = Babel()
UI_LOCALES = ("en", "ja")


def select_locale() -> str:
    """The survey's locale on a customer page, else the browser's preference."""
    return g.get("locale") or request.accept_languages.best_match(UI_LOCALES) or "en"


def init_extensions(app: Flask) -> None:
    """Bind CSRF protection, the login manager and Babel to the app."""
    csrf.init_app(app)
    init_login(app)
    babel.init_app(app, locale_selector=select_locale)
