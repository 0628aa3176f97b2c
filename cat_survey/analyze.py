"""Theme runs: cluster stored free-text answers, keep honest identities, route them.

``run_analysis`` is what ``flask analyze`` does:

1. It reads the free-text answers in scope (with their response's NPS) in one
   query and, for the ``semantic`` representation, their sentence embeddings:
   stored ones are read back and only answers without one are embedded
   (:mod:`cat_survey.embeddings`).
2. **One department per theme** (:func:`fit_themes`): the department router
   (trained on the catalog plus every reassignment an advocate made, kept
   across runs as answer ids) routes each answer, then the answers of each
   department are themed on their own (``analysis.routed_themes``), so an
   answer reaches through its theme the department it would reach alone. The
   answers the router was unsure of form triage themes; read together, such a
   theme often points clearly to one department, and then goes there.
3. **Identity** (:func:`theme_lineage`): a theme of the previous run keeps its id,
   status and owner only when one new theme really continues it: that theme holds
   more than half of the old theme's answers, more than half of the new theme's
   previously themed answers came from it, and their centres are alike. Every
   other old theme is closed, never quietly reused for another topic: as
   ``superseded`` with an event naming the themes that took its answers, or as
   ``archived`` with an event when no theme took them. A theme left with no
   answers at all is archived as well; a kept theme whose label changes gets a
   ``relabelled`` event.
4. **Sentiment** (:func:`answer_sentiments`): each answer is scored by
   :mod:`analysis.sentiment`'s model adapted to this deployment, with the
   answers' own NPS ratings as weak labels, and flagged where its text
   contradicts its rating; a theme's sentiment is the mean of its answers'.
5. It stores memberships, quotes and monthly counts, reopens resolved themes that
   keep growing, and gives each routed theme its department's least busy
   advocate as owner (a theme a person reassigned keeps their choice).

``assign_new_answers`` (``flask analyze --assign-new``) places answers that
arrived since into the existing themes with the stored model (route, then the
department's themes), embedding only those answers. It reads answers past the
run's cursor, inserts memberships with "on conflict do nothing" and recounts
only the themes and months it touched, so it is idempotent and safe to run every
minute, even twice at once.
"""

import pickle  # nosec B403 - only our own model, stored in our own database
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from flask import current_app
from numpy.typing import NDArray
from sqlalchemy import and_, func
from sqlalchemy.orm import aliased

from analysis import routing
from analysis.embeddings import (
    EmbeddingUnavailable,
    load_encoder,
    resolve_representation,
)
from analysis.routed_themes import fit_routed_themes
from analysis.routing import Catalog, DepartmentRouter
from analysis.routing import Department as CatalogDepartment
from analysis.sentiment import (
    default_model,
    disagreements,
    sentiment_scores,
    with_weak_labels,
)
from analysis.themes import UNCLEAR, ThemeModel
from cat_survey.db import db
from cat_survey.embeddings import (
    answer_vectors,
    configured_encoder,
    insert_ignoring_duplicates,
)
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
from cat_survey.notifications import queue_theme_notice
from cat_survey.themes.workflow import pick_owner, reopen_if_growing, status_label

#: Per answer, its theme and its similarity to that theme: NumPy arrays from the
#: theme model, or plain lists.
Labels = Sequence[int] | NDArray[np.integer]
Similarities = Sequence[float] | NDArray[np.floating]

