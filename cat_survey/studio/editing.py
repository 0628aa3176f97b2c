"""What the studio reads and does: survey summaries, checking and publishing text.

Views call these and commit; nothing here renders a page.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from cat_survey.catalog import LoadResult, store_definition
from cat_survey.db import db
from cat_survey.definitions import (
    DefinitionError,
    Problem,
    SurveyDefinition,
    parse_definition,
)
from cat_survey.domain.lifecycle import Availability, availability
from cat_survey.models import Survey, SurveyResponse, SurveyVersion

#: Where a version published in the studio says it came from.
STUDIO_SOURCE = "studio"
MAX_SOURCE_CHARS = 200_000


@dataclass(frozen=True)
class SurveySummary:
    """One survey as the studio's list shows it."""

    slug: str
    title: str
    versions: int
    latest: int
    responses: int
    availability: Availability
    opens_at: datetime | None
    closes_at: datetime | None


@dataclass(frozen=True)
class VersionSummary:
    """One stored version of a survey and the responses that answered it."""

    number: int
    loaded_at: datetime
    source_path: str
    responses: int


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a text: its definition, or every problem found."""

    definition: SurveyDefinition | None
    problems: tuple[Problem, ...]

    def problems_on_line(self, line: int) -> list[Problem]:
        """The problems located on one line (1-based)."""
        return [problem for problem in self.problems if problem.line == line]


def survey_summaries() -> list[SurveySummary]:
    """Every survey with its number of versions and responses, by title."""
    versions = (
        db.select(
            SurveyVersion.survey_id,
            func.count(SurveyVersion.id).label("versions"),
            func.max(SurveyVersion.number).label("latest"),
        )
        .group_by(SurveyVersion.survey_id)
        .subquery()
    )
    responses = (
        db.select(SurveyResponse.survey_id, func.count(SurveyResponse.id).label("n"))
        .group_by(SurveyResponse.survey_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(
            Survey,
            func.coalesce(versions.c.versions, 0),
            func.coalesce(versions.c.latest, 0),
            func.coalesce(responses.c.n, 0),
        )
        .outerjoin(versions, versions.c.survey_id == Survey.id)
        .outerjoin(responses, responses.c.survey_id == Survey.id)
        .order_by(Survey.title, Survey.slug)
    ).all()
    return [
        SurveySummary(
            survey.slug,
            survey.title,
            count,
            latest,
            answered,
            availability(survey.opens_at, survey.closes_at),
            survey.opens_at,
            survey.closes_at,
        )
        for survey, count, latest, answered in rows
    ]


def version_summaries(survey: Survey) -> list[VersionSummary]:
    """A survey's versions, newest first, each with its number of responses."""
    rows = db.session.execute(
        db.select(SurveyVersion, func.count(SurveyResponse.id))
        .outerjoin(SurveyResponse, SurveyResponse.survey_version_id == SurveyVersion.id)
        .where(SurveyVersion.survey_id == survey.id)
        .group_by(SurveyVersion.id)
        .order_by(SurveyVersion.number.desc())
    ).all()
    return [
        VersionSummary(version.number, version.loaded_at, version.source_path, n)
        for version, n in rows
    ]


def survey_by_slug(slug: str) -> Survey | None:
    """The survey of this slug, active or not."""
    return db.session.scalar(db.select(Survey).filter_by(slug=slug))


def normalised_source(text: str) -> str:
    """The text as a file would hold it: LF line ends, one final newline.

    A browser sends CRLF; without this, an unchanged survey would publish as a
    new version because its checksum differs.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"


def check_source(source: str, *, file: str, slug: str | None = None) -> Checked:
    """Validate a survey text as ``surveys check`` does; with ``slug``, also that
    the text keeps the survey's slug (a new slug would be another survey)."""
    if len(source) > MAX_SOURCE_CHARS:
        too_long = Problem(file, None, f"longer than {MAX_SOURCE_CHARS} characters")
        return Checked(None, (too_long,))
    try:
        definition = parse_definition(source, file=file)
    except DefinitionError as error:
        return Checked(None, tuple(error.problems))
    if slug is not None and definition.slug != slug:
        moved = Problem(
            file,
            line_of_key(source, "slug"),
            f"the slug must stay '{slug}': a new slug makes another survey "
            "(start it with 'New survey')",
            field="slug",
        )
        return Checked(None, (moved,))
    return Checked(definition, ())


def line_of_key(source: str, key: str) -> int | None:
    """The 1-based line of a top-level ``key:`` in a YAML text, if there is one."""
    for number, line in enumerate(source.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def is_new_slug(definition: SurveyDefinition) -> bool:
    """True when no survey has this definition's slug yet."""
    return survey_by_slug(definition.slug) is None


def publish(definition: SurveyDefinition, source: str) -> LoadResult:
    """Store a checked text as the survey's new version; the caller commits."""
    return store_definition(definition, source, source_path=STUDIO_SOURCE)
