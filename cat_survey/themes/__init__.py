"""The advocates' theme screens: their themes, triage, a theme and its workflow."""

from cat_survey.themes.views import bp

__all__ = ["bp"]