CHUNK = 500
#: A triage theme is read again, together, from at most this many answers.
ROUTING_SAMPLE = 200
#: A theme continues an old one only if it keeps more than this share of the old
#: theme's answers, and more than this share of its own previously themed answers
#: came from it: a theme split in two halves continues in neither.
MIN_KEPT_SHARE = 0.5
#: ... and their centres are at least this similar (cosine), per representation:
#: mean sentence embeddings of one topic sit far closer than mean TF-IDF terms.
MIN_CENTROID_SIMILARITY = {"semantic": 0.8, "tfidf": 0.5}
#: Statuses of themes that no run continues or fills any more.
RETIRED_STATUSES = (ThemeStatus.SUPERSEDED.value, ThemeStatus.ARCHIVED.value)
#: An answer this old is surely committed: ``--assign-new`` moves its cursor past
#: it. Younger ones are looked at again next time, in case a transaction that
#: holds a lower id commits late (PostgreSQL hands out ids before commit).
SETTLE = timedelta(seconds=60)
#: Successor themes named in a ``superseded`` event, largest share first.
NAMED_SUCCESSORS = 5


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
    representation: str = "tfidf"
    embedded: int = 0
    new_themes: int = 0
    kept_themes: int = 0
    superseded: int = 0
    archived: int = 0
    unclear: int = 0
    triaged: int = 0
    themed_in_triage: int = 0
    reopened: int = 0
    created: list[Theme] = field(default_factory=list, repr=False)

    @property
    def triage_share(self) -> float:
        """Share of the themed answers whose theme waits in triage."""
        themed = self.answers - self.unclear
        return self.themed_in_triage / themed if themed else 0.0

    def __str__(self) -> str:
        return (
            f"run {self.run_id} ({self.representation}, {self.embedded} answers "
            f"embedded now): {self.answers} answers -> {self.themes} themes "
            f"({self.new_themes} new, {self.kept_themes} kept from earlier runs), "
            f"{self.superseded} superseded, {self.archived} archived, "
            f"{self.unclear} unclear, {self.triaged} sent to triage "
            f"({self.triage_share:.0%} of themed answers), {self.reopened} reopened"
        )


@dataclass(frozen=True)
class FittedThemes:
    """What a run needs from whatever model grouped the answers.

    ``labels`` index ``themes`` (or are -1, unclear); ``centroids`` are each
    theme's term centroid for the record; ``model`` is what ``--assign-new``
    unpickles later to place new answers.
    """

    model: Any
    labels: np.ndarray
    similarities: np.ndarray
    themes: list[Any]
    centroids: list[dict[str, float] | None]
    representations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Lineage:
    """How a run's themes relate to the previous run's.

    ``kept`` maps a new theme's index to the old theme id it continues;
    ``moved`` maps every other old theme with answers in the run to
    ``(new index, answers)`` pairs, largest first (new index -1: unclear).
    """

    kept: dict[int, int]
    moved: dict[int, list[tuple[int, int]]]


