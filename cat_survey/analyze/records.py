"""A run's themes as rows: created, kept, retired, their memberships and counts."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func

from analysis.themes import UNCLEAR
from cat_survey.analyze.fitting import FittedThemes
from cat_survey.analyze.lineage import Lineage
from cat_survey.analyze.scope import CHUNK, Labels, Similarities, TextAnswer, month_of
from cat_survey.analyze.sentiment import AnswerSentiment
from cat_survey.db import db
from cat_survey.domain.theme_workflow import log_theme_event, status_label
from cat_survey.models import (
    AnalysisRun,
    Answer,
    Theme,
    ThemeAnswer,
    ThemeEventKind,
    ThemeMonth,
    ThemeStatus,
    utcnow,
)
from cat_survey.notifications import queue_theme_notice

#: Statuses of themes that no run continues or fills any more.
RETIRED_STATUSES = (ThemeStatus.SUPERSEDED.value, ThemeStatus.ARCHIVED.value)


#: Successor themes named in a ``superseded`` event, largest share first.
NAMED_SUCCESSORS = 5


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
            log_theme_event(
                theme,
                ThemeEventKind.RELABELLED,
                from_value=theme.label,
                to_value=label,
                reason="Same answers, described anew by this run.",
            )
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
            log_theme_event(
                theme, ThemeEventKind.CREATED, to_value=theme.label, reason=takes
            )


def status_name(theme: Theme) -> str:
    """The status a theme had before this run retired it, as people read it."""
    return status_label(theme.status).lower()


def retire(
    theme: Theme, status: ThemeStatus, reason: str, *, successors: str | None = None
) -> None:
    """Close a theme that no run continues (superseded or archived), with an event."""
    log_theme_event(
        theme,
        ThemeEventKind(status.value),
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


def notify_new_themes(themes: Iterable[Theme]) -> None:
    """Queue the owner's e-mail and the department's webhook for each new theme."""
    for theme in themes:
        if theme.department_id is not None:
            queue_theme_notice(theme)


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
