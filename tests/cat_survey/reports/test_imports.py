"""Importing another tool's CSV export: stored answers, refused rows, clear errors."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from helpers import DATA_DIR

from analysis.scores import nps
from cat_survey.db import db
from cat_survey.models import SurveyResponse
from cat_survey.reports.imports import ImportFileError, import_responses, parse_date
from cat_survey.reports.queries import Filters, nps_series

HISTORY = str(DATA_DIR / "import_history.csv")
HISTORY_MAP = (
    "date=Response Date,score=How likely to recommend,text=Comment,"
    "segment=Customer tier,customer_ref=Account"
)


@pytest.fixture
def survey(make_survey) -> str:
    """The relationship NPS survey, loaded."""
    return make_survey("relationship-nps")


def run_import(runner, path: str, mapping: str, *extra: str, slug="relationship-nps"):
    return runner.invoke(
        args=["import-responses", path, "--survey", slug, "--map", mapping, *extra]
    )


def imported() -> list[SurveyResponse]:
    return list(
        db.session.scalars(
            db.select(SurveyResponse)
            .filter_by(channel="import")
            .order_by(SurveyResponse.completed_at, SurveyResponse.id)
        )
    )


def test_import_stores_rows_as_complete_responses_and_lists_refused_rows(
    runner, survey
):
    result = run_import(runner, HISTORY, HISTORY_MAP)

    assert result.exit_code == 0, result.output
    assert "imported 6 response(s), refused 4 row(s)" in result.output
    assert (
        "row 5: column 'How likely to recommend': Please choose a whole number "
        "from 0 to 10." in result.output
    )
    assert "row 6: column 'Response Date': 'not a date' is not a date" in result.output
    assert "row 7: no answer in the mapped columns" in result.output
    assert "row 8: column 'Response Date': date '03/04/2023' is ambiguous" in (
        result.output
    )
    responses = imported()
    assert [r.completed_at for r in responses[:3]] == [
        datetime(2023, 1, 15, tzinfo=UTC),
        datetime(2023, 1, 20, 14, 5, tzinfo=UTC),
        datetime(2023, 2, 15, tzinfo=UTC),
    ]
    assert {r.status for r in responses} == {"complete"}
    assert [(r.segment, r.customer_ref) for r in responses[:2]] == [
        ("enterprise", "ACME-1"),
        ("smb", "B-22"),
    ]
    assert responses[0].hidden == {"segment": "enterprise", "customer_ref": "ACME-1"}


def test_free_text_goes_to_the_follow_up_the_score_would_have_asked(runner, survey):
    run_import(runner, HISTORY, HISTORY_MAP)

    answers = {
        r.customer_ref: {
            a.question_id: a.text_value or a.number_value for a in r.answers
        }
        for r in imported()
    }

    assert answers["ACME-1"] == {"nps": 9, "value_most": "Great onboarding and support"}
    assert answers["B-22"] == {"nps": 3, "fix_first": "Invoices are always wrong"}
    assert answers["C-3"] == {"nps": 7}
    assert answers["H-8"]["value_most"] == (
        "Support fixed it the same day,\nand called back to check"
    )


def test_imported_answers_count_on_the_dashboard_like_any_other(runner, survey):
    run_import(runner, HISTORY, HISTORY_MAP)

    series = nps_series(
        Filters(start=date(2023, 1, 1), end=date(2023, 3, 31), period="month")
    )

    assert [period.result for period in series] == [
        nps([9, 3]),
        nps([7]),
        nps([10, 10, 10]),
    ]


def test_importing_the_same_file_twice_stores_it_once(runner, survey):
    run_import(runner, HISTORY, HISTORY_MAP)

    again = run_import(runner, HISTORY, HISTORY_MAP)

    assert again.exit_code == 0, again.output
    assert "imported 0 response(s), refused 10 row(s)" in again.output
    assert "row 11: already imported before" in again.output
    assert "nothing new: 6 row(s) were already imported" in again.output
    assert "no row was imported" not in again.output
    # The two identical rows 10 and 11 are two customers, not one imported twice.
    assert len(imported()) == 6


def test_a_file_whose_rows_are_all_refused_fails(runner, survey, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Date,Score\nyesterday,9\n2023-01-05,eleven\n", encoding="utf-8")

    result = run_import(runner, str(path), "date=Date,score=Score")

    assert result.exit_code == 1
    assert "no row was imported" in result.output
    assert "nothing new" not in result.output


def test_a_question_can_be_named_by_its_id(runner, survey):
    result = run_import(
        runner,
        HISTORY,
        "nps=How likely to recommend,fix_first=Comment,date=Response Date",
    )

    assert result.exit_code == 0, result.output
    stored = {a.question_id for r in imported() for a in r.answers}
    assert stored == {"nps", "fix_first"}


def test_a_semicolon_file_with_day_first_dates_imports(runner, survey):
    result = run_import(
        runner,
        str(DATA_DIR / "import_semicolon.csv"),
        "date=datum,score=NPS,segment=Segment",
    )

    assert result.exit_code == 0, result.output
    assert "imported 3 response(s), refused 0 row(s)" in result.output
    assert [r.completed_at for r in imported()][-1] == datetime(
        2023, 2, 28, 17, 30, tzinfo=UTC
    )


def test_a_date_format_resolves_ambiguous_dates(runner, survey, tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("When,Score\n03/04/2023,9\n", encoding="utf-8")

    result = run_import(
        runner, str(path), "date=When,score=Score", "--date-format", "%m/%d/%Y"
    )

    assert result.exit_code == 0, result.output
    assert imported()[0].completed_at == datetime(2023, 3, 4, tzinfo=UTC)


def test_an_oversized_cell_is_refused_with_its_line(runner, survey, tmp_path):
    path = tmp_path / "big.csv"
    big = "x" * 200_000  # over the csv module's 131,072-character field limit
    path.write_text(f"Date,Score,Text\n2023-01-02,9,ok\n2023-01-03,3,{big}\n")

    result = run_import(runner, str(path), "date=Date,score=Score,text=Text")

    assert result.exit_code == 1
    assert f"{path}, line 3: cannot read this row" in result.output
    assert "longer than 131,072 characters" in result.output
    assert imported() == []


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(runner, survey):
    result = run_import(
        runner, str(DATA_DIR / "import_latin1.csv"), "date=Date,score=Score"
    )

    assert result.exit_code == 1
    assert "not UTF-8 text (byte 0xe8 at position 34)" in result.output
    assert "save it as 'CSV UTF-8'" in result.output
    assert imported() == []


@pytest.mark.parametrize(
    ("mapping", "slug", "message"),
    [
        ("date=Response Date,colour=Comment", "relationship-nps",
         "--map key 'colour' is neither date, score, text"),
        ("date=Response Date,score=Nope", "relationship-nps",
         "the file has no column 'Nope'; its columns are 'Response Date'"),
        ("score=How likely to recommend", "relationship-nps", "--map needs date="),
        ("date=Response Date,score", "relationship-nps", "--map expects key=Column"),
        ("date=Response Date,score=Comment,nps=Account", "relationship-nps",
         "--map maps question 'nps' twice"),
        ("date=Response Date,score=Comment", "product-usability",
         "survey product-usability has no NPS question"),
        ("date=Response Date,score=Comment", "nope", "there is no survey 'nope'"),
    ],
)  # fmt: skip
def test_mapping_problems_stop_the_import_before_anything_is_stored(
    runner, make_survey, mapping, slug, message
):
    make_survey("relationship-nps")
    make_survey("product-usability")

    result = run_import(runner, HISTORY, mapping, slug=slug)

    assert result.exit_code == 1
    assert message in result.output
    assert imported() == []


def test_dates_in_the_future_are_refused(app_ctx, survey, tmp_path):
    path = tmp_path / "future.csv"
    path.write_text("Date,Score\n2024-01-01,9\n2024-03-01,9\n", encoding="utf-8")

    report = import_responses(
        path,
        "relationship-nps",
        {"date": "Date", "score": "Score"},
        now=datetime(2024, 2, 1, tzinfo=UTC),
    )

    assert report.imported == 1
    assert [(r.row, r.reason) for r in report.refused] == [
        (3, "column 'Date': 2024-03-01 is in the future")
    ]


def test_an_empty_file_has_no_header(app_ctx, survey, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(ImportFileError, match="the file is empty"):
        import_responses(path, "relationship-nps", {"date": "Date"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-31", datetime(2024, 5, 31, tzinfo=UTC)),
        ("2024-05-31T10:15:00Z", datetime(2024, 5, 31, 10, 15, tzinfo=UTC)),
        ("2024-05-31T10:15:00+09:00", datetime(2024, 5, 31, 1, 15, tzinfo=UTC)),
        ("2024-05-31 10:15", datetime(2024, 5, 31, 10, 15, tzinfo=UTC)),
        ("2024/05/31", datetime(2024, 5, 31, tzinfo=UTC)),
        ("31.05.2024", datetime(2024, 5, 31, tzinfo=UTC)),
        ("31/05/2024", datetime(2024, 5, 31, tzinfo=UTC)),
        ("05/31/2024 08:00", datetime(2024, 5, 31, 8, tzinfo=UTC)),
        ("04/04/2024", datetime(2024, 4, 4, tzinfo=UTC)),
        ("31 May 2024", datetime(2024, 5, 31, tzinfo=UTC)),
        ("May 31, 2024", datetime(2024, 5, 31, tzinfo=UTC)),
        ("2024年5月31日", datetime(2024, 5, 31, tzinfo=UTC)),
    ],
)
def test_parse_date_reads_iso_and_common_formats_as_utc(text, expected):
    parsed = parse_date(text)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the date is empty"),
        ("03/04/2024", "is ambiguous"),
        ("31/31/2024", "is not a date"),
        ("yesterday", "is not a date; use 2024-05-31 (ISO) or pass --date-format"),
    ],
)
def test_parse_date_explains_what_it_cannot_read(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_date(text)
