"""One CSV reader for every file handed to cat-survey: same rules, same messages."""

import pytest

from analysis.csv_input import InputError, parse_csv, read_csv, read_rows


@pytest.mark.parametrize(
    ("data", "header", "rows"),
    [
        (b"ref,name\nC-1,Aiko\n", ["ref", "name"], [["C-1", "Aiko"]]),
        (b"ref;name\nC-1;Aiko\n", ["ref", "name"], [["C-1", "Aiko"]]),
        (b"ref\tname\nC-1\tAiko\n", ["ref", "name"], [["C-1", "Aiko"]]),
        ("\ufeff ref , name\nC-1,Aiko\n".encode(), ["ref", "name"], [["C-1", "Aiko"]]),
        (b'ref,note\nC-1,"two\nlines"\n', ["ref", "note"], [["C-1", "two\nlines"]]),
    ],
)
def test_excel_and_european_exports_are_read_alike(data, header, rows):
    table = parse_csv(data, "customers.csv")
    assert (table.header, table.rows) == (header, rows)


def test_a_short_row_gets_empty_cells():
    table = parse_csv(b"ref,name,plan\nC-1,Aiko\n", "customers.csv")
    assert table.records() == [{"ref": "C-1", "name": "Aiko", "plan": ""}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "customers.csv: the file is empty (a header row is needed)"),
        (b" , \nC-1,Aiko\n", "customers.csv: the file is empty"),
        (b"ref\ncaf\xe9\n", "customers.csv: not UTF-8 text (byte 0xe9 at position 7)"),
        (
            b"ref\n" + b"x" * 200_000 + b"\n",
            "customers.csv, line 2: cannot read this row",
        ),
    ],
)
def test_a_file_that_cannot_be_read_names_the_file_and_line(data, message):
    with pytest.raises(InputError) as refused:
        parse_csv(data, "customers.csv")
    assert message in str(refused.value)


def test_a_missing_file_and_a_missing_column_are_named(tmp_path):
    with pytest.raises(InputError, match=r"nowhere\.csv: no such file"):
        read_csv(tmp_path / "nowhere.csv")
    answers = tmp_path / "answers.csv"
    answers.write_text("comment\nslow app\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column 'text'; columns are comment"):
        read_rows(str(answers), ["text"])
    assert read_rows(str(answers), ["comment", None]) == [{"comment": "slow app"}]
