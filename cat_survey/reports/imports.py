"""Historical answers from another survey tool's CSV export, stored as responses.

A CX lead who moves to cat-survey wants to compare this year with last year, whose
answers live in another tool. :func:`import_responses` reads that tool's CSV export
and stores each row as a complete response (``channel='import'``) to the survey's
latest version, dated by the row, so the dashboard counts it like any other.

Every value goes through the survey's own answer check
(:func:`cat_survey.domain.flow.clean_answer`), so an imported score is exactly as
valid as one given in a conversation. A row that cannot be stored is refused with
its row number and the reason; the other rows are kept. Each row gets a token that
is a keyed hash of its content, so importing the same file twice stores it once.
"""

import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app

from analysis.csv_input import InputError
from analysis.csv_input import read_csv as read_table
from cat_survey.catalog import definition_of, latest_version
from cat_survey.db import db
from cat_survey.definitions import Question, SurveyDefinition
from cat_survey.domain.flow import (
    AnswerError,
    AnswerValue,
    applicable_questions,
    clean_answer,
)
from cat_survey.domain.responses import clean_hidden
from cat_survey.models import (
    Answer,
    ResponseStatus,
    Survey,
    SurveyResponse,
    SurveyVersion,
    utcnow,
)

#: Keys that name something other than a question id or a hidden field.
SPECIAL_KEYS = ("date", "score", "text", "segment", "customer_ref")
TOKEN_PREFIX = "import-"  # nosec B105 - a token prefix, not a password
#: Dates people write besides ISO 8601 (which is always tried first).
DATE_FORMATS = (
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%Y年%m月%d日",
)
SLASHED_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
TOKEN_CHUNK = 500


class ImportFileError(ValueError):
    """The file or the mapping cannot be used at all; nothing was imported."""


@dataclass(frozen=True)
class RefusedRow:
    """A row that was not imported: its number in the file (header = 1) and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    survey: str
    version: int
    imported: int
    refused: tuple[RefusedRow, ...]
    #: How many of the refused rows were stored by an earlier import of the file.
    already_imported: int = 0


@dataclass(frozen=True)
class PreparedRow:
    """A checked row, ready to be stored unless it was imported before."""

    number: int
    token: str
    answered_at: datetime
    segment: str | None
    customer_ref: str | None
    hidden: dict[str, str]
    answers: dict[str, AnswerValue]


@dataclass(frozen=True)
class ColumnMap:
    """Which column feeds what: the date, answers, the free text and hidden fields."""

    date: tuple[int, str]
    answers: tuple[tuple[Question, int, str], ...]
    text: tuple[int, str] | None
    hidden: tuple[tuple[str, int], ...]


def parse_mapping(options: Iterable[str]) -> dict[str, str]:
    """``["score=NPS,date=Date", "segment=Tier"]`` as ``{"score": "NPS", ...}``."""
    mapping: dict[str, str] = {}
    for option in options:
        for pair in option.split(","):
            if not pair.strip():
                continue
            key, equals, column = pair.partition("=")
            key, column = key.strip(), column.strip()
            if not equals or not key or not column:
                raise ImportFileError(
                    f"--map expects key=Column pairs separated by commas, got {pair!r}"
                )
            if key in mapping:
                raise ImportFileError(f"--map names {key!r} twice")
            mapping[key] = column
    return mapping


def parse_date(text: str, *, date_format: str | None = None) -> datetime:
    """A date or date-time from a CSV cell, as an aware UTC datetime.

    Tries ISO 8601 and common formats; 03/04/2024 is refused as ambiguous unless
    ``date_format`` says which is the day. Values without a zone are taken as UTC.
    """
    text = text.strip()
    if not text:
        raise ValueError("the date is empty")
    if date_format:
        try:
            parsed = datetime.strptime(text, date_format)
        except ValueError:
            raise ValueError(f"date {text!r} does not match {date_format!r}") from None
        return as_utc(parsed)
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    for candidate in DATE_FORMATS:
        try:
            return as_utc(datetime.strptime(text, candidate))
        except ValueError:
            continue
    if match := SLASHED_DATE.match(text):
        return as_utc(slashed_date(match, text))
    raise ValueError(
        f"{text!r} is not a date; use 2024-05-31 (ISO) or pass --date-format"
    )


def slashed_date(match: re.Match[str], text: str) -> datetime:
    """Day/month/year or month/day/year, whichever the numbers allow."""
    first, second, year = (int(match.group(i)) for i in (1, 2, 3))
    hours, minutes, seconds = (int(match.group(i) or 0) for i in (4, 5, 6))
    if first > 12 >= second:
        day, month = first, second
    elif second > 12 >= first or first == second:
        day, month = second, first
    else:
        raise ValueError(
            f"date {text!r} is ambiguous (day/month or month/day?); pass "
            "--date-format %d/%m/%Y or --date-format %m/%d/%Y"
        )
    try:
        return datetime(year, month, day, hours, minutes, seconds)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date: {error}") from None


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken as UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def read_csv(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV file, read by the rules of every CSV here."""
    try:
        table = read_table(path)
    except InputError as error:
        raise ImportFileError(str(error)) from None
    return table.header, table.rows