def text_answers(
    survey: Survey | None = None,
    since: date | None = None,
    *,
    after_id: int | None = None,
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
    if after_id is not None:
        query = query.where(Answer.id > after_id)
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


def theme_representation() -> tuple[str, Any]:
    """The representation this app runs and its encoder (None for TF-IDF).

    ``THEME_REPRESENTATION`` is "auto" (semantic when the embedding model
    loads), "tfidf" or "semantic" (which fails with the reason when it cannot).
    """
    requested = current_app.config.get("THEME_REPRESENTATION") or "auto"
    model = current_app.config.get("EMBEDDING_MODEL") or None
    try:
        chosen = resolve_representation(requested, model)
    except (EmbeddingUnavailable, ValueError) as error:
        raise AnalysisError(str(error)) from error
    return chosen, configured_encoder() if chosen == "semantic" else None


@dataclass(frozen=True)
class AnswerSentiment:
    """Each answer's sentiment (-1..1) and whether its text contradicts its rating."""

    scores: np.ndarray
    disagrees: np.ndarray


def answer_sentiments(
    answers: Sequence[TextAnswer], representation: str, encoder: Any
) -> AnswerSentiment:
    """Score every answer with the sentiment model adapted to these ratings.

    The shipped model is refitted with each rated answer as a weak label (a
    detractor's answer counts as a little evidence of a complaint, a promoter's
    of praise), so it learns how this deployment's customers complain. An
    answer is flagged as contradicting its rating only when both the shipped
    model (which has not learned to agree with the ratings) and the adapted one
    (which knows this deployment's words) read it the opposite way: either alone
    flagged plain complaints such as "long hold time before support picked up".
    """
    texts = [answer.text for answer in answers]
    ratings = [answer.nps for answer in answers]
    base = default_model(
        representation=representation,
        model=encoder.name if encoder is not None else None,
    )
    adapted = with_weak_labels(texts, ratings, model=base)
    flags = np.zeros(len(texts), dtype=bool)
    both = {found.index for found in disagreements(texts, ratings, model=base)}
    both &= {found.index for found in disagreements(texts, ratings, model=adapted)}
    flags[sorted(both)] = True
    return AnswerSentiment(sentiment_scores(texts, model=adapted), flags)


class RoutedPlacer:
    """Places later answers as the run grouped them: route each, then its model.

    What ``--assign-new`` unpickles: the run's router and each department's
    fitted :class:`ThemeModel`, with the run's theme index of every department
    theme. An answer routed to a department whose model has no theme for it,
    or to no fitted department, stays unclear until the next run.
    """

    def __init__(
        self,
        router: DepartmentRouter,
        models: Mapping[str | None, ThemeModel],
        themes_of: Mapping[str | None, list[int]],
    ) -> None:
        self.router = router
        self.models = dict(models)
        self.themes_of = {key: list(value) for key, value in themes_of.items()}

    def get_params(self) -> dict[str, Any]:
        """What the run records about its model (the first department's settings)."""
        first = next(iter(self.models.values()), None)
        params = first.get_params() if first is not None else {}
        return {**params, "routed": True, "departments": len(self.models)}

    def predict_with_similarity(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run theme index (or -1) and similarity of each answer."""
        labels = np.full(len(texts), UNCLEAR, dtype=np.intp)
        similarities = np.zeros(len(texts))
        rows_of: dict[str | None, list[int]] = defaultdict(list)
        for row, decision in enumerate(self.router.route(list(texts))):
            rows_of[decision.department].append(row)
        for department, rows in rows_of.items():
            model = self.models.get(department)
            if model is None:
                continue
            local, similarity = model.predict_with_similarity(
                [texts[row] for row in rows],
                None if embeddings is None else embeddings[rows],
            )
            index = np.array(self.themes_of[department] + [UNCLEAR], dtype=np.intp)
            labels[rows] = index[np.asarray(local)]  # local -1 picks the UNCLEAR
            similarities[rows] = similarity
        return labels, similarities


def fit_themes(
    answers: Sequence[TextAnswer],
    *,
    router: DepartmentRouter,
    representation: str,
    encoder: Any,
    vectors: np.ndarray | None,
    n_themes: int | str,
    seed: int,
    verbose: bool,
) -> FittedThemes:
    """Route every answer, then theme each department's answers on their own.

    A theme therefore holds answers of one department (those the router was
    unsure of form triage themes), and the one place that knows the analysis
    API is here.
    """
    texts = [answer.text for answer in answers]
    routed = fit_routed_themes(
        texts,
        router,
        ratings=[answer.nps for answer in answers],
        embeddings=vectors,
        n_themes=n_themes,
        representation=representation,
        model=encoder.name if encoder is not None else None,
        random_state=seed,
        verbose=verbose,
    )
    themes_of: dict[str | None, list[int]] = {}
    for department, model in routed.models.items():
        rows = np.array(
            [i for i, d in enumerate(routed.departments) if d == department],
            dtype=np.intp,
        )
        local = np.asarray(model.labels_)
        themes_of[department] = [
            int(routed.labels[rows[np.flatnonzero(local == t)[0]]])
            for t in range(len(model.themes_))
        ]
    return FittedThemes(
        model=RoutedPlacer(router, routed.models, themes_of),
        labels=np.asarray(routed.labels),
        similarities=np.asarray(routed.similarities),
        themes=list(routed.themes),
        centroids=[routed.term_centroids.get(t.id) for t in routed.themes],
        representations=dict(routed.representations),
    )


def predict_themes(
    model: Any, texts: Sequence[str], vectors: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Place answers into a stored model's themes: (theme index or -1, similarity)."""
    labels, similarities = model.predict_with_similarity(list(texts), vectors)
    return np.asarray(labels), np.asarray(similarities)


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
    fitted = fit_themes(
        answers,
        router=router,
        representation=representation,
        encoder=encoder,
        vectors=vectors,
        n_themes=n_themes,
        seed=seed,
        verbose=verbose,
    )
    sentiment = answer_sentiments(answers, representation, encoder)
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
    run.model = pickle.dumps(fitted.model, protocol=pickle.HIGHEST_PROTOCOL)
    run.parameters = {
        **run.parameters,
        "theme_ids": [theme.id for theme in themes],
        # Answer ids, not texts: an erased answer drops out of the training data.
        "corrections": [[answer_id, slug] for answer_id, slug in taught],
        "triage_share": round(report.triage_share, 4),
    }
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


# ---------------------------------------------------------------- identity


def current_memberships(
    answer_ids: Sequence[int], themes: Mapping[int, Theme]
) -> list[int | None]:
    """The theme (among ``themes``) each answer belongs to now, or None."""
    theme_of: dict[int, int] = {}
    for start in range(0, len(answer_ids), CHUNK):
        rows = db.session.execute(
            db.select(ThemeAnswer.answer_id, ThemeAnswer.theme_id).where(
                ThemeAnswer.answer_id.in_(answer_ids[start : start + CHUNK])
            )
        )
        theme_of.update({a: t for a, t in rows if t in themes})
    return [theme_of.get(answer_id) for answer_id in answer_ids]


def cosine(
    a: Mapping[str, float] | np.ndarray, b: Mapping[str, float] | np.ndarray
) -> float:
    """Cosine similarity of two vectors, dense or as {term: weight}."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        dot = sum(w * b.get(term, 0.0) for term, w in a.items())
        norms = np.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))
    else:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        dot, norms = float(a @ b), float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(dot / norms) if norms else 0.0


def centroid_similarity(
    representation: str,
    previous: Sequence[int | None],
    fitted: FittedThemes,
    vectors: np.ndarray | None,
    themes: Mapping[int, Theme],
) -> Callable[[int, int], float | None]:
    """How alike an old theme's centre and a new theme's centre are.

    With embeddings, both centres are mean vectors of this run: the old theme's
    answers (as they were before this run) against the new theme's answers.
    Otherwise the old theme's stored term centroid is compared with the new one.
    None means there is nothing to compare, and the test is skipped.
    """
    if vectors is not None:
        old_rows: dict[int, list[int]] = defaultdict(list)
        for row, theme_id in enumerate(previous):
            if theme_id is not None:
                old_rows[theme_id].append(row)
        labels = fitted.labels

        def embedded(old_id: int, new_index: int) -> float | None:
            new_rows = np.flatnonzero(labels == new_index)
            if not old_rows[old_id] or not new_rows.size:
                return None
            return cosine(
                vectors[old_rows[old_id]].mean(axis=0), vectors[new_rows].mean(axis=0)
            )

        return embedded

    def terms(old_id: int, new_index: int) -> float | None:
        old, new = themes[old_id].centroid, fitted.centroids[new_index]
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            return None
        return cosine(old, new)

    return terms


def theme_lineage(
    previous: Sequence[int | None],
    labels: Labels,
    *,
    similarity: Callable[[int, int], float | None] = lambda old, new: None,
    min_share: float = MIN_KEPT_SHARE,
    min_similarity: float = MIN_CENTROID_SIMILARITY["tfidf"],
) -> Lineage:
    """Decide which new themes continue which old ones (see the module docstring).

    ``previous[i]`` is the old theme of answer ``i`` (None if it had none) and
    ``labels[i]`` its new theme index (-1: unclear). A pair (old, new) continues
    when the new theme holds more than ``min_share`` of the old theme's answers,
    more than ``min_share`` of the new theme's previously themed answers were the
    old theme's, and ``similarity(old, new)``, when known, reaches
    ``min_similarity``. Each theme continues at most one other.

    >>> lineage = theme_lineage([7, 7, 7, 8, 8, None], [0, 0, 1, 1, 1, 1])
    >>> lineage.kept, lineage.moved
    ({0: 7, 1: 8}, {})
    >>> theme_lineage([7, 7, 8, 8], [0, 0, 0, 0]).moved  # merged: neither continues
    {7: [(0, 2)], 8: [(0, 2)]}
    >>> theme_lineage([7, 7, 7, 7], [0, 0, 1, 1]).moved  # split in halves: neither
    {7: [(0, 2), (1, 2)]}
    """
    overlap: Counter[tuple[int, int]] = Counter()
    old_sizes: Counter[int] = Counter()
    new_previously_themed: Counter[int] = Counter()
    for old, new in zip(previous, labels, strict=True):
        if old is None:
            continue
        overlap[old, int(new)] += 1
        old_sizes[old] += 1
        if new != UNCLEAR:
            new_previously_themed[int(new)] += 1
    kept: dict[int, int] = {}
    taken: set[int] = set()
    for (old, new), count in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0])):
        if new == UNCLEAR or new in kept or old in taken:
            continue
        if count / old_sizes[old] <= min_share:
            continue
        if count / new_previously_themed[new] <= min_share:
            continue
        alike = similarity(old, new)
        if alike is not None and alike < min_similarity:
            continue
        kept[new] = old
        taken.add(old)
    moved: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (old, new), count in overlap.items():
        if old not in taken:
            moved[old].append((new, count))
    for pairs in moved.values():
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return Lineage(kept, dict(sorted(moved.items())))


def store_themes(
    fitted: FittedThemes,
    lineage: Lineage,
    by_id: Mapping[int, Theme],
    survey_id: int | None,
    run: AnalysisRun,
    report: RunReport,
) -> list[Theme]:
    """The run's themes as rows: continued old ones updated, the rest created."""
    themes = []
    for index, found in enumerate(fitted.themes):
        theme = by_id.get(lineage.kept[index]) if index in lineage.kept else None
        label = found.label[:300]
        if theme is None:
            theme = Theme(survey_id=survey_id, status=ThemeStatus.NEW)
            db.session.add(theme)
            report.created.append(theme)
        elif theme.label != label:
            log_event(theme, "relabelled", from_value=theme.label, to_value=label,
                      reason="Same answers, described anew by this run.")  # fmt: skip
        theme.last_run_id = run.id
        theme.label = label
        theme.terms = list(found.terms)
        theme.nps = found.nps
        theme.centroid = fitted.centroids[index]
        themes.append(theme)
    db.session.flush()
    report.new_themes = len(report.created)
    report.kept_themes = len(themes) - report.new_themes
    return themes


def retire_discontinued(
    lineage: Lineage,
    by_id: Mapping[int, Theme],
    themes: Sequence[Theme],
    report: RunReport,
) -> None:
    """Close every old theme that no new theme continues, saying where it went.

    New themes get a ``created`` event, naming the old themes whose answers they
    took, if any.
    """
    origins: dict[int, list[str]] = defaultdict(list)
    for old_id, pairs in lineage.moved.items():
        old = by_id[old_id]
        was = status_name(old)
        total = sum(count for _, count in pairs)
        successors = [(new, count) for new, count in pairs if new != UNCLEAR]
        if not successors:
            reason = f"None of its {total} answers form a theme any more."
            retire(old, ThemeStatus.ARCHIVED, reason)
            report.archived += 1
            continue
        named = successors[:NAMED_SUCCESSORS]
        where = "; ".join(
            f"#{themes[new].id} \u201c{themes[new].label}\u201d ({count})"
            for new, count in named
        )
        retire(
            old,
            ThemeStatus.SUPERSEDED,
            f"Its {total} answers no longer form one theme; they are now in {where}.",
            successors=", ".join(f"#{themes[new].id}" for new, _ in named),
        )
        report.superseded += 1
        for new, count in named:
            origins[new].append(
                f"{count} answers of #{old.id} \u201c{old.label}\u201d ({was})"
            )
    created = {id(theme) for theme in report.created}
    for index, theme in enumerate(themes):
        if id(theme) in created:
            takes: str | None = (
                f"Takes {'; '.join(origins[index])}." if origins[index] else None
            )
            log_event(theme, "created", to_value=theme.label, reason=takes)


def status_name(theme: Theme) -> str:
    """The status a theme had before this run retired it, as people read it."""
    return status_label(theme.status).lower()


def retire(
    theme: Theme, status: ThemeStatus, reason: str, *, successors: str | None = None
) -> None:
    """Close a theme that no run continues (superseded or archived), with an event."""
    log_event(
        theme,
        status.value,
        from_value=theme.status,
        to_value=successors or status.value,
        reason=reason,
    )
    theme.status = status.value
    theme.status_reason = reason
    theme.needs_triage = False


def archive_empty(themes: Iterable[Theme]) -> int:
    """Archive every live theme that was left with no answers; return how many."""
    archived = 0
    for theme in themes:
        if theme.size == 0 and theme.status not in RETIRED_STATUSES:
            retire(theme, ThemeStatus.ARCHIVED, "No answers are left in this theme.")
            archived += 1
    return archived


# ---------------------------------------------------------------- memberships


def replace_links(
    answers: Sequence[TextAnswer],
    labels: Labels,
    similarities: Similarities,
    themes: Sequence[Theme],
    sentiment: "AnswerSentiment | None" = None,
) -> None:
    """Replace the theme memberships of these answers with the run's."""
    ids = [answer.id for answer in answers]
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            db.delete(ThemeAnswer).where(
                ThemeAnswer.answer_id.in_(ids[start : start + CHUNK])
            )
        )
    rows = membership_rows(answers, labels, similarities, themes, sentiment)
    if rows:
        db.session.execute(db.insert(ThemeAnswer), rows)


def membership_rows(
    answers: Sequence[TextAnswer],
    labels: Labels,
    similarities: Similarities,
    themes: Sequence[Theme],
    sentiment: "AnswerSentiment | None" = None,
) -> list[dict[str, Any]]:
    """ThemeAnswer rows for the answers that joined a theme."""
    return [
        {
            "answer_id": answer.id,
            "theme_id": themes[label].id,
            "similarity": float(similarity),
            "sentiment": None if sentiment is None else float(sentiment.scores[row]),
            "disagrees": None if sentiment is None else bool(sentiment.disagrees[row]),
        }
        for row, (answer, label, similarity) in enumerate(
            zip(answers, labels, similarities, strict=True)
        )
        if label != UNCLEAR
    ]


def set_quotes(
    answers: Sequence[TextAnswer],
    labels: Labels,
    similarities: Similarities,
    themes: Sequence[Theme],
    found: Sequence[Any],
) -> None:
    """Store each theme's representative quotes as the ids of the answers quoted."""
    first_id_of: list[dict[str, int]] = [{} for _ in themes]
    order = sorted(range(len(answers)), key=lambda i: -similarities[i])
    for index in order:
        label = labels[index]
        if label != UNCLEAR:
            first_id_of[label].setdefault(answers[index].text, answers[index].id)
    for theme, fitted, lookup in zip(themes, found, first_id_of, strict=True):
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
        per_month[theme_id][month_of(answered_at)] += 1
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


def month_of(moment: datetime) -> date:
    """The first day of the moment's calendar month."""
    return date(moment.year, moment.month, 1)


# ---------------------------------------------------------------- routing


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


def correction_ids() -> list[tuple[int, str]]:
    """(answer id, department slug) for every answer an advocate's reassignment taught.

    Those of themes reassigned by a person, plus those the last run kept:
    a reassigned theme that a later run superseded still teaches the router.
    An answer erased since drops out, since only existing answers are read.
    """
    reassigned = (
        db.select(ThemeEvent.theme_id).where(ThemeEvent.kind == "reassigned").distinct()
    )
    taught = dict(
        db.session.execute(
            db.select(ThemeAnswer.answer_id, Department.slug)
            .join(Theme, Theme.id == ThemeAnswer.theme_id)
            .join(Department, Department.id == Theme.department_id)
            .where(Theme.id.in_(reassigned))
        ).all()
    )
    last = latest_run()
    earlier = dict(last.parameters.get("corrections", [])) if last else {}
    earlier = {int(answer_id): slug for answer_id, slug in earlier.items()}
    if earlier:
        existing = set(
            db.session.scalars(db.select(Answer.id).where(Answer.id.in_(list(earlier))))
        )
        taught = {
            **{k: v for k, v in earlier.items() if k in existing},
            **taught,
        }
    return sorted(taught.items())


def corrections(
    taught: Sequence[tuple[int, str]] | None = None,
) -> list[tuple[str, str]]:
    """(answer text, department slug) for every answer a reassignment taught."""
    taught = correction_ids() if taught is None else taught
    slug_of = dict(taught)
    texts: dict[int, str] = {}
    ids = list(slug_of)
    for start in range(0, len(ids), CHUNK):
        texts.update(
            db.session.execute(
                db.select(Answer.id, Answer.text_value).where(
                    Answer.id.in_(ids[start : start + CHUNK])
                )
            ).all()
        )
    return [(texts[a], slug_of[a]) for a in ids if texts.get(a)]


def build_router(
    taught: Sequence[tuple[int, str]] | None = None,
    *,
    representation: str = "tfidf",
    encoder: Any = None,
) -> DepartmentRouter:
    """A router trained on the catalog plus every advocate's reassignments."""
    catalog = department_catalog()
    if len(catalog.departments) < 2:
        raise AnalysisError("load the department catalog first: flask departments load")
    return routing.build_router(
        catalog,
        corrections(taught),
        representation=representation,
        model=encoder.name if encoder is not None else None,
    )


@dataclass(frozen=True)
class ThemeRoute:
    """Where a theme goes, how sure the router is, and the words that decided it."""

    department: str | None
    confidence: float
    terms: tuple[str, ...]
    best_guess: str
    why: str


def theme_route(
    found: Any, texts: Sequence[str], router: DepartmentRouter
) -> ThemeRoute:
    """The run's routing of a theme, with a second look at a triage theme.

    The router was unsure of each answer of a triage theme on its own; read
    together (their probabilities averaged, as ``route_theme`` does), the same
    answers often point clearly to one department, and then the theme goes
    there instead of waiting for a person.
    """
    if found.department is not None:
        return ThemeRoute(found.department, found.confidence, found.route_terms,
                          found.best_guess, "")  # fmt: skip
    if texts:
        together = router.route_theme(list(texts)[:ROUTING_SAMPLE])
        if not together.needs_triage:
            return ThemeRoute(
                together.department,
                together.confidence,
                together.terms,
                together.best_guess,
                "unsure answer by answer, clear taken together; ",
            )
    return ThemeRoute(None, found.confidence, found.route_terms, found.best_guess, "")


def route_themes(
    themes: Sequence[Theme],
    found: Sequence[Any],
    texts_of: Sequence[Sequence[str]],
    router: DepartmentRouter,
) -> int:
    """Give each theme its department as the run routed its answers.

    ``texts_of[i]`` are theme ``i``'s answers, closest to its centre first. A
    theme a person reassigned keeps their choice. Returns how many themes wait
    in triage (their answers' department was too uncertain).
    """
    departments = {d.slug: d for d in db.session.scalars(db.select(Department))}
    manual = set(
        db.session.scalars(
            db.select(ThemeEvent.theme_id).where(ThemeEvent.kind == "reassigned")
        )
    )
    triaged = 0
    for theme, fitted, texts in zip(themes, found, texts_of, strict=True):
        if theme.id in manual:
            continue
        route = theme_route(fitted, texts, router)
        theme.routing_confidence = round(float(route.confidence), 4)
        theme.routing_terms = list(route.terms)
        theme.needs_triage = route.department is None
        triaged += theme.needs_triage
        target = departments.get(route.department) if route.department else None
        if target is not None and theme.department_id != target.id:
            previous = theme.department.slug if theme.department else None
            theme.department = target
            theme.owner = pick_owner(target)
            why = (
                f"{route.why}confidence {route.confidence:.2f}: "
                f"{', '.join(route.terms)}"
            )
            log_event(
                theme, "routed", from_value=previous, to_value=target.slug, reason=why
            )
        elif target is None and theme.department_id is None:
            log_event(theme, "triage", to_value=route.best_guess,
                      reason=f"confidence {route.confidence:.2f}")  # fmt: skip
    return triaged


def member_texts(
    answers: Sequence[TextAnswer],
    labels: Labels,
    similarities: Similarities,
    count: int,
) -> list[list[str]]:
    """Each theme's answer texts, closest to its centre first."""
    members: list[list[tuple[float, str]]] = [[] for _ in range(count)]
    for answer, label, similarity in zip(answers, labels, similarities, strict=True):
        if label != UNCLEAR:
            members[label].append((-float(similarity), answer.text))
    return [[text for _, text in sorted(pairs)] for pairs in members]


def notify_new_themes(themes: Iterable[Theme]) -> None:
    """Queue the owner's e-mail and the department's webhook for each new theme."""
    for theme in themes:
        if theme.department_id is not None:
            queue_theme_notice(theme)


def log_event(theme: Theme, kind: str, **fields: str | None) -> None:
    """Add a system event (no actor) to a theme's audit trail."""
    db.session.add(ThemeEvent(theme=theme, actor_id=None, kind=kind, **fields))


# ---------------------------------------------------------------- between runs


def latest_run() -> AnalysisRun | None:
    """The most recent finished run that stored a model."""
    return db.session.scalar(
        db.select(AnalysisRun)
        .where(AnalysisRun.model.is_not(None), AnalysisRun.finished_at.is_not(None))
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )


def settled_cursor(answers: Sequence[TextAnswer], cursor: int | None) -> int | None:
    """The highest answer id that no later look needs to revisit.

    The answers are in id order; the cursor stops before the first one younger
    than :data:`SETTLE`, so a late commit of a lower id is still found.
    """
    settled_before = utcnow() - SETTLE
    for answer in answers:
        if answer.answered_at > settled_before:
            break
        cursor = answer.id
    return cursor


def assign_new_answers() -> int:
    """Place answers that arrived since the last run into its themes; commit.

    Returns how many answers joined a theme (the rest stay unclear until a
    refit). Safe to run concurrently: memberships are inserted with "on
    conflict do nothing", and sizes are recounted, never incremented.
    """
    run = latest_run()
    if run is None:
        raise AnalysisError("no analysis run yet: run 'flask analyze' first")
    survey = db.session.get(Survey, run.survey_id) if run.survey_id else None
    answers = text_answers(survey, after_id=run.placed_through, unassigned=True)
    if not answers:
        return 0
    vectors = None
    if run.parameters.get("representation") == "semantic":
        encoder = load_encoder(run.parameters.get("embedding_model"))
        vectors, _ = answer_vectors(
            [a.id for a in answers], [a.text for a in answers], encoder
        )
    # Our own model, written by run_analysis into our own database.
    if run.model is None:
        raise ValueError(f"analysis run {run.id} stored no model")
    model = pickle.loads(run.model)  # nosec B301
    labels, similarities = predict_themes(model, [a.text for a in answers], vectors)
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


def recount(themes: Sequence[Theme], answers: Sequence[TextAnswer]) -> list[Theme]:
    """Recount the size of these themes and their counts in the answers' months.

    Only the themes and months that new answers touched are read: a theme's
    other months cannot have changed.
    """
    unique = {theme.id: theme for theme in themes}
    if not unique:
        return []
    ids = list(unique)
    sizes = dict(
        db.session.execute(
            db.select(ThemeAnswer.theme_id, func.count())
            .where(ThemeAnswer.theme_id.in_(ids))
            .group_by(ThemeAnswer.theme_id)
        ).all()
    )
    for theme_id, theme in unique.items():
        theme.size = int(sizes.get(theme_id, 0))
    months = sorted({month_of(answer.answered_at) for answer in answers})
    for month in months:
        start = datetime.combine(month, time(), utcnow().tzinfo)
        end = datetime.combine(
            date(month.year + month.month // 12, month.month % 12 + 1, 1),
            time(),
            utcnow().tzinfo,
        )
        counts = dict(
            db.session.execute(
                db.select(ThemeAnswer.theme_id, func.count())
                .join(Answer, Answer.id == ThemeAnswer.answer_id)
                .where(
                    ThemeAnswer.theme_id.in_(ids),
                    Answer.answered_at >= start,
                    Answer.answered_at < end,
                )
                .group_by(ThemeAnswer.theme_id)
            ).all()
        )
        db.session.execute(
            db.delete(ThemeMonth).where(
                ThemeMonth.theme_id.in_(ids), ThemeMonth.month == month
            )
        )
        rows = [
            {"theme_id": theme_id, "month": month, "count": count}
            for theme_id, count in counts.items()
        ]
        if rows:
            db.session.execute(db.insert(ThemeMonth), rows)
    return list(unique.values())
