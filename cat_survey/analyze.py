"""Theme runs: cluster stored free-text answers, keep theme identities, route them.

``run_analysis`` is what ``flask analyze`` does. It reads the free-text answers
(with the NPS of their response) in one query, fits ``analysis.themes.ThemeModel``
against the previous themes' term centroids so that a theme that is still there
keeps its id, status and owner, stores memberships and monthly counts, routes every
theme by its answers with ``analysis.routing.DepartmentRouter`` (trained on the
catalog plus every reassignment an advocate made), and gives each routed theme an
owner. ``assign_new_answers`` places answers that arrived since the last run into
the existing themes with the fitted model's own ``predict``, the code path that
fitting used.
"""

import pickle  # nosec B403 - only our own model, stored in our own database
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import and_, func
from sqlalchemy.orm import aliased

from analysis.routing import Catalog, DepartmentRouter, training_data
from analysis.routing import Department as CatalogDepartment
from analysis.themes import UNCLEAR, ThemeModel
from cat_survey.db import db
from cat_survey.models import (
    AnalysisRun,
    Answer,
    Department,
    Survey,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeMonth,
    ThemeStatus,
    utcnow,
)

# Routing reads at most this many answers per theme, closest to its centre first.
ROUTING_SAMPLE = 200
CHUNK = 500


class AnalysisError(ValueError):
    """A run that cannot happen (unknown survey, too few answers)."""


@dataclass(frozen=True)
class TextAnswer:
    """A free-text answer as the theme model sees it."""

    id: int
    text: str
    answered_at: datetime
    nps: int | None


@dataclass
class RunReport:
    """What one analysis run did, for the command line and the run's record."""

    run_id: int
    answers: int
    themes: int
    new_themes: int = 0
    kept_themes: int = 0
    unclear: int = 0
    triaged: int = 0
    reopened: int = 0
    created: list[Theme] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return (
            f"run {self.run_id}: {self.answers} answers -> {self.themes} themes "
            f"({self.new_themes} new, {self.kept_themes} kept from earlier runs), "
            f"{self.unclear} unclear, {self.triaged} sent to triage, "
            f"{self.reopened} reopened"
        )


def text_answers(
    survey: Survey | None = None,
    since: date | None = None,
    *,
    after: datetime | None = None,
    unassigned: bool = False,
) -> list[TextAnswer]:
    """Free-text answers in scope, each with its response's NPS rating if any."""
    nps = aliased(Answer)
    query = (
        db.select(Answer.id, Answer.text_value, Answer.answered_at, nps.number_value)
        .join(SurveyResponse, Answer.response_id == SurveyResponse.id)
        .outerjoin(
            nps, and_(nps.response_id == Answer.response_id, nps.question_type == "nps")
        )
        .where(Answer.question_type == "text", Answer.text_value.is_not(None))
        .where(func.length(func.trim(Answer.text_value)) > 0)
        .order_by(Answer.id)
    )
    if survey is not None:
        query = query.where(SurveyResponse.survey_id == survey.id)
    if since is not None:
        query = query.where(
            Answer.answered_at >= datetime.combine(since, time(), utcnow().tzinfo)
        )
    if after is not None:
        query = query.where(Answer.answered_at > after)
    if unassigned:
        query = query.where(
            ~db.select(ThemeAnswer).where(ThemeAnswer.answer_id == Answer.id).exists()
        )
    rows = db.session.execute(query).all()
    seen: set[int] = set()
    answers = []
    for answer_id, text, answered_at, rating in rows:
        if answer_id not in seen:  # one row per answer even if a survey asks NPS twice
            seen.add(answer_id)
            answers.append(
                TextAnswer(
                    answer_id,
                    text,
                    answered_at,
                    None if rating is None else int(rating),
                )
            )
    return answers


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
    scope = db.session.scalars(
        db.select(Theme).where(Theme.survey_id == (survey.id if survey else None))
    ).all()
    previous = {theme.id: theme.centroid for theme in scope if theme.centroid}
    model = ThemeModel(n_themes=n_themes, random_state=seed, verbose=verbose).fit(
        [answer.text for answer in answers],
        ratings=[answer.nps for answer in answers],
        previous=previous,
    )
    run = AnalysisRun(
        survey_id=survey.id if survey else None,
        since=since,
        parameters={"n_themes": n_themes, "seed": seed, "model": model.get_params()},
        answer_count=len(answers),
        theme_count=len(model.themes_),
    )
    db.session.add(run)
    db.session.flush()

    by_id = {theme.id: theme for theme in scope}
    report = RunReport(run.id, len(answers), len(model.themes_))
    themes = []
    for fitted in model.themes_:
        theme = by_id.get(fitted.id) if fitted.id in previous else None
        if theme is None:
            theme = Theme(survey_id=run.survey_id, status=ThemeStatus.NEW)
            db.session.add(theme)
            report.created.append(theme)
        theme.last_run_id = run.id
        theme.label = fitted.label[:300]
        theme.terms = list(fitted.terms)
        theme.sentiment = fitted.sentiment
        theme.nps = fitted.nps
        theme.centroid = model.term_centroids_[fitted.id]
        themes.append(theme)
    db.session.flush()
    report.new_themes = len(report.created)
    report.kept_themes = len(themes) - report.new_themes
    for theme in report.created:
        log_event(theme, "created", to_value=theme.label)

    replace_links(answers, model.labels_, model.similarities_, themes)
    report.unclear = int((model.labels_ == UNCLEAR).sum())
    set_quotes(answers, model.labels_, model.similarities_, themes, model)
    touched = themes + [theme for theme in scope if theme not in themes]
    refresh_sizes_and_months(touched)

    from cat_survey.themes.workflow import reopen_if_growing

    for theme in themes:
        if theme.status == ThemeStatus.RESOLVED and reopen_if_growing(
            theme, theme.size
        ):
            report.reopened += 1
    report.triaged = route_themes(themes, answers, model.labels_, model.similarities_)
    run.model = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    run.parameters = {**run.parameters, "theme_ids": [theme.id for theme in themes]}
    run.finished_at = utcnow()
    notify_new_themes(report.created)
    db.session.commit()
    return report


