"""The CX lead's dashboard: NPS over time, breakdowns, other scores, CSV exports."""

from cat_survey.reports.views import bp

__all__ = ["bp"]
