"""CSV exports: cells that a spreadsheet would run as formulas are neutralised."""

import csv
import io

import pytest

from cat_survey.exports import csv_response, csv_safe, csv_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("slow support", "slow support"),
        ("a=b", "a=b"),
        # A semicolon-locale spreadsheet may start a new cell after ; or ,
        ('fine;=HYPERLINK("http://evil")', 'fine;\'=HYPERLINK("http://evil")'),
        ("ok, =1+1", "ok, '=1+1"),
        ("a;+1;-2,@x", "a;'+1;'-2,'@x"),
        ("=1;=2", "'=1;'=2"),
        ("3,5 stars; good", "3,5 stars; good"),
        ("", ""),
        (None, ""),
        (-12.5, -12.5),
        (42, 42),
    ],
)
def test_csv_safe_quotes_text_that_starts_a_formula_and_keeps_numbers(value, expected):
    assert csv_safe(value) == expected


def test_csv_text_applies_csv_safe_to_header_and_every_cell():
    text = csv_text(["Group", "-NPS"], [["=cmd|'/c calc'!A1", -3.5], ["smb", None]])

    rows = list(csv.reader(io.StringIO(text)))

    assert rows == [
        ["Group", "'-NPS"],
        ["'=cmd|'/c calc'!A1", "-3.5"],
        ["smb", ""],
    ]


def test_csv_text_quotes_every_cell_numbers_included():
    text = csv_text(["Group", "n"], [["a;b, c", 3], ["x;=1", None]])

    assert text == '"Group","n"\r\n"a;b, c","3"\r\n"x;\'=1",""\r\n'


def test_csv_response_is_an_uncached_utf8_attachment_excel_can_read():
    response = csv_response(["Segment", "n"], [["日本", 3]], "nps-month.csv")

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=nps-month.csv"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith("\ufeff".encode())
    assert response.data.decode("utf-8-sig") == '"Segment","n"\r\n"日本","3"\r\n'


def test_csv_response_encodes_a_non_ascii_file_name():
    response = csv_response(["n"], [], "nps-日本.csv")

    assert (
        "filename*=UTF-8''nps-%E6%97%A5%E6%9C%AC.csv"
        in (response.headers["Content-Disposition"])
    )
