"""Flask extensions beyond the database: CSRF, sign-in, translations, rate limits.

Each is created here once and bound to an app by ``init_extensions``. The login
manager lives here, not in ``auth``, so that customer pages can share these
extensions without importing staff code; ``create_app`` hands it the staff user
loader.

The interface language of a request is decided here too, in this order: the
page's own language (a conversation keeps the one it was started or switched
in), then the language the person chose with the switch (a staff member's
account, else the customer's cookie), then the browser's Accept-Language, then
English.
"""

from collections.abc import Callable

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale, lazy_gettext
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from cat_survey.ratelimits import init_rate_limits

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to see this page.")
login_manager.session_protection = "strong"
UI_LOCALES = ("en", "ja")
#: Each language's name as its own speakers write it, for the switch.
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}
#: The cookie that remembers a customer's choice (staff keep it on their account).
LOCALE_COOKIE = "cat_survey_locale"


def chosen_locale(offered: tuple[str, ...] = UI_LOCALES) -> str | None:
    """The language this person picked with the switch, if ``offered`` has it."""
    if current_user.is_authenticated and current_user.locale in offered:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    return cookie if cookie in offered else None


def preferred_locale(offered: tuple[str, ...] = UI_LOCALES) -> str | None:
    """The person's choice among ``offered``, else their browser's best match."""
    return chosen_locale(offered) or request.accept_languages.best_match(offered)


def select_locale() -> str:
    """The page's own language (a conversation's), else the person's preference."""
    if not has_request_context():
        # Commands, the worker and benchmarks: English unless force_locale says.
        return "en"
    return g.get("locale") or preferred_locale() or "en"


def locale_context() -> dict:
    """What ``base.html`` needs for ``lang`` and the language switch."""
    return {"page_locale": str(get_locale()), "language_names": LANGUAGE_NAMES}


def init_extensions(
    app: Flask, *, load_user: Callable[[str], UserMixin | None]
) -> None:
    """Bind CSRF, the login manager (with ``load_user``), Babel and rate limits."""
    csrf.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(locale_context)
    init_rate_limits(app)