def column_index(header: Sequence[str], column: str) -> int:
    """Where a column is, matched exactly or else ignoring case."""
    if header.count(column) > 1:
        raise ImportFileError(f"column {column!r} appears more than once in the file")
    if column in header:
        return header.index(column)
    folded = [
        index for index, name in enumerate(header) if name.lower() == column.lower()
    ]
    if len(folded) == 1:
        return folded[0]
    raise ImportFileError(
        f"the file has no column {column!r}; its columns are "
        + ", ".join(repr(name) for name in header)
    )


def column_map(
    definition: SurveyDefinition, mapping: Mapping[str, str], header: Sequence[str]
) -> ColumnMap:
    """Check each ``--map`` key against the survey and each column against the file."""
    if "date" not in mapping:
        raise ImportFileError(
            "--map needs date=<column>: the day each answer was given"
        )
    answers: list[tuple[Question, int, str]] = []
    hidden: list[tuple[str, int]] = []
    text = None
    for key, column in mapping.items():
        index = column_index(header, column)
        if key == "date":
            continue
        if key == "text":
            if not any(q.type == "text" for q in definition.questions):
                raise ImportFileError(f"survey {definition.slug} has no text question")
            text = (index, column)
        elif key in ("segment", "customer_ref") or key in definition.hidden:
            hidden.append((key, index))
        elif question := mapped_question(definition, key):
            answers.append((question, index, column))
        else:
            raise ImportFileError(unknown_key_message(definition, key))
    questions = [question.id for question, _, _ in answers]
    if duplicated := [qid for qid, count in Counter(questions).items() if count > 1]:
        raise ImportFileError(f"--map maps question {duplicated[0]!r} twice")
    return ColumnMap(
        (column_index(header, mapping["date"]), mapping["date"]),
        tuple(answers),
        text,
        tuple(hidden),
    )


def mapped_question(definition: SurveyDefinition, key: str) -> Question | None:
    """The question a key names: ``score`` is the first NPS question, else an id."""
    if key == "score":
        question = next((q for q in definition.questions if q.type == "nps"), None)
        if question is None:
            raise ImportFileError(
                f"survey {definition.slug} has no NPS question for score=; "
                "name the question instead (<question id>=<column>)"
            )
        return question
    return definition.question(key)


def unknown_key_message(definition: SurveyDefinition, key: str) -> str:
    """Why a key of ``--map`` is unknown, with the keys this survey knows."""
    questions = ", ".join(q.id for q in definition.questions)
    fields = ", ".join(definition.hidden) or "none"
    return (
        f"--map key {key!r} is neither {', '.join(SPECIAL_KEYS)}, a question of "
        f"{definition.slug} ({questions}) nor one of its hidden fields ({fields})"
    )


def row_date(
    columns: ColumnMap,
    cells: Sequence[str],
    date_format: str | None,
    latest_allowed: datetime,
) -> datetime:
    """When the row's answers were given; raises ValueError naming the column."""
    index, column = columns.date
    try:
        answered_at = parse_date(cell(cells, index), date_format=date_format)
    except ValueError as error:
        raise ValueError(f"column {column!r}: {error}") from None
    if answered_at > latest_allowed:
        raise ValueError(f"column {column!r}: {answered_at:%Y-%m-%d} is in the future")
    return answered_at


def row_answers(
    definition: SurveyDefinition,
    columns: ColumnMap,
    cells: Sequence[str],
    hidden: Mapping[str, str],
) -> dict[str, AnswerValue]:
    """The row's answers, checked like a conversation's; raises ValueError."""
    answers: dict[str, AnswerValue] = {}
    for question, index, column in columns.answers:
        raw = cell(cells, index)
        if not raw:
            continue
        given: AnswerValue = raw
        if question.type == "multi_choice":
            given = [part.strip() for part in raw.split(";")]
        try:
            answers[question.id] = clean_answer(question, given)
        except AnswerError as error:
            raise ValueError(f"column {column!r}: {error}") from None
    if columns.text is not None and (raw := cell(cells, columns.text[0])):
        question = text_question(definition, answers, hidden)
        try:
            answers[question.id] = clean_answer(question, raw)
        except AnswerError as error:
            raise ValueError(f"column {columns.text[1]!r}: {error}") from None
    if not any(value is not None for value in answers.values()):
        raise ValueError("no answer in the mapped columns")
    return answers


def text_question(
    definition: SurveyDefinition,
    answers: Mapping[str, AnswerValue],
    hidden: Mapping[str, str],
) -> Question:
    """The free-text question this customer would have been asked after ``answers``.

    A detractor's comment goes to the detractors' follow-up, a promoter's to the
    promoters', as the conversation would have routed it.
    """
    texts = [q for q in definition.questions if q.type == "text"]
    applicable = applicable_questions(definition, answers, hidden)
    return next(
        (q for q in applicable if q.type == "text" and q.id not in answers), texts[0]
    )