def find_survey(slug: str | None) -> Survey | None:
    """The survey a run is limited to; None for all surveys."""
    if slug is None:
        return None
    survey = db.session.scalar(db.select(Survey).filter_by(slug=slug))
    if survey is None:
        raise AnalysisError(f"no survey {slug!r}")
    return survey


def replace_links(
    answers: Sequence[TextAnswer],
    labels: Sequence[int],
    similarities: Sequence[float],
    themes: Sequence[Theme],
) -> None:
    """Replace the theme memberships of these answers with the run's."""
    ids = [answer.id for answer in answers]
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            db.delete(ThemeAnswer).where(
                ThemeAnswer.answer_id.in_(ids[start : start + CHUNK])
            )
        )
    rows = [
        {
            "answer_id": answer.id,
            "theme_id": themes[label].id,
            "similarity": float(similarity),
        }
        for answer, label, similarity in zip(answers, labels, similarities, strict=True)
        if label != UNCLEAR
    ]
    if rows:
        db.session.execute(db.insert(ThemeAnswer), rows)


def set_quotes(
    answers: Sequence[TextAnswer],
    labels: Sequence[int],
    similarities: Sequence[float],
    themes: Sequence[Theme],
    model: ThemeModel,
) -> None:
    """Store each theme's representative quotes as the ids of the answers quoted."""
    first_id_of: list[dict[str, int]] = [{} for _ in themes]
    order = sorted(range(len(answers)), key=lambda i: -similarities[i])
    for index in order:
        label = labels[index]
        if label != UNCLEAR:
            first_id_of[label].setdefault(answers[index].text, answers[index].id)
    for theme, fitted, lookup in zip(themes, model.themes_, first_id_of, strict=True):
        theme.quotes = [lookup[quote] for quote in fitted.quotes if quote in lookup]


def refresh_sizes_and_months(themes: Iterable[Theme]) -> None:
    """Recount each theme's answers, in all and per calendar month."""
    themes = list(themes)
    ids = [theme.id for theme in themes]
    if not ids:
        return
    dates = db.session.execute(
        db.select(ThemeAnswer.theme_id, Answer.answered_at)
        .join(Answer, Answer.id == ThemeAnswer.answer_id)
        .where(ThemeAnswer.theme_id.in_(ids))
    ).all()
    per_month: dict[int, Counter] = defaultdict(Counter)
    for theme_id, answered_at in dates:
        per_month[theme_id][date(answered_at.year, answered_at.month, 1)] += 1
    db.session.execute(db.delete(ThemeMonth).where(ThemeMonth.theme_id.in_(ids)))
    rows = [
        {"theme_id": theme_id, "month": month, "count": count}
        for theme_id, months in per_month.items()
        for month, count in months.items()
    ]
    if rows:
        db.session.execute(db.insert(ThemeMonth), rows)
    for theme in themes:
        theme.size = sum(per_month[theme.id].values())


def department_catalog() -> Catalog:
    """The department catalog as stored, in the form the router learns from."""
    departments = db.session.scalars(db.select(Department).order_by(Department.id))
    return Catalog(
        tuple(
            CatalogDepartment(
                slug=department.slug,
                name=department.name,
                description=department.description,
                keywords=tuple(department.keywords),
                examples=tuple(department.examples),
            )
            for department in departments
        )
    )


