"""The JSON conversation API (``/api/v1``) for embedding and chat channels."""

from cat_survey.api.views import bp

__all__ = ["bp"]
