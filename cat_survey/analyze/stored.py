"""The stored run: the latest finished run and the model it kept."""

from cat_survey.db import db
from cat_survey.models import AnalysisRun


def latest_run() -> AnalysisRun | None:
    """The most recent finished run that stored a model."""
    return db.session.scalar(
        db.select(AnalysisRun)
        .where(AnalysisRun.model.is_not(None), AnalysisRun.finished_at.is_not(None))
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )
