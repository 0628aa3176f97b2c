"""``flask analyze --assign-new``: place answers that arrived since the last run."""

import numpy as np
from flask import current_app

from analysis.embeddings import load_encoder
from analysis.themes import UNCLEAR
from cat_survey.analyze.fitting import predict_themes
from cat_survey.analyze.records import RETIRED_STATUSES, membership_rows, recount
from cat_survey.analyze.run import run_analysis
from cat_survey.analyze.scope import AnalysisError, settled_cursor, text_answers
from cat_survey.analyze.sentiment import answer_stances
from cat_survey.analyze.stored import ModelRefused, latest_run, open_model
from cat_survey.db import db
from cat_survey.domain.theme_workflow import reopen_if_growing
from cat_survey.embeddings import (
    answer_vectors,
    insert_ignoring_duplicates,
)
from cat_survey.models import (
    Survey,
    Theme,
    ThemeAnswer,
)


def assign_new_answers() -> int:
    """Place answers that arrived since the last run into its themes; commit.

    Returns how many answers joined a theme (the rest stay unclear until a
    refit). Safe to run concurrently: memberships are inserted with "on
    conflict do nothing", and sizes are recounted, never incremented. When the
    stored model is refused (see :func:`~cat_survey.analyze.stored.open_model`)
    or gone, the run's scope is fitted anew instead, with a warning in the log.
    """
    run = latest_run()
    if run is None:
        raise AnalysisError("no analysis run yet: run 'flask analyze' first")
    survey = db.session.get(Survey, run.survey_id) if run.survey_id else None
    answers = text_answers(survey, after_id=run.placed_through, unassigned=True)
    if not answers:
        return 0
    try:
        model = open_model(run)
    except ModelRefused as refusal:
        current_app.logger.warning("%s: fitting the themes anew", refusal)
        report = run_analysis(
            survey_slug=survey.slug if survey else None,
            since=run.since,
            n_themes=run.parameters.get("n_themes", "auto"),
            seed=run.parameters.get("seed", 0),
        )
        return report.answers - report.unclear
    vectors = None
    if run.parameters.get("representation") == "semantic":
        encoder = load_encoder(run.parameters.get("embedding_model"))
        vectors, _ = answer_vectors(
            [a.id for a in answers], [a.text for a in answers], encoder
        )
    texts = [a.text for a in answers]
    stances = None
    if model.by_stance:
        stances = answer_stances(
            texts,
            representation=run.parameters.get("representation", "tfidf"),
            model=run.parameters.get("embedding_model"),
        )
    labels, similarities = predict_themes(model, texts, vectors, stances)
    theme_ids = run.parameters["theme_ids"]
    themes = db.session.scalars(db.select(Theme).where(Theme.id.in_(theme_ids))).all()
    by_id = {theme.id: theme for theme in themes}
    if len(by_id) != len(theme_ids):
        raise AnalysisError("themes were deleted since the last run: run 'analyze'")
    ordered = [by_id[theme_id] for theme_id in theme_ids]
    # A closed-for-good theme takes no new answers: they wait for the next refit.
    open_to_join = np.array([t.status not in RETIRED_STATUSES for t in ordered])
    labels = np.where(
        (labels != UNCLEAR) & open_to_join[np.maximum(labels, 0)], labels, UNCLEAR
    )
    rows = membership_rows(answers, labels, similarities, ordered)
    if rows:
        db.session.execute(insert_ignoring_duplicates(ThemeAnswer), rows)
    joined = [
        answer
        for answer, label in zip(answers, labels, strict=True)
        if label != UNCLEAR
    ]
    touched = recount([by_id[row["theme_id"]] for row in rows], joined)
    # Another run may have moved the cursor meanwhile: never move it back.
    cursor = settled_cursor(answers, run.placed_through)
    run.placed_through = max(cursor or 0, run.placed_through or 0) or None
    for theme in touched:
        reopen_if_growing(theme, theme.size)
    db.session.commit()
    return len(rows)
