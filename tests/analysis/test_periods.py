"""Calendar periods: the date arithmetic every page's months and quarters share."""

from datetime import date

import pytest

from analysis.periods import period_label, periods_between, same_day, shift_period


@pytest.mark.parametrize(
    ("start", "end", "period", "labels"),
    [
        (date(2024, 12, 28), date(2025, 1, 7), "week",
         ["2024-W52", "2025-W01", "2025-W02"]),
        (date(2024, 11, 30), date(2025, 2, 1), "month",
         ["2024-11", "2024-12", "2025-01", "2025-02"]),
        (date(2024, 2, 15), date(2024, 8, 1), "quarter",
         ["2024 Q1", "2024 Q2", "2024 Q3"]),
        (date(2024, 5, 1), date(2024, 5, 1), "month", ["2024-05"]),
    ],
)  # fmt: skip
def test_periods_between_covers_every_period_touched_by_the_range(
    start, end, period, labels
):
    periods = periods_between(start, end, period)
    assert [period_label(p, period) for p in periods] == labels


@pytest.mark.parametrize(
    ("start", "period", "count", "expected"),
    [
        (date(2024, 11, 1), "month", 3, date(2025, 2, 1)),
        (date(2024, 1, 1), "month", -1, date(2023, 12, 1)),
        (date(2024, 1, 1), "quarter", -5, date(2022, 10, 1)),
        (date(2024, 1, 1), "week", -1, date(2023, 12, 25)),
    ],
)
def test_shift_period_moves_by_whole_periods(start, period, count, expected):
    assert shift_period(start, period, count) == expected


@pytest.mark.parametrize(
    ("day", "period", "count", "expected"),
    [
        (date(2024, 11, 30), "quarter", -1, date(2024, 8, 31)),  # month end to end
        (date(2024, 11, 29), "quarter", -1, date(2024, 8, 29)),
        (date(2024, 8, 31), "quarter", 1, date(2024, 11, 30)),
        (date(2024, 3, 31), "month", -1, date(2024, 2, 29)),
        (date(2024, 1, 30), "month", 1, date(2024, 2, 29)),
        (date(2024, 2, 29), "year", 1, date(2025, 2, 28)),
        (date(2025, 2, 28), "year", -1, date(2024, 2, 29)),  # last day stays last
        (date(2024, 12, 4), "week", -1, date(2024, 11, 27)),
    ],
)
def test_same_day_keeps_month_ends_at_month_ends(day, period, count, expected):
    assert same_day(day, period, count) == expected
