"""Flask extensions beyond the database: CSRF, sign-in and translations.

Each is created here once and bound to an app by ``init_extensions``. The login
manager lives here, not in ``auth``, so that customer pages can share these
extensions without importing staff code; ``create_app`` hands it the staff user
loader.
"""

from collections.abc import Callable

from flask import Flask, g, request
from flask_babel import Babel
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.session_protection = "strong"
UI_LOCALES = ("en", "ja")


def select_locale() -> str:
    """The survey's locale on a customer page, else the browser's preference."""
    return g.get("locale") or request.accept_languages.best_match(UI_LOCALES) or "en"


def init_extensions(
    app: Flask, *, load_user: Callable[[str], UserMixin | None]
) -> None:
    """Bind CSRF protection, the login manager (with ``load_user``) and Babel."""
    csrf.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
