"""The customer's conversation: public and invitation links, one question at a time."""

from cat_survey.survey.views import bp

__all__ = ["bp"]
