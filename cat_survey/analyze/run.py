"""``flask analyze``: one full run over the stored answers."""

from datetime import date

from analysis.themes import UNCLEAR
from cat_survey.analyze.fitting import fit_themes, theme_representation
from cat_survey.analyze.lineage import (
    MIN_CENTROID_SIMILARITY,
    centroid_similarity,
    current_memberships,
    theme_lineage,
)
from cat_survey.analyze.records import (
    RETIRED_STATUSES,
    RunReport,
    archive_empty,
    notify_new_themes,
    refresh_sizes_and_months,
    replace_links,
    retire_discontinued,
    set_quotes,
    store_themes,
)
from cat_survey.analyze.routing import (
    build_router,
    correction_ids,
    member_texts,
    route_themes,
)
from cat_survey.analyze.scope import (
    AnalysisError,
    find_survey,
    settled_cursor,
    text_answers,
)
from cat_survey.analyze.sentiment import answer_sentiments
from cat_survey.analyze.stored import library_versions, prune_stored_models, seal_model
from cat_survey.db import db
from cat_survey.domain.theme_workflow import reopen_if_growing
from cat_survey.embeddings import answer_vectors
from cat_survey.models import (
    AnalysisRun,
    Theme,
    ThemeStatus,
    utcnow,
)


def run_analysis(
    *,
    survey_slug: str | None = None,
    since: date | None = None,
    n_themes: int | str = "auto",
    seed: int = 0,
    verbose: bool = False,
) -> RunReport:
    """Fit themes over stored answers, persist them, route them; commit."""
    survey = find_survey(survey_slug)
    answers = text_answers(survey, since)
    if len(answers) < 2:
        raise AnalysisError(
            f"only {len(answers)} free-text answer(s) in scope; need 2+"
        )
    representation, encoder = theme_representation()
    vectors, embedded = None, 0
    if encoder is not None:
        vectors, embedded = answer_vectors(
            [a.id for a in answers], [a.text for a in answers], encoder
        )
    # Before memberships change: a reassigned theme's answers are training data.
    taught = correction_ids()
    router = build_router(taught, representation=representation, encoder=encoder)
    # Before themes: praise and problems about one topic are themed apart.
    sentiment = answer_sentiments(
        [a.text for a in answers],
        [a.nps for a in answers],
        [a.asks_for for a in answers],
        representation=representation,
        model=encoder.name if encoder is not None else None,
    )
    fitted = fit_themes(
        answers,
        router=router,
        representation=representation,
        encoder=encoder,
        vectors=vectors,
        n_themes=n_themes,
        seed=seed,
        verbose=verbose,
        stances=sentiment.stances,
    )
    survey_id = survey.id if survey else None
    scope = db.session.scalars(
        db.select(Theme).where(
            Theme.survey_id == survey_id, Theme.status.not_in(RETIRED_STATUSES)
        )
    ).all()
    by_id = {theme.id: theme for theme in scope}
    previous = current_memberships([a.id for a in answers], by_id)
    similarity = centroid_similarity(representation, previous, fitted, vectors, by_id)
    lineage = theme_lineage(
        previous,
        fitted.labels,
        similarity=similarity,
        min_similarity=MIN_CENTROID_SIMILARITY[representation],
    )
    run = AnalysisRun(
        survey_id=survey_id,
        since=since,
        parameters={
            "n_themes": n_themes,
            "seed": seed,
            "representation": representation,
            "representations": fitted.representations,
            "embedding_model": encoder.name if encoder else None,
            "model": fitted.model.get_params(),
        },
        answer_count=len(answers),
        theme_count=len(fitted.themes),
        placed_through=settled_cursor(answers, None),
    )
    db.session.add(run)
    db.session.flush()

    report = RunReport(
        run.id,
        len(answers),
        len(fitted.themes),
        representation=representation,
        embedded=embedded,
    )
    themes = store_themes(fitted, lineage, by_id, survey_id, run, report)
    for index, theme in enumerate(themes):
        theme.sentiment = round(
            float(sentiment.scores[fitted.labels == index].mean()), 4
        )
    retire_discontinued(lineage, by_id, themes, report)
    replace_links(answers, fitted.labels, fitted.similarities, themes, sentiment)
    report.unclear = int((fitted.labels == UNCLEAR).sum())
    set_quotes(answers, fitted.labels, fitted.similarities, themes, fitted.themes)
    touched = themes + [theme for theme in scope if theme not in themes]
    refresh_sizes_and_months(touched)
    report.archived += archive_empty(touched)

    for theme in themes:
        if theme.status == ThemeStatus.RESOLVED and reopen_if_growing(
            theme, theme.size
        ):
            report.reopened += 1
    texts_of = member_texts(
        answers, fitted.labels, fitted.similarities, len(fitted.themes)
    )
    report.triaged = route_themes(themes, fitted.themes, texts_of, router)
    report.themed_in_triage = sum(theme.size for theme in themes if theme.needs_triage)
    semantic = representation == "semantic"
    run.model = seal_model(fitted.model, semantic=semantic)
    run.parameters = {
        **run.parameters,
        "theme_ids": [theme.id for theme in themes],
        # Answer ids, not texts: an erased answer drops out of the training data.
        "corrections": [[answer_id, slug] for answer_id, slug in taught],
        "triage_share": round(report.triage_share, 4),
        "libraries": library_versions(semantic=semantic),
    }
    run.finished_at = utcnow()
    # Only the latest run's model is read again (by --assign-new).
    prune_stored_models(run)
    notify_new_themes(report.created)
    db.session.commit()
    return report