def corrections() -> list[tuple[str, str]]:
    """(answer text, department slug) for every theme an advocate reassigned."""
    reassigned = (
        db.select(ThemeEvent.theme_id).where(ThemeEvent.kind == "reassigned").distinct()
    )
    rows = db.session.execute(
        db.select(Answer.text_value, Department.slug)
        .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
        .join(Theme, Theme.id == ThemeAnswer.theme_id)
        .join(Department, Department.id == Theme.department_id)
        .where(Theme.id.in_(reassigned))
    ).all()
    return [(text, slug) for text, slug in rows if text]


def build_router() -> DepartmentRouter:
    """A router trained on the catalog plus every advocate's reassignments."""
    catalog = department_catalog()
    if len(catalog.departments) < 2:
        raise AnalysisError("load the department catalog first: flask departments load")
    texts, labels = training_data(catalog, corrections())
    return DepartmentRouter().fit(texts, labels)


def route_themes(
    themes: Sequence[Theme],
    answers: Sequence[TextAnswer],
    labels: Sequence[int],
    similarities: Sequence[float],
) -> int:
    """Route every theme not reassigned by a person; return how many need triage."""
    from cat_survey.themes.workflow import pick_owner

    router = build_router()
    departments = {d.slug: d for d in db.session.scalars(db.select(Department))}
    manual = set(
        db.session.scalars(
            db.select(ThemeEvent.theme_id).where(ThemeEvent.kind == "reassigned")
        )
    )
    members: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for answer, label, similarity in zip(answers, labels, similarities, strict=True):
        if label != UNCLEAR:
            members[label].append((similarity, answer.text))
    triaged = 0
    for index, theme in enumerate(themes):
        if theme.id in manual or not members[index]:
            continue
        sample = [text for _, text in sorted(members[index], reverse=True)][
            :ROUTING_SAMPLE
        ]
        decision = router.route_theme(sample)
        theme.routing_confidence = round(float(decision.confidence), 4)
        theme.routing_terms = list(decision.terms)
        theme.needs_triage = decision.needs_triage
        triaged += decision.needs_triage
        target = departments.get(decision.department) if decision.department else None
        if target is not None and theme.department_id != target.id:
            previous = theme.department.slug if theme.department else None
            theme.department = target
            theme.owner = pick_owner(target)
            why = f"confidence {decision.confidence:.2f}: {', '.join(decision.terms)}"
            log_event(
                theme, "routed", from_value=previous, to_value=target.slug, reason=why
            )
        elif target is None and decision.needs_triage and theme.department_id is None:
            log_event(theme, "triage", to_value=decision.best_guess,
                      reason=f"confidence {decision.confidence:.2f}")  # fmt: skip
    return triaged


def notify_new_themes(themes: Iterable[Theme]) -> None:
    """Queue the owner's e-mail and the department's webhook for each new theme."""
    from cat_survey.notifications import queue_theme_notice

    for theme in themes:
        if theme.department_id is not None:
            queue_theme_notice(theme)


def log_event(theme: Theme, kind: str, **fields: str | None) -> None:
    """Add a system event (no actor) to a theme's audit trail."""
    db.session.add(ThemeEvent(theme=theme, actor_id=None, kind=kind, **fields))


def latest_run() -> AnalysisRun | None:
    """The most recent finished run that stored a model."""
    return db.session.scalar(
        db.select(AnalysisRun)
        .where(AnalysisRun.model.is_not(None), AnalysisRun.finished_at.is_not(None))
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )


def assign_new_answers() -> int:
    """Place answers that arrived since the last run into its themes; commit.

    Returns how many answers joined a theme (the rest stay unclear until a refit).
    """
    run = latest_run()
    if run is None:
        raise AnalysisError("no analysis run yet: run 'flask analyze' first")
    survey = db.session.get(Survey, run.survey_id) if run.survey_id else None
    answers = text_answers(survey, after=run.started_at, unassigned=True)
    if not answers:
        return 0
    # Our own model, written by run_analysis into our own database.
    model: ThemeModel = pickle.loads(run.model)  # nosec B301
    labels, similarities = model.predict_with_similarity([a.text for a in answers])
    theme_ids = run.parameters["theme_ids"]
    themes = [db.session.get(Theme, theme_id) for theme_id in theme_ids]
    if None in themes:
        raise AnalysisError("themes were deleted since the last run: run 'analyze'")
    replace_links(answers, labels, similarities, themes)
    refresh_sizes_and_months(themes)
    db.session.commit()
    return int((labels != UNCLEAR).sum())
