"""Putting content into the database: survey definitions and the department catalog.

Loading is idempotent. A survey file whose text is unchanged adds nothing; a changed
file adds a new ``SurveyVersion`` (responses keep the version they answered), and
the department catalog is upserted by slug so edits reach existing departments
(but a name or description an admin edited on the web stays, unless told).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func

from analysis.catalog import load_catalog
from cat_survey.db import db
from cat_survey.definitions import SurveyDefinition, load_definition, parse_definition
from cat_survey.models import AdminEvent, Department, Survey, SurveyVersion


@dataclass(frozen=True)
class LoadResult:
    """What loading one survey file did."""

    slug: str
    version: int
    created: bool


def load_survey_file(path: str | Path) -> LoadResult:
    """Store a survey file as a new version unless its latest version is identical."""
    definition = load_definition(path)
    source = Path(path).read_text(encoding="utf-8")
    return store_definition(definition, source, source_path=str(path))


def store_definition(
    definition: SurveyDefinition, source: str, *, source_path: str
) -> LoadResult:
    """Store a parsed definition as its survey's new version, unless it is unchanged.

    ``surveys load`` and the studio's publish both end here: the survey row gets
    the title and dates of the newest text, and responses keep their version.
    """
    survey = db.session.scalar(db.select(Survey).filter_by(slug=definition.slug))
    if survey is None:
        survey = Survey(slug=definition.slug, title=definition.title.get())
        db.session.add(survey)
        db.session.flush()
    # The text is the source of the dates, also for a survey loaded before they
    # were stored (its unchanged text adds no version, but the dates arrive).
    survey.opens_at, survey.closes_at = definition.opens_at, definition.closes_at
    latest = latest_version(survey)
    if latest is not None and latest.checksum == definition.checksum:
        return LoadResult(definition.slug, latest.number, created=False)
    number = (latest.number if latest else 0) + 1
    survey.title = definition.title.get()
    db.session.add(
        SurveyVersion(
            survey=survey,
            number=number,
            checksum=definition.checksum,
            source=source,
            source_path=source_path,
        )
    )
    db.session.flush()
    return LoadResult(definition.slug, number, created=True)


def latest_version(survey: Survey) -> SurveyVersion | None:
    """The newest version of a survey, which new responses answer."""
    return db.session.scalar(
        db.select(SurveyVersion)
        .filter_by(survey_id=survey.id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )


#: Parsed definitions by the SHA-256 of their text, at most DEFINITIONS_KEPT of them.
PARSED_DEFINITIONS: dict[str, SurveyDefinition] = {}
DEFINITIONS_KEPT = 256


def definition_of(version: SurveyVersion) -> SurveyDefinition:
    """The parsed definition a stored version holds, parsed once per process."""
    return parsed_definition(
        version.checksum, lambda: (version.source, version.source_path)
    )


def parsed_definition(
    checksum: str, read_source: Callable[[], tuple[str, str]]
) -> SurveyDefinition:
    """The definition whose text has this checksum, parsed once per process.

    ``read_source`` gives the text and its file name on the first call only. The
    checksum is the SHA-256 of the text, so equal checksums mean equal text,
    whichever database, worker or version row it came from; ``surveys load`` of a
    changed file stores a new version with a new checksum, parsed on first use.
    """
    definition = PARSED_DEFINITIONS.get(checksum)
    if definition is None:
        source, source_path = read_source()
        definition = parse_definition(source, file=source_path)
        if len(PARSED_DEFINITIONS) >= DEFINITIONS_KEPT:
            # Forget the oldest: dicts keep insertion order.
            PARSED_DEFINITIONS.pop(next(iter(PARSED_DEFINITIONS)), None)
        PARSED_DEFINITIONS[checksum] = definition
    return definition


@dataclass(frozen=True)
class DepartmentLoadResult:
    """How many departments loading the catalog created, changed and left alone.

    ``updated`` counts only departments whose stored values changed; ``unchanged``
    those that already matched the file. ``kept_web_edits`` counts the names and
    descriptions left as an admin edited them on the web instead of taking the file's.
    """

    created: int
    updated: int
    kept_web_edits: int = 0
    unchanged: int = 0


#: The fields both the catalog file and the admin screens set. The file alone
#: sets keywords and examples; the admin screens alone set webhooks and advocates.
SHARED_FIELDS = ("name", "description")


def web_edited_fields() -> set[tuple[int, str]]:
    """(department id, field) of every shared field an admin edited on the web."""
    rows = db.session.execute(
        db.select(AdminEvent.department_id, AdminEvent.field)
        .where(
            AdminEvent.kind == "department_edited",
            AdminEvent.field.in_(SHARED_FIELDS),
        )
        .distinct()
    )
    return {(department_id, field) for department_id, field in rows}


def load_departments(
    path: str | Path, *, overwrite_web_edits: bool = False
) -> DepartmentLoadResult:
    """Create or update one Department per catalog entry, matched by slug.

    A name or description an admin changed on the web is kept (the database is
    where web edits live) unless ``overwrite_web_edits``; routing keywords and
    examples always come from the file.
    """
    catalog = load_catalog(path)
    existing = {
        department.slug: department
        for department in db.session.scalars(db.select(Department))
    }
    edited = set() if overwrite_web_edits else web_edited_fields()
    created = updated = unchanged = kept = 0
    for entry in catalog.departments:
        department = existing.get(entry.slug)
        is_new = department is None
        if department is None:
            department = Department(slug=entry.slug)
            db.session.add(department)
            created += 1
        wanted: dict[str, object] = {
            "keywords": list(entry.keywords),
            "examples": list(entry.examples),
        }
        for field in SHARED_FIELDS:
            if (department.id, field) in edited:
                kept += 1
            else:
                wanted[field] = getattr(entry, field)
        changed = {
            field: value
            for field, value in wanted.items()
            if getattr(department, field) != value
        }
        for field, value in changed.items():
            setattr(department, field, value)
        if not is_new and changed:
            updated += 1
        elif not is_new:
            unchanged += 1
    db.session.flush()
    return DepartmentLoadResult(created, updated, kept, unchanged)


def count_rows(model: type) -> int:
    """How many rows a table holds."""
    return db.session.scalar(db.select(func.count()).select_from(model)) or 0
