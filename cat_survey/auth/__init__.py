"""Staff sign-in: login, logout, and who may see what."""

from cat_survey.auth.views import bp

__all__ = ["bp"]