def cell(cells: Sequence[str], index: int) -> str:
    """A cell's text, stripped; empty where a short row has no such cell."""
    return cells[index].strip() if index < len(cells) else ""


def row_token(survey: Survey, cells: Sequence[str], occurrence: int) -> str:
    """A token that is the same for the same row of the same file, and unguessable.

    Identical rows (same day, same score, no comment) are common, so the n-th copy
    of a row in a file gets its own token instead of being taken for a re-import.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = json.dumps([survey.slug, list(cells), occurrence]).encode()
    return TOKEN_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:48]


def existing_tokens(tokens: Sequence[str]) -> set[str]:
    """Which of these tokens are already stored."""
    found: set[str] = set()
    for start in range(0, len(tokens), TOKEN_CHUNK):
        chunk = tokens[start : start + TOKEN_CHUNK]
        found.update(
            db.session.scalars(
                db.select(SurveyResponse.token).where(SurveyResponse.token.in_(chunk))
            )
        )
    return found


def import_responses(
    path: str | Path,
    survey_slug: str,
    mapping: Mapping[str, str],
    *,
    date_format: str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Store each row of a CSV export as a complete response; the caller commits.

    Parameters
    ----------
    path
        A UTF-8 CSV file with a header row.
    survey_slug
        The survey the answers belong to; they answer its latest version.
    mapping
        ``--map`` keys to column names: ``date`` (required), ``score`` (the first
        NPS question), ``text`` (the free-text question the customer would have
        been asked), ``segment``, ``customer_ref``, any question id or hidden field.
    date_format
        A ``strptime`` format for the date column when it is not ISO 8601.
    now
        The present, after which no answer can have been given.

    Raises
    ------
    ImportFileError
        When the file, the survey or the mapping cannot be used; nothing is stored.
    """
    survey = db.session.scalar(db.select(Survey).filter_by(slug=survey_slug))
    if survey is None or (version := latest_version(survey)) is None:
        raise ImportFileError(f"there is no survey {survey_slug!r}; load it first")
    definition = definition_of(version)
    header, rows = read_csv(path)
    columns = column_map(definition, mapping, header)
    latest_allowed = (now or utcnow()) + timedelta(days=1)

    seen: Counter[tuple[str, ...]] = Counter()
    refused: list[RefusedRow] = []
    prepared: list[PreparedRow] = []
    for number, cells in enumerate(rows, start=2):
        if not any(value.strip() for value in cells):
            continue  # blank lines are layout, not refused rows
        seen[tuple(cells)] += 1
        try:
            answered_at = row_date(columns, cells, date_format, latest_allowed)
            given = {key: cell(cells, index) for key, index in columns.hidden}
            hidden = clean_hidden(definition, given)
            answers = row_answers(definition, columns, cells, hidden)
        except ValueError as error:
            refused.append(RefusedRow(number, str(error)))
            continue
        prepared.append(
            PreparedRow(
                number=number,
                token=row_token(survey, cells, seen[tuple(cells)]),
                answered_at=answered_at,
                segment=hidden.get("segment") or None,
                customer_ref=hidden.get("customer_ref") or None,
                hidden=hidden,
                answers=answers,
            )
        )

    already = existing_tokens([row.token for row in prepared])
    imported = already_imported = 0
    for row in prepared:
        if row.token in already:
            refused.append(RefusedRow(row.number, "already imported before"))
            already_imported += 1
            continue
        db.session.add(imported_response(survey, version, definition, row))
        imported += 1
    db.session.flush()
    refused.sort(key=lambda refusal: refusal.row)
    return ImportReport(
        survey.slug, version.number, imported, tuple(refused), already_imported
    )


def imported_response(
    survey: Survey,
    version: SurveyVersion,
    definition: SurveyDefinition,
    row: PreparedRow,
) -> SurveyResponse:
    """A complete response holding one row's answers, dated by the row."""
    response = SurveyResponse(
        survey=survey,
        version=version,
        token=row.token,
        status=ResponseStatus.COMPLETE,
        customer_ref=row.customer_ref[:200] if row.customer_ref else None,
        segment=row.segment[:100] if row.segment else None,
        hidden=row.hidden,
        locale=definition.locale,
        channel="import",
        started_at=row.answered_at,
        completed_at=row.answered_at,
    )
    # row_answers keyed the answers by the definition's own questions.
    questions = {question.id: question for question in definition.questions}
    for position, (question_id, value) in enumerate(row.answers.items()):
        question = questions[question_id]
        response.answers.append(
            Answer(
                question_id=question_id,
                question_type=question.type,
                position=position,
                **Answer.columns_for(value),
                answered_at=row.answered_at,
            )
        )
    return response
