"""Routing themes to departments: the catalog, advocates' corrections, triage."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analysis import routing
from analysis.routing import Catalog, DepartmentRouter
from analysis.routing import Department as CatalogDepartment
from analysis.themes import UNCLEAR
from cat_survey.analyze.scope import (
    CHUNK,
    AnalysisError,
    Labels,
    Similarities,
    TextAnswer,
)
from cat_survey.analyze.stored import latest_run
from cat_survey.db import db
from cat_survey.domain.theme_workflow import log_theme_event, pick_owner
from cat_survey.models import (
    Answer,
    Department,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeEventKind,
)

#: A triage theme is read again, together, from at most this many answers.
ROUTING_SAMPLE = 200


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
        db.select(ThemeEvent.theme_id)
        .where(ThemeEvent.kind == ThemeEventKind.REASSIGNED)
        .distinct()
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
            db.select(ThemeEvent.theme_id).where(
                ThemeEvent.kind == ThemeEventKind.REASSIGNED
            )
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
            log_theme_event(
                theme,
                ThemeEventKind.ROUTED,
                from_value=previous,
                to_value=target.slug,
                reason=why,
            )
        elif target is None and theme.department_id is None:
            log_theme_event(theme, ThemeEventKind.TRIAGE, to_value=route.best_guess,
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
